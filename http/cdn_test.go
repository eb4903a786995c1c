package http_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
)

// defaultShared is the Cache-Control of a shared page with the default
// CDN settings.
const defaultShared = "public, max-age=60, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400"

// TestCDNSharedPages: every anonymous page says how long a CDN may keep
// it and carries the content keys of what it shows, on the render that
// fills the page cache and on the hits after it; the header's name and
// separator, and the lifetimes, are settings.
func TestCDNSharedPages(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		article := masthead.ArticleKey(s.ids["metered-feature"])
		for _, c := range []struct{ url, keys string }{
			{"/", "site home"},
			{"/articles/metered-feature", "site " + article},
			{"/articles/metered-feature?utm_source=x", "site " + article},
			{"/topics/energy", "site topic:energy"},
			{"/topics/energy/feed.xml", "site topic:energy"},
			{"/columns/the-long-view", "site column:the-long-view"},
			{"/columns/the-long-view/atom.xml", "site column:the-long-view"},
			{"/authors/ada-lovelace", "site author:ada-lovelace"},
			{"/regions/europe", "site region:europe"},
			{"/feed.xml", "site feeds"},
			{"/archive", "site lists"},
			{"/topics", "site lists"},
			{"/sitemap.xml", "site lists"},
			{"/robots.txt", "site"},
		} {
			for _, pass := range []string{"render", "hit"} {
				res, _ := s.get(t, c.url)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s: status %d", c.url, res.StatusCode)
				}
				if got := res.Header.Get("Cache-Control"); got != defaultShared {
					t.Errorf("%s (%s): Cache-Control %q", c.url, pass, got)
				}
				if got := res.Header.Get("Surrogate-Key"); got != c.keys {
					t.Errorf("%s (%s): Surrogate-Key %q, want %q", c.url, pass, got, c.keys)
				}
			}
		}
		// Not found is shared briefly, without keys: it names nothing.
		res, _ := s.get(t, "/articles/no-such-piece")
		if res.StatusCode != http.StatusNotFound || res.Header.Get("Surrogate-Key") != "" || strings.Contains(res.Header.Get("Cache-Control"), "s-maxage") {
			t.Errorf("404: %d, %q, %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Surrogate-Key"))
		}
	})

	each(t, func(c *mhttp.Config, _ *mhttp.Deps) {
		c.CDN = mhttp.CDNConfig{MaxAge: 30 * time.Second, SharedMaxAge: 2 * time.Hour, StaleWhileRevalidate: time.Minute,
			StaleIfError: time.Hour, KeyHeader: "cache-tag"}
	}, func(t *testing.T, s *site) {
		res, _ := s.get(t, "/topics/energy")
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=30, s-maxage=7200, stale-while-revalidate=60, stale-if-error=3600" {
			t.Errorf("Cache-Control %q", got)
		}
		if got := res.Header.Get("Cache-Tag"); got != "site,topic:energy" || res.Header.Get("Surrogate-Key") != "" {
			t.Errorf("Cache-Tag %q, Surrogate-Key %q", got, res.Header.Get("Surrogate-Key"))
		}
	})
}

