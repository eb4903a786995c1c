package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"masthead/markdown"
)

// TestTeaserWordsKeptByOtherCommands: the budget is the server's setting.
// A command run without it (an admin's `user add` from a shell that lacks
// the server's environment, an import, a migrate) cuts as the stored
// teasers were cut: it neither re-cuts the library to the default, which
// would widen every teaser past the wall the publisher set, nor cuts what
// it writes to another budget. Given explicitly, the budget still wins.
func TestTeaserWordsKeptByOtherCommands(t *testing.T) {
	if _, ok := os.LookupEnv("MASTHEAD_TEASER_WORDS"); ok {
		t.Skip("MASTHEAD_TEASER_WORDS is set in this environment")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.db")
	dsn := "sqlite:" + path
	if _, _, err := runMain(t, "demo", "--db", dsn, "--articles", "20", "--teaser-words", "30"); err != nil {
		t.Fatal(err)
	}
	// longest is the most words of any teaser; words the stored budget.
	state := func() (words, longest int) {
		t.Helper()
		_, words, teasers := teaserState(t, path)
		for _, h := range teasers {
			longest = max(longest, markdown.CountWords(h))
		}
		return words, longest
	}
	if words, longest := state(); words != 30 || longest > 30 {
		t.Fatalf("demo --teaser-words 30: budget %d, longest teaser %d words", words, longest)
	}

	if _, _, err := runMain(t, "user", "add", "--db", dsn, "--role", "editor", "ed@example.com"); err != nil {
		t.Fatal(err)
	}
	if words, longest := state(); words != 30 || longest > 30 {
		t.Errorf("after `user add` without --teaser-words: budget %d, longest teaser %d words; want 30 and at most 30", words, longest)
	}

	posts := filepath.Join(dir, "posts")
	if err := os.Mkdir(posts, 0o755); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("One more sentence of the imported article goes here. ", 200)
	md := "---\ntitle: Imported long read\nslug: imported-long-read\naccess: metered\n---\n\n" + body + "\n"
	if err := os.WriteFile(filepath.Join(posts, "long.md"), []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runMain(t, "import", "--db", dsn, posts); err != nil {
		t.Fatal(err)
	}
	if words, longest := state(); words != 30 || longest > 30 {
		t.Errorf("after import without --teaser-words: budget %d, longest teaser %d words; want 30 and at most 30", words, longest)
	}

	if _, _, err := runMain(t, "migrate", "--db", dsn, "--teaser-words", "60"); err != nil {
		t.Fatal(err)
	}
	if words, longest := state(); words != 60 || longest <= 30 {
		t.Errorf("migrate --teaser-words 60: budget %d, longest teaser %d words; want 60 and longer than 30", words, longest)
	}
}
