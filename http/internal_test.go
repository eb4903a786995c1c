package http

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"masthead"
	"masthead/access"
)

func testServer(t *testing.T) *Server {
	t.Helper()
	s := New(Config{SiteName: "T", BaseURL: "https://t.example", PageCacheBytes: -1}, Deps{})
	t.Cleanup(func() { s.Close() })
	return s
}

// TestTemplates executes every page template with a full view and with
// an empty one, so a template that refers to a missing field or function
// fails here rather than on a reader's request.
func TestTemplates(t *testing.T) {
	s := testServer(t)
	r := httptest.NewRequest("GET", "/", nil)
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	col := &masthead.Column{Slug: "c", Name: "Col", Description: "D"}
	a := &masthead.Article{
		ID: 1, Slug: "a", Title: "Title <x>", Dek: "Dek", Kind: masthead.KindDaily, Access: masthead.AccessSubscribers,
		Status: masthead.StatusPublished, PublishedAt: when, UpdatedAt: when.Add(48 * time.Hour), CreatedAt: when,
		Authors: []masthead.Author{{Slug: "x", Name: "X", Bio: "Bio"}, {Slug: "y", Name: "Y"}, {Slug: "z", Name: "Z"}},
		Column:  col, Topics: []masthead.Term{{Slug: "t", Name: "T"}}, Regions: []masthead.Term{{Slug: "r", Name: "R"}},
		Image: masthead.Image{URL: "/i.png", Alt: "Alt", Caption: "Cap"}, WordCount: 900,
	}
	b := s.newBase(r, "Title", "Desc", "/p")
	b.Flash = "Saved."
	b.Reader = readerInfo{SignedIn: true, Name: "N", Staff: true}
	p := pager{Page: 2, Pages: 3, Total: 50, PrevURL: "/x", NextURL: "/x?page=3"}
	ap := articlePage{base: b, Article: a, Body: "<p>teaser</p>", Gated: true, Access: access.Decision{Reason: access.ReasonAnonymous, Offer: access.OfferRegister}}
	s.articleMeta(&ap.base, a)
	home := homePage{base: b, Lead: a, Daily: []*masthead.Article{a}, InDepth: []*masthead.Article{a},
		Columns: []columnLatest{{Column: *col, Latest: a}}, Topics: []topicSection{{Topic: a.Topics[0], Articles: []*masthead.Article{a}}}}
	home.IsHome = true

	views := map[string][]any{
		"home":    {home, homePage{base: s.newBase(r, "", "", "/")}},
		"article": {ap, articlePage{base: s.newBase(r, "", "", "/"), Article: &masthead.Article{}}},
		"list": {listPage{base: b, Kicker: "K", Heading: "H", Intro: "I", Articles: []*masthead.Article{a}, Pager: p,
			Months: []monthLink{{Year: 2024, Month: 5, Count: 3, Current: true}}, FeedRSS: "/f", FeedAtom: "/a"},
			listPage{base: s.newBase(r, "", "", "/")}},
		"terms":   {termsPage{base: b, Heading: "H", Intro: "I", Items: []termItem{{Name: "N", URL: "/u", Description: "D"}}}, termsPage{base: s.newBase(r, "", "", "/")}},
		"archive": {archivePage{base: b, Total: 3, Years: []archiveYear{{Year: 2024, Count: 3, Months: []monthLink{{Year: 2024, Month: 5, Count: 3}}}}}, archivePage{base: s.newBase(r, "", "", "/")}},
		"error":   {errorPage{base: b, Status: 404, Heading: "H", Message: "M"}},
		"pricing": {pricingPage{base: b, Benefits: allAccessBenefits}, pricingPage{base: b, Available: true}},
	}
	for _, name := range pageNames {
		vs, ok := views[name]
		if !ok {
			t.Errorf("no test view for template %q", name)
			continue
		}
		for i, v := range vs {
			w := newBufWriter()
			if err := s.render(w, name, v); err != nil {
				t.Errorf("%s #%d: %v", name, i, err)
				continue
			}
			out := w.body.String()
			if !strings.Contains(out, "</html>") {
				t.Errorf("%s #%d: incomplete page", name, i)
			}
			if i == 0 && strings.Contains(out, "Title <x>") {
				t.Errorf("%s: title not escaped", name)
			}
		}
	}
	if err := s.render(newBufWriter(), "nope", nil); err == nil {
		t.Error("unknown template rendered")
	}
}

// versionStore is the part of ArticleService the poller uses.
type versionStore struct {
	masthead.ArticleService
	v atomic.Int64
}

func (s *versionStore) ContentVersion(context.Context) (int64, error) { return s.v.Load(), nil }

// TestContentVersionPurges checks that a new content version empties the
// cache promptly.
func TestContentVersionPurges(t *testing.T) {
	vs := &versionStore{}
	s := New(Config{BaseURL: "https://t.example"}, Deps{Articles: vs})
	defer s.Close()

	e := newEntry(200, http.Header{}, []byte("x"))
	e.Prepare()
	s.cache.Fill("/x", func() (*entry, bool, error) { return e, true, nil })
	if _, ok := s.cache.Get("/x"); !ok {
		t.Fatal("not cached")
	}
	// Keep changing the version until the poller (once a second) has
	// seen a change; the first poll may only set its baseline.
	deadline := time.Now().Add(10 * time.Second)
	cached := func() bool { _, ok := s.cache.Get("/x"); return ok }
	for cached() {
		if time.Now().After(deadline) {
			t.Fatal("cache not purged after the content version changed")
		}
		vs.v.Add(1)
		time.Sleep(10 * time.Millisecond)
	}
}

// TestJSONErrors checks that JSON endpoints answer errors in JSON, with
// internal details hidden.
func TestJSONErrors(t *testing.T) {
	s := testServer(t)
	for _, tt := range []struct {
		err        error
		wantStatus int
		wantBody   string
	}{
		{errors.New("secret dsn"), 500, `{"error":{"code":"internal","message":"internal error"}}`},
		{masthead.Errorf(masthead.ENOTFOUND, "No such thing."), 404, `{"error":{"code":"not_found","message":"No such thing."}}`},
		{&http.MaxBytesError{Limit: 1}, 413, `"code":"too_large"`},
	} {
		h := s.json(func(w http.ResponseWriter, r *http.Request) error { return tt.err })
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "/api", nil))
		if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantBody) || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%v: %d %q %q", tt.err, w.Code, w.Header().Get("Content-Type"), w.Body.String())
		}
		if strings.Contains(w.Body.String(), "secret") {
			t.Error("internal error text leaked")
		}
	}
}

func TestCacheKey(t *testing.T) {
	for target, want := range map[string]string{
		"/a":                        "/a",
		"/a?page=1":                 "/a",
		"/a?page=01&utm_source=x":   "/a",
		"/a?page=2":                 "/a?page=2",
		"/a?page=002&fbclid=1":      "/a?page=2",
		"/a?page=-2":                "/a",
		"/a?page=x":                 "/a",
		"/a?page=99999999999999999": fmt.Sprintf("/a?page=%d", maxPage),
	} {
		if got := cacheKey(httptest.NewRequest("GET", target, nil)); got != want {
			t.Errorf("cacheKey(%q) = %q, want %q", target, got, want)
		}
	}
}
