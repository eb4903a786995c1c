package store

import (
	"context"
	"fmt"
)

// RunMigrationAgain runs one migration's SQL on db again, in a
// transaction, so a test can make the state before it and check what it
// does with existing rows. The test undoes the migration's schema first.
func (db *DB) RunMigrationAgain(ctx context.Context, version int) error {
	ms, err := db.d.migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.version != version {
			continue
		}
		return db.write(ctx, func(t *tx) error {
			_, err := t.ExecContext(ctx, m.sql)
			return err
		})
	}
	return fmt.Errorf("no migration %d", version)
}

// ExecForTest runs a statement written with ? placeholders on the writer.
func (db *DB) ExecForTest(ctx context.Context, query string, args ...any) error {
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, query, args...)
		return err
	})
}
