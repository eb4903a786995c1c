package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestReindex: the command rebuilds the index of a seeded database and
// shows its progress.
func TestReindex(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	if _, stderr, err := runMain(t, "demo", "--articles", "30", "--db", dsn); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	stdout, stderr, err := runMain(t, "reindex", "--db", dsn)
	if err != nil {
		t.Fatalf("reindex: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "Indexed 30 articles") {
		t.Errorf("stdout %q", stdout)
	}
	if !strings.Contains(stderr, "indexing: 30/30 (100%)") {
		t.Errorf("no progress in stderr %q", stderr)
	}
	if _, _, err := runMain(t, "reindex", "--db", "sqlite:"); err == nil {
		t.Error("reindex of an empty path succeeded")
	}
}
