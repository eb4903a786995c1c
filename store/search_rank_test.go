package store_test

import (
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
