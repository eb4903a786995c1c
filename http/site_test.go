package http_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	mhttp "masthead/http"
)

// scenario is one request and what the reader must (not) get.
type scenario struct {
	name            string
	method          string
	url             string
	reader          string // "", "staff" or "member"
	body            string
	header          http.Header
	wantStatus      int
	wantHeader      map[string]string // header name → substring
	wantContains    []string
	wantNotContains []string
}

func (s *site) run(t *testing.T, sc scenario) {
	t.Helper()
	method := sc.method
	if method == "" {
		method = http.MethodGet
	}
	header := http.Header{}
	for k, v := range sc.header {
		header[k] = v
	}
	switch sc.reader {
	case "staff":
		header["Cookie"] = cookie(s.staff)["Cookie"]
	case "member":
		header["Cookie"] = cookie(s.reader)["Cookie"]
	}
	var body io.Reader
	if sc.body != "" {
		body = strings.NewReader(sc.body)
	}
	res := s.do(t, method, sc.url, body, header)
	b, _ := io.ReadAll(res.Body)
	got := string(b)
	if res.StatusCode != sc.wantStatus {
		t.Errorf("%s %s: status %d, want %d\n%s", method, sc.url, res.StatusCode, sc.wantStatus, excerpt(got))
	}
	for k, v := range sc.wantHeader {
		if h := res.Header.Get(k); !strings.Contains(h, v) {
			t.Errorf("%s %s: header %s = %q, want it to contain %q", method, sc.url, k, h, v)
		}
	}
	for _, w := range sc.wantContains {
		if !strings.Contains(got, w) {
			t.Errorf("%s %s: body lacks %q\n%s", method, sc.url, w, excerpt(got))
		}
	}
	for _, w := range sc.wantNotContains {
		if strings.Contains(got, w) {
			t.Errorf("%s %s: body contains %q", method, sc.url, w)
		}
	}
	redirect := res.StatusCode >= 300 && res.StatusCode < 400
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") && method != http.MethodHead && !redirect {
		if n := strings.Count(got, "<h1"); n != 1 {
			t.Errorf("%s %s: %d <h1> elements, want exactly one", method, sc.url, n)
		}
		for _, w := range []string{`<main id="main"`, `class="skip-link" href="#main"`, `<html lang="en">`} {
			if !strings.Contains(got, w) {
				t.Errorf("%s %s: page lacks %q", method, sc.url, w)
			}
		}
	}
}

func excerpt(s string) string {
	if len(s) > 1500 {
		return s[:1500] + "…"
	}
	return s
}

