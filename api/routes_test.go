package api_test

import (
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"masthead/api"
	"masthead/store"
	"masthead/store/storetest"
)

// TestEveryRouteIsGuarded walks every route of the router. Each Content
// API route refuses a request without a key, with a made-up key and with
// an admin token (401); each Admin API route refuses no token, a
// revoked token and a content key (401), and each admin-role route an
// editor token (403).
func TestEveryRouteIsGuarded(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		seen := map[api.Auth]int{}
		for _, r := range f.h.Routes() {
			method, path, ok := strings.Cut(r.Pattern, " ")
			if !ok {
				if r.Auth != api.AuthPublic {
					t.Errorf("%s: a route without a method must be public", r.Pattern)
				}
				continue
			}
			path = regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1")
			seen[r.Auth]++
			type attempt struct {
				key  string
				want int
			}
			var attempts []attempt
			switch r.Auth {
			case api.AuthPublic:
				if path != "/api/openapi.json" {
					t.Errorf("%s is public", r.Pattern)
				}
			case api.AuthContentKey:
				if !strings.HasPrefix(path, "/api/content/") {
					t.Errorf("%s: a content key opens only the Content API", r.Pattern)
				}
				attempts = []attempt{{"", 401}, {"mhc_madeup", 401}, {f.keys["admin"], 401}}
			case api.AuthEditor, api.AuthAdmin:
				if !strings.HasPrefix(path, "/api/admin/") {
					t.Errorf("%s: a token opens only the Admin API", r.Pattern)
				}
				attempts = []attempt{{"", 401}, {f.keys["revoked"], 401}, {f.keys["fulltext"], 401}, {"mha_madeup", 401}}
				if r.Auth == api.AuthAdmin {
					attempts = append(attempts, attempt{f.keys["editor"], 403})
				}
			default:
				t.Errorf("%s: unknown guard %q", r.Pattern, r.Auth)
			}
			for _, a := range attempts {
				// An empty JSON object: a route that read the body
				// before checking the token would answer 400.
				res := f.call(method, path, a.key, "{}")
				if res.status != a.want {
					t.Errorf("%s with key %.8q: %d, want %d", r.Pattern, a.key, res.status, a.want)
				}
			}
		}
		for _, a := range []api.Auth{api.AuthContentKey, api.AuthEditor, api.AuthAdmin} {
			if seen[a] == 0 {
				t.Errorf("no route needs %s", a)
			}
		}
	})
}

// TestOpenAPIMatchesRoutes: every route of the router is in the document
// and every operation of the document is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := api.New(api.Config{}, api.Deps{})
	var routes []string
	for _, r := range h.Routes() {
		if method, path, ok := strings.Cut(r.Pattern, " "); ok {
			routes = append(routes, method+" "+path)
		}
	}
	doc := loadDoc(t)
	var ops []string
	for path, item := range doc.root["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if slices.Contains([]string{"get", "post", "put", "patch", "delete"}, method) {
				ops = append(ops, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(routes)
	sort.Strings(ops)
	for _, r := range routes {
		if !slices.Contains(ops, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, o := range ops {
		if !slices.Contains(routes, o) {
			t.Errorf("openapi.json documents %s, which is no route", o)
		}
	}
	if doc.root["openapi"] != "3.1.0" {
		t.Errorf("openapi version %v", doc.root["openapi"])
	}
	// Every schema in the document uses only what the checker knows.
	for name, s := range doc.root["components"].(map[string]any)["schemas"].(map[string]any) {
		for _, e := range doc.validate(s.(map[string]any), nil, name) {
			if strings.Contains(e, "not supported") {
				t.Error(e)
			}
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	h := api.New(api.Config{}, api.Deps{})
	rec := httptestRecorder(h, "GET", "/api/openapi.json")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"openapi": "3.1.0"`) {
		t.Errorf("/api/openapi.json: %d", rec.Code)
	}
	rec = httptestRecorder(h, "GET", "/api/nothing")
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"code":"not_found"`) {
		t.Errorf("/api/nothing: %d %s", rec.Code, rec.Body)
	}
}
