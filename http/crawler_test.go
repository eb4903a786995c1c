package http_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	googlebotUA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	bingbotUA   = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
)

func TestCrawlerVerification(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		rs.dns.add("66.249.66.1", "crawl-66-249-66-1.googlebot.com.", "66.249.66.1")
		rs.dns.add("66.249.79.5", "geo-crawl-66-249-79-5.geo.googlebot.com.", "66.249.79.5")
		// Google's user-triggered fetchers and proxies: they relay what
		// a person asked for.
		rs.dns.add("66.249.70.9", "rate-limited-proxy-66-249-70-9.google.com.", "66.249.70.9")
		rs.dns.add("66.249.81.7", "google-proxy-66-249-81-7.google.com.", "66.249.81.7")
		rs.dns.add("157.55.39.1", "msnbot-157-55-39-1.search.msn.com.", "157.55.39.1")
		// A rented machine: Google's, but anybody's.
		rs.dns.add("34.1.2.3", "3.2.1.34.bc.googleusercontent.com.", "34.1.2.3")
		// A reverse zone that lies: the forward lookup names another
		// address.
		rs.dns.add("203.0.113.66", "crawl-203-0-113-66.googlebot.com.", "66.249.66.2")
		// Look-alike domains.
		rs.dns.add("203.0.113.67", "crawl.evilgooglebot.com.", "203.0.113.67")
		rs.dns.add("203.0.113.68", "googlebot.com.evil.example.", "203.0.113.68")

		for _, c := range []struct {
			name   string
			ua     string
			remote string
			xff    string
			full   bool
		}{
			{"googlebot", googlebotUA, "66.249.66.1:4000", "", true},
			{"googlebot, geo zone", googlebotUA, "66.249.79.5:4000", "", true},
			{"google.com proxy", googlebotUA, "66.249.70.9:4000", "", false},
			{"google.com user-triggered fetcher", googlebotUA, "66.249.81.7:4000", "", false},
			{"bingbot", bingbotUA, "157.55.39.1:4000", "", true},
			{"googlebot behind the trusted proxy", googlebotUA, "10.9.9.9:80", "66.249.66.1", true},
			{"spoofed user agent", googlebotUA, "203.0.113.9:4000", "", false},
			{"googleusercontent", googlebotUA, "34.1.2.3:4000", "", false},
			{"forward lookup disagrees", googlebotUA, "203.0.113.66:4000", "", false},
			{"look-alike domain", googlebotUA, "203.0.113.67:4000", "", false},
			{"domain as a prefix", googlebotUA, "203.0.113.68:4000", "", false},
			{"bing's address claiming to be google", googlebotUA, "157.55.39.1:4000", "", false},
			{"google's address claiming to be bing", bingbotUA, "66.249.66.1:4000", "", false},
			{"forwarded header from an untrusted peer", googlebotUA, "203.0.113.9:4000", "66.249.66.1", false},
			{"a browser from google's address", "Mozilla/5.0 Firefox/130.0", "66.249.66.1:4000", "", false},
		} {
			t.Run(c.name, func(t *testing.T) {
				h := http.Header{"User-Agent": {c.ua}}
				if c.xff != "" {
					h.Set("X-Forwarded-For", c.xff)
				}
				for _, slug := range []string{"metered-feature", "subscribers-only"} {
					res, body := rs.send(t, req{url: "/articles/" + slug, remote: c.remote, header: h})
					closing := meteredClosing
					if slug == "subscribers-only" {
						closing = subscribersClosing
					}
					if got := strings.Contains(body, closing); got != c.full {
						t.Fatalf("%s: full text %v, want %v", slug, got, c.full)
					}
					cc := res.Header.Get("Cache-Control")
					if c.full {
						// Paywalled-content markup, and a private page.
						mustContain(t, "crawler's page", body, `"isAccessibleForFree":false`, `"cssSelector":".article-gated"`,
							`class="article__body prose article-gated"`)
						if !strings.Contains(cc, "private") || !strings.Contains(res.Header.Get("Vary"), "Cookie") {
							t.Errorf("crawler's page: Cache-Control %q, Vary %q", cc, res.Header.Get("Vary"))
						}
					} else {
						mustContain(t, "teaser", body, `class="wall article-gated"`)
					}
				}
			})
		}

		// Answers are cached: many requests, one reverse lookup per
		// address and crawler.
		before := rs.dns.count()
		for range 5 {
			rs.send(t, req{url: "/articles/metered-feature", remote: "66.249.66.1:1", header: http.Header{"User-Agent": {googlebotUA}}})
			rs.send(t, req{url: "/articles/metered-feature", remote: "203.0.113.9:1", header: http.Header{"User-Agent": {googlebotUA}}})
		}
		if n := rs.dns.count() - before; n != 0 {
			t.Errorf("%d more lookups for addresses already verified", n)
		}
		// After the cache's lifetime the address is looked up again.
		rs.clock.Set(now.Add(2 * time.Hour))
		rs.send(t, req{url: "/articles/metered-feature", remote: "66.249.66.1:1", header: http.Header{"User-Agent": {googlebotUA}}})
		if n := rs.dns.count() - before; n != 1 {
			t.Errorf("%d lookups after the lifetime, want 1", n)
		}

		// A verified crawler's full page never reaches the shared cache.
		_, body := rs.send(t, req{url: "/articles/metered-feature"})
		mustNotContain(t, "anonymous after the crawler", body, meteredClosing)
	})
}