func TestPages(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		scenarios := []scenario{
			{name: "home", url: "/", wantStatus: 200,
				wantHeader:      map[string]string{"Cache-Control": "public, max-age=60", "Content-Type": "text/html"},
				wantContains:    []string{"<h1 class=\"brand\">", "The Test Review", "Daily analysis", "A free daily analysis", "In depth", "The metered feature", "The Long View", `href="/topics/filler"`, "Filler number 24", `rel="alternate" type="application/rss+xml"`},
				wantNotContains: []string{"Never published", "Coming next week", "Pulled piece", "Deleted piece", meteredClosing}},
			{name: "pricing without a payment provider", url: "/pricing", wantStatus: 200,
				wantHeader:   map[string]string{"Cache-Control": "private, no-store"},
				wantContains: []string{"Subscribe to The Test Review", "No ads", "Subscriptions are not set up on this site yet"}},
			{name: "home ignores unknown params", url: "/?utm_source=x&page=zz&fbclid=1", wantStatus: 200,
				wantContains: []string{"A free daily analysis"}},
			{name: "free article full", url: "/articles/free-daily", wantStatus: 200,
				wantContains: []string{"<h1 class=\"article__title\">A free daily analysis</h1>", "The free dek.", freeClosing,
					`<link rel="canonical" href="https://news.example/articles/free-daily">`,
					`<meta property="og:title" content="A free daily analysis">`,
					`<meta property="og:description" content="The free dek.">`,
					`<meta property="og:image" content="https://news.example/media/chart.png">`,
					`<meta name="twitter:card" content="summary_large_image">`,
					`<figcaption>Growth, by quarter.</figcaption>`, `alt="A chart of growth"`,
					`href="/authors/ada-lovelace"`, `href="/topics/economy"`, `href="/regions/europe"`,
					`"isAccessibleForFree":true`, `"@type":"NewsArticle"`, "14 March 2025"},
				wantNotContains: []string{"Keep reading for free", `"hasPart"`}},
			{name: "metered article gated for anonymous", url: "/articles/metered-feature", wantStatus: 200,
				wantHeader: map[string]string{"Cache-Control": "public"},
				wantContains: []string{meteredOpening, "Keep reading for free", `action="/register"`, `type="email"`,
					"Subscribe for full access", `href="/pricing?next=`, "Already a subscriber?", `href="/login?next=`,
					`"isAccessibleForFree":false`, `"cssSelector":".article-gated"`, `class="wall article-gated"`,
					"By <a rel=\"author\" href=\"/authors/ada-lovelace\">Ada Lovelace</a> and <a rel=\"author\" href=\"/authors/grace-hopper\">Grace Hopper</a>",
					`<meta property="og:description" content="A dek that is safe to share.">`},
				wantNotContains: []string{meteredClosing, "CLOSING-METERED", "What followed", "A middle paragraph"}},
			{name: "subscribers article gated for anonymous", url: "/articles/subscribers-only", wantStatus: 200,
				wantContains:    []string{subscribersOpening, "This article is for subscribers", `href="/pricing?next=`, "28 February 2025"},
				wantNotContains: []string{`action="/register"`, subscribersClosing, "CLOSING-SUBSCRIBERS", "Paragraph 4"}},
			{name: "member without role is gated", url: "/articles/metered-feature", reader: "member", wantStatus: 200,
				wantHeader:      map[string]string{"Cache-Control": "private"},
				wantContains:    []string{"Keep reading for free", "reader@example.com"},
				wantNotContains: []string{meteredClosing}},
			{name: "staff read past the wall, privately", url: "/articles/metered-feature", reader: "staff", wantStatus: 200,
				wantHeader:      map[string]string{"Cache-Control": "private"},
				wantContains:    []string{meteredOpening, meteredClosing, "Staff area"},
				wantNotContains: []string{"Keep reading for free"}},
			{name: "staff on subscribers article", url: "/articles/subscribers-only", reader: "staff", wantStatus: 200,
				wantContains: []string{subscribersClosing}},
			{name: "article ignores query", url: "/articles/free-daily?page=3&x=<script>", wantStatus: 200,
				wantContains: []string{freeClosing}, wantNotContains: []string{"x=<script>"}},
			{name: "draft is 404", url: "/articles/a-draft", wantStatus: 404,
				wantContains: []string{"Page not found"}, wantNotContains: []string{"Draft text"}},
			{name: "scheduled future is 404", url: "/articles/future-piece", wantStatus: 404,
				wantNotContains: []string{"Coming next week", "Not yet"}},
			{name: "unpublished is 410", url: "/articles/pulled-piece", wantStatus: 410,
				wantContains: []string{"This page has been removed", "no longer available"}, wantNotContains: []string{"Was live"}},
			{name: "deleted is 410", url: "/articles/deleted-piece", wantStatus: 410, wantNotContains: []string{"Gone."}},
			{name: "retired slug redirects", url: "/articles/old-slug", wantStatus: 301,
				wantHeader: map[string]string{"Location": "/articles/new-slug"}},
			{name: "current slug", url: "/articles/new-slug", wantStatus: 200, wantContains: []string{"Renamed piece"}},
			{name: "a body's own h1 is demoted", url: "/articles/hostile", wantStatus: 200, wantContains: []string{">Inner title</h2>"}},
			{name: "articles index goes to the archive", url: "/articles", wantStatus: 301, wantHeader: map[string]string{"Location": "/archive"}},
			{name: "unknown article", url: "/articles/no-such-thing", wantStatus: 404, wantContains: []string{"Page not found"},
				wantHeader: map[string]string{"Content-Type": "text/html"}},
			{name: "invalid slug", url: "/articles/Not_A_Slug", wantStatus: 404},
			{name: "unknown path", url: "/no/such/page", wantStatus: 404, wantContains: []string{"Page not found", `<meta name="robots" content="noindex">`}},
			{name: "trailing slash", url: "/articles/free-daily/", wantStatus: 404},

			{name: "column", url: "/columns/the-long-view", wantStatus: 200,
				wantContains:    []string{"<h1>The Long View</h1>", "A weekly look past the headlines.", "The metered feature", `href="/columns/the-long-view/feed.xml"`},
				wantNotContains: []string{"A free daily analysis", meteredOpening}},
			{name: "columns index", url: "/columns", wantStatus: 200, wantContains: []string{`href="/columns/the-long-view"`, "A weekly look"}},
			{name: "unknown column", url: "/columns/nope", wantStatus: 404},
			{name: "author", url: "/authors/ada-lovelace", wantStatus: 200,
				wantContains:    []string{"<h1>Ada Lovelace</h1>", "Ada writes about engines", "A free daily analysis", "The metered feature"},
				wantNotContains: []string{"Never published", "For subscribers"}},
			{name: "authors index", url: "/authors", wantStatus: 200, wantContains: []string{"Ada Lovelace", "Grace Hopper"}},
			{name: "unknown author", url: "/authors/nobody", wantStatus: 404},
			{name: "topic", url: "/topics/economy", wantStatus: 200,
				wantContains: []string{"<h1>Economy</h1>", "A free daily analysis", "For subscribers", `href="/topics/economy/atom.xml"`}},
			{name: "topic page 1 of 2", url: "/topics/filler", wantStatus: 200,
				wantContains:    []string{"Filler number 24", "Filler number 05", "Page 1 of 2", `href="/topics/filler?page=2"`},
				wantNotContains: []string{"Filler number 04"}},
			{name: "topic page 2", url: "/topics/filler?page=2", wantStatus: 200,
				wantContains:    []string{"Filler number 04", "Filler number 00", "Page 2 of 2", `rel="prev" href="/topics/filler"`, `href="https://news.example/topics/filler?page=2"`},
				wantNotContains: []string{"Filler number 05"}},
			{name: "page past the end clamps", url: "/topics/filler?page=999999999999", wantStatus: 200,
				wantContains: []string{"Filler number 00", "Page 2 of 2"}},
			{name: "negative page", url: "/topics/filler?page=-4", wantStatus: 200, wantContains: []string{"Page 1 of 2"}},
			{name: "garbage page", url: "/topics/filler?page=%zz&page=two", wantStatus: 200, wantContains: []string{"Page 1 of 2"}},
			{name: "topics index", url: "/topics", wantStatus: 200, wantContains: []string{`href="/topics/energy"`, "Filler"}},
			{name: "region", url: "/regions/europe", wantStatus: 200, wantContains: []string{"<h1>Europe</h1>", "A free daily analysis"}},
			{name: "regions index", url: "/regions", wantStatus: 200, wantContains: []string{`href="/regions/europe"`}},
			{name: "unknown region", url: "/regions/atlantis", wantStatus: 404},

			{name: "archive", url: "/archive", wantStatus: 200,
				wantContains:    []string{"<h1>Archive</h1>", `href="/archive/2025"`, `href="/archive/2025/03"`, `href="/archive/2025/02"`, `href="/archive/2024/06"`},
				wantNotContains: []string{`href="/archive/2025/04"`}},
			{name: "archive year", url: "/archive/2024", wantStatus: 200,
				wantContains: []string{"<h1>2024</h1>", "Filler number 24", "Page 1 of 2", `href="/archive/2024?page=2"`}},
			{name: "archive year page 2", url: "/archive/2024?page=2&utm_campaign=x", wantStatus: 200,
				wantContains: []string{"Filler number 00", "Page 2 of 2"}},
			{name: "archive month uses the publication's zone", url: "/archive/2025/02", wantStatus: 200,
				wantContains: []string{"February 2025", "For subscribers"}, wantNotContains: []string{"A free daily analysis"}},
			{name: "archive month", url: "/archive/2025/03", wantStatus: 200,
				wantContains: []string{"March 2025", "A free daily analysis", "The metered feature"}, wantNotContains: []string{"For subscribers", "Coming next week"}},
			{name: "archive empty month", url: "/archive/2023/01", wantStatus: 404},
			{name: "archive bad month", url: "/archive/2025/13", wantStatus: 404},
			{name: "archive bad year", url: "/archive/20x5", wantStatus: 404},
			{name: "archive short month", url: "/archive/2025/3", wantStatus: 404},

			{name: "robots", url: "/robots.txt", wantStatus: 200,
				wantContains: []string{"Sitemap: https://news.example/sitemap.xml", "Sitemap: https://news.example/sitemaps/news.xml", "Disallow: /admin/"}},
			{name: "health", url: "/healthz", wantStatus: 200, wantHeader: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
				wantContains: []string{`"status":"alive"`}},

			{name: "oversized body", method: "POST", url: "/", body: strings.Repeat("x", 65<<10), wantStatus: 413,
				wantContains: []string{"Request too large", "64 KB"}},
			{name: "cross-origin post refused", method: "POST", url: "/articles/free-daily", body: "a=b",
				header:     http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}, "Content-Type": {"application/x-www-form-urlencoded"}},
				wantStatus: 403},
			{name: "post to a page", method: "POST", url: "/articles/free-daily", body: "a=b", wantStatus: 404},
			{name: "head", method: "HEAD", url: "/articles/free-daily", wantStatus: 200},
		}
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) { s.run(t, sc) })
		}
	})
}

