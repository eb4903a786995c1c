package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"masthead"
	"masthead/store"
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
	// --background queues the job for a running server, once.
	for range 2 {
		if stdout, stderr, err := runMain(t, "reindex", "--background", "--db", dsn); err != nil || !strings.Contains(stdout, "Queued a reindex") {
			t.Fatalf("reindex --background: %v\n%s%s", err, stdout, stderr)
		}
	}
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	js, err := db.Jobs(context.Background(), masthead.JobFilter{State: masthead.JobPending})
	n := 0
	for _, j := range js {
		if j.Kind == masthead.JobReindex {
			n++
		}
	}
	if err != nil || n != 1 {
		t.Errorf("%d reindex jobs queued (%v), want 1", n, err)
	}
	if _, _, err := runMain(t, "reindex", "--db", "sqlite:"); err == nil {
		t.Error("reindex of an empty path succeeded")
	}
}
