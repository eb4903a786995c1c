package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestSearchWall: a reader matches only the text they may read. Without
// the library, a locked article matches on its title, dek and teaser
// alone: a phrase, a word, a prefix or an OR of its body past the wall
// finds nothing, and nothing of it shows in totals, facets, corrections
// or suggestions. A free article's body matches for everyone; a member's
// unlocked metered article matches on its body for that member; a reader
// with the library matches every body.
func TestSearchWall(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day := 24 * time.Hour
		locked := doc("harbour", "Harbour finances under review", "The port authority accounts.",
			"Dockside clerks opened the books.\n\n<!--more-->\n\nLater the quartermaster found the xylophonic ledger was falsified.\n",
			t0.Add(-1*day))
		locked.TopicSlugs, locked.RegionSlugs = []string{"harbours"}, []string{"baltic"}
		l := mustCreate(t, db, locked)
		free := doc("canals", "Canal boats return", "Tourism in spring.",
			"Boats fill the canals.\n\n<!--more-->\n\nEvery gondolier sang the quiet barcarolle at dusk.\n", t0.Add(-2*day))
		free.Access = masthead.AccessFree
		f := mustCreate(t, db, free)
		subs := doc("vault", "Inside the vault", "Subscribers read on.",
			"The vault opened.\n\n<!--more-->\n\nThe xylophonic combination was never written down.\n", t0.Add(-3*day))
		subs.Access = masthead.AccessSubscribers
		v := mustCreate(t, db, subs)
		other := mustCreate(t, db, doc("other", "Another story", "Nothing here.", "Plain text.\n\n<!--more-->\n\nMore plain text.\n", t0.Add(-4*day)))

		// The fixture's premise: the secret is past the wall, the opening
		// is the teaser.
		for _, a := range []*masthead.Article{l, v} {
			got, err := db.ArticleByID(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(got.TeaserHTML, "xylophonic") || !strings.Contains(got.BodyHTML, "xylophonic") {
				t.Fatalf("%s: the secret word is not past the wall: teaser %q", a.Slug, got.TeaserHTML)
			}
		}

		anonymous := masthead.SearchQuery{}
		noUnlock := masthead.SearchQuery{Unlocked: []int64{other.ID}}
		// An unlock of a subscribers-only article (made so after it was
		// unlocked) opens nothing, as in access.Decide.
		unlocked := masthead.SearchQuery{Unlocked: []int64{other.ID, l.ID, v.ID}}
		library := masthead.SearchQuery{Library: true}
		search := func(as masthead.SearchQuery, text string) *masthead.SearchResults {
			t.Helper()
			as.Text, as.Now = text, t0
			if as.Sort == "" {
				as.Sort = masthead.SortNewest
			}
			res, err := db.Search(ctx, as)
			if err != nil {
				t.Fatalf("search %q: %v", text, err)
			}
			return res
		}

		tests := []struct {
			q                                      string
			anonymous, noUnlock, unlocked, library string
		}{
			// Past the wall of the metered article.
			{`"xylophonic ledger was falsified"`, "", "", "harbour", "harbour"},
			{`"the quartermaster found"`, "", "", "harbour", "harbour"},
			{"quartermaster", "", "", "harbour", "harbour"},
			{"quarterm*", "", "", "harbour", "harbour"},
			{"xylophonic", "", "", "harbour", "harbour vault"},
			{"xyloph*", "", "", "harbour", "harbour vault"},
			{"quartermaster OR gondolier", "canals", "canals", "harbour canals", "harbour canals"},
			{"harbour falsified", "", "", "harbour", "harbour"},
			// An exclusion is judged on the same text: the member who
			// unlocked the article sees it excluded by its body.
			{"harbour -quartermaster", "harbour", "harbour", "", ""},
			// Title, dek and teaser: everyone.
			{"harbour", "harbour", "harbour", "harbour", "harbour"},
			{"authority", "harbour", "harbour", "harbour", "harbour"},
			{`"dockside clerks"`, "harbour", "harbour", "harbour", "harbour"},
			{"docksid*", "harbour", "harbour", "harbour", "harbour"},
			// A free article's body: everyone.
			{`"sang the quiet barcarolle"`, "canals", "canals", "canals", "canals"},
			{"gondol*", "canals", "canals", "canals", "canals"},
		}
		for _, tt := range tests {
			for _, c := range []struct {
				name string
				as   masthead.SearchQuery
				want string
			}{{"anonymous", anonymous, tt.anonymous}, {"without the unlock", noUnlock, tt.noUnlock},
				{"with the unlock", unlocked, tt.unlocked}, {"library", library, tt.library}} {
				res := search(c.as, tt.q)
				if got := hitSlugs(res); got != c.want {
					t.Errorf("%s, %q: got [%s], want [%s]", c.name, tt.q, got, c.want)
				}
				if res.Total != len(res.Hits) {
					t.Errorf("%s, %q: total %d for %d hits", c.name, tt.q, res.Total, len(res.Hits))
				}
				// Ranked, the same set.
				byRank := c.as
				byRank.Sort = masthead.SortRelevance
				if got, want := sortedSlugs(search(byRank, tt.q)), sortedSlugs(res); got != want {
					t.Errorf("%s, %q by relevance: got [%s], want [%s]", c.name, tt.q, got, want)
				}
			}
		}

		// Facets count only what matched: the locked article's topic and
		// region are not among them.
		for _, as := range []masthead.SearchQuery{anonymous, noUnlock} {
			res := search(as, "quartermaster OR gondolier")
			for _, fc := range res.Facets {
				for _, fv := range fc.Values {
					if fv.Slug == "harbours" || fv.Slug == "baltic" || fv.Count != 1 {
						t.Errorf("facet %s: %+v", fc.Name, fv)
					}
				}
			}
		}
		if res := search(library, "quartermaster OR gondolier"); !hasFacet(res, "topic", "harbours") {
			t.Errorf("library: no facet of the matching locked article: %+v", res.Facets)
		}

		// Corrections and suggestions come from titles and deks: a
		// misspelt body word is not corrected into the word, for anyone.
		for _, q := range []string{"xylophonik", "quartermastr", "xylophonic ledgr"} {
			for _, as := range []masthead.SearchQuery{anonymous, noUnlock, library} {
				res := search(as, q)
				if strings.Contains(res.DidYouMean, "xylophonic") || strings.Contains(res.DidYouMean, "quartermaster") ||
					(!as.Library && res.Total > 0) {
					t.Errorf("%q: did you mean %q, %d results", q, res.DidYouMean, res.Total)
				}
			}
		}
		for _, p := range []string{"xyloph", "quarterm", "the xylo"} {
			if got, err := db.Suggest(ctx, p, t0, 5); err != nil || len(got) > 0 {
				t.Errorf("suggest %q: %v %v", p, got, err)
			}
		}

		// The open index follows every write: a free article made
		// metered no longer matches by its body without the library; a
		// metered article made free does.
		free.Access = masthead.AccessMetered
		if _, err := db.UpdateArticle(ctx, f.ID, free); err != nil {
			t.Fatal(err)
		}
		locked.Access = masthead.AccessFree
		if _, err := db.UpdateArticle(ctx, l.ID, locked); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]string{"gondolier": "", "canal": "canals", "quartermaster": "harbour"} {
			if got := hitSlugs(search(anonymous, q)); got != want {
				t.Errorf("after the access changed, %q: got [%s], want [%s]", q, got, want)
			}
		}
		// And a reindex rebuilds it alike.
		if err := db.Reindex(ctx, nil); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]string{"gondolier": "", "quartermaster": "harbour", `"the xylophonic combination"`: ""} {
			if got := hitSlugs(search(anonymous, q)); got != want {
				t.Errorf("after a reindex, %q: got [%s], want [%s]", q, got, want)
			}
		}
	})
}

func sortedSlugs(res *masthead.SearchResults) string {
	s := strings.Fields(hitSlugs(res))
	slices.Sort(s)
	return strings.Join(s, " ")
}

func hasFacet(res *masthead.SearchResults, name, slug string) bool {
	for _, f := range res.Facets {
		for _, v := range f.Values {
			if f.Name == name && v.Slug == slug {
				return true
			}
		}
	}
	return false
}
