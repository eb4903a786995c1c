package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"masthead"
)

// A backup and an export hold every secret of the database (password
// hashes, signing keys, webhook secrets). Such a file is written so that
// no other user of the machine can read it or have it written for them:
//
//   - it is created beside its final path under a random temporary name
//     with O_EXCL and mode 0600, so nobody can have made that file (or a
//     symbolic link by its name) first, and nobody else can read it;
//   - it is put at its final path with a hard link, which fails if
//     anything is there (a file, a symbolic link, dangling or not), so an
//     existing file is never overwritten and a planted link never
//     followed, however late it was planted.

// SecretFile is a file being written to be put at a path once complete.
// Write to File, then Commit; Abort (safe after Commit) removes what is
// left of it.
type SecretFile struct {
	*os.File
	path string
	info os.FileInfo // the temporary file as created, to know it again
}

// CreateSecretFile starts a file to hold secrets at path, which must not
// exist: an existing file or symbolic link at path is a conflict.
func CreateSecretFile(path string) (*SecretFile, error) {
	if err := refuseExisting(path); err != nil {
		return nil, err
	}
	// CreateTemp opens with O_CREATE|O_EXCL and mode 0600.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("store: create %s: %w", path, err)
	}
	s := &SecretFile{File: f, path: path}
	// The umask can only take bits away; this says the mode outright.
	if err = f.Chmod(0o600); err == nil {
		s.info, err = f.Stat()
	}
	if err != nil {
		s.Abort()
		return nil, fmt.Errorf("store: create %s: %w", path, err)
	}
	return s, nil
}

// Commit flushes the file to disk and puts it at its path, refusing if
// something appeared there meanwhile or the temporary name no longer
// holds the file created.
func (s *SecretFile) Commit() error {
	err := s.Sync()
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: write %s: %w", s.path, err)
	}
	if err := s.check(); err != nil {
		return err
	}
	tmp := s.Name()
	if err := os.Link(tmp, s.path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return exists(s.path)
		}
		// A file system without hard links: rename, which replaces a
		// symbolic link rather than following it, after one more look.
		if err := refuseExisting(s.path); err != nil {
			return err
		}
		if err := os.Rename(tmp, s.path); err != nil {
			return fmt.Errorf("store: write %s: %w", s.path, err)
		}
		return nil
	}
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: write %s: %w", s.path, err)
	}
	return nil
}

// check makes sure the temporary name still holds the file this
// SecretFile created, with its mode: code that reopens the file by name
// (SQLite's VACUUM INTO) must have written to it, not to a replacement.
func (s *SecretFile) check() error {
	now, err := os.Lstat(s.Name())
	if err != nil {
		return fmt.Errorf("store: write %s: %w", s.path, err)
	}
	if !os.SameFile(s.info, now) || now.Mode().Perm() != 0o600 {
		return fmt.Errorf("store: write %s: the temporary file %s was replaced or its mode changed", s.path, s.Name())
	}
	return nil
}

// Abort closes and removes the temporary file; after Commit it does
// nothing harmful.
func (s *SecretFile) Abort() {
	s.Close()
	os.Remove(s.Name())
}

// refuseExisting is a conflict when anything, even a dangling symbolic
// link, is at path.
func refuseExisting(path string) error {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return exists(path)
	case errors.Is(err, fs.ErrNotExist):
		return nil
	}
	return fmt.Errorf("store: %s: %w", path, err)
}

func exists(path string) error {
	return masthead.Errorf(masthead.ECONFLICT, "%s exists already: choose a new file name", path)
}
