package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"

	"masthead"
)

// Backup writes a consistent copy of a SQLite database to path while the
// database stays in use: VACUUM INTO reads one snapshot through a reader
// connection, so writers carry on meanwhile, and the copy is compact and
// has no WAL of its own. The copy holds the database's secrets, so it is
// written as a SecretFile: into a new temporary file beside path, mode
// 0600, checked with PRAGMA integrity_check and only then linked into
// place, so path never holds half a backup and an existing file or link at
// path is refused, never overwritten or followed. On PostgreSQL, Backup
// says to use pg_dump.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.d.name != "sqlite" {
		return masthead.Errorf(masthead.EINVALID,
			"backup copies SQLite databases; for PostgreSQL use its own tools, e.g. pg_dump --format=custom --file=masthead.dump DATABASE_URL (docs/operations.md)")
	}
	f, err := CreateSecretFile(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	// VACUUM INTO writes into an existing file only if it is empty, as
	// this one is; it keeps the file's owner and mode.
	if _, err := db.rdb.ExecContext(ctx, `VACUUM INTO ?`, f.Name()); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := f.check(); err != nil {
		return err
	}
	if err := CheckSQLite(ctx, f.Name()); err != nil {
		return fmt.Errorf("store: backup: the copy failed its check: %w", err)
	}
	return f.Commit()
}

// CheckSQLite runs PRAGMA integrity_check on the SQLite file at path,
// read-only, and returns an error holding its findings unless it says ok.
func CheckSQLite(ctx context.Context, path string) error {
	db, err := openSQLiteReadOnly(path)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check of %s: %w", path, err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		found = append(found, s)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(found) == 1 && found[0] == "ok" {
		return nil
	}
	return fmt.Errorf("integrity check of %s: %v", path, found)
}

// openSQLiteReadOnly opens one read-only connection to the file at path.
func openSQLiteReadOnly(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	u := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", u)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// Pools returns the connection pool that takes writes and the one that
// serves reads, for their statistics; on PostgreSQL they are the same.
func (db *DB) Pools() (write, read *sql.DB) { return db.wdb, db.rdb }
