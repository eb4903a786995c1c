package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/markdown"
	"masthead/store"
	"masthead/store/storetest"
)

// openTeasers opens dsn with a renderer cutting teasers to words (0:
// the default budget), keeping the stored budget when keep.
func openTeasers(t *testing.T, dsn string, words int, keep bool) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, store.Options{Clock: &fixedClock{t0}, KeepTeaserWords: keep,
		Renderer: markdown.NewWith(markdown.Options{TeaserWords: words})})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return db
}

// TestTeasersRecutOnUpgrade opens a library whose teasers were cut the old
// way (whole opening blocks: here the blockquote holding the article) and
// checks that opening it cuts them again, search snippets included; and
// that a new budget cuts them again, and the same one does not.
func TestTeasersRecutOnUpgrade(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			open := func(words int) *store.DB { t.Helper(); return openTeasers(t, dsn, words, false) }
			var quote []string
			for i := range 60 {
				quote = append(quote, fmt.Sprintf("> Point %d of the argument goes on at some length.", i))
			}
			body := strings.Join(quote, "\n") + "\n> The zebracrossing ending stays behind the wall.\n"

			db := open(0)
			in := doc("wrapped", "Wrapped", "All in a quote.", body, t0.Add(-time.Hour))
			in.Access = masthead.AccessSubscribers
			a := mustCreate(t, db, in)
			mustCreate(t, db, doc("plain", "Plain", "Paragraphs.", strings.Repeat("A plain paragraph of text.\n\n", 40), t0.Add(-2*time.Hour)))
			// What the old cut stored: the blockquote whole.
			for _, q := range []string{
				`UPDATE articles SET teaser_html = body_html`,
				`UPDATE teaser_state SET version = 0, words = 0`,
			} {
				if _, err := db.SQL().ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if snip := teaserSnippet(t, db); !strings.Contains(snip, "zebracrossing") {
				t.Fatalf("the old teaser was not in place: snippet %q", snip)
			}
			db.Close()

			db = open(0)
			got, err := db.Article(ctx, a.Slug)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(got.TeaserHTML, "zebracrossing") || markdown.CountWords(got.TeaserHTML) > markdown.DefaultTeaserWords ||
				!strings.Contains(got.TeaserHTML, "<blockquote>") {
				t.Errorf("after upgrade, teaser %q", got.TeaserHTML)
			}
			if snip := teaserSnippet(t, db); strings.Contains(snip, "zebracrossing") || !strings.Contains(snip, "Point 0") {
				t.Errorf("after upgrade, search snippet %q", snip)
			}
			checkState(t, db, markdown.TeaserVersion, markdown.DefaultTeaserWords)
			v := contentVersion(t, db)
			db.Close()

			// A smaller budget: cut again, and caches told.
			db = open(20)
			got, _ = db.Article(ctx, a.Slug)
			if n := markdown.CountWords(got.TeaserHTML); n > 20 || n == 0 {
				t.Errorf("budget 20: teaser of %d words: %q", n, got.TeaserHTML)
			}
			checkState(t, db, markdown.TeaserVersion, 20)
			if contentVersion(t, db) == v {
				t.Error("a re-cut left the content version as it was: cached pages keep the old teasers")
			}
			v = contentVersion(t, db)
			db.Close()

			// The same budget again: nothing to do.
			db = open(20)
			defer db.Close()
			if contentVersion(t, db) != v {
				t.Error("opening with the same budget cut the teasers again")
			}
			n, changed, err := db.RecutTeasers(ctx, nil)
			if err != nil || n != 2 || changed != 0 {
				t.Errorf("RecutTeasers again: %d read, %d changed, %v; want 2, 0", n, changed, err)
			}
		})
	}
}

// teaserSnippet is the search snippet a reader without access gets for
// the planted word.
func teaserSnippet(t *testing.T, db *store.DB) string {
	t.Helper()
	res := mustSearch(t, db, masthead.SearchQuery{Text: "zebracrossing"})
	for _, h := range res.Hits {
		if h.Article.Slug == "wrapped" {
			return text(h.Snippet)
		}
	}
	t.Fatalf("search found no wrapped article: %s", hitSlugs(res))
	return ""
}

func checkState(t *testing.T, db *store.DB, version, words int) {
	t.Helper()
	var v, w int
	if err := db.SQL().QueryRow(`SELECT version, words FROM teaser_state WHERE id = 1`).Scan(&v, &w); err != nil {
		t.Fatal(err)
	}
	if v != version || w != words {
		t.Errorf("teaser_state (%d, %d), want (%d, %d)", v, w, version, words)
	}
}

func contentVersion(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var v int64
	if err := db.SQL().QueryRow(`SELECT version FROM content_version WHERE id = 1`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
