package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"masthead/store"
	"masthead/store/storetest"
)

// TestContentAPISearchWall: a key matches bodies as it reads them. Without
// the full-text scope a phrase, a word or a prefix past the wall finds
// only the free article, whose body everyone reads; a full-text key finds
// every article by its body.
func TestContentAPISearchWall(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, q := range []string{`"` + strings.TrimSuffix(secretBody, ".") + `"`, "secret", "secr*", "secret OR zzyzx"} {
			for key, want := range map[string]string{
				"content":  "free-piece",
				"fulltext": "free-piece metered-piece subscriber-piece",
			} {
				res := f.call("GET", "/api/content/v1/search?q="+url.QueryEscape(q), f.keys[key], nil)
				if res.status != 200 {
					t.Fatalf("%q with %s: %d %v", q, key, res.status, res.body)
				}
				var slugs []string
				for _, h := range res.body["data"].([]any) {
					slugs = append(slugs, h.(map[string]any)["slug"].(string))
				}
				slices.Sort(slugs)
				if got := strings.Join(slugs, " "); got != want {
					t.Errorf("%q with %s: got [%s], want [%s]", q, key, got, want)
				}
			}
		}
	})
}
