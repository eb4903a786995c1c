package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestTeaserWordsSetting: --teaser-words and MASTHEAD_TEASER_WORDS reach
// the commands that open the database, which cut the stored teasers again
// to a new budget; a budget out of bounds stops the command.
func TestTeaserWordsSetting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	dsn := "sqlite:" + path
	if _, _, err := runMain(t, "demo", "--db", dsn, "--articles", "20"); err != nil {
		t.Fatal(err)
	}
	state := func() (version, words int, longest int) {
		t.Helper()
		version, words, teasers := teaserState(t, path)
		for _, h := range teasers {
			// Roughly: the tags hold no spaces that count here.
			longest = max(longest, len(strings.Fields(h)))
		}
		return version, words, longest
	}
	if _, words, _ := state(); words != 150 {
		t.Errorf("demo: budget %d, want the default 150", words)
	}
	if _, _, err := runMain(t, "migrate", "--db", dsn, "--teaser-words", "30"); err != nil {
		t.Fatal(err)
	}
	if _, words, longest := state(); words != 30 || longest > 40 {
		t.Errorf("--teaser-words 30: budget %d, longest teaser %d fields", words, longest)
	}
	t.Setenv("MASTHEAD_TEASER_WORDS", "60")
	if _, _, err := runMain(t, "migrate", "--db", dsn); err != nil {
		t.Fatal(err)
	}
	if _, words, _ := state(); words != 60 {
		t.Errorf("MASTHEAD_TEASER_WORDS=60: budget %d", words)
	}
	for _, bad := range []string{"5", "5000"} {
		if _, _, err := runMain(t, "migrate", "--db", dsn, "--teaser-words", bad); err == nil || !strings.Contains(err.Error(), "--teaser-words") {
			t.Errorf("--teaser-words %s: %v, want an error naming the flag", bad, err)
		}
	}
}

// teaserState reads the teasers' stored budget and every article's teaser
// from the SQLite database at path.
func teaserState(t *testing.T, path string) (version, words int, teasers []string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.QueryRowContext(ctx, `SELECT version, words FROM teaser_state`).Scan(&version, &words); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT teaser_html FROM articles`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		teasers = append(teasers, h)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return version, words, teasers
}
