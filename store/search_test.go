package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/demo"
	"masthead/store"
	"masthead/store/storetest"
)

// doc is an article made for a search test.
func doc(slug, title, dek, body string, at time.Time) masthead.ArticleInput {
	return masthead.ArticleInput{
		Slug: slug, Title: title, Dek: dek, BodyMarkdown: body,
		AuthorSlugs: []string{"ada-lovelace"}, TopicSlugs: []string{"energy"}, RegionSlugs: []string{"europe"},
		Kind: masthead.KindDaily, Access: masthead.AccessMetered, Status: masthead.StatusPublished, PublishedAt: at,
	}
}

// mustSearch searches as a reader with the library, who matches every
// body: the tests of the query language. TestSearchWall tests the others.
func mustSearch(t *testing.T, db *store.DB, q masthead.SearchQuery) *masthead.SearchResults {
	t.Helper()
	q.Library = true
	if q.Now.IsZero() {
		q.Now = t0
	}
	res, err := db.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return res
}

func hitSlugs(res *masthead.SearchResults) string {
	var s []string
	for _, h := range res.Hits {
		s = append(s, h.Article.Slug)
	}
	return strings.Join(s, " ")
}

func text(ps []masthead.Snippet) string {
	var b strings.Builder
	for _, p := range ps {
		if p.Match {
			b.WriteString("[" + p.Text + "]")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func TestSearchSyntax(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		day := 24 * time.Hour
		mustCreate(t, db, doc("grid", "The power grid strains", "Utilities struggle.", "Engineers say the grid needs investment.", t0.Add(-3*day)))
		mustCreate(t, db, doc("tariffs", "Tariffs return", "Trade wars again.", "Steel tariffs and trade war fears.", t0.Add(-2*day)))
		mustCreate(t, db, doc("sanctions", "Sanctions bite", "An embargo widens.", "Sanctions cover the oil regime.", t0.Add(-1*day)))
		mustCreate(t, db, doc("backlog", "Courts in trouble", "Judges overwhelmed.", "The court backlog keeps growing, says a judge.", t0.Add(-4*day)))
		mustCreate(t, db, doc("courts-other", "Backlog of another kind", "Court dates.", "A backlog at the port; the court was quiet.", t0.Add(-5*day)))
		mustCreate(t, db, doc("unemployment", "Unemployment falls", "Jobs data.", "Unemployed workers found jobs.", t0.Add(-6*day)))
		mustCreate(t, db, doc("budget", "Deadline looms", "Parliament sits late.", "Members must settle a question of budgets by Friday.", t0.Add(-7*day)))

		tests := []struct{ q, want string }{
			{"grid", "grid"},
			{"GRID investment", "grid"},
			{"sanctions OR tariffs", "sanctions tariffs"},
			{`"court backlog"`, "backlog"},
			{`court backlog`, "courts-other backlog"}, // both words in title and dek first
			{`court backlog -port`, "backlog"},
			{`court backlog -"the port"`, "backlog"},
			{"unemploy*", "unemployment"},
			{`"settle the question"`, "budget"}, // a common word holds a place: any common word fits
			{`"settle question"`, ""},           // but the place is kept
			{`"the question of budgets"`, "budget"},
			{"engineer", "grid"},   // stemming: engineers
			{"trading", "tariffs"}, // trade
			{"nothingmatches", ""}, // no results, no error
			{"the of and", ""},     // stop words only
			{"-grid", ""},          // exclusion alone
			{"oil | embargo", "sanctions"},
		}
		for _, tt := range tests {
			res := mustSearch(t, db, masthead.SearchQuery{Text: tt.q})
			if got := hitSlugs(res); got != tt.want {
				t.Errorf("%q: got [%s], want [%s]", tt.q, got, tt.want)
			}
			if res.Total != len(res.Hits) {
				t.Errorf("%q: total %d for %d hits", tt.q, res.Total, len(res.Hits))
			}
		}
		if res := mustSearch(t, db, masthead.SearchQuery{Text: "-grid"}); !res.Empty {
			t.Error("a query of exclusions only is not marked empty")
		}
	})
}

// TestSearchPhrases: a phrase matches its words in order, side by side,
// wherever they are; the words apart, reversed or with another word
// between do not match. On PostgreSQL phrases go through the index of
// word pairs, which must follow every write.
func TestSearchPhrases(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day := 24 * time.Hour
		exact := mustCreate(t, db, doc("exact", "Farm prices", "A report.", "Next will be a harder year for farmers, with harder winters.", t0.Add(-1*day)))
		mustCreate(t, db, doc("title", "A harder year ahead", "Forecasts.", "Nothing else here.", t0.Add(-2*day)))
		mustCreate(t, db, doc("reversed", "Looking back", "History.", "The year was harder than the one before.", t0.Add(-3*day)))
		mustCreate(t, db, doc("apart", "Weather", "Cold.", "A harder winter and a long year for everyone.", t0.Add(-4*day)))
		mustCreate(t, db, doc("between", "Markets", "Trade.", "Traders faced a harder trading year than hoped.", t0.Add(-5*day)))
		find := func(q string) string {
			return hitSlugs(mustSearch(t, db, masthead.SearchQuery{Text: q, Sort: masthead.SortNewest}))
		}
		tests := []struct{ q, want string }{
			{`"harder year"`, "exact title"},
			{`"HARDER years"`, "exact title"}, // folded and stemmed like the text
			{`"year harder"`, ""},
			{`"harder year" farmers`, "exact"},
			{`"harder year" -farmers`, "title"},
			{`"harder year" "harder winters"`, "exact"},
			{`"harder year" "long year"`, ""},
			{`"harder year" OR "long year"`, "exact title apart"},
			{`"a harder yea*"`, "exact title"},
			{`"harder trading year"`, "between"},
			{`"for everyone"`, "apart"}, // one word once the common one is left out
		}
		check := func(when string) {
			t.Helper()
			for _, tt := range tests {
				if got := find(tt.q); got != tt.want {
					t.Errorf("%s %q: got [%s], want [%s]", when, tt.q, got, tt.want)
				}
			}
			// Ranked (the relevance path reads the index a second time).
			res := mustSearch(t, db, masthead.SearchQuery{Text: `"harder year"`})
			if got := hitSlugs(res); got != "title exact" {
				t.Errorf("%s ranked: got [%s], want the title match first", when, got)
			}
		}
		check("")

		// An edit that takes the phrase out takes the article out.
		in := doc("exact", "Farm prices", "A report.", "Next will be a hard year for farmers, with harder winters.", t0.Add(-1*day))
		if _, err := db.UpdateArticle(ctx, exact.ID, in); err != nil {
			t.Fatal(err)
		}
		if got := find(`"harder year"`); got != "title" {
			t.Errorf("after the edit: got [%s], want [title]", got)
		}
		in.BodyMarkdown = "Next will be a harder year for farmers, with harder winters."
		if _, err := db.UpdateArticle(ctx, exact.ID, in); err != nil {
			t.Fatal(err)
		}
		if err := db.Reindex(ctx, nil); err != nil {
			t.Fatal(err)
		}
		check("after reindex")
	})
}