// TestGatedBytes checks the wall at the byte level: no representation of a
// gated article's body past the teaser reaches an anonymous reader, on a
// cold cache, a warm one, compressed or not.
func TestGatedBytes(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		for _, slug := range []string{"metered-feature", "subscribers-only"} {
			a, err := s.db.Article(t.Context(), slug)
			if err != nil {
				t.Fatal(err)
			}
			// The last sentence of the body, whatever the markup.
			tail := lastSentence(a.BodyHTML)
			if tail == "" || !strings.Contains(a.BodyHTML, tail) || strings.Contains(a.TeaserHTML, tail) {
				t.Fatalf("%s: fixture broken: tail %q", slug, tail)
			}
			for i, hdr := range []http.Header{nil, nil, {"Accept-Encoding": {"gzip"}}} {
				res := s.do(t, "GET", "/articles/"+slug, nil, hdr)
				var r io.Reader = res.Body
				if res.Header.Get("Content-Encoding") == "gzip" {
					zr, err := gzip.NewReader(res.Body)
					if err != nil {
						t.Fatal(err)
					}
					r = zr
				} else if i == 2 {
					t.Errorf("%s: gzip accepted but not used", slug)
				}
				b, _ := io.ReadAll(r)
				page := string(b)
				if !strings.Contains(page, `class="wall article-gated"`) {
					t.Fatalf("%s: no wall", slug)
				}
				if strings.Contains(page, tail) {
					t.Errorf("%s (request %d): gated page contains the body's last sentence %q", slug, i, tail)
				}
			}
		}
	})
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

