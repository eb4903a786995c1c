package store_test

import (
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// Words typed apart match the library's joined form when the library
// uses it as a word, and only then.
func TestSearchCompoundWords(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		create := func(slug, title, body string, access masthead.Access, age int) {
			a := doc(slug, title, "Markets.", body, t0.Add(-time.Duration(age)*time.Hour))
			a.Access = access
			mustCreate(t, db, a)
		}
		create("joined", "Soyoil exports rise", "Soyoil shipments grew. Crushers sold soyoil abroad.", masthead.AccessFree, 1)
		create("apart", "Soy oil prices", "Soy oil fell as the soy crop grew.", masthead.AccessFree, 2)
		create("neither", "Soy harvest", "The soy harvest was late.", masthead.AccessFree, 3)
		// The joined form used once, in passing: not a word of the
		// library's, so it joins nothing.
		create("once", "Outage", "Read more on our website.", masthead.AccessFree, 4)
		create("web", "Web site down", "The web site was down for an hour.", masthead.AccessFree, 5)
		// Past the wall only: a reader without the library is not
		// matched on it, and nor is the joined form.
		create("locked", "Crush margins", "Soymeal demand rose. Soymeal stocks fell.", masthead.AccessMetered, 6)
		create("meal", "Soy meal", "Soy meal traders waited.", masthead.AccessFree, 7)

		search := func(text string, library bool) *masthead.SearchResults {
			t.Helper()
			r, err := db.Search(ctx, masthead.SearchQuery{Text: text, Now: t0, Library: library, Sort: masthead.SortNewest})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		for _, library := range []bool{true, false} {
			r := search("soy oil", library)
			if got := hitSlugs(r); got != "joined apart" {
				t.Errorf("library %v: soy oil found [%s], want the joined and the apart", library, got)
			}
			if r.Query != "soy oil" {
				t.Errorf("library %v: the query shown is %q, want it as typed", library, r.Query)
			}
			if got := hitSlugs(search("soyoil", library)); got != "joined" {
				t.Errorf("library %v: soyoil found [%s], want the joined form only", library, got)
			}
			if got := hitSlugs(search("web site", library)); got != "web" {
				t.Errorf("library %v: web site found [%s], want no join on a word used once", library, got)
			}
		}
		if got := hitSlugs(search("soy meal", true)); got != "locked meal" {
			t.Errorf("subscriber: soy meal found [%s], want the locked article's joined form too", got)
		}
		if got := hitSlugs(search("soy meal", false)); got != "meal" {
			t.Errorf("anonymous: soy meal found [%s], want the open article only", got)
		}
	})
}
