package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBypassCrawlerProxies: Google's user-triggered fetchers and proxies
// (a translation proxy, a read-aloud service, a machine rented on Google's
// cloud) come from addresses whose reverse names lie under google.com or
// googleusercontent.com and confirm forward. They relay what a person
// asked for, Googlebot user agent or not: every representation of a
// locked article they fetch holds the teaser only, and their visit leaves
// nothing in the shared page cache.
func TestBypassCrawlerProxies(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		rs.dns.add("66.249.66.1", "crawl-66-249-66-1.googlebot.com.", "66.249.66.1")
		rs.dns.add("66.249.81.7", "google-proxy-66-249-81-7.google.com.", "66.249.81.7")
		rs.dns.add("66.249.70.9", "rate-limited-proxy-66-249-70-9.google.com.", "66.249.70.9")
		rs.dns.add("34.1.2.3", "3.2.1.34.bc.googleusercontent.com.", "34.1.2.3")
		// One address with two names, the crawler's zone among them only
		// as a look-alike: still not Googlebot.
		rs.dns.add("35.4.5.6", "6.5.4.35.bc.googleusercontent.com.", "35.4.5.6")
		rs.dns.add("35.4.5.6", "googlebot.com.googleusercontent.com.", "35.4.5.6")

		closing := []string{meteredClosing, subscribersClosing, "CLOSING-METERED", "CLOSING-SUBSCRIBERS"}
		urls := []string{
			"/articles/metered-feature", "/articles/subscribers-only",
			"/articles/metered-feature?print=1", "/articles/metered-feature?amp=1", "/articles/metered-feature?format=json",
			"/articles/subscribers-only?format=json", "/feed.xml", "/atom.xml",
		}
		for _, c := range []struct{ name, remote string }{
			{"google.com user-triggered fetcher", "66.249.81.7:1"},
			{"google.com rate-limited proxy", "66.249.70.9:1"},
			{"googleusercontent.com machine", "34.1.2.3:1"},
			{"googleusercontent.com with a look-alike name", "35.4.5.6:1"},
		} {
			t.Run(c.name, func(t *testing.T) {
				for _, ua := range []string{googlebotUA, "Mozilla/5.0 (compatible; Google-Read-Aloud; +https://support.google.com/webmasters/answer/1061943)"} {
					h := http.Header{"User-Agent": {ua}}
					for _, u := range urls {
						res, body := rs.send(t, req{url: u, remote: c.remote, header: h})
						if res.Header.Get("Content-Encoding") == "gzip" {
							body = gunzip(t, body)
						}
						for _, cl := range closing {
							if strings.Contains(body, cl) {
								t.Errorf("%s as %q (status %d) holds %q", u, ua, res.StatusCode, cl)
							}
						}
					}
					_, body := rs.send(t, req{url: "/articles/metered-feature", remote: c.remote, header: h})
					mustContain(t, "teaser", body, `class="wall article-gated"`)
				}
			})
		}

		// Googlebot itself, confirmed in its own zone, still reads on;
		// and the anonymous page stayed closed.
		if _, body := rs.send(t, req{url: "/articles/subscribers-only", remote: "66.249.66.1:1",
			header: http.Header{"User-Agent": {googlebotUA}}}); !strings.Contains(body, subscribersClosing) {
			t.Error("verified Googlebot: lacks the last paragraph")
		}
		if _, body := rs.send(t, req{url: "/articles/subscribers-only"}); strings.Contains(body, subscribersClosing) {
			t.Error("anonymous page opened")
		}
	})
}
