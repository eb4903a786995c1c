package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	mhttp "masthead/http"
	"masthead/store"
	"masthead/store/storetest"
)

func eachSearch(t *testing.T, fn func(t *testing.T, s *site)) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		fn(t, newSite(t, db, func(_ *mhttp.Config, d *mhttp.Deps) { d.Search = db }))
	})
}

func TestSearchPages(t *testing.T) {
	eachSearch(t, func(t *testing.T, s *site) {
		tests := []struct {
			name, url, session string
			wantStatus         int
			wantCC             string
			want, wantNot      []string
		}{
			{name: "empty form", url: "/search", wantStatus: 200, wantCC: "public",
				want: []string{`<form class="search-form"`, `name="q"`, "search.", ".js"}},
			// The anonymous reader finds the metered article by the words
			// of its teaser, and the snippet shows only the teaser; words
			// past its wall find nothing (bypass_search_test.go).
			{name: "anonymous, words of the teaser", url: "/search?q=" + url.QueryEscape("committee met"), wantStatus: 200, wantCC: "public",
				want:    []string{"The metered feature", "Locked", "OPENING-METERED", "1 result"},
				wantNot: []string{"nobody expected the vote", "CLOSING-METERED"}},
			{name: "anonymous, words past the wall", url: "/search?q=" + url.QueryEscape("nobody expected"), wantStatus: 200, wantCC: "public",
				want:    []string{"0 results"},
				wantNot: []string{"The metered feature", "nobody expected the vote", "CLOSING-METERED"}},
			{name: "staff reads the body snippet", url: "/search?q=" + url.QueryEscape("nobody expected"), session: s.staff, wantStatus: 200, wantCC: "private",
				want:    []string{"The metered feature", "<mark>nobody</mark> <mark>expected</mark>"},
				wantNot: []string{"Locked"}},
			{name: "member without a subscription", url: "/search?q=" + url.QueryEscape(`"markets steadied"`), session: s.reader, wantStatus: 200, wantCC: "private",
				want:    []string{"For subscribers", "Subscribers</span>"},
				wantNot: []string{"bank will decide in June"}},
			{name: "free article: body snippet for all", url: "/search?q=everyone", wantStatus: 200,
				want: []string{"A free daily analysis", "<mark>everyone</mark>"}},
			{name: "not live: draft, scheduled, pulled, deleted", url: "/search?q=" + url.QueryEscape("never OR coming OR pulled OR deleted"), wantStatus: 200,
				want:    []string{"0 results"},
				wantNot: []string{"Never published", "Coming next week", "Pulled piece", "Deleted piece"}},
			{name: "facets and paging", url: "/search?q=filler", wantStatus: 200,
				want: []string{"25 results", "Topic", ">Filler</a>", "Page 1 of 3", `rel="next"`, "Briefing"}},
			{name: "filtered by facet", url: "/search?q=filler&kind=briefing&topic=filler&page=3", wantStatus: 200,
				want: []string{"25 results, page 3", "<mark>Filler</mark> number 00", `rel="prev"`, "Topic: Filler"}},
			{name: "typo corrected", url: "/search?q=filer", wantStatus: 200,
				want: []string{"Showing results for", "<strong>filler</strong>", "<mark>Filler</mark> number"}},
			{name: "script in query is escaped", url: "/search?q=" + url.QueryEscape(`<script>alert(1)</script>`), wantStatus: 200,
				wantNot: []string{"<script>alert(1)"}},
		}
		for _, q := range []string{`"`, `""`, `-`, `*`, `OR`, `NEAR(`, `&|!(`, `:^`, `title:x`, `'`, strings.Repeat("x", 10000), strings.Repeat(`"(`, 3000)} {
			tests = append(tests, struct {
				name, url, session string
				wantStatus         int
				wantCC             string
				want, wantNot      []string
			}{name: "bad input " + q[:min(len(q), 10)], url: "/search?q=" + url.QueryEscape(q), wantStatus: 200})
		}
		for _, tt := range tests {
			var h http.Header
			if tt.session != "" {
				h = cookie(tt.session)
			}
			res := s.do(t, http.MethodGet, tt.url, nil, h)
			raw, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			body := string(raw)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("%s: status %d, want %d", tt.name, res.StatusCode, tt.wantStatus)
			}
			if tt.wantCC != "" && !strings.Contains(res.Header.Get("Cache-Control"), tt.wantCC) {
				t.Errorf("%s: Cache-Control %q, want %s", tt.name, res.Header.Get("Cache-Control"), tt.wantCC)
			}
			if !strings.Contains(res.Header.Get("Vary"), "Cookie") {
				t.Errorf("%s: no Vary: Cookie", tt.name)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: page lacks %q", tt.name, w)
				}
			}
			// A search that finds nothing lists popular articles whatever
			// was typed (search_empty.go); what must not be found is
			// looked for everywhere else.
			shown := withoutPopular(body)
			for _, w := range tt.wantNot {
				if strings.Contains(shown, w) {
					t.Errorf("%s: page shows %q", tt.name, w)
				}
			}
		}
	})
}

func TestSearchJSON(t *testing.T) {
	eachSearch(t, func(t *testing.T, s *site) {
		res, body := s.get(t, "/search.json?q="+url.QueryEscape("committee met")+"&per_page=5")
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("status %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		var out struct {
			Total int
			Hits  []struct {
				Slug    string
				URL     string
				Locked  bool
				Snippet []struct{ Text string }
			}
			Facets map[string][]struct {
				Slug  string
				Count int
			}
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		if out.Total != 1 || len(out.Hits) != 1 || out.Hits[0].Slug != "metered-feature" || !out.Hits[0].Locked {
			t.Fatalf("got %s", body)
		}
		if out.Hits[0].URL != "https://news.example/articles/metered-feature" {
			t.Errorf("url %q", out.Hits[0].URL)
		}
		if strings.Contains(body, "CLOSING-METERED") || strings.Contains(body, "nobody expected the vote") {
			t.Errorf("JSON shows text past the wall: %s", body)
		}
		if len(out.Facets["topic"]) != 1 || out.Facets["topic"][0].Slug != "energy" {
			t.Errorf("facets %+v", out.Facets)
		}

		res, body = s.get(t, "/search/suggest?q=Fill")
		if res.StatusCode != 200 || !strings.Contains(body, `"title":"Filler number 24"`) || !strings.Contains(body, `"url":"/articles/filler-24"`) {
			t.Errorf("suggest: %d %s", res.StatusCode, body)
		}
		if _, body = s.get(t, "/search/suggest?q=Never"); body != "[]\n" {
			t.Errorf("suggest offers a draft: %s", body)
		}
		// Compressed or not, anonymous or not, the response varies by cookie;
		// a signed-in reader's is private.
		for _, h := range []http.Header{{"Accept-Encoding": {"gzip"}}, cookie(s.staff)} {
			res := s.do(t, http.MethodGet, "/search.json?q=filler&per_page=20", nil, h)
			if !strings.Contains(res.Header.Get("Vary"), "Cookie") {
				t.Errorf("%v: Vary %q", h, res.Header.Get("Vary"))
			}
			if _, signedIn := h["Cookie"]; signedIn != strings.Contains(res.Header.Get("Cache-Control"), "private") {
				t.Errorf("%v: Cache-Control %q", h, res.Header.Get("Cache-Control"))
			}
		}
		if res, _ = s.get(t, "/search.json?q="+url.QueryEscape(`"NEAR(`)); res.StatusCode != 200 {
			t.Errorf("bad input: status %d", res.StatusCode)
		}
	})
}
