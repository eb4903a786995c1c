package http_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/insights"
	"masthead/newsletter"
	"masthead/store"
	"masthead/store/storetest"
)

// curatorSite is the seeded site with the curator and accounts on.
func curatorSite(t *testing.T, fn func(t *testing.T, s *site)) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		fn(t, newSite(t, db, func(_ *mhttp.Config, d *mhttp.Deps) {
			d.Curator, d.Accounts, d.Newsletters = db, db, db
		}))
	})
}

// post sends a form, with the session token when not empty.
func (s *site) post(t *testing.T, token, target string, form url.Values) *http.Response {
	t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if token != "" {
		h.Set("Cookie", mhttp.SessionCookie+"="+token)
	}
	return s.do(t, http.MethodPost, target, strings.NewReader(form.Encode()), h)
}

// page gets target as the reader with token ("" for anonymous).
func (s *site) page(t *testing.T, token, target string) (*http.Response, string) {
	t.Helper()
	var h http.Header
	if token != "" {
		h = cookie(token)
	}
	res := s.do(t, http.MethodGet, target, nil, h)
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func wantSeeOther(t *testing.T, res *http.Response, loc string) {
	t.Helper()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != loc {
		t.Fatalf("status %d to %q, want 303 to %q", res.StatusCode, res.Header.Get("Location"), loc)
	}
}

func TestFollowButtonsStayShared(t *testing.T) {
	curatorSite(t, func(t *testing.T, s *site) {
		const art = "/articles/metered-feature"
		// Anonymous: the shared form, an invitation, no state.
		res, body := s.page(t, "", art)
		if res.StatusCode != 200 || !strings.Contains(body, `action="/follow"`) || !strings.Contains(body, "Follow Energy") ||
			!strings.Contains(body, "Follow Ada Lovelace") || !strings.Contains(body, "Follow The Long View") ||
			!strings.Contains(body, "Log in or register") || strings.Contains(body, "Following") {
			t.Fatalf("anonymous article page: %d\n%s", res.StatusCode, body)
		}
		// Signed out, following asks to log in and comes back.
		wantSeeOther(t, s.post(t, "", "/follow", url.Values{"kind": {"topic"}, "slug": {"energy"}, "next": {art}}),
			"/login?follow=1&next="+url.QueryEscape(art))
		wantSeeOther(t, s.post(t, "", art+"/save", nil), "/login?follow=1&next="+url.QueryEscape(art))

		// Signed in: follow, and the reader's own render shows it.
		wantSeeOther(t, s.post(t, s.reader, "/follow", url.Values{"kind": {"topic"}, "slug": {"energy"}, "next": {art}}), art)
		res, body = s.page(t, s.reader, art)
		if !strings.Contains(body, "Following Energy") || !strings.Contains(body, "Follow Ada Lovelace") ||
			!strings.Contains(res.Header.Get("Cache-Control"), "private") || strings.Contains(body, "Log in or register") {
			t.Errorf("the reader's article page does not show the follow (%s):\n%s", res.Header.Get("Cache-Control"), body)
		}
		// The shared page is untouched, from the cache or rendered.
		for range 2 {
			if _, body = s.page(t, "", art); strings.Contains(body, "Following") {
				t.Fatalf("an anonymous page shows a reader's follow")
			}
		}
		// The topic's own page, both ways.
		if _, body = s.page(t, s.reader, "/topics/energy"); !strings.Contains(body, "Following Energy") {
			t.Errorf("the topic page does not show the reader's follow")
		}
		if _, body = s.page(t, "", "/topics/energy"); !strings.Contains(body, "Follow Energy") || strings.Contains(body, "Following") {
			t.Errorf("the anonymous topic page: %s", body)
		}
		// An unknown target is refused without a follow.
		if res := s.post(t, s.reader, "/follow", url.Values{"kind": {"planet"}, "slug": {"mars"}}); res.StatusCode != http.StatusBadRequest {
			t.Errorf("following a planet: %d", res.StatusCode)
		}
		// Unfollow from the account page.
		_, body = s.page(t, s.reader, "/account")
		if !strings.Contains(body, "What you follow") || !strings.Contains(body, `href="/topics/energy">Energy</a>`) {
			t.Fatalf("account page lacks the follows:\n%s", body)
		}
		wantSeeOther(t, s.post(t, s.reader, "/follow", url.Values{"kind": {"topic"}, "slug": {"energy"}, "unfollow": {"1"},
			"next": {"/account"}}), "/account")
		if _, body = s.page(t, s.reader, art); strings.Contains(body, "Following Energy") {
			t.Errorf("still following after unfollowing")
		}
	})
}

func TestForYouSavedAndHistory(t *testing.T) {
	curatorSite(t, func(t *testing.T, s *site) {
		for _, slug := range []string{"energy", "economy"} {
			s.post(t, s.reader, "/follow", url.Values{"kind": {"topic"}, "slug": {slug}})
		}
		s.post(t, s.reader, "/follow", url.Values{"kind": {"author"}, "slug": {"ada-lovelace"}})
		res, body := s.page(t, s.reader, "/for-you")
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "private") {
			t.Fatalf("for you: %d %s", res.StatusCode, res.Header.Get("Cache-Control"))
		}
		// Newest first; no draft, nothing scheduled, nothing pulled.
		order := []string{"A free daily analysis", "The metered feature", "For subscribers"}
		last := -1
		for _, title := range order {
			i := strings.Index(body, title)
			if i < 0 || i < last {
				t.Fatalf("for you lacks %q or has it out of order:\n%s", title, body)
			}
			last = i
		}
		for _, not := range []string{"Never published", "Coming next week", "Pulled piece", "Filler number"} {
			if strings.Contains(body, not) {
				t.Errorf("for you shows %q", not)
			}
		}
		if !strings.Contains(body, "Open to you") || !strings.Contains(body, "Uses a free article") || strings.Contains(body, "badge--read") {
			t.Errorf("for you's labels:\n%s", body)
		}
		// Reading marks it read.
		s.page(t, s.reader, "/articles/free-daily")
		if _, body = s.page(t, s.reader, "/for-you"); !strings.Contains(body, "badge--read") {
			t.Errorf("an article read is not marked")
		}
		// Continue reading: the reader's home page, never the shared one.
		if _, body = s.page(t, s.reader, "/"); !strings.Contains(body, "Continue reading") {
			t.Errorf("the reader's home page lacks continue reading")
		}
		for range 2 {
			if _, body = s.page(t, "", "/"); strings.Contains(body, "Continue reading") {
				t.Errorf("the anonymous home page shows continue reading")
			}
		}
		// Anonymous readers are sent to log in.
		if res, _ := s.page(t, "", "/for-you"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous for you: %d", res.StatusCode)
		}

		// Saving a locked article opens nothing.
		wantSeeOther(t, s.post(t, s.reader, "/articles/subscribers-only/save", nil), "/articles/subscribers-only")
		_, body = s.page(t, s.reader, "/articles/subscribers-only")
		if strings.Contains(body, subscribersClosing) || !strings.Contains(body, "Saved for later — remove") {
			t.Errorf("saved article page: closing shown %v", strings.Contains(body, subscribersClosing))
		}
		if _, body = s.page(t, s.reader, "/saved"); !strings.Contains(body, "For subscribers") {
			t.Errorf("the reading list lacks the saved article")
		}
		wantSeeOther(t, s.post(t, s.reader, "/articles/subscribers-only/save", url.Values{"remove": {"1"}, "next": {"/saved"}}), "/saved")
		if _, body = s.page(t, s.reader, "/saved"); strings.Contains(body, "For subscribers") {
			t.Errorf("removed article still listed")
		}
		s.post(t, s.reader, "/articles/metered-feature/save", nil)

		// History: pause, then read, then clear.
		wantSeeOther(t, s.post(t, s.reader, "/account/history", url.Values{"do": {"pause"}}), "/account?saved=history#history")
		s.page(t, s.reader, "/articles/hostile")
		var x struct {
			Curator struct {
				Follows []struct{ Kind, Name string } `json:"follows"`
				Saved   []struct{ Title string }      `json:"saved_articles"`
				History []struct{ Title string }      `json:"reading_history"`
				Paused  bool                          `json:"reading_history_paused"`
			} `json:"curator"`
		}
		_, body = s.page(t, s.reader, "/account/export.json")
		if err := json.Unmarshal([]byte(body), &x); err != nil {
			t.Fatal(err)
		}
		c := x.Curator
		if len(c.Follows) != 3 || len(c.Saved) != 1 || c.Saved[0].Title != "The metered feature" || !c.Paused {
			t.Errorf("export: %+v", c)
		}
		for _, h := range c.History {
			if h.Title == "Hostile markup" {
				t.Errorf("an article read while paused is in the history")
			}
		}
		if len(c.History) == 0 {
			t.Errorf("the history lost what was read before the pause")
		}
		s.post(t, s.reader, "/account/history", url.Values{"do": {"clear"}})
		_, body = s.page(t, s.reader, "/account/export.json")
		json.Unmarshal([]byte(body), &x)
		if len(x.Curator.History) != 0 {
			t.Errorf("history after clearing: %+v", x.Curator.History)
		}
	})
}