func lastSentence(html string) string {
	text := strings.TrimSpace(tagRE.ReplaceAllString(html, " "))
	lines := strings.Split(text, "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// TestSanitized checks that hostile Markdown never reaches the page as
// anything that could run.
func TestSanitized(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		res, page := s.get(t, "/articles/hostile")
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		if !strings.Contains(page, "Hello") || !strings.Contains(page, "sneaky") {
			t.Fatalf("body missing:\n%s", excerpt(page))
		}
		lower := strings.ToLower(page)
		for _, bad := range []string{"alert(", "javascript:", "onerror", "onclick", "<iframe", "evil.example", "style=\"color"} {
			if strings.Contains(lower, bad) {
				t.Errorf("page contains %q", bad)
			}
		}
		// The only script element is the JSON-LD data block.
		if n := strings.Count(lower, "<script"); n != 1 || !strings.Contains(page, `<script type="application/ld+json">`) {
			t.Errorf("%d script elements, want only the JSON-LD block", n)
		}
	})
}

// TestJSONLD parses the structured data of a gated and a free article.
func TestJSONLD(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		for slug, free := range map[string]bool{"free-daily": true, "metered-feature": false, "subscribers-only": false} {
			_, page := s.get(t, "/articles/"+slug)
			m := regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("%s: no JSON-LD", slug)
			}
			var ld struct {
				Type        string `json:"@type"`
				Headline    string `json:"headline"`
				Description string `json:"description"`
				URL         string `json:"url"`
				Free        *bool  `json:"isAccessibleForFree"`
				Author      []struct{ Name string }
				HasPart     *struct {
					Free     *bool  `json:"isAccessibleForFree"`
					Selector string `json:"cssSelector"`
				} `json:"hasPart"`
			}
			if err := json.Unmarshal([]byte(m[1]), &ld); err != nil {
				t.Fatalf("%s: JSON-LD does not parse: %v\n%s", slug, err, m[1])
			}
			a, _ := s.db.Article(t.Context(), slug)
			if ld.Type != "NewsArticle" || ld.Headline != a.Title || ld.Description != a.Dek || ld.URL != "https://news.example/articles/"+slug {
				t.Errorf("%s: JSON-LD %+v", slug, ld)
			}
			if ld.Free == nil || *ld.Free != free {
				t.Errorf("%s: isAccessibleForFree = %v, want %v", slug, ld.Free, free)
			}
			if free != (ld.HasPart == nil) {
				t.Errorf("%s: hasPart = %+v", slug, ld.HasPart)
			}
			if ld.HasPart != nil && (ld.HasPart.Free == nil || *ld.HasPart.Free || !strings.Contains(page, `class="wall `+strings.TrimPrefix(ld.HasPart.Selector, "."))) {
				t.Errorf("%s: hasPart %+v does not point at the wall", slug, ld.HasPart)
			}
			if len(ld.Author) == 0 {
				t.Errorf("%s: no author", slug)
			}
		}
	})
}