// TestCDNPersonalPages: a page that differs for its reader — a member's,
// a subscriber's, a registered browser's that unlocked the article, a
// verified crawler's, a gift link's, an institution network's — is
// private and carries no content keys, so no CDN keeps it for others,
// whatever it honours; and a reader they cannot tell apart from an
// anonymous one (a spoofed crawler, a device cookie with no unlock) gets
// the anonymous page.
func TestCDNPersonalPages(t *testing.T) {
	eachReaders(t, func(_ *mhttp.Config, d *mhttp.Deps) {
		d.Institutions = d.Meter.(masthead.InstitutionService)
	}, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		rs.dns.add("66.249.66.1", "crawl-66-249-66-1.googlebot.com.", "66.249.66.1")
		in, err := masthead.InstitutionInput{Name: "Univ", Ranges: "198.51.100.0/24"}.Parse(zone, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rs.db.CreateInstitution(ctx, in, 0); err != nil {
			t.Fatal(err)
		}
		if err := rs.srv.ReloadInstitutions(ctx); err != nil {
			t.Fatal(err)
		}
		_, _, device := rs.register(t, "cdn@example.com", "metered-feature", nil, nil)
		_, member := rs.verified(t, "cdn-member@example.com")
		_, subscriber := rs.subscriber(t, "cdn-subscriber@example.com")
		gift := rs.giftToken(t, "subscribers-only", 5)
		bot := http.Header{"User-Agent": {googlebotUA}}

		for _, c := range []struct {
			name    string
			q       req
			private bool
		}{
			{"member, article", req{url: "/articles/metered-feature", cookies: []*http.Cookie{member}}, true},
			{"member, home", req{url: "/", cookies: []*http.Cookie{member}}, true},
			{"member, topic", req{url: "/topics/energy", cookies: []*http.Cookie{member}}, true},
			{"subscriber, article", req{url: "/articles/subscribers-only", cookies: []*http.Cookie{subscriber}}, true},
			{"registered browser", req{url: "/articles/metered-feature", cookies: []*http.Cookie{device}}, true},
			{"verified crawler", req{url: "/articles/metered-feature", remote: "66.249.66.1:1", header: bot}, true},
			{"gift link", req{url: "/articles/subscribers-only?gift=" + gift}, true},
			{"wrong gift token", req{url: "/articles/subscribers-only?gift=wrong"}, true},
			{"institution network", req{url: "/articles/subscribers-only", remote: "198.51.100.7:1"}, true},
			{"institution through the trusted proxy", req{url: "/articles/subscribers-only", remote: "10.0.0.5:80",
				header: http.Header{"X-Forwarded-For": {"198.51.100.7"}}}, true},
			{"spoofed crawler", req{url: "/articles/metered-feature", header: bot}, false},
			{"anonymous", req{url: "/articles/subscribers-only"}, false},
		} {
			res, _ := rs.send(t, c.q)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d", c.name, res.StatusCode)
			}
			cc := res.Header.Get("Cache-Control")
			if c.private {
				if !strings.HasPrefix(cc, "private") || res.Header.Get("Surrogate-Key") != "" {
					t.Errorf("%s: Cache-Control %q, Surrogate-Key %q", c.name, cc, res.Header.Get("Surrogate-Key"))
				}
				continue
			}
			if strings.Contains(cc, "private") || !strings.HasPrefix(cc, "public") {
				t.Errorf("%s: Cache-Control %q", c.name, cc)
			}
		}
	})
}

// TestCDNChangeDropsItsPages: an edit drops from the page cache the
// pages showing the article — its own, its topic's, the home page —
// and leaves the others: a page not touched still answers from the
// cache (what the database says under it, changed behind the cache's
// back, does not show) until a change names it.
func TestCDNChangeDropsItsPages(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		ctx := context.Background()
		if err := s.srv.FollowContent(ctx); err != nil {
			t.Fatal(err)
		}
		pages := []string{"/", "/articles/free-daily", "/topics/economy", "/regions/europe",
			"/articles/metered-feature", "/topics/energy", "/columns/the-long-view"}
		for _, u := range pages {
			s.get(t, u)
		}
		// Behind the cache's back, with no change recorded.
		if _, err := s.db.SQL().Exec(`UPDATE articles SET title = 'Quietly retitled' WHERE slug = 'metered-feature'`); err != nil {
			t.Fatal(err)
		}
		a, err := s.db.Article(ctx, "free-daily")
		if err != nil {
			t.Fatal(err)
		}
		in := a.Input()
		in.Title = "A renamed daily"
		if _, err := s.db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if err := s.srv.FollowContent(ctx); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			url       string
			want, not string
		}{
			{"/articles/free-daily", "A renamed daily", "A free daily analysis"},
			{"/topics/economy", "A renamed daily", "A free daily analysis"},
			{"/regions/europe", "A renamed daily", "A free daily analysis"},
			{"/", "A renamed daily", "A free daily analysis"},
			// Untouched: still the cached page.
			{"/articles/metered-feature", "The metered feature", "Quietly retitled"},
			{"/topics/energy", "The metered feature", "Quietly retitled"},
			{"/columns/the-long-view", "The metered feature", "Quietly retitled"},
		} {
			_, body := s.get(t, c.url)
			if !strings.Contains(body, c.want) || strings.Contains(body, c.not) {
				t.Errorf("%s after the edit: want %q and not %q", c.url, c.want, c.not)
			}
		}

		// A change of the whole site (the settings) drops everything.
		if _, err := s.db.SaveSettings(ctx, masthead.SiteSettings{Name: "The Test Review"}, 0); err != nil {
			t.Fatal(err)
		}
		if err := s.srv.FollowContent(ctx); err != nil {
			t.Fatal(err)
		}
		if _, body := s.get(t, "/topics/energy"); !strings.Contains(body, "Quietly retitled") {
			t.Error(fmt.Sprintf("a settings change left %s cached", "/topics/energy"))
		}
	})
}

// TestCDNRedirectsStayShort: an old slug's redirect is shared for the
// short lifetime only, without keys: the article it points to may be
// renamed or pulled with no change naming the old slug.
func TestCDNRedirectsStayShort(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		res, _ := s.get(t, "/articles/old-slug")
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Cache-Control") != "public, max-age=60" ||
			res.Header.Get("Surrogate-Key") != "" {
			t.Errorf("redirect: %d, Cache-Control %q, Surrogate-Key %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Surrogate-Key"))
		}
	})
}