// TestSearchBadInput: nothing a reader types causes an error, and engine
// syntax in the input is searched for as words, never obeyed.
func TestSearchBadInput(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		mustCreate(t, db, doc("near", "Near the border", "A title with near in it.", "Body text about a border.", t0.Add(-time.Hour)))
		for _, q := range []string{
			"", " ", `"`, `""`, `"unbalanced quote`, `-`, `*`, `OR`, `AND`, `NOT`, `OR OR`, `-"`, `-*`,
			`NEAR(border near)`, `title:border`, `{title}: border`, `^border`, `border & near`, `border | near`,
			`!border`, `(border`, `border)`, `'border'`, `\'`, `border:*`, `border:A`, `'; DROP TABLE articles; --`,
			`" OR 1=1 --`, "\x00border", "bor\xffder", strings.Repeat("border ", 2000), strings.Repeat(`"`, 10000),
			strings.Repeat("(", 5000), "border*:*", `"border" NEAR/2 "near"`, `rank:border`, `<script>`,
		} {
			res, err := db.Search(context.Background(), masthead.SearchQuery{Text: q, Now: t0})
			if err != nil {
				t.Errorf("%.40q: %v", q, err)
				continue
			}
			if len(q) > 1000 && !res.Truncated && !res.Empty {
				t.Errorf("%.40q: a %d-byte query is not marked truncated", q, len(q))
			}
			if _, err := db.Suggest(context.Background(), q, t0, 5); err != nil {
				t.Errorf("suggest %.40q: %v", q, err)
			}
		}
		if n, _, _ := db.Articles(context.Background(), masthead.ArticleFilter{Limit: 1}); len(n) != 1 {
			t.Error("the article is gone")
		}
		// Operator words are searched for as words.
		if got := hitSlugs(mustSearch(t, db, masthead.SearchQuery{Text: "NEAR(border"})); got != "near" {
			t.Errorf("NEAR(border: got [%s]", got)
		}
	})
}

