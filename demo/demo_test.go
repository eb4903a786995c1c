package demo_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/demo"
	"masthead/markdown"
	"masthead/store"
	"masthead/store/storetest"
)

var now = time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)

func TestGenerateIsDeterministic(t *testing.T) {
	a := demo.Generate(42, 120, now)
	b := demo.Generate(42, 120, now)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("same seed, different libraries (-first +second):\n%s", diff)
	}
	c := demo.Generate(43, 120, now)
	same := 0
	for i := range a.Articles {
		if a.Articles[i].Title == c.Articles[i].Title {
			same++
		}
	}
	if same > 12 {
		t.Errorf("seeds 42 and 43 share %d of 120 titles; the seed should matter", same)
	}
	if cmp.Equal(a.Authors, c.Authors) {
		t.Error("seeds 42 and 43 have the same authors")
	}
}

// Article(i) is the same whether made alone or as part of the whole, so
// batches can be made in parallel.
func TestArticleIndependentOfOrder(t *testing.T) {
	lib := demo.Generate(7, 50, now)
	g := demo.New(7, 50, now)
	for _, i := range []int{49, 3, 0, 17} {
		got := g.Article(i)
		want := lib.Articles[i]
		got.Slug, want.Slug = "", "" // uniqueness suffixes depend on order
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("article %d differs when made alone:\n%s", i, diff)
		}
	}
	var fromBatches []masthead.ArticleInput
	for b := range g.Batches(7) {
		fromBatches = append(fromBatches, b...)
	}
	if diff := cmp.Diff(lib.Articles, fromBatches); diff != "" {
		t.Errorf("Batches differs from Generate:\n%s", diff)
	}
}

func TestLibraryIsRealistic(t *testing.T) {
	const n = 400
	lib := demo.Generate(1, n, now)
	if len(lib.Articles) != n {
		t.Fatalf("got %d articles, want %d", len(lib.Articles), n)
	}
	if got := len(lib.Authors); got != 12 {
		t.Errorf("%d authors, want a dozen", got)
	}
	for _, a := range lib.Authors {
		if !masthead.ValidSlug(a.Slug) || len(strings.Fields(a.Bio)) < 15 || !strings.Contains(a.Bio, a.Name) {
			t.Errorf("author %+v: want a valid slug and a bio naming them", a)
		}
	}
	if got := len(lib.Columns); got < 6 || got > 10 {
		t.Errorf("%d columns, want 6–10", got)
	}
	weekly := 0
	for _, c := range lib.Columns {
		if c.Name == "" || c.Description == "" {
			t.Errorf("column %+v lacks a name or description", c)
		}
		if strings.Contains(c.Description, "every") || strings.Contains(c.Description, "weekly") {
			weekly++
		}
	}
	if weekly == 0 {
		t.Error("no weekly column")
	}
	if got := len(lib.Topics); got < 12 || got > 18 {
		t.Errorf("%d topics, want about 15", got)
	}
	if got := len(lib.Regions); got < 8 || got > 12 {
		t.Errorf("%d regions, want about 10", got)
	}

	r := markdown.New()
	kinds := map[masthead.Kind]int{}
	access := map[masthead.Access]int{}
	slugs := map[string]bool{}
	var images, quotes, lists, links, bold, inColumn int
	newest, oldest := time.Time{}, now
	for _, in := range lib.Articles {
		kinds[in.Kind]++
		access[in.Access]++
		if slugs[in.Slug] {
			t.Errorf("slug %q repeats", in.Slug)
		}
		slugs[in.Slug] = true
		check := in
		check.Normalize(now)
		if err := check.Validate(); err != nil {
			t.Errorf("article %q does not validate: %v", in.Slug, err)
		}
		out, err := r.Render(in.BodyMarkdown)
		if err != nil {
			t.Fatal(err)
		}
		if out.WordCount < 600 || out.WordCount > 2000 {
			t.Errorf("article %q (%s) has %d words, want 600–2,000", in.Slug, in.Kind, out.WordCount)
		}
		for _, s := range []string{in.Title, in.Dek, in.BodyMarkdown, in.Image.Caption} {
			if strings.ContainsAny(s, "{}") {
				t.Errorf("article %q has an unfilled template slot: %.120q", in.Slug, s)
			}
		}
		if strings.Contains(in.BodyMarkdown, "://") || strings.Contains(in.Image.URL, "://") {
			t.Errorf("article %q links off the site", in.Slug)
		}
		if !strings.Contains(in.BodyMarkdown, "\n## ") {
			t.Errorf("article %q has no section heading", in.Slug)
		}
		if in.Title == "" || in.Dek == "" || len(in.AuthorSlugs) == 0 || len(in.TopicSlugs) == 0 || len(in.RegionSlugs) == 0 {
			t.Errorf("article %q lacks a title, dek, author, topic or region: %+v", in.Slug, in)
		}
		if in.Status != masthead.StatusPublished || in.PublishedAt.After(now) {
			t.Errorf("article %q: status %s at %v, want published by %v", in.Slug, in.Status, in.PublishedAt, now)
		}
		if in.PublishedAt.After(newest) {
			newest = in.PublishedAt
		}
		if in.PublishedAt.Before(oldest) {
			oldest = in.PublishedAt
		}
		if in.Image.URL != "" {
			images++
			name := strings.TrimSuffix(strings.TrimPrefix(in.Image.URL, demo.ImagePrefix), ".svg")
			if _, ok := demo.Image(name); !ok || !strings.HasPrefix(in.Image.URL, demo.ImagePrefix) {
				t.Errorf("article %q: image %q is not served by Images", in.Slug, in.Image.URL)
			}
		}
		if in.ColumnSlug != "" {
			inColumn++
		}
		if strings.Contains(out.HTML, "<blockquote>") {
			quotes++
		}
		if strings.Contains(out.HTML, "<ul>") || strings.Contains(out.HTML, "<ol>") {
			lists++
		}
		if strings.Contains(out.HTML, `<a href="/topics/`) {
			links++
		}
		if strings.Contains(out.HTML, "<strong>") {
			bold++
		}
	}
	for _, k := range masthead.Kinds {
		if kinds[k] < n/20 {
			t.Errorf("kind %s: %d articles, want a fair share (%v)", k, kinds[k], kinds)
		}
	}
	for _, a := range masthead.Accesses {
		if access[a] < n/20 {
			t.Errorf("access %s: %d articles, want a fair share (%v)", a, access[a], access)
		}
	}
	if access[masthead.AccessMetered] <= n/2 {
		t.Errorf("metered articles %d of %d; want most (%v)", access[masthead.AccessMetered], n, access)
	}
	for name, got := range map[string]int{"images": images, "quotes": quotes, "lists": lists, "links": links, "bold": bold, "column pieces": inColumn} {
		if got < n/10 || got == n {
			t.Errorf("%s in %d of %d articles; want some, not all", name, got, n)
		}
	}
	if now.Sub(newest) > 2*time.Hour {
		t.Errorf("newest article at %v, want about now (%v)", newest, now)
	}
	if now.Sub(oldest) < 2*365*24*time.Hour {
		t.Errorf("oldest article at %v, want several years back from %v", oldest, now)
	}
}

