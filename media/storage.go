package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"masthead"
)

// Storage keeps an image's files by key. Keys are content-addressed, so a
// key once written is never written with other bytes.
type Storage interface {
	// Put stores data under key.
	Put(ctx context.Context, key, contentType string, data []byte) error
	// Open returns the file under key, or a masthead.Error with
	// ENOTFOUND.
	Open(ctx context.Context, key string) (Object, error)
	// Delete removes key; a key that is not there is no error.
	Delete(ctx context.Context, key string) error
}

// Object is a stored file being read. It seeks, so that a server can
// answer range requests.
type Object interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// keyRE is every key the pipeline writes: i/HASH-WxH[-w].EXT. Anything
// else is refused before it reaches a disk or a bucket.
var keyRE = regexp.MustCompile(`^i/[0-9a-f]{24}-[1-9][0-9]{0,4}x[1-9][0-9]{0,4}(-[1-9][0-9]{0,4})?\.(webp|jpg|png)$`)

// ValidKey reports whether key is one the pipeline writes.
func ValidKey(key string) bool { return keyRE.MatchString(key) }

func errNoFile() error { return masthead.Errorf(masthead.ENOTFOUND, "There is no such image.") }

// Dir keeps files in a local directory, one file per key.
type Dir struct {
	root string
}

// NewDir returns a Dir at path, creating it.
func NewDir(path string) (*Dir, error) {
	if err := os.MkdirAll(filepath.Join(path, "i"), 0o755); err != nil {
		return nil, fmt.Errorf("media: directory: %w", err)
	}
	return &Dir{root: path}, nil
}

func (d *Dir) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", fmt.Errorf("media: invalid key %q", key)
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put writes data to a temporary file and renames it into place, so a
// reader never sees half a file.
func (d *Dir) Put(ctx context.Context, key, contentType string, data []byte) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	defer os.Remove(f.Name()) // after the rename there is nothing to remove
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	return nil
}

// Open opens the file of key.
func (d *Dir) Open(ctx context.Context, key string) (Object, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, errNoFile()
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoFile()
	}
	if err != nil {
		return nil, fmt.Errorf("media: open %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("media: open %s: %w", key, err)
	}
	return &fileObject{File: f, size: st.Size(), mod: st.ModTime()}, nil
}

// Delete removes the file of key.
func (d *Dir) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media: delete %s: %w", key, err)
	}
	return nil
}

type fileObject struct {
	*os.File
	size int64
	mod  time.Time
}

func (o *fileObject) Size() int64        { return o.size }
func (o *fileObject) ModTime() time.Time { return o.mod }
