package store

import (
	"context"
	"fmt"
)

// bulkMinArticles is the smallest load BulkLoad defers indexing for.
var bulkMinArticles = 1000

// BulkLoad runs load, which writes about n articles (the demo library, an
// import), in the bulk mode where the engine gains by it: the articles
// are written without being indexed, and the index is then rebuilt as
// Reindex does, calling progress after each batch. That is on PostgreSQL,
// and only for a load of at least 1,000 articles and half the library
// already there, since the rebuild indexes every article again. Elsewhere
// load runs as it is, indexing as it writes.
//
// The index is marked as needing a rebuild while the load runs; if load
// fails or the process dies, it stays so (serve warns) until a reindex or
// another bulk load ends. Searches meanwhile find the articles indexed
// before the load.
func (db *DB) BulkLoad(ctx context.Context, n int, load func(ctx context.Context) error, progress func(done, total int)) (deferred bool, err error) {
	if !db.d.bulkDefersIndex || n < bulkMinArticles {
		return false, load(ctx)
	}
	var have int
	if err := db.r.row(ctx, `SELECT COUNT(*) FROM articles`).Scan(&have); err != nil {
		return false, fmt.Errorf("store: bulk load: %w", err)
	}
	if n < have/2 {
		return false, load(ctx)
	}
	err = db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE search_state SET built = 0 WHERE id = 1`)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: bulk load: %w", err)
	}
	db.deferIndex.Store(true)
	err = load(ctx)
	db.deferIndex.Store(false)
	if err != nil {
		return true, err
	}
	return true, db.Reindex(ctx, progress)
}
