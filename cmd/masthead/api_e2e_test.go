package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"masthead/store/storetest"
)

// TestAPIEndToEnd runs the real program: an admin makes a content key
// and an admin token in /admin/api-keys, reads the library through the
// Content API, and writes and publishes an article through the Admin API
// that readers then see.
func TestAPIEndToEnd(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "12")
			out, _, err := runMain(t, "user", "add", "--db", dsn, "--base-url", inst.URL, "--role", "admin", "api-admin@example.com")
			if err != nil {
				t.Fatalf("user add: %v", err)
			}
			session := signIn(t, inst, regexp.MustCompile(`http://\S+/admin/signin\?token=\S+`).FindString(out))

			makeKey := func(form url.Values, re string) string {
				t.Helper()
				req, _ := http.NewRequest(http.MethodPost, inst.URL+"/admin/api-keys", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
				res := do(t, req)
				mustStatus(t, "make key", res, http.StatusOK)
				secret := regexp.MustCompile(re).FindString(res.body)
				if secret == "" {
					t.Fatalf("no secret on the page:\n%s", res.body)
				}
				return secret
			}
			content := makeKey(url.Values{"kind": {"content"}, "name": {"Partner"}}, `mhc_[A-Za-z0-9_-]{43}`)
			token := makeKey(url.Values{"kind": {"admin"}, "name": {"CMS"}, "role": {"editor"}}, `mha_[A-Za-z0-9_-]{43}`)

			call := func(method, path, key, body string) (int, map[string]any) {
				t.Helper()
				req, _ := http.NewRequest(method, inst.URL+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				res := do(t, req)
				var v map[string]any
				if err := json.Unmarshal([]byte(res.body), &v); err != nil {
					t.Fatalf("%s %s: %d %s", method, path, res.status, res.body)
				}
				return res.status, v
			}

			status, list := call("GET", "/api/content/v1/articles?per_page=5", content, "")
			if status != 200 || len(list["data"].([]any)) != 5 || list["next"] == nil {
				t.Fatalf("articles: %d %v", status, list)
			}
			if status, _ := call("GET", "/api/content/v1/articles", token, ""); status != 401 {
				t.Errorf("admin token on the Content API: %d", status)
			}
			if doc := get(t, inst.URL+"/api/openapi.json"); doc.status != 200 || !strings.Contains(doc.body, `"openapi": "3.1.0"`) {
				t.Errorf("openapi.json: %d", doc.status)
			}

			status, a := call("POST", "/api/admin/v1/articles", token, `{"title": "Written by a machine", "body_markdown": "Hello.", "access": "free"}`)
			if status != 201 {
				t.Fatalf("create: %d %v", status, a)
			}
			id := jsonID(a)
			if status, a = call("POST", "/api/admin/v1/articles/"+id+"/publish", token, ""); status != 200 || a["status"] != "published" {
				t.Fatalf("publish: %d %v", status, a)
			}
			page := get(t, inst.URL+"/articles/written-by-a-machine")
			mustStatus(t, "published article", page, http.StatusOK)
			if status, _ := call("POST", "/api/admin/v1/articles", token, `{"title": "x", "colour": "red"}`); status != 400 {
				t.Errorf("unknown field: %d", status)
			}
		})
	}
}

func jsonID(v map[string]any) string {
	b, _ := json.Marshal(v["id"])
	return string(b)
}