// TestSearchIsCurrent: the index changes in the same transaction as the
// article, and results obey the live condition of lists.
func TestSearchIsCurrent(t *testing.T) {
	clock := &fixedClock{t0}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.t = t0
		find := func(q string) string { return hitSlugs(mustSearch(t, db, masthead.SearchQuery{Text: q, Now: clock.t})) }

		a := mustCreate(t, db, doc("volcano", "Volcano erupts", "Ash clouds.", "Flights grounded.", t0.Add(-time.Hour)))
		if got := find("volcano"); got != "volcano" {
			t.Fatalf("published article not found: [%s]", got)
		}
		draft := doc("glacier", "Glacier melts", "", "Ice.", time.Time{})
		draft.Status = masthead.StatusDraft
		mustCreate(t, db, draft)
		if got := find("glacier"); got != "" {
			t.Errorf("draft found: [%s]", got)
		}
		sched := doc("comet", "Comet approaches", "", "Astronomers wait.", t0.Add(time.Hour))
		sched.Status = masthead.StatusScheduled
		comet := mustCreate(t, db, sched)
		if got := find("comet"); got != "" {
			t.Errorf("scheduled article found before its time: [%s]", got)
		}
		clock.t = t0.Add(2 * time.Hour)
		if got := find("comet"); got != "comet" {
			t.Errorf("scheduled article not found after its time: [%s]", got)
		}
		if ok, err := db.PublishScheduled(ctx, comet.ID, t0.Add(time.Hour)); err != nil || !ok {
			t.Fatalf("publish scheduled: %v %v", ok, err)
		}
		if got := find("comet"); got != "comet" {
			t.Errorf("promoted article not found: [%s]", got)
		}

		// Edited: the old words go, the new ones come.
		in := doc("volcano", "Earthquake shakes", "Tremors.", "Buildings swayed.", t0.Add(-time.Hour))
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if got := find("volcano"); got != "" {
			t.Errorf("old title still found: [%s]", got)
		}
		if got := find("earthquake"); got != "volcano" {
			t.Errorf("new title not found: [%s]", got)
		}
		// Unpublished: gone.
		in.Status = masthead.StatusDraft
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if got := find("earthquake"); got != "" {
			t.Errorf("unpublished article found: [%s]", got)
		}
		// Republished, then deleted.
		in.Status = masthead.StatusPublished
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if got := find("earthquake"); got != "volcano" {
			t.Errorf("republished article not found: [%s]", got)
		}
		if err := db.DeleteArticle(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if got := find("earthquake"); got != "" {
			t.Errorf("deleted article found: [%s]", got)
		}
		// Upserts index too.
		if _, _, err := db.UpsertArticle(ctx, doc("meteor", "Meteor shower", "", "Look up.", t0)); err != nil {
			t.Fatal(err)
		}
		if got := find("meteor"); got != "meteor" {
			t.Errorf("upserted article not found: [%s]", got)
		}

		// A rebuilt index gives the same answers.
		if err := db.Reindex(ctx, nil); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]string{"meteor": "meteor", "comet": "comet", "glacier": "", "earthquake": ""} {
			if got := find(q); got != want {
				t.Errorf("after reindex %q: [%s], want [%s]", q, got, want)
			}
		}
		if ok, err := db.SearchIndexBuilt(ctx); err != nil || !ok {
			t.Errorf("SearchIndexBuilt = %v, %v", ok, err)
		}
	})
}

