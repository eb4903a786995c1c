package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"masthead"
)

// explainSQLiteOpen turns SQLite's terse "unable to open database file"
// into what the operator must fix when the cause can be told: a directory
// that cannot be written (a read-only mount, or permissions), where SQLite
// must create its -wal and -shm files even to read.
func explainSQLiteOpen(path string, err error) error {
	dir := filepath.Dir(path)
	if aerr := syscall.Access(dir, 2 /* W_OK */); aerr != nil {
		why := "is not writable by this user"
		if errors.Is(aerr, syscall.EROFS) {
			why = "is on a read-only file system"
		}
		return errors.Join(masthead.Errorf(masthead.EUNAVAILABLE,
			"the database directory %s %s: SQLite writes its -wal and -shm files beside %s even to read, so Masthead needs it writable", dir, why, filepath.Base(path)),
			fmt.Errorf("store: open sqlite %s: %w", path, err))
	}
	if _, serr := os.Stat(path); serr == nil {
		if aerr := syscall.Access(path, 2); aerr != nil {
			return errors.Join(masthead.Errorf(masthead.EUNAVAILABLE,
				"the database file %s is read-only for this user: make it writable", path),
				fmt.Errorf("store: open sqlite %s: %w", path, err))
		}
	}
	return fmt.Errorf("store: open sqlite %s: %w", path, err)
}
