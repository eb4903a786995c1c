package http_test

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"masthead"
	mhttp "masthead/http"
	"masthead/store"
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

// TestBypassAICrawlers: the AI crawlers get what the publisher's policy
// says only when their address lies in the ranges their operator
// publishes. A verified crawler of a family at full text reads the
// locked article, privately; a claim from any other address (or through
// an untrusted X-Forwarded-For) gets the anonymous teaser; a verified
// crawler of a refused family is answered 403 everywhere but robots.txt,
// which disallows it, while a spoofed one gets the anonymous page; and a
// change of policy takes effect at the next look at the content.
func TestBypassAICrawlers(t *testing.T) {
	eachReaders(t, func(_ *mhttp.Config, d *mhttp.Deps) {
		db := d.Meter.(*store.DB)
		d.Settings, d.CrawlerRanges = db, db
	}, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		policy := func(p map[string]masthead.CrawlerPolicy) {
			t.Helper()
			if _, err := rs.db.SaveSettings(ctx, masthead.SiteSettings{AICrawlers: p}, 0); err != nil {
				t.Fatal(err)
			}
			if err := rs.srv.FollowContent(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for family, cidr := range map[string]string{"gptbot": "52.230.152.0/24", "claudebot": "160.79.104.0/23", "perplexitybot": "107.20.236.0/24"} {
			if _, err := rs.db.ReplaceCrawlerRanges(ctx, family, []netip.Prefix{netip.MustParsePrefix(cidr)}); err != nil {
				t.Fatal(err)
			}
		}
		policy(map[string]masthead.CrawlerPolicy{"gptbot": masthead.CrawlerFull, "claudebot": masthead.CrawlerRefuse,
			"perplexitybot": masthead.CrawlerTeaser})

		const (
			gptbot     = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.2; +https://openai.com/gptbot"
			claudebot  = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)"
			perplexity = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)"
		)
		ua := func(v string) http.Header { return http.Header{"User-Agent": {v}} }
		xff := func(agent, addr string) http.Header {
			return http.Header{"User-Agent": {agent}, "X-Forwarded-For": {addr}}
		}
		for _, c := range []struct {
			name   string
			q      req
			status int
			full   bool
		}{
			{"verified GPTBot, full text", req{url: "/articles/subscribers-only", remote: "52.230.152.7:1", header: ua(gptbot)}, 200, true},
			{"verified GPTBot through the trusted proxy", req{url: "/articles/metered-feature", remote: "10.0.0.5:80", header: xff(gptbot, "52.230.152.9")}, 200, true},
			{"spoofed GPTBot", req{url: "/articles/subscribers-only", remote: "203.0.113.9:1", header: ua(gptbot)}, 200, false},
			{"GPTBot's address forged by an untrusted peer", req{url: "/articles/subscribers-only", remote: "203.0.113.9:1", header: xff(gptbot, "52.230.152.7")}, 200, false},
			{"a browser from GPTBot's range", req{url: "/articles/subscribers-only", remote: "52.230.152.7:1"}, 200, false},
			{"verified PerplexityBot, teaser only", req{url: "/articles/subscribers-only", remote: "107.20.236.4:1", header: ua(perplexity)}, 200, false},
			{"verified ClaudeBot, refused", req{url: "/articles/subscribers-only", remote: "160.79.105.1:1", header: ua(claudebot)}, 403, false},
			{"verified ClaudeBot, refused the home page", req{url: "/", remote: "160.79.105.1:1", header: ua(claudebot)}, 403, false},
			{"verified ClaudeBot, refused the feed", req{url: "/feed.xml", remote: "160.79.105.1:1", header: ua(claudebot)}, 403, false},
			{"spoofed ClaudeBot", req{url: "/articles/subscribers-only", remote: "203.0.113.9:1", header: ua(claudebot)}, 200, false},
			{"anonymous after them all", req{url: "/articles/subscribers-only"}, 200, false},
		} {
			res, body := rs.send(t, c.q)
			if res.StatusCode != c.status {
				t.Errorf("%s: status %d, want %d", c.name, res.StatusCode, c.status)
				continue
			}
			if c.full != strings.Contains(body, subscribersClosing) && !strings.Contains(c.q.url, "metered") {
				t.Errorf("%s: full text %v, want %v", c.name, !c.full, c.full)
			}
			if strings.Contains(c.q.url, "metered") && c.full != strings.Contains(body, meteredClosing) {
				t.Errorf("%s: full text %v, want %v", c.name, !c.full, c.full)
			}
			cc := res.Header.Get("Cache-Control")
			switch {
			case c.full && (!strings.HasPrefix(cc, "private") || res.Header.Get("Surrogate-Key") != ""):
				t.Errorf("%s: full text with Cache-Control %q, Surrogate-Key %q", c.name, cc, res.Header.Get("Surrogate-Key"))
			case c.status == 403 && cc != "no-store":
				t.Errorf("%s: refusal with Cache-Control %q", c.name, cc)
			}
			if c.status == 200 && !c.full {
				mustContain(t, c.name, body, `class="wall article-gated"`)
			}
		}

		// robots.txt tells the refused family, and stays open to it.
		res, robots := rs.send(t, req{url: "/robots.txt", remote: "160.79.105.1:1", header: ua(claudebot)})
		if res.StatusCode != 200 || !strings.Contains(robots, "User-agent: ClaudeBot\nDisallow: /\n") ||
			strings.Contains(robots, "GPTBot") || strings.Contains(robots, "PerplexityBot") {
			t.Errorf("robots.txt (%d):\n%s", res.StatusCode, robots)
		}

		// GPTBot refused from now on: robots.txt says so, and the
		// verified crawler is turned away.
		policy(map[string]masthead.CrawlerPolicy{"gptbot": masthead.CrawlerRefuse})
		if _, robots := rs.send(t, req{url: "/robots.txt"}); !strings.Contains(robots, "User-agent: GPTBot\nDisallow: /\n") ||
			strings.Contains(robots, "ClaudeBot") {
			t.Errorf("robots.txt after the change:\n%s", robots)
		}
		if res, _ := rs.send(t, req{url: "/articles/subscribers-only", remote: "52.230.152.7:1", header: ua(gptbot)}); res.StatusCode != 403 {
			t.Errorf("verified GPTBot after its refusal: %d", res.StatusCode)
		}
		// New ranges reach the site with the content change they make.
		if _, err := rs.db.ReplaceCrawlerRanges(ctx, "gptbot", []netip.Prefix{netip.MustParsePrefix("20.171.206.0/24")}); err != nil {
			t.Fatal(err)
		}
		if err := rs.srv.FollowContent(ctx); err != nil {
			t.Fatal(err)
		}
		if res, _ := rs.send(t, req{url: "/articles/subscribers-only", remote: "52.230.152.7:1", header: ua(gptbot)}); res.StatusCode != 200 {
			t.Errorf("GPTBot from its old range: %d, want the anonymous page", res.StatusCode)
		}
		if res, _ := rs.send(t, req{url: "/articles/subscribers-only", remote: "20.171.206.3:1", header: ua(gptbot)}); res.StatusCode != 403 {
			t.Errorf("GPTBot from its new range: %d, want 403", res.StatusCode)
		}
	})
}