// TestSearchSnippetsRespectAccess: a reader who gets the teaser finds an
// article by words deep in its body, but the snippet never shows them.
func TestSearchSnippetsRespectAccess(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		body := "The opening paragraph talks about harbours and ships.\n\n<!--more-->\n\n" +
			strings.Repeat("A middle paragraph with filler words about the sea.\n\n", 20) +
			"Finally the secret phrase zebra crossing appears at the very end."
		in := doc("harbour", "Harbour news", "Ships come and go.", body, t0.Add(-time.Hour))
		in.Access = masthead.AccessSubscribers
		mustCreate(t, db, in)

		anon := mustSearch(t, db, masthead.SearchQuery{Text: `"zebra crossing"`})
		if len(anon.Hits) != 1 {
			t.Fatalf("teaser reader: %d hits, want the article", len(anon.Hits))
		}
		h := anon.Hits[0]
		if h.Full {
			t.Error("teaser reader's hit is not marked locked")
		}
		if s := strings.ToLower(text(h.Snippet)); strings.Contains(s, "zebra") || strings.Contains(s, "crossing") || strings.Contains(s, "secret") {
			t.Errorf("teaser reader's snippet shows the body: %q", s)
		}
		if s := text(h.Snippet); !strings.Contains(s, "harbours") {
			t.Errorf("teaser reader's snippet is not the teaser: %q", s)
		}

		full := mustSearch(t, db, masthead.SearchQuery{Text: `"zebra crossing"`, FullText: func(*masthead.Article) bool { return true }})
		if len(full.Hits) != 1 || !full.Hits[0].Full {
			t.Fatalf("full reader: %+v", full.Hits)
		}
		if s := text(full.Hits[0].Snippet); !strings.Contains(s, "[zebra crossing]") {
			t.Errorf("full reader's snippet does not show the match: %q", s)
		}
		if s := text(full.Hits[0].Title); s != "Harbour news" {
			t.Errorf("title %q", s)
		}
		if s := text(mustSearch(t, db, masthead.SearchQuery{Text: "harbour"}).Hits[0].Title); s != "[Harbour] news" {
			t.Errorf("title not highlighted: %q", s)
		}
	})
}

func TestSearchFacetsAndFilters(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		mk := func(slug, topic, region, author string, kind masthead.Kind, at time.Time) {
			in := doc(slug, "Inflation report "+slug, "", "Prices rose.", at)
			in.TopicSlugs, in.RegionSlugs, in.AuthorSlugs, in.Kind = []string{topic}, []string{region}, []string{author}, kind
			if topic == "economy" {
				in.ColumnSlug = "money-talk"
			}
			mustCreate(t, db, in)
		}
		y := func(year int) time.Time { return time.Date(year, 6, 1, 12, 0, 0, 0, time.UTC) }
		mk("a", "economy", "europe", "ada", masthead.KindDaily, y(2023))
		mk("b", "economy", "asia", "ada", masthead.KindInDepth, y(2024))
		mk("c", "energy", "europe", "bob", masthead.KindDaily, y(2024))
		mk("d", "economy", "europe", "bob", masthead.KindBriefing, y(2025))
		mk("future", "economy", "europe", "bob", masthead.KindBriefing, t0.Add(time.Hour))

		res := mustSearch(t, db, masthead.SearchQuery{Text: "inflation", Sort: masthead.SortNewest})
		if got := hitSlugs(res); got != "d c b a" {
			t.Errorf("newest first: [%s]", got)
		}
		if got := hitSlugs(mustSearch(t, db, masthead.SearchQuery{Text: "inflation", Sort: masthead.SortOldest})); got != "a b c d" {
			t.Errorf("oldest first: [%s]", got)
		}
		facets := map[string]string{}
		for _, f := range res.Facets {
			var s []string
			for _, v := range f.Values {
				s = append(s, fmt.Sprintf("%s=%d", v.Slug, v.Count))
			}
			facets[f.Name] = strings.Join(s, " ")
		}
		want := map[string]string{
			"topic": "economy=3 energy=1", "region": "europe=3 asia=1", "author": "ada=2 bob=2",
			"column": "money-talk=3", "kind": "daily=2 in-depth=1 briefing=1", "year": "2025=1 2024=2 2023=1",
		}
		for k, v := range want {
			if facets[k] != v {
				t.Errorf("facet %s: %q, want %q", k, facets[k], v)
			}
		}
		for _, tt := range []struct {
			q    masthead.SearchQuery
			want string
		}{
			{masthead.SearchQuery{Topic: "economy"}, "d b a"},
			{masthead.SearchQuery{Topic: "economy", Region: "europe"}, "d a"},
			{masthead.SearchQuery{Author: "bob"}, "d c"},
			{masthead.SearchQuery{Column: "money-talk", Kind: "in-depth"}, "b"},
			{masthead.SearchQuery{Year: 2024}, "c b"},
			{masthead.SearchQuery{From: y(2024), To: y(2025)}, "c b"},
			{masthead.SearchQuery{Topic: "no-such-topic"}, ""},
		} {
			tt.q.Text, tt.q.Sort = "inflation", masthead.SortNewest
			res := mustSearch(t, db, tt.q)
			if got := hitSlugs(res); got != tt.want {
				t.Errorf("%+v: [%s], want [%s]", tt.q, got, tt.want)
			}
			if res.Total != len(res.Hits) {
				t.Errorf("%+v: total %d", tt.q, res.Total)
			}
		}
		// Pagination.
		p2 := mustSearch(t, db, masthead.SearchQuery{Text: "inflation", Sort: masthead.SortNewest, PerPage: 3, Page: 2})
		if got := hitSlugs(p2); got != "a" || p2.Total != 4 {
			t.Errorf("page 2: [%s] of %d", got, p2.Total)
		}
		if got := hitSlugs(mustSearch(t, db, masthead.SearchQuery{Text: "inflation", Page: 99})); got != "" {
			t.Errorf("page past the end: [%s]", got)
		}
	})
}

