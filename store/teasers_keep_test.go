package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/markdown"
	"masthead/store"
	"masthead/store/storetest"
)

// TestTeasersKeepStoredBudget: opened with KeepTeaserWords, a database
// cut to one budget is not cut again to the renderer's, and what is
// written through it is cut to the stored budget too; opened without,
// the renderer's budget still re-cuts.
func TestTeasersKeepStoredBudget(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			open := func(words int, keep bool) *store.DB { t.Helper(); return openTeasers(t, dsn, words, keep) }
			long := strings.Repeat("A sentence of the long read that runs on and on. ", 120)
			teaserWords := func(db *store.DB, slug string) int {
				t.Helper()
				a, err := db.Article(ctx, slug)
				if err != nil {
					t.Fatal(err)
				}
				return markdown.CountWords(a.TeaserHTML)
			}

			db := open(25, false)
			mustCreate(t, db, doc("first", "First", "Long.", long, t0.Add(-time.Hour)))
			checkState(t, db, markdown.TeaserVersion, 25)
			v := contentVersion(t, db)
			db.Close()

			db = open(markdown.DefaultTeaserWords, true)
			checkState(t, db, markdown.TeaserVersion, 25)
			if n := teaserWords(db, "first"); n > 25 || n == 0 {
				t.Errorf("kept budget 25: stored teaser of %d words", n)
			}
			if contentVersion(t, db) != v {
				t.Error("opening with KeepTeaserWords cut the teasers again")
			}
			mustCreate(t, db, doc("second", "Second", "Long.", long, t0.Add(-time.Minute)))
			if n := teaserWords(db, "second"); n > 25 || n == 0 {
				t.Errorf("kept budget 25: new article's teaser of %d words", n)
			}
			db.Close()

			db = open(40, false)
			defer db.Close()
			checkState(t, db, markdown.TeaserVersion, 40)
			if n := teaserWords(db, "second"); n <= 25 || n > 40 {
				t.Errorf("budget 40 given: teaser of %d words", n)
			}
		})
	}
}

// TestTeasersBudgetOfAnotherInstance: an instance started with a new
// budget cuts the library to it; an instance still running with the old
// one cuts what it saves afterwards to the new budget too, so a rolling
// change of --teaser-words leaves no article with the old, longer teaser.
func TestTeasersBudgetOfAnotherInstance(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			open := func(words int) *store.DB {
				t.Helper()
				db := openTeasers(t, dsn, words, false)
				t.Cleanup(func() { db.Close() })
				return db
			}
			long := strings.Repeat("A sentence of the long read that runs on and on. ", 120)
			old := open(markdown.DefaultTeaserWords)
			mustCreate(t, old, doc("before", "Before", "Long.", long, t0.Add(-time.Hour)))
			open(30) // another instance, started with --teaser-words 30
			for _, a := range []string{"before"} {
				got, err := old.Article(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				if n := markdown.CountWords(got.TeaserHTML); n > 30 {
					t.Errorf("%s: teaser of %d words after the re-cut to 30", a, n)
				}
			}
			created := mustCreate(t, old, doc("after", "After", "Long.", long, t0.Add(-time.Minute)))
			if n := markdown.CountWords(created.TeaserHTML); n > 30 || n == 0 {
				t.Errorf("saved by the instance with the old budget: teaser of %d words, want at most 30", n)
			}
			in := doc("before", "Before, edited", "Long.", long+" One more.", t0.Add(-time.Hour))
			got, err := old.Article(ctx, "before")
			if err != nil {
				t.Fatal(err)
			}
			updated, err := old.UpdateArticle(ctx, got.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			if n := markdown.CountWords(updated.TeaserHTML); n > 30 || n == 0 {
				t.Errorf("edited on the instance with the old budget: teaser of %d words, want at most 30", n)
			}
			res, err := old.InsertArticles(ctx, []masthead.ArticleInput{doc("imported", "Imported", "Long.", long, t0.Add(-2*time.Hour))})
			if err != nil || len(res) != 1 {
				t.Fatalf("InsertArticles: %v, %v", res, err)
			}
			imp, err := old.Article(ctx, "imported")
			if err != nil {
				t.Fatal(err)
			}
			if n := markdown.CountWords(imp.TeaserHTML); n > 30 || n == 0 {
				t.Errorf("imported on the instance with the old budget: teaser of %d words, want at most 30", n)
			}
		})
	}
}