// TestAlertStopLinks: an alert's stop link turns that follow's alert off
// and keeps the follow; the unsubscribe link stops all alerts.
func TestAlertStopLinks(t *testing.T) {
	curatorSite(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		m, err := s.db.MemberByEmail(ctx, "reader@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.db.Follow(ctx, m.ID, masthead.FollowTopic, "energy", masthead.AlertInstant, now); err != nil {
			t.Fatal(err)
		}
		secret, err := s.db.NewsletterSecret(ctx)
		if err != nil {
			t.Fatal(err)
		}
		link := "/newsletters/unsubscribe?" + url.Values{"t": {newsletter.UnsubscribeToken(secret, m.ID, masthead.NewsletterAlerts, 0)},
			"f": {"topic:energy"}}.Encode()
		if _, body := s.page(t, "", link); !strings.Contains(body, "Stop these alerts?") {
			t.Fatalf("stop link page:\n%s", body)
		}
		if res := s.post(t, "", link, nil); res.StatusCode != 200 {
			t.Fatalf("stop: %d", res.StatusCode)
		}
		fs, _ := s.db.Follows(ctx, m.ID)
		if len(fs) != 1 || fs[0].Alert != masthead.AlertOff {
			t.Errorf("after the stop link: %+v, want the follow kept without its alert", fs)
		}
		// A forged member is refused.
		forged := strings.Replace(link, url.QueryEscape(newsletter.UnsubscribeToken(secret, m.ID, masthead.NewsletterAlerts, 0))[:2], "99", 1)
		if res := s.post(t, "", forged, nil); res.StatusCode != http.StatusBadRequest {
			t.Errorf("forged stop link: %d", res.StatusCode)
		}
		all := "/newsletters/unsubscribe?" + url.Values{"t": {newsletter.UnsubscribeToken(secret, m.ID, masthead.NewsletterAlerts, 0)}}.Encode()
		if res := s.post(t, "", all, nil); res.StatusCode != 200 {
			t.Fatalf("stop all: %d", res.StatusCode)
		}
		cs, _ := s.db.Consents(ctx, m.ID)
		if len(cs) == 0 || cs[0].Newsletter != masthead.NewsletterAlerts || cs[0].Consented {
			t.Errorf("consents after stopping all alerts: %+v", cs)
		}
	})
}

