package main

import (
	"context"
	"database/sql"
	"strings"

	"masthead/search"
)

// plainRanking ranks every match of a query by the engine's own ranking
// function with its default settings, as an engine used out of the box
// would, and returns the best fifty slugs: the reference the store's
// ranking is measured against. It reads the store's full-text index
// directly (the whole text of each story, as a subscriber's search), so
// the words matched are the store's.
type plainRanking func(ctx context.Context, query string) ([]string, error)

// openPlainRanking returns the plain ranking of the database at dsn:
// FTS5's bm25 with every column weighted alike on SQLite, ts_rank_cd
// with its default weights and no normalisation on PostgreSQL.
func openPlainRanking(dsn string) (plainRanking, func(), error) {
	driver, source, stmt := "pgx", dsn, `WITH q AS (SELECT plainto_tsquery('english', $1) AS q)
		SELECT a.slug FROM q, search_vectors v JOIN articles a ON a.id = v.article_id
		WHERE v.doc @@ q.q ORDER BY ts_rank_cd(v.doc, q.q) DESC, a.id DESC LIMIT 50`
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, source, stmt = "sqlite", "file:"+path+"?mode=ro", `SELECT a.slug FROM search_fts f JOIN articles a ON a.id = f.rowid
			WHERE search_fts MATCH ? ORDER BY bm25(search_fts), a.id DESC LIMIT 50`
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		return nil, nil, err
	}
	rank := func(ctx context.Context, query string) ([]string, error) {
		arg := search.Normalize(query)
		if driver == "sqlite" {
			// Every word, each quoted: FTS5's implicit AND.
			words := search.Words(query)
			for i, w := range words {
				words[i] = `"` + w + `"`
			}
			arg = strings.Join(words, " ")
		}
		rows, err := db.QueryContext(ctx, stmt, arg)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var slug string
			if err := rows.Scan(&slug); err != nil {
				return nil, err
			}
			out = append(out, slug)
		}
		return out, rows.Err()
	}
	return rank, func() { db.Close() }, nil
}