func TestSearchTypos(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		mustCreate(t, db, doc("economy", "The economy slows", "Growth stalls in the government's forecast.", "Details.", t0.Add(-time.Hour)))
		mustCreate(t, db, doc("other", "Harvest season", "Farmers hope.", "Rain.", t0.Add(-time.Hour)))
		res := mustSearch(t, db, masthead.SearchQuery{Text: "econmy"})
		if got := hitSlugs(res); got != "economy" || !res.Corrected || res.DidYouMean != "economy" || res.Query != "econmy" {
			t.Errorf("econmy: [%s] corrected=%v didyoumean=%q query=%q", got, res.Corrected, res.DidYouMean, res.Query)
		}
		res = mustSearch(t, db, masthead.SearchQuery{Text: "goverment forecats"})
		if got := hitSlugs(res); got != "economy" || res.DidYouMean != "government forecast" {
			t.Errorf("goverment forecats: [%s] didyoumean=%q", got, res.DidYouMean)
		}
		res = mustSearch(t, db, masthead.SearchQuery{Text: "xylophone"})
		if res.Total != 0 || res.DidYouMean != "" {
			t.Errorf("xylophone: %d results, did you mean %q", res.Total, res.DidYouMean)
		}
	})
}

func TestSuggest(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mustCreate(t, db, doc("climate-old", "Climate policy stalls", "", "x", t0.Add(-48*time.Hour)))
		mustCreate(t, db, doc("climate-new", "Climbing costs of climate adaptation", "", "x", t0.Add(-time.Hour)))
		mustCreate(t, db, doc("climate-future", "Climate summit opens", "", "x", t0.Add(time.Hour)))
		mustCreate(t, db, doc("politics", "Political climate", "", "x", t0.Add(-2*time.Hour)))
		for _, tt := range []struct{ prefix, want string }{
			{"cli", "climate-new politics climate-old"},
			{"Clim", "climate-new politics climate-old"},
			{"climb", "climate-new"},
			{"climate pol", "politics climate-old"},
			{"c", ""},
			{"zz", ""},
			{"polic", "climate-old"}, // unstemmed: "policy" starts with it
		} {
			got, err := db.Suggest(ctx, tt.prefix, t0, 5)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, g := range got {
				s = append(s, g.Slug)
			}
			if strings.Join(s, " ") != tt.want {
				t.Errorf("%q: [%s], want [%s]", tt.prefix, strings.Join(s, " "), tt.want)
			}
		}
	})
}