// TestHistoryBatchedOnThePage: with the insights recorder wired, a
// signed-in page hands its read to the batches; the history has it once
// the batch is written, the export writes what waits before listing,
// and pausing keeps the reads made just before it.
func TestHistoryBatchedOnThePage(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		rec := insights.New(db, insights.Options{Interval: time.Hour, Batch: 10_000, Clock: fixedClock{now}})
		t.Cleanup(rec.Close)
		s := newSite(t, db, func(_ *mhttp.Config, d *mhttp.Deps) {
			d.Curator, d.Accounts, d.Newsletters, d.Insights = db, db, db, rec
		})
		s.page(t, s.reader, "/articles/free-daily")
		rec.Flush()
		if _, body := s.page(t, s.reader, "/"); !strings.Contains(body, "Continue reading") || !strings.Contains(body, "A free daily analysis") {
			t.Errorf("the reader's home page lacks the article read, once its batch is written")
		}
		exported := func() []string {
			t.Helper()
			var x struct {
				Curator struct {
					History []struct{ Title string } `json:"reading_history"`
				} `json:"curator"`
			}
			_, body := s.page(t, s.reader, "/account/export.json")
			if err := json.Unmarshal([]byte(body), &x); err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, h := range x.Curator.History {
				titles = append(titles, h.Title)
			}
			slices.Sort(titles)
			return titles
		}
		s.page(t, s.reader, "/articles/metered-feature")
		if got := exported(); !slices.Equal(got, []string{"A free daily analysis", "The metered feature"}) {
			t.Errorf("exported history = %q, want both articles read, the last one still waiting when asked", got)
		}
		s.page(t, s.reader, "/articles/subscribers-only")
		wantSeeOther(t, s.post(t, s.reader, "/account/history", url.Values{"do": {"pause"}}), "/account?saved=history#history")
		s.page(t, s.reader, "/articles/hostile")
		if got := exported(); !slices.Equal(got, []string{"A free daily analysis", "For subscribers", "The metered feature"}) {
			t.Errorf("exported history = %q, want the three articles read before the pause and not the one after", got)
		}
	})
}