// Weekly columns appear on their day of the week.
func TestWeeklyColumnsKeepTheirDay(t *testing.T) {
	lib := demo.Generate(5, 300, now)
	days := map[string]map[time.Weekday]bool{}
	for _, in := range lib.Articles {
		if in.ColumnSlug == "" {
			continue
		}
		if days[in.ColumnSlug] == nil {
			days[in.ColumnSlug] = map[time.Weekday]bool{}
		}
		days[in.ColumnSlug][in.PublishedAt.Weekday()] = true
	}
	for _, c := range lib.Columns {
		if strings.Contains(c.Description, "every") && len(days[c.Slug]) > 1 {
			t.Errorf("weekly column %s appears on %d weekdays", c.Slug, len(days[c.Slug]))
		}
	}
}

func TestSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 45
		var calls [][2]int
		if err := demo.Seed(ctx, db, n, 9, now, func(done, total int) { calls = append(calls, [2]int{done, total}) }); err != nil {
			t.Fatal(err)
		}
		if len(calls) == 0 || calls[len(calls)-1] != [2]int{n, n} {
			t.Errorf("progress calls %v, want the last to be {%d %d}", calls, n, n)
		}
		lib := demo.Generate(9, n, now)
		list, total, err := db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: now, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if total != n || len(list) != n {
			t.Fatalf("%d live articles (total %d), want %d", len(list), total, n)
		}
		var want, got []string
		for _, in := range lib.Articles {
			want = append(want, in.Slug)
		}
		for _, a := range list {
			got = append(got, a.Slug)
		}
		slices.Sort(want)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored slugs differ from the generated ones:\n%s", diff)
		}

		authors, err := db.Authors(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(authors) != 12 || authors[0].Bio == "" {
			t.Errorf("%d authors stored (first %+v), want 12 with bios", len(authors), authors[0])
		}
		cols, err := db.Columns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cols) != len(lib.Columns) {
			t.Errorf("%d columns stored, want %d", len(cols), len(lib.Columns))
		}

		first := lib.Articles[0]
		a, err := db.Article(ctx, first.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if a.Title != first.Title || a.WordCount < 600 || a.WordCount > 2000 || len(a.Authors) == 0 || a.Authors[0].Name == "" {
			t.Errorf("stored article %q: title %q, %d words, authors %v", a.Slug, a.Title, a.WordCount, a.Authors)
		}
		if !strings.Contains(a.BodyHTML, "<h2") || a.TeaserHTML == "" || len(a.TeaserHTML) >= len(a.BodyHTML) {
			t.Errorf("stored article %q: body or teaser not rendered as expected", a.Slug)
		}

		// Seeding the same library again replaces it: no duplicates.
		if err := demo.Seed(ctx, db, n, 9, now, nil); err != nil {
			t.Fatal(err)
		}
		if _, total, err := db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: now}); err != nil || total != n {
			t.Errorf("after seeding twice: %d articles (err %v), want %d", total, err, n)
		}
	})
}

func TestSeedStopsOnCancel(t *testing.T) {
	db := storetest.Open(t, "sqlite", store.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := demo.Seed(ctx, db, 1200, 1, now, nil); err == nil {
		t.Fatal("Seed with a cancelled context succeeded")
	}
}

func TestImages(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix(demo.ImagePrefix, demo.Images()))
	defer srv.Close()
	for _, tc := range []struct {
		path   string
		status int
	}{
		{demo.ImagePrefix + "energy-3.svg", 200},
		{demo.ImagePrefix + "energy-3", 404},
		{demo.ImagePrefix + "..%2Fetc.svg", 404},
		{demo.ImagePrefix + "Energy.svg", 404},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		if tc.status == 200 && resp.Header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("GET %s: content type %q", tc.path, resp.Header.Get("Content-Type"))
		}
	}
	a, _ := demo.Image("energy-3")
	b, _ := demo.Image("energy-3")
	c, _ := demo.Image("energy-4")
	if string(a) != string(b) || string(a) == string(c) || !strings.HasPrefix(string(a), "<svg") || strings.Contains(string(a), "script") {
		t.Error("Image is not a stable, script-free SVG that varies by name")
	}
}
