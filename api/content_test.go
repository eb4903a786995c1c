package api_test

import (
	"net/http"
	"strings"
	"testing"

	"masthead/store"
	"masthead/store/storetest"
)

func TestContentAPI(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		key, full := f.keys["content"], f.keys["fulltext"]

		tests := []struct {
			name       string
			path       string
			key        string
			wantStatus int
			// wantSlugs are the slugs of data[], in order, for lists.
			wantSlugs []string
			// wantField names the field an error must name.
			wantField string
		}{
			{name: "all live articles newest first", path: "/api/content/v1/articles", key: key, wantStatus: 200,
				wantSlugs: []string{"free-piece", "metered-piece", "subscriber-piece"}},
			{name: "by topic", path: "/api/content/v1/articles?topic=economy", key: key, wantStatus: 200, wantSlugs: []string{"free-piece", "metered-piece"}},
			{name: "by region", path: "/api/content/v1/articles?region=europe", key: key, wantStatus: 200, wantSlugs: []string{"free-piece"}},
			{name: "by column", path: "/api/content/v1/articles?column=the-view", key: key, wantStatus: 200, wantSlugs: []string{"free-piece"}},
			{name: "by author", path: "/api/content/v1/articles?author=bo", key: key, wantStatus: 200, wantSlugs: []string{"subscriber-piece"}},
			{name: "by kind", path: "/api/content/v1/articles?kind=in-depth", key: key, wantStatus: 200, wantSlugs: []string{"metered-piece"}},
			{name: "since a time", path: "/api/content/v1/articles?since=2026-06-01T09:30:00Z", key: key, wantStatus: 200,
				wantSlugs: []string{"free-piece", "metered-piece"}},
			{name: "bad topic names the parameter", path: "/api/content/v1/articles?topic=Not%20A%20Slug", key: key, wantStatus: 400, wantField: "topic"},
			{name: "bad kind", path: "/api/content/v1/articles?kind=poem", key: key, wantStatus: 400, wantField: "kind"},
			{name: "bad since", path: "/api/content/v1/articles?since=yesterday", key: key, wantStatus: 400, wantField: "since"},
			{name: "bad page", path: "/api/content/v1/articles?page=0", key: key, wantStatus: 400, wantField: "page"},
			{name: "no key", path: "/api/content/v1/articles", wantStatus: 401},
			{name: "admin token is not a content key", path: "/api/content/v1/articles", key: f.keys["admin"], wantStatus: 401},
			{name: "made-up key", path: "/api/content/v1/articles", key: "mhc_nope", wantStatus: 401},
			{name: "draft is not found", path: "/api/content/v1/articles/a-draft", key: full, wantStatus: 404},
			{name: "unknown slug", path: "/api/content/v1/articles/nothing-here", key: key, wantStatus: 404},
			{name: "authors", path: "/api/content/v1/authors", key: key, wantStatus: 200, wantSlugs: []string{"ada", "bo"}},
			{name: "columns", path: "/api/content/v1/columns", key: key, wantStatus: 200, wantSlugs: []string{"the-view"}},
			{name: "topics", path: "/api/content/v1/topics", key: key, wantStatus: 200, wantSlugs: []string{"climate", "economy"}},
			{name: "regions", path: "/api/content/v1/regions", key: key, wantStatus: 200, wantSlugs: []string{"europe"}},
			{name: "search", path: "/api/content/v1/search?q=piece&topic=economy", key: key, wantStatus: 200},
			{name: "search bad filter", path: "/api/content/v1/search?q=piece&kind=x", key: key, wantStatus: 400, wantField: "kind"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := f.call("GET", tt.path, tt.key, nil)
				if res.status != tt.wantStatus {
					t.Fatalf("status %d, want %d: %v", res.status, tt.wantStatus, res.body)
				}
				if tt.wantSlugs != nil {
					var got []string
					for _, d := range res.body["data"].([]any) {
						got = append(got, d.(map[string]any)["slug"].(string))
					}
					if strings.Join(got, ",") != strings.Join(tt.wantSlugs, ",") {
						t.Errorf("slugs %v, want %v", got, tt.wantSlugs)
					}
				}
				if tt.wantField != "" && get(res.body, "error", "fields", tt.wantField) == nil {
					t.Errorf("error does not name %q: %v", tt.wantField, res.body)
				}
				if res.status == 200 && !strings.HasPrefix(res.header.Get("Cache-Control"), "private") {
					t.Errorf("Cache-Control %q, want private", res.header.Get("Cache-Control"))
				}
				if res.status == 401 && res.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			})
		}
	})
}

