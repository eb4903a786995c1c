package http_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"masthead"
	mhttp "masthead/http"
)

// TestBypassSearch: search never confirms text past the wall. For an
// anonymous reader and a registered reader who has not unlocked the
// article, a phrase, a word, a prefix, an OR or an AND with the title of
// the words past the wall of the metered and the subscribers-only
// articles finds neither, on the page and in JSON, and "did you mean",
// suggestions and facets reveal nothing of them. A subscriber, staff, a
// verified crawler and (for the metered article) the member who unlocked
// it do match them; the free article's body and the locked articles'
// teasers match for everyone.
func TestBypassSearch(t *testing.T) {
	eachReaders(t, func(_ *mhttp.Config, d *mhttp.Deps) { d.Search = d.Meter.(masthead.SearchService) }, func(t *testing.T, rs *readers) {
		rs.dns.add("66.249.66.1", "crawl-66-249-66-1.googlebot.com.", "66.249.66.1")
		_, registered := rs.verified(t, "registered@example.com")
		_, unlocker := rs.verified(t, "unlocker@example.com")
		_, subscriber := rs.subscriber(t, "subscriber@example.com")
		if res, _ := rs.send(t, req{method: http.MethodPost, url: "/articles/metered-feature/unlock", cookies: []*http.Cookie{unlocker}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("unlock: status %d", res.StatusCode)
		}
		staff := &http.Cookie{Name: mhttp.SessionCookie, Value: rs.staff}
		crawler := req{header: http.Header{"User-Agent": {googlebotUA}}, remote: "66.249.66.1:1"}

		type reader struct {
			name    string
			q       req
			library bool // reads every article
			metered bool // reads the metered article
		}
		readers := []reader{
			{name: "anonymous"},
			{name: "registered reader without an unlock", q: req{cookies: []*http.Cookie{registered}}},
			{name: "spoofed Googlebot", q: req{header: http.Header{"User-Agent": {googlebotUA}}, remote: "203.0.113.9:1"}},
			{name: "member who unlocked the metered article", q: req{cookies: []*http.Cookie{unlocker}}, metered: true},
			{name: "subscriber", q: req{cookies: []*http.Cookie{subscriber}}, library: true, metered: true},
			{name: "staff", q: req{cookies: []*http.Cookie{staff}}, library: true, metered: true},
			{name: "verified crawler", q: crawler, library: true, metered: true},
		}
		// Words past the walls, as a prober would try them.
		metered := []string{`"nobody expected the vote"`, "nobody", "nobod*", "nobody OR zzyzx", "metered nobody",
			`"what followed"`, "middle paragraph", "closing metered"}
		subscribers := []string{`"bank will decide"`, "june", "jun*", "june OR zzyzx", "subscribers june", "closing subscribers"}
		// What everyone may read of them, and a free article's body.
		open := map[string]string{"committee": "metered-feature", `"committee met"`: "metered-feature", "commit*": "metered-feature",
			`"markets steadied"`: "subscribers-only", `"for everyone"`: "free-daily", "everyon*": "free-daily"}

		for _, rd := range readers {
			t.Run(rd.name, func(t *testing.T) {
				find := func(q string) searchResult {
					t.Helper()
					return rs.searchJSON(t, rd.q, q)
				}
				for _, q := range metered {
					if got := find(q); got.has("metered-feature") != rd.metered {
						t.Errorf("%q: metered article found %v, want %v (%v)", q, got.has("metered-feature"), rd.metered, got.slugs())
					}
				}
				for _, q := range subscribers {
					if got := find(q); got.has("subscribers-only") != rd.library {
						t.Errorf("%q: subscribers' article found %v, want %v (%v)", q, got.has("subscribers-only"), rd.library, got.slugs())
					}
				}
				for q, slug := range open {
					if got := find(q); !got.has(slug) {
						t.Errorf("%q: %s not found (%v)", q, slug, got.slugs())
					}
				}
				if rd.metered {
					return
				}
				// The HTML page says the same.
				for _, q := range append(slices.Clone(metered), subscribers...) {
					u := "/search?q=" + url.QueryEscape(q)
					q := rd.q
					q.url = u
					_, body := rs.send(t, q)
					body = withoutPopular(body)
					// The query itself is shown back; the articles are not.
					for _, leak := range []string{"The metered feature", "For subscribers", "CLOSING-", "0 results"} {
						if strings.Contains(body, leak) != (leak == "0 results") {
							t.Errorf("%s: page shows %q: %v", u, leak, !strings.Contains(body, leak))
						}
					}
				}
				// Facets of a query that matches the free article by its
				// body and the locked ones by nothing they may read: the
				// locked articles' column and topic are not counted.
				got := find("everyone OR nobody OR june")
				if got.Total != 1 || !got.has("free-daily") {
					t.Errorf("facets query: %d results %v", got.Total, got.slugs())
				}
				for name, values := range got.Facets {
					for _, v := range values {
						if v.Slug == "the-long-view" || v.Slug == "energy" || v.Slug == "grace-hopper" || v.Count != 1 {
							t.Errorf("facet %s counts %+v", name, v)
						}
					}
				}
				// A misspelt word past the wall is not corrected into it.
				for _, q := range []string{"nobodi", "nobdy expected", "junee"} {
					if got := find(q); strings.Contains(got.DidYouMean, "nobody") || strings.Contains(got.DidYouMean, "june") || got.Total > 0 {
						t.Errorf("%q: did you mean %q, %d results %v", q, got.DidYouMean, got.Total, got.slugs())
					}
				}
				for _, p := range []string{"nobod", "jun", "the vo"} {
					q := rd.q
					q.url = "/search/suggest?q=" + url.QueryEscape(p)
					if _, body := rs.send(t, q); body != "[]\n" {
						t.Errorf("suggest %q: %s", p, body)
					}
				}
			})
		}
	})
}

// searchResult is what a test reads of /search.json.
type searchResult struct {
	Total      int    `json:"total"`
	DidYouMean string `json:"did_you_mean"`
	Hits       []struct {
		Slug string `json:"slug"`
	} `json:"hits"`
	Facets map[string][]struct {
		Slug  string `json:"slug"`
		Count int    `json:"count"`
	} `json:"facets"`
}

func (r searchResult) slugs() []string {
	var s []string
	for _, h := range r.Hits {
		s = append(s, h.Slug)
	}
	return s
}

func (r searchResult) has(slug string) bool { return slices.Contains(r.slugs(), slug) }

// searchJSON runs q through /search.json as the reader of base.
func (rs *readers) searchJSON(t *testing.T, base req, q string) searchResult {
	t.Helper()
	base.url = "/search.json?per_page=50&q=" + url.QueryEscape(q)
	res, body := rs.send(t, base)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d: %s", base.url, res.StatusCode, body)
	}
	var out searchResult
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("%s: %v", base.url, err)
	}
	return out
}
