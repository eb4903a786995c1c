package http_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/store"
	"masthead/store/storetest"
)

// now is the fixed instant every test runs at.
var now = time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)

// zone is the publication's time zone in tests: five hours behind UTC, so
// an article published at 02:00 UTC on 1 March belongs to February.
var zone = time.FixedZone("UTC-5", -5*3600)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// Sentences planted in bodies: the opening ones are in the teaser, the
// closing ones only past the wall.
const (
	meteredOpening     = "OPENING-METERED the committee met on Tuesday."
	meteredClosing     = "CLOSING-METERED nobody expected the vote."
	subscribersOpening = "OPENING-SUBSCRIBERS markets steadied."
	subscribersClosing = "CLOSING-SUBSCRIBERS the bank will decide in June."
	freeClosing        = "CLOSING-FREE this one is for everyone."
)

// site is a server over a seeded database on one engine.
type site struct {
	db      *store.DB
	srv     *mhttp.Server
	h       http.Handler
	ids     map[string]int64
	staff   string // session token of an editor
	reader  string // session token of a member without a role
	fillers int
}

func mustCreate(t *testing.T, db *store.DB, in masthead.ArticleInput) *masthead.Article {
	t.Helper()
	a, err := db.CreateArticle(context.Background(), in)
	if err != nil {
		t.Fatalf("create %s: %v", in.Slug, err)
	}
	return a
}

