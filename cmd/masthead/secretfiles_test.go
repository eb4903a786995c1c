package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"masthead/store/storetest"
)

// TestExportFileIsPrivate: `masthead export FILE` on either engine writes
// a file readable by its owner only, and refuses a FILE that exists or is
// a symbolic link (dangling or not) without touching what it points to.
func TestExportFileIsPrivate(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			if _, stderr, err := runMain(t, "migrate", "--db", dsn); err != nil {
				t.Fatalf("migrate: %v\n%s", err, stderr)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "publication.json")
			if _, stderr, err := runMain(t, "export", "--db", dsn, path); err != nil {
				t.Fatalf("export: %v\n%s", err, stderr)
			}
			info, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			if !info.Mode().IsRegular() || info.Mode().Perm() != 0o600 {
				t.Errorf("export: mode %v, want -rw-------", info.Mode())
			}
			before, _ := os.ReadFile(path)
			if _, _, err := runMain(t, "export", "--db", dsn, path); err == nil || !strings.Contains(err.Error(), "exists") {
				t.Errorf("export over an existing file: %v", err)
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Error("the existing export was changed")
			}

			elsewhere := t.TempDir()
			victim := filepath.Join(elsewhere, "victim")
			os.WriteFile(victim, []byte("keep me"), 0o644)
			os.Symlink(victim, filepath.Join(dir, "link.json"))
			if _, _, err := runMain(t, "export", "--db", dsn, filepath.Join(dir, "link.json")); err == nil || !strings.Contains(err.Error(), "exists") {
				t.Errorf("export through a symbolic link: %v", err)
			}
			if b, _ := os.ReadFile(victim); string(b) != "keep me" {
				t.Errorf("the link's target now holds %q", b)
			}
			target := filepath.Join(elsewhere, "through-link.json")
			os.Symlink(target, filepath.Join(dir, "dangling.json"))
			if _, _, err := runMain(t, "export", "--db", dsn, filepath.Join(dir, "dangling.json")); err == nil || !strings.Contains(err.Error(), "exists") {
				t.Errorf("export through a dangling link: %v", err)
			}
			if _, err := os.Lstat(target); err == nil {
				t.Error("an export was written through the dangling link")
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 3 {
				t.Errorf("%d entries in the folder, want the export and the two links (no temporary file)", len(entries))
			}
		})
	}
}
