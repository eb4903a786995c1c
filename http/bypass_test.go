package http_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestBypass is the wall's bypass suite: for an anonymous reader and for a
// registered reader who has not unlocked them, the last paragraph of a
// metered and of a subscribers-only article must appear in no
// representation the site serves — pages in full (raw and gzipped),
// feeds, sitemaps, Open Graph and JSON-LD, JSON endpoints, search, a
// spoofed Googlebot's page, a gift page with a wrong token — while a
// verified crawler and a member who unlocked the article do get it.
func TestBypass(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		rs.dns.add("66.249.66.1", "crawl-66-249-66-1.googlebot.com.", "66.249.66.1")
		closing := []string{meteredClosing, subscribersClosing, "CLOSING-METERED", "CLOSING-SUBSCRIBERS", "nobody expected the vote", "decide in June"}

		_, registered := rs.verified(t, "registered@example.com")
		// A browser that registered on another article: its own unlock
		// must not open these.
		_, _, device := rs.register(t, "elsewhere@example.com", "filler-00", nil, nil)
		// A gift link for another article, tried on these.
		otherGift := rs.giftToken(t, "free-daily", 5)

		readers := []struct {
			name    string
			cookies []*http.Cookie
			header  http.Header
			remote  string
		}{
			{name: "anonymous"},
			{name: "registered reader without an unlock", cookies: []*http.Cookie{registered}},
			{name: "browser registered on another article", cookies: []*http.Cookie{device}},
			{name: "spoofed Googlebot", header: http.Header{"User-Agent": {googlebotUA}}, remote: "203.0.113.9:1"},
			{name: "spoofed Googlebot via a forged forwarding header", header: http.Header{"User-Agent": {googlebotUA}, "X-Forwarded-For": {"66.249.66.1"}}, remote: "203.0.113.9:1"},
			{name: "spoofed Bingbot", header: http.Header{"User-Agent": {bingbotUA}}, remote: "203.0.113.9:1"},
		}
		urls := []string{
			// The pages themselves, and their alternates.
			"/articles/metered-feature", "/articles/subscribers-only",
			"/articles/metered-feature?print=1", "/articles/metered-feature?amp=1", "/articles/metered-feature?format=json",
			"/articles/metered-feature?gift=wrong-token", "/articles/subscribers-only?gift=wrong-token",
			"/articles/metered-feature?gift=" + otherGift, "/articles/subscribers-only?gift=" + otherGift,
			// Lists.
			"/", "/archive", "/archive/2025", "/archive/2025/03", "/archive/2025/02",
			"/columns/the-long-view", "/topics/energy", "/topics/economy", "/authors/ada-lovelace", "/authors/grace-hopper",
			// Feeds.
			"/feed.xml", "/atom.xml",
			"/columns/the-long-view/feed.xml", "/columns/the-long-view/atom.xml",
			"/topics/energy/feed.xml", "/topics/energy/atom.xml", "/topics/economy/feed.xml", "/topics/economy/atom.xml",
			// Sitemaps.
			"/sitemap.xml", "/sitemaps/pages.xml", "/sitemaps/news.xml", "/sitemaps/articles-1.xml",
			// JSON and search, whatever exists of them.
			"/healthz", "/search?q=" + url.QueryEscape("nobody expected the vote"), "/search.json?q=" + url.QueryEscape("nobody expected the vote"),
			"/search?q=CLOSING", "/search.json?q=CLOSING", "/account/export.json",
		}
		for _, rd := range readers {
			t.Run(rd.name, func(t *testing.T) {
				for _, u := range urls {
					for _, gz := range []bool{false, true} {
						h := http.Header{}
						for k, v := range rd.header {
							h[k] = v
						}
						if gz {
							h.Set("Accept-Encoding", "gzip")
						}
						res, body := rs.send(t, req{url: u, cookies: rd.cookies, header: h, remote: rd.remote})
						if res.Header.Get("Content-Encoding") == "gzip" {
							body = gunzip(t, body)
						}
						for _, c := range closing {
							if strings.Contains(body, c) {
								t.Errorf("%s (gzip %v, status %d) holds %q", u, gz, res.StatusCode, c)
							}
						}
					}
				}
				// Open Graph and JSON-LD are built from the dek, never
				// the body: check them on their own as well.
				for _, u := range []string{"/articles/metered-feature", "/articles/subscribers-only"} {
					_, body := rs.send(t, req{url: u, cookies: rd.cookies, header: rd.header, remote: rd.remote})
					meta := strings.Join(metaRE.FindAllString(body, -1), "\n")
					if !strings.Contains(meta, `"isAccessibleForFree":false`) || !strings.Contains(meta, "og:title") {
						t.Errorf("%s: structured data missing:\n%s", u, meta)
					}
					for _, c := range closing {
						if strings.Contains(meta, c) {
							t.Errorf("%s: Open Graph or JSON-LD holds %q", u, c)
						}
					}
				}
			})
		}

		// The readers who may read on do get the text.
		crawler := req{header: http.Header{"User-Agent": {googlebotUA}}, remote: "66.249.66.1:1"}
		for _, c := range []struct {
			name, url, want string
			q               req
		}{
			{"verified crawler, metered", "/articles/metered-feature", meteredClosing, crawler},
			{"verified crawler, subscribers only", "/articles/subscribers-only", subscribersClosing, crawler},
		} {
			c.q.url = c.url
			if _, body := rs.send(t, c.q); !strings.Contains(body, c.want) {
				t.Errorf("%s: lacks the last paragraph", c.name)
			}
		}
		res, _ := rs.send(t, req{method: http.MethodPost, url: "/articles/metered-feature/unlock", cookies: []*http.Cookie{registered}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("unlock: status %d", res.StatusCode)
		}
		if _, body := rs.send(t, req{url: "/articles/metered-feature", cookies: []*http.Cookie{registered}}); !strings.Contains(body, meteredClosing) {
			t.Error("member who unlocked: lacks the last paragraph")
		}
		// And the anonymous page stayed closed through all of it.
		if _, body := rs.send(t, req{url: "/articles/metered-feature"}); strings.Contains(body, meteredClosing) {
			t.Error("anonymous page opened after the unlock")
		}
	})
}

// metaRE finds the meta tags and the JSON-LD block of a page.
var metaRE = regexp.MustCompile(`(?s)<meta [^>]*>|<script type="application/ld\+json">.*?</script>`)

func gunzip(t *testing.T, body string) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return string(b)
}