// TestSearchRelevance runs judged queries over a generated library: each
// query names articles that must rank near the top, on both engines.
func TestSearchRelevance(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a library")
	}
	now := t0
	lib := demo.Generate(7, 400, now)
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, a := range lib.Authors {
			db.UpsertAuthor(ctx, a)
		}
		res, err := db.UpsertArticles(ctx, lib.Articles)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		// Planted articles with known answers: a rare word in a title
		// outranks it in a dek, which outranks it in a body.
		mustCreate(t, db, doc("in-body", "A quiet week", "Nothing much.", "Deep in the text the word quokka appears once. "+strings.Repeat("Filler words. ", 50), now.Add(-time.Hour)))
		mustCreate(t, db, doc("in-dek", "Another week", "The quokka census begins.", "Counting animals.", now.Add(-90*24*time.Hour)))
		mustCreate(t, db, doc("in-title", "The quokka problem", "Island life.", "Tourists and selfies.", now.Add(-400*24*time.Hour)))

		type judged struct {
			query   string
			targets []string // must all be in the top k
			k       int
		}
		cases := []judged{{"quokka", []string{"in-title", "in-dek", "in-body"}, 3}}
		// Each of a sample of generated articles must come first, or
		// near it, for its own title (titles repeat templates, so the
		// exact title, as a phrase, is the judged query).
		for i := 0; i < len(lib.Articles); i += 37 {
			a := lib.Articles[i]
			cases = append(cases, judged{`"` + a.Title + `"`, []string{a.Slug}, 3})
		}
		// Distinct title words without quotes: the article is in the top 10.
		for i := 5; i < len(lib.Articles); i += 53 {
			a := lib.Articles[i]
			cases = append(cases, judged{a.Title, []string{a.Slug}, 10})
		}
		for _, c := range cases {
			r := mustSearch(t, db, masthead.SearchQuery{Text: c.query, PerPage: c.k, Now: now})
			got := " " + hitSlugs(r) + " "
			for _, want := range c.targets {
				if !strings.Contains(got, " "+want+" ") {
					t.Errorf("%q: %s not in the top %d: [%s]", c.query, want, c.k, strings.TrimSpace(got))
				}
			}
		}
		r := mustSearch(t, db, masthead.SearchQuery{Text: "quokka", Now: now})
		if got := hitSlugs(r); got != "in-title in-dek in-body" {
			t.Errorf("quokka: title, dek, body order broken: [%s]", got)
		}
	})
}

// TestSearchPaging: pages of any size and depth concatenate to the whole
// ordered result, in every order.
func TestSearchPaging(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		var want []string
		for i := range 30 {
			slug := fmt.Sprintf("ledger-%02d", i)
			title := "Ledger entry"
			if i%7 == 0 {
				title = "Ledger ledger ledger, the ledger" // more relevant
			}
			mustCreate(t, db, doc(slug, title, "", "Accounts.", t0.Add(-time.Duration(i)*time.Hour)))
			want = append(want, slug)
		}
		for _, sort := range []masthead.SearchSort{masthead.SortNewest, masthead.SortOldest, masthead.SortRelevance} {
			all := hitSlugs(mustSearch(t, db, masthead.SearchQuery{Text: "ledger", Sort: sort, PerPage: 50}))
			for _, per := range []int{1, 2, 3, 7} {
				var got []string
				for page := 1; page <= 30/per+1; page++ {
					if s := hitSlugs(mustSearch(t, db, masthead.SearchQuery{Text: "ledger", Sort: sort, PerPage: per, Page: page})); s != "" {
						got = append(got, s)
					}
				}
				if strings.Join(got, " ") != all {
					t.Errorf("%s, %d a page: pages give [%s], one page [%s]", sort, per, strings.Join(got, " "), all)
				}
			}
			if sort == masthead.SortNewest && all != strings.Join(want, " ") {
				t.Errorf("newest: [%s]", all)
			}
			if sort == masthead.SortRelevance && !strings.HasPrefix(all, "ledger-00 ledger-07 ledger-14 ledger-21 ledger-28 ledger-01") {
				t.Errorf("relevance: [%s]", all)
			}
		}
	})
}
