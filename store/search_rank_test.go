package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestSearchRankShapes: the ranking puts the obviously best article
// first in a few shaped cases, on both engines, for a reader with the
// library and for one without (the articles are free, so both match
// their whole text). Dates run against the answer, so that recency,
// which only breaks ties, cannot be what decides.
func TestSearchRankShapes(t *testing.T) {
	filler := func(n int) string {
		return strings.Repeat("Reporters walked the long road past the market square. ", n)
	}
	cases := []struct {
		name, query string
		best        string
		articles    []masthead.ArticleInput
	}{{
		name: "a title match beats a passing mention in a body", query: "tariffs", best: "title",
		articles: []masthead.ArticleInput{
			doc("title", "Tariffs return to the harbour", "Dockers wait.", filler(4), t0.Add(-400*24*time.Hour)),
			doc("mention", "A week on the coast", "Notes.", filler(3)+"Someone mentioned tariffs. "+filler(3), t0.Add(-time.Hour)),
		},
	}, {
		name: "an article about the subject beats a one-line mention", query: "quinoa", best: "about",
		articles: []masthead.ArticleInput{
			doc("about", "Grain markets", "Prices.", strings.Repeat("Quinoa prices rose as quinoa growers held back. ", 6)+filler(12), t0.Add(-300*24*time.Hour)),
			doc("short", "Briefly", "News.", "Quinoa.", t0.Add(-time.Hour)),
		},
	}, {
		name: "words standing together beat the same words apart", query: "harbour pilots", best: "together",
		articles: []masthead.ArticleInput{
			doc("together", "Night shifts", "Work.", filler(3)+"The harbour pilots went on strike. "+filler(3), t0.Add(-200*24*time.Hour)),
			doc("apart", "Day shifts", "Work.", "The harbour was quiet. "+filler(3)+"Airline pilots flew on. "+filler(2), t0.Add(-time.Hour)),
		},
	}}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range cases {
			for _, a := range c.articles {
				a.Slug = c.best[:1] + "-" + a.Slug
				a.Access = masthead.AccessFree
				mustCreate(t, db, a)
			}
		}
		for _, c := range cases {
			for _, library := range []bool{true, false} {
				res, err := db.Search(t.Context(), masthead.SearchQuery{Text: c.query, Now: t0, Library: library})
				if err != nil {
					t.Fatal(err)
				}
				if got := hitSlugs(res); !strings.HasPrefix(got, c.best[:1]+"-"+c.best+" ") {
					t.Errorf("%s (library %v): %q ranks [%s]", c.name, library, c.query, got)
				}
			}
		}
	})
}

// TestSearchRankManyMatches: a word matching more articles than are
// ranked in full (the bounded ranking, search_impact.go) still puts the
// articles most about it first, not the newest mentions, on both
// engines, for a reader with the library and one without; and an edit
// moves an article out of the word's best.
func TestSearchRankManyMatches(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 600 articles")
	}
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		// 600 recent articles with the word in the title and once in
		// the body: more matches, and more title matches, than any
		// bound ranks in full.
		var ins []masthead.ArticleInput
		for i := range 600 {
			a := doc(fmt.Sprintf("note-%03d", i), fmt.Sprintf("Harbour note %d", i), "Short items.",
				"The harbour was busy. Reporters walked the long road past the market square.", t0.Add(-time.Duration(i)*time.Hour))
			a.Access = masthead.AccessFree
			ins = append(ins, a)
		}
		res, err := db.UpsertArticles(ctx, ins)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		// Published years before them, the article about the harbour:
		// the word in its title and all through its body.
		about := doc("about", "The harbour", "A history.", strings.Repeat("The harbour grew; harbour dues rose and the harbour master left. ", 6), t0.Add(-5*365*24*time.Hour))
		about.Access = masthead.AccessFree
		a := mustCreate(t, db, about)

		search := func(library bool) *masthead.SearchResults {
			t.Helper()
			r, err := db.Search(ctx, masthead.SearchQuery{Text: "harbour", Now: t0, Library: library, PerPage: 5})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		for _, library := range []bool{true, false} {
			r := search(library)
			if r.Total != 601 {
				t.Fatalf("library %v: total %d, want 601", library, r.Total)
			}
			if got := hitSlugs(r); !strings.HasPrefix(got, "about ") {
				t.Errorf("library %v: harbour ranks [%s], want the article about it first", library, got)
			}
		}
		// Edited to be about something else, it leaves the word's best.
		about.Title, about.BodyMarkdown = "The lighthouse", "The lighthouse keeper left. The harbour was quiet."
		if _, err := db.UpdateArticle(ctx, a.ID, about); err != nil {
			t.Fatal(err)
		}
		for _, library := range []bool{true, false} {
			if got := hitSlugs(search(library)); got != "note-000 note-001 note-002 note-003 note-004" {
				t.Errorf("library %v: after the edit harbour ranks [%s], want the newest title matches", library, got)
			}
		}
	})
}

// The publisher's recency setting lifts newer articles over older ones
// about as relevant, and never over one clearly more about the query.
func TestSearchRecency(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		// Bodies of the same length, the word used n times.
		body := func(n int) string {
			return strings.Repeat("The lighthouse stood. ", n) + strings.Repeat("Waves broke on rocks. ", 20-n)
		}
		create := func(slug, title string, n int, age time.Duration) {
			a := doc(slug, title, "Coast.", body(n), t0.Add(-age))
			a.Access = masthead.AccessFree
			mustCreate(t, db, a)
		}
		year := 365 * 24 * time.Hour
		create("old-title", "The lighthouse keepers", 1, 2*year)
		create("old", "Coast notes", 11, 2*year)
		create("recent", "Coast diary", 10, 24*time.Hour)
		create("recent-few", "Coast letter", 2, 24*time.Hour)
		create("older-few", "Coast post", 3, 2*year)
		for _, c := range []struct {
			r    masthead.SearchRecency
			want string
		}{
			{"", "old-title old recent older-few recent-few"},
			{masthead.RecencyNone, "old-title old recent older-few recent-few"},
			{masthead.RecencyGentle, "old-title recent old older-few recent-few"},
			{masthead.RecencyStrong, "old-title recent old recent-few older-few"},
		} {
			for _, library := range []bool{true, false} {
				r, err := db.Search(ctx, masthead.SearchQuery{Text: "lighthouse", Now: t0, Library: library, Recency: c.r})
				if err != nil {
					t.Fatal(err)
				}
				if got := hitSlugs(r); got != c.want {
					t.Errorf("recency %q, library %v: [%s], want [%s]", c.r, library, got, c.want)
				}
			}
		}
	})
}