// TestCaching covers the page cache as a client sees it: validators,
// compression, and that a session cookie never shares the cache.
func TestCaching(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		res, first := s.get(t, "/articles/metered-feature")
		etag := res.Header.Get("ETag")
		if etag == "" || res.Header.Get("Cache-Control") != "public, max-age=60, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400" {
			t.Fatalf("etag %q cache-control %q", etag, res.Header.Get("Cache-Control"))
		}
		if v := res.Header.Get("Vary"); !strings.Contains(v, "Accept-Encoding") || !strings.Contains(v, "Cookie") {
			t.Errorf("Vary = %q", res.Header.Get("Vary"))
		}
		res, second := s.get(t, "/articles/metered-feature?utm_source=newsletter")
		if second != first || res.Header.Get("ETag") != etag {
			t.Error("second anonymous request differs from the first")
		}
		res = s.do(t, "GET", "/articles/metered-feature", nil, http.Header{"If-None-Match": {etag}})
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: status %d, want 304", res.StatusCode)
		}
		res = s.do(t, "GET", "/articles/metered-feature", nil, http.Header{"Accept-Encoding": {"gzip, br"}})
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding = %q", res.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		unzipped, _ := io.ReadAll(zr)
		if string(unzipped) != first {
			t.Error("gzip copy differs from the page")
		}
		res = s.do(t, "GET", "/articles/metered-feature", nil, http.Header{"Accept-Encoding": {"gzip;q=0"}})
		if res.Header.Get("Content-Encoding") != "" {
			t.Error("gzip sent despite q=0")
		}

		// A staff session with the anonymous page already cached gets
		// the full text, privately; and the next anonymous reader still
		// gets the teaser, so nothing personal went into the cache.
		res = s.do(t, "GET", "/articles/metered-feature", nil, cookie(s.staff))
		b, _ := io.ReadAll(res.Body)
		if !strings.Contains(string(b), meteredClosing) || !strings.HasPrefix(res.Header.Get("Cache-Control"), "private") {
			t.Errorf("staff: full text %v, Cache-Control %q", strings.Contains(string(b), meteredClosing), res.Header.Get("Cache-Control"))
		}
		if res.Header.Get("ETag") != "" {
			t.Error("a private page carries the shared ETag")
		}
		_, third := s.get(t, "/articles/metered-feature")
		if strings.Contains(third, meteredClosing) || third != first {
			t.Error("the staff view leaked into the shared cache")
		}
		// A stale or forged cookie still bypasses the cache.
		res = s.do(t, "GET", "/articles/metered-feature", nil, cookie("forged"))
		b, _ = io.ReadAll(res.Body)
		if !strings.HasPrefix(res.Header.Get("Cache-Control"), "private") || strings.Contains(string(b), meteredClosing) {
			t.Errorf("forged cookie: Cache-Control %q", res.Header.Get("Cache-Control"))
		}
	})
}

