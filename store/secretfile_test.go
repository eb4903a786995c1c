package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"masthead"
	"masthead/store"
)

// TestBackupIsPrivate: a backup holds every secret of the database, so it
// is readable by its owner only, leaves no temporary file behind, and is
// never written over an existing file or through a symbolic link planted
// at its path, dangling or not.
func TestBackupIsPrivate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "live.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.CreateArticle(ctx, published("kept", time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	path := filepath.Join(out, "copy.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	wantPrivate(t, path)
	if err := store.CheckSQLite(ctx, path); err != nil {
		t.Error(err)
	}
	wantOnly(t, out, "copy.db")

	refusals(t, func(p string) error { return db.Backup(ctx, p) })
}

// TestSecretFile: what is written reaches the path only on Commit, with
// mode 0600; Abort leaves nothing.
func TestSecretFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "export.json")
	f, err := store.CreateSecretFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"secret":true}`)
	if _, err := os.Lstat(path); err == nil {
		t.Error("the path exists before Commit")
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	wantPrivate(t, path)
	if b, _ := os.ReadFile(path); string(b) != `{"secret":true}` {
		t.Errorf("content %q", b)
	}
	wantOnly(t, dir, "export.json")

	g, err := store.CreateSecretFile(filepath.Join(dir, "dropped.json"))
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString("x")
	g.Abort()
	wantOnly(t, dir, "export.json")

	// A file appearing at the path after the start is not overwritten.
	late := filepath.Join(dir, "late.json")
	h, err := store.CreateSecretFile(late)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Abort()
	if err := os.WriteFile(late, []byte("planted"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.Commit(); masthead.ErrorCode(err) != masthead.ECONFLICT {
		t.Errorf("commit over a file planted meanwhile: %v, want a conflict", err)
	}
	if b, _ := os.ReadFile(late); string(b) != "planted" {
		t.Errorf("the planted file now holds %q", b)
	}

	refusals(t, func(p string) error {
		f, err := store.CreateSecretFile(p)
		if err != nil {
			return err
		}
		defer f.Abort()
		return f.Commit()
	})
}

// refusals checks that write refuses a path holding a file, a symbolic
// link to a file and a dangling symbolic link, and touches none of their
// targets.
func refusals(t *testing.T, write func(path string) error) {
	t.Helper()
	dir := t.TempDir()
	elsewhere := t.TempDir()

	existing := filepath.Join(dir, "existing")
	os.WriteFile(existing, []byte("keep me"), 0o644)
	if err := write(existing); masthead.ErrorCode(err) != masthead.ECONFLICT {
		t.Errorf("existing file: %v, want a conflict", err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("existing file now holds %q", b)
	}

	victim := filepath.Join(elsewhere, "victim")
	os.WriteFile(victim, []byte("keep me"), 0o644)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if err := write(link); masthead.ErrorCode(err) != masthead.ECONFLICT {
		t.Errorf("symbolic link: %v, want a conflict", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the link's target now holds %q", b)
	}

	dangling := filepath.Join(dir, "dangling")
	target := filepath.Join(elsewhere, "created-through-link")
	if err := os.Symlink(target, dangling); err != nil {
		t.Fatal(err)
	}
	if err := write(dangling); masthead.ErrorCode(err) != masthead.ECONFLICT {
		t.Errorf("dangling symbolic link: %v, want a conflict", err)
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("a file was created through the dangling link")
	}
	wantOnly(t, dir, "dangling", "existing", "link")
}

func wantPrivate(t *testing.T, path string) {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Mode().IsRegular() || info.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want a regular file with -rw-------", filepath.Base(path), info.Mode())
	}
}

// wantOnly checks that dir holds exactly names: no temporary file left.
func wantOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
		return
	}
	for i := range got {
		if got[i] != names[i] {
			t.Errorf("%s holds %q, want %q", dir, got, names)
			return
		}
	}
}
