package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"masthead"
)

// Backup writes a consistent copy of a SQLite database to path while the
// database stays in use: VACUUM INTO reads one snapshot through a reader
// connection, so writers carry on meanwhile, and the copy is compact and
// has no WAL of its own. The copy is written beside path under a
// temporary name, checked with PRAGMA integrity_check and only then
// renamed into place, so path never holds half a backup. An existing file
// at path is refused. On PostgreSQL, Backup says to use pg_dump.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.d.name != "sqlite" {
		return masthead.Errorf(masthead.EINVALID,
			"backup copies SQLite databases; for PostgreSQL use its own tools, e.g. pg_dump --format=custom --file=masthead.dump DATABASE_URL (docs/operations.md)")
	}
	if _, err := os.Stat(path); err == nil {
		return masthead.Errorf(masthead.ECONFLICT, "%s exists already: choose a new file name", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: backup: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	// VACUUM INTO wants a file that does not exist (or is empty).
	os.Remove(tmpName)
	defer os.Remove(tmpName)
	if _, err := db.rdb.ExecContext(ctx, `VACUUM INTO ?`, tmpName); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := CheckSQLite(ctx, tmpName); err != nil {
		return fmt.Errorf("store: backup: the copy failed its check: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
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