// TestContentAPIBodies checks that a key reads what the access decision
// gives an anonymous reader, and a full-text key everything: the API is
// no way around the wall.
func TestContentAPIBodies(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tt := range []struct {
			slug, key  string
			wantFull   bool
			wantReason string
		}{
			{"free-piece", "content", true, "free-article"},
			{"metered-piece", "content", false, "anonymous"},
			{"subscriber-piece", "content", false, "subscribers-only"},
			{"metered-piece", "fulltext", true, "full-text-key"},
			{"subscriber-piece", "fulltext", true, "full-text-key"},
		} {
			res := f.call("GET", "/api/content/v1/articles/"+tt.slug, f.keys[tt.key], nil)
			if res.status != 200 {
				t.Fatalf("%s with %s: %d %v", tt.slug, tt.key, res.status, res.body)
			}
			html, _ := get(res.body, "body", "html").(string)
			if got := get(res.body, "body", "full"); got != tt.wantFull {
				t.Errorf("%s with %s: full %v, want %v", tt.slug, tt.key, got, tt.wantFull)
			}
			if got := get(res.body, "body", "reason"); got != tt.wantReason {
				t.Errorf("%s with %s: reason %v, want %v", tt.slug, tt.key, got, tt.wantReason)
			}
			if has := strings.Contains(html, secretBody); has != tt.wantFull {
				t.Errorf("%s with %s: body holds the text past the wall: %v, want %v", tt.slug, tt.key, has, tt.wantFull)
			}
			if !strings.Contains(html, "First paragraph for everyone.") {
				t.Errorf("%s with %s: no teaser in %q", tt.slug, tt.key, html)
			}
		}

		// Search snippets come from what the key may read.
		res := f.call("GET", "/api/content/v1/search?q=secret+paragraph", f.keys["content"], nil)
		for _, h := range res.body["data"].([]any) {
			hit := h.(map[string]any)
			for _, s := range hit["snippet"].([]any) {
				if text := s.(map[string]any)["text"].(string); hit["full"] == false && strings.Contains(text, "secret") {
					t.Errorf("locked hit %v has a snippet past the wall: %q", hit["slug"], text)
				}
			}
		}
	})
}

func TestContentAPIPagination(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var slugs []string
		path := "/api/content/v1/articles?per_page=2"
		for range 5 {
			res := f.call("GET", path, f.keys["content"], nil)
			if res.status != 200 {
				t.Fatalf("%s: %d", path, res.status)
			}
			for _, d := range res.body["data"].([]any) {
				slugs = append(slugs, d.(map[string]any)["slug"].(string))
			}
			if res.body["total"] != float64(3) {
				t.Errorf("total %v", res.body["total"])
			}
			next, _ := res.body["next"].(string)
			if next == "" {
				break
			}
			if strings.Contains(next, "key=") {
				t.Errorf("next link carries the key: %s", next)
			}
			path = strings.TrimPrefix(next, "https://news.example")
		}
		if strings.Join(slugs, ",") != "free-piece,metered-piece,subscriber-piece" {
			t.Errorf("pages gave %v", slugs)
		}
	})
}

// TestContentAPIQueryKey: the key may come as ?key= for clients that
// cannot set headers.
func TestContentAPIQueryKey(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		res, err := http.Get(f.srv.URL + "/api/content/v1/topics?key=" + f.keys["content"])
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("?key=: %d", res.StatusCode)
		}
	})
}
