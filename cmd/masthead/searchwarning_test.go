package main

import (
	"context"
	"strings"
	"testing"

	"masthead/store"
	"masthead/store/storetest"
)

// TestServeSearchRebuildWarning: serve on a database whose search index
// is marked for a rebuild warns, saying that searches work meanwhile and
// recommending `masthead reindex`; once the index is built it says
// nothing of it.
func TestServeSearchRebuildWarning(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t, "sqlite")
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ClearSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	inst := startServe(t, "--db", dsn)
	var warning string
	for line := range strings.Lines(inst.stderr.String()) {
		if strings.Contains(line, "search index") {
			warning = line
		}
	}
	for _, want := range []string{`"level":"WARN"`, "searches work meanwhile", "find what they found before", "`masthead reindex`", "recommended"} {
		if !strings.Contains(warning, want) {
			t.Errorf("the warning %q does not say %q", warning, want)
		}
	}
	if strings.Contains(warning, "not at all") {
		t.Errorf("the warning %q says articles are not found at all", warning)
	}

	if _, _, err := runMain(t, "reindex", "--db", dsn); err != nil {
		t.Fatal(err)
	}
	again := startServe(t, "--db", dsn)
	if strings.Contains(again.stderr.String(), "search index") {
		t.Errorf("serve after the reindex still warns:\n%s", again.stderr.String())
	}
}