func TestMiddleware(t *testing.T) {
	panicking := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/admin/panic" {
			panic("boom")
		}
		w.Write([]byte("admin here"))
	})
	each(t, func(_ *mhttp.Config, d *mhttp.Deps) { d.Admin = panicking }, func(t *testing.T, s *site) {
		res, body := s.get(t, "/articles/free-daily")
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "http") {
			t.Errorf("CSP names another origin: %q", csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin", "X-Frame-Options": "DENY", "Strict-Transport-Security": "max-age="} {
			if !strings.Contains(res.Header.Get(k), v) {
				t.Errorf("%s = %q", k, res.Header.Get(k))
			}
		}
		if res.Header.Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id")
		}
		// No third-party requests: every src and href on the page is
		// ours, except the JSON-LD and canonical data.
		for _, m := range regexp.MustCompile(`(?:src|href)="(https?:)?//([^/"]+)`).FindAllStringSubmatch(body, -1) {
			if m[2] != "news.example" {
				t.Errorf("third-party URL on the page: %s", m[0])
			}
		}

		res = s.do(t, "GET", "/", nil, http.Header{"X-Request-Id": {"edge-123"}})
		if res.Header.Get("X-Request-Id") != "edge-123" {
			t.Errorf("request id not kept: %q", res.Header.Get("X-Request-Id"))
		}
		res = s.do(t, "GET", "/", nil, http.Header{"X-Request-Id": {"bad id\n"}})
		if id := res.Header.Get("X-Request-Id"); id == "" || strings.Contains(id, " ") {
			t.Errorf("bad request id accepted: %q", id)
		}

		res, body = s.get(t, "/admin/panic")
		if res.StatusCode != 500 || !strings.Contains(body, "internal error") || strings.Contains(body, "boom") {
			t.Errorf("panic: status %d body %s", res.StatusCode, excerpt(body))
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("500 Cache-Control %q", res.Header.Get("Cache-Control"))
		}
		res, body = s.get(t, "/admin/anything")
		if res.StatusCode != 200 || body != "admin here" {
			t.Errorf("admin not mounted: %d %q", res.StatusCode, body)
		}
	})
}

func TestStaticAssets(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		_, page := s.get(t, "/")
		m := regexp.MustCompile(`href="(/static/site\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no hashed stylesheet link")
		}
		res, css := s.get(t, m[1])
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
			t.Errorf("css: %d %q %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"))
		}
		for _, want := range []string{"prefers-color-scheme: dark", "65ch", ":focus-visible", "serif"} {
			if !strings.Contains(css, want) {
				t.Errorf("css lacks %q", want)
			}
		}
		if strings.Contains(css, "@import") || strings.Contains(css, "url(http") {
			t.Error("css loads something from elsewhere")
		}
		res, _ = s.get(t, "/static/site.0000000000.css")
		if res.StatusCode != 404 {
			t.Errorf("unknown hash: %d", res.StatusCode)
		}
		res, _ = s.get(t, "/favicon.ico")
		if res.StatusCode != 302 || !strings.HasPrefix(res.Header.Get("Location"), "/static/favicon.") {
			t.Errorf("favicon: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
}
