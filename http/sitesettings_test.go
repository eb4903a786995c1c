package http_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/store"
	"masthead/store/storetest"
)

// TestSiteSettingsShown: what staff save in the site settings replaces
// the started values on the pages, on a running instance too (after the
// content version moves, with the page cache emptied), and a setting
// not set keeps the started value.
func TestSiteSettingsShown(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mustCreate(t, db, masthead.ArticleInput{Title: "Ports", Slug: "ports", BodyMarkdown: strings.Repeat("A paragraph of text.\n\n", 8),
			Access: masthead.AccessFree, Status: masthead.StatusPublished, PublishedAt: now.Add(-time.Hour)})
		srv := mhttp.New(mhttp.Config{SiteName: "The Test Review", Tagline: "Started tagline", BaseURL: "https://news.example", Location: zone},
			mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: fixedClock{now}, Settings: db})
		t.Cleanup(func() { srv.Close() })
		s := &site{db: db, srv: srv, h: srv.Handler()}
		if _, body := s.get(t, "/"); !strings.Contains(body, "The Test Review") || strings.Contains(body, "site-settings.css") {
			t.Fatalf("before any settings: %s", excerptOf(body))
		}
		if _, err := db.SaveSettings(ctx, masthead.SiteSettings{Name: "The Harbour Gazette", Accent: "#0a5c36",
			FooterLinks: []masthead.Link{{Label: "About us", URL: "/about"}},
			Social:      []masthead.Link{{Label: "Mastodon", URL: "https://social.example/@harbour"}},
			AdsHTML:     `<p class="harbour-ad">Ferry tickets</p>`}, 0); err != nil {
			t.Fatal(err)
		}
		// The running instance sees the save once its poller does.
		deadline := time.Now().Add(10 * time.Second)
		var body string
		for time.Now().Before(deadline) {
			if _, body = s.get(t, "/"); strings.Contains(body, "The Harbour Gazette") {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		for _, want := range []string{"<title>The Harbour Gazette — Started tagline</title>", `href="/about">About us</a>`,
			`href="https://social.example/@harbour"`, `href="/site-settings.css?v=`} {
			if !strings.Contains(body, want) {
				t.Errorf("home page lacks %q", want)
			}
		}
		if res, css := s.get(t, "/site-settings.css"); res.StatusCode != 200 || !strings.Contains(css, "--accent:#0a5c36") {
			t.Errorf("accent stylesheet: %d %q", res.StatusCode, css)
		}
		if _, page := s.get(t, "/articles/ports"); !strings.Contains(page, `<p class="harbour-ad">Ferry tickets</p>`) {
			t.Error("the article page lacks the ads' HTML of the settings")
		}
	})
}

func excerptOf(s string) string {
	if len(s) > 300 {
		return s[:300]
	}
	return s
}