// seed fills db with one of every case the reader site distinguishes.
func seed(t *testing.T, db *store.DB) *site {
	t.Helper()
	ctx := context.Background()
	s := &site{db: db, ids: map[string]int64{}}
	names := map[string]string{
		"ada-lovelace": "Ada Lovelace", "grace-hopper": "Grace Hopper",
		"the-long-view": "The Long View", "economy": "Economy", "energy": "Energy",
		"europe": "Europe", "filler": "Filler",
	}
	if _, err := db.UpsertAuthor(ctx, masthead.Author{Slug: "ada-lovelace", Name: "Ada Lovelace", Bio: "Ada writes about engines and economies."}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertColumn(ctx, masthead.Column{Slug: "the-long-view", Name: "The Long View", Description: "A weekly look past the headlines."}); err != nil {
		t.Fatal(err)
	}
	add := func(in masthead.ArticleInput) *masthead.Article {
		in.Names = names
		a := mustCreate(t, db, in)
		s.ids[a.Slug] = a.ID
		return a
	}
	published := masthead.StatusPublished

	add(masthead.ArticleInput{
		Slug: "free-daily", Title: "A free daily analysis", Dek: "The free dek.",
		BodyMarkdown: "Everyone may read this.\n\n## Then\n\nMore text here.\n\n" + freeClosing + "\n",
		AuthorSlugs:  []string{"ada-lovelace"}, TopicSlugs: []string{"economy"}, RegionSlugs: []string{"europe"},
		Kind: masthead.KindDaily, Access: masthead.AccessFree, Status: published,
		PublishedAt: now.Add(-2 * time.Hour),
		Image:       masthead.Image{URL: "/media/chart.png", Alt: "A chart of growth", Caption: "Growth, by quarter."},
	})
	add(masthead.ArticleInput{
		Slug: "metered-feature", Title: "The metered feature", Dek: "A dek that is safe to share.",
		BodyMarkdown: meteredOpening + "\n\n<!--more-->\n\n## What followed\n\nA middle paragraph. It goes on about what the committee heard and who spoke for the motion.\n\n" + meteredClosing + "\n",
		AuthorSlugs:  []string{"ada-lovelace", "grace-hopper"}, ColumnSlug: "the-long-view",
		TopicSlugs: []string{"energy"}, Kind: masthead.KindInDepth, Access: masthead.AccessMetered, Status: published,
		PublishedAt: now.Add(-26 * time.Hour),
	})
	var paras []string
	paras = append(paras, subscribersOpening+" "+strings.Repeat("word ", 20))
	for i := range 5 {
		paras = append(paras, fmt.Sprintf("Paragraph %d goes on. %s", i, strings.Repeat("more ", 20)))
	}
	paras = append(paras, subscribersClosing)
	add(masthead.ArticleInput{
		Slug: "subscribers-only", Title: "For subscribers", Dek: "Subscribers read on.",
		BodyMarkdown: strings.Join(paras, "\n\n"),
		AuthorSlugs:  []string{"grace-hopper"}, TopicSlugs: []string{"economy"},
		Kind: masthead.KindDaily, Access: masthead.AccessSubscribers, Status: published,
		// 02:00 UTC on 1 March is 21:00 on 28 February in the
		// publication's zone: the archive must file it under February.
		PublishedAt: time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC),
	})
	add(masthead.ArticleInput{
		Slug: "a-draft", Title: "Never published", BodyMarkdown: "Draft text.",
		AuthorSlugs: []string{"ada-lovelace"}, Status: masthead.StatusDraft,
	})
	add(masthead.ArticleInput{
		Slug: "future-piece", Title: "Coming next week", BodyMarkdown: "Not yet.",
		AuthorSlugs: []string{"ada-lovelace"}, Status: masthead.StatusScheduled, PublishedAt: now.Add(7 * 24 * time.Hour),
	})
	// Unpublished after being live.
	pulled := masthead.ArticleInput{
		Slug: "pulled-piece", Title: "Pulled piece", BodyMarkdown: "Was live.", AuthorSlugs: []string{"ada-lovelace"},
		Status: published, PublishedAt: now.Add(-72 * time.Hour),
	}
	a := add(pulled)
	pulled.Status = masthead.StatusDraft
	pulled.Names = names
	if _, err := db.UpdateArticle(ctx, a.ID, pulled); err != nil {
		t.Fatal(err)
	}
	// Renamed: the old slug redirects.
	renamed := masthead.ArticleInput{
		Slug: "old-slug", Title: "Renamed piece", BodyMarkdown: "Moved.", AuthorSlugs: []string{"ada-lovelace"},
		Access: masthead.AccessFree, Status: published, PublishedAt: now.Add(-96 * time.Hour),
	}
	a = add(renamed)
	renamed.Slug = "new-slug"
	renamed.Names = names
	if _, err := db.UpdateArticle(ctx, a.ID, renamed); err != nil {
		t.Fatal(err)
	}
	// Deleted.
	a = add(masthead.ArticleInput{
		Slug: "deleted-piece", Title: "Deleted piece", BodyMarkdown: "Gone.", AuthorSlugs: []string{"ada-lovelace"},
		Status: published, PublishedAt: now.Add(-100 * time.Hour),
	})
	if err := db.DeleteArticle(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	// Hostile Markdown, free so the whole body is shown.
	add(masthead.ArticleInput{
		Slug: "hostile", Title: "Hostile markup", Dek: "Sanitised.",
		BodyMarkdown: "# Inner title\n\nHello <script>alert('s1')</script> there.\n\n" +
			"[click me](javascript:alert('s2'))\n\n" +
			"<img src=\"/x.png\" onerror=\"alert('s3')\" alt=\"x\">\n\n" +
			"<iframe src=\"https://evil.example/frame\"></iframe>\n\n" +
			"<a href=\"JaVaScRiPt:alert('s4')\">sneaky</a>\n\n" +
			"<p onclick=\"alert('s5')\" style=\"color:red\">styled</p>\n",
		AuthorSlugs: []string{"grace-hopper"}, Access: masthead.AccessFree, Status: published,
		PublishedAt: now.Add(-5 * time.Hour),
	})
	// Enough articles in one topic for two pages.
	s.fillers = 25
	for i := range s.fillers {
		add(masthead.ArticleInput{
			Slug: fmt.Sprintf("filler-%02d", i), Title: fmt.Sprintf("Filler number %02d", i),
			BodyMarkdown: "Filler text.", AuthorSlugs: []string{"grace-hopper"}, TopicSlugs: []string{"filler"},
			Kind: masthead.KindBriefing, Status: published,
			PublishedAt: time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour),
		})
	}

	for email, tok := range map[string]*string{"editor@example.com": &s.staff, "reader@example.com": &s.reader} {
		role := masthead.RoleNone
		if email == "editor@example.com" {
			role = masthead.RoleEditor
		}
		m, err := db.EnsureMember(ctx, email, role)
		if err != nil {
			t.Fatal(err)
		}
		token, hash := masthead.NewToken()
		if err := db.CreateSession(ctx, m.ID, hash, now.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		*tok = token
	}
	return s
}

// newSite opens a server on db with the test configuration.
func newSite(t *testing.T, db *store.DB, mut func(*mhttp.Config, *mhttp.Deps)) *site {
	t.Helper()
	s := seed(t, db)
	s.serve(t, mut)
	return s
}

// instance opens another server on s's database, as a second instance
// of the site runs beside the first, with caches of its own.
func (s *site) instance(t *testing.T, mut func(*mhttp.Config, *mhttp.Deps)) *site {
	t.Helper()
	o := *s
	o.serve(t, mut)
	return &o
}

// serve opens the server of s with the test configuration.
func (s *site) serve(t *testing.T, mut func(*mhttp.Config, *mhttp.Deps)) {
	cfg := mhttp.Config{
		SiteName: "The Test Review", Tagline: "Analysis for testers", BaseURL: "https://news.example",
		Location: zone, MaxBodyBytes: 64 << 10,
	}
	deps := mhttp.Deps{Articles: s.db, Taxonomy: s.db, Members: s.db, Clock: fixedClock{now}}
	if mut != nil {
		mut(&cfg, &deps)
	}
	srv := mhttp.New(cfg, deps)
	t.Cleanup(func() { srv.Close() })
	s.srv, s.h = srv, srv.Handler()
}

// each runs fn on both engines with a seeded site.
func each(t *testing.T, mut func(*mhttp.Config, *mhttp.Deps), fn func(t *testing.T, s *site)) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		fn(t, newSite(t, db, mut))
	})
}

// do sends one request through the whole handler.
func (s *site) do(t *testing.T, method, target string, body io.Reader, header http.Header) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w.Result()
}

func (s *site) get(t *testing.T, target string) (*http.Response, string) {
	t.Helper()
	res := s.do(t, http.MethodGet, target, nil, nil)
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func cookie(token string) http.Header {
	return http.Header{"Cookie": {mhttp.SessionCookie + "=" + token}}
}
