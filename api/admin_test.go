package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

func TestAdminAPIArticles(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ed := f.keys["editor"]
		ctx := context.Background()

		// Create: a draft, with the editor's validation.
		res := f.call("POST", "/api/admin/v1/articles", ed, map[string]any{
			"title": "From the API", "body_markdown": "Hello **world**.", "topics": []string{"economy"},
			"access": "free", "image": map[string]string{"url": "https://img.example/a.jpg", "alt": "A picture"},
		})
		if res.status != 201 {
			t.Fatalf("create: %d %v", res.status, res.body)
		}
		if res.body["status"] != "draft" || res.body["slug"] != "from-the-api" || !strings.Contains(get(res.body, "body", "html").(string), "<strong>world</strong>") {
			t.Errorf("create: %v", res.body)
		}
		id := int64(res.body["id"].(float64))
		path := fmt.Sprintf("/api/admin/v1/articles/%d", id)
		if !strings.HasSuffix(res.header.Get("Location"), path) {
			t.Errorf("Location %q", res.header.Get("Location"))
		}

		// Validation failures name the API's fields.
		for _, tt := range []struct {
			name      string
			method    string
			path      string
			body      any
			wantField string
		}{
			{"missing title", "POST", "/api/admin/v1/articles", map[string]any{"body_markdown": "x"}, "title"},
			{"bad access", "POST", "/api/admin/v1/articles", map[string]any{"title": "T", "access": "everyone"}, "access"},
			{"image without alt", "PATCH", path, map[string]any{"image": map[string]string{"url": "https://x.example/i.png"}}, "image.alt"},
			{"unknown field", "POST", "/api/admin/v1/articles", map[string]any{"title": "T", "status": "published"}, "status"},
			{"wrong type", "POST", "/api/admin/v1/articles", `{"title": 12}`, "title"},
			{"wrong nested type", "PATCH", path, `{"image": {"url": true}}`, "image.url"},
			{"wrong array item", "PATCH", path, `{"topics": ["a", 3]}`, "topics"},
			{"bad JSON", "POST", "/api/admin/v1/articles", `{"title": "T",`, "body"},
			{"not an object", "POST", "/api/admin/v1/articles", `["title"]`, "body"},
			{"two values", "PATCH", path, `{"dek": "a"} {"dek": "b"}`, "body"},
			{"empty body", "PATCH", path, ``, "body"},
			{"schedule in the past", "POST", path + "/schedule", map[string]any{"publish_at": now.Add(-time.Hour)}, "publish_at"},
			{"schedule without a time", "POST", path + "/schedule", map[string]any{}, "publish_at"},
			{"schedule with a bad time", "POST", path + "/schedule", `{"publish_at": "tomorrow"}`, "publish_at"},
			{"publish with a body", "POST", path + "/publish", `{"now": true}`, "now"},
		} {
			res := f.call(tt.method, tt.path, ed, tt.body)
			if res.status != 400 {
				t.Errorf("%s: %d, want 400: %v", tt.name, res.status, res.body)
				continue
			}
			if get(res.body, "error", "code") != "invalid" || get(res.body, "error", "fields", tt.wantField) == nil {
				t.Errorf("%s: error does not name %q: %v", tt.name, tt.wantField, res.body)
			}
		}
		if a, _ := db.ArticleByID(ctx, id); a.Title != "From the API" || a.Image.URL != "https://img.example/a.jpg" {
			t.Errorf("a refused request changed the article: %+v", a)
		}

		// Too large: 413 with a code.
		big := map[string]any{"body_markdown": strings.Repeat("x", 2<<20)}
		if res := f.call("PATCH", path, ed, big); res.status != 413 || get(res.body, "error", "code") != "too_large" {
			t.Errorf("large body: %d %v", res.status, res.body)
		}

		// A taken slug is a conflict.
		if res := f.call("PATCH", path, ed, map[string]any{"slug": "free-piece"}); res.status != 409 {
			t.Errorf("taken slug: %d %v", res.status, res.body)
		}

		// Update keeps what is absent.
		res = f.call("PATCH", path, ed, map[string]any{"dek": "Now with a dek", "regions": []string{"asia"}})
		if res.status != 200 || res.body["dek"] != "Now with a dek" || res.body["title"] != "From the API" || res.body["access"] != "free" {
			t.Fatalf("update: %d %v", res.status, res.body)
		}

		// Schedule, publish, unpublish.
		at := now.Add(48 * time.Hour)
		res = f.call("POST", path+"/schedule", ed, map[string]any{"publish_at": at})
		if res.status != 200 || res.body["status"] != "scheduled" || res.body["published_at"] != at.Format(time.RFC3339) {
			t.Fatalf("schedule: %d %v", res.status, res.body)
		}
		if res := f.call("GET", "/api/content/v1/articles/from-the-api", f.keys["content"], nil); res.status != 404 {
			t.Errorf("scheduled article readable before its time: %d", res.status)
		}
		res = f.call("POST", path+"/publish", ed, nil)
		if res.status != 200 || res.body["status"] != "published" || res.body["published_at"] != now.Format(time.RFC3339) {
			t.Fatalf("publish: %d %v", res.status, res.body)
		}
		if res := f.call("GET", "/api/content/v1/articles/from-the-api", f.keys["content"], nil); res.status != 200 {
			t.Errorf("published article: %d", res.status)
		}
		res = f.call("POST", path+"/unpublish", ed, "{}")
		if res.status != 200 || res.body["status"] != "draft" {
			t.Fatalf("unpublish: %d %v", res.status, res.body)
		}
		if res := f.call("GET", "/api/content/v1/articles/from-the-api", f.keys["content"], nil); res.status != 404 {
			t.Errorf("unpublished article: %d", res.status)
		}

		// Lists show every status; one article by id.
		res = f.call("GET", "/api/admin/v1/articles?status=draft", ed, nil)
		if res.status != 200 || res.body["total"] != float64(2) {
			t.Errorf("drafts: %d %v", res.status, res.body["total"])
		}
		if res := f.call("GET", "/api/admin/v1/articles?status=gone", ed, nil); res.status != 400 {
			t.Errorf("bad status filter: %d", res.status)
		}
		if res := f.call("GET", path, ed, nil); res.status != 200 || res.body["body_markdown"] != "Hello **world**." {
			t.Errorf("get: %d %v", res.status, res.body)
		}
		if res := f.call("GET", "/api/admin/v1/articles/999999", ed, nil); res.status != 404 {
			t.Errorf("unknown id: %d", res.status)
		}
	})
}

func TestAdminAPIMembers(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ad := f.keys["admin"]
		ctx := context.Background()
		path := fmt.Sprintf("/api/admin/v1/members/%d", f.reader.ID)

		res := f.call("GET", "/api/admin/v1/members?q=reader", ad, nil)
		if res.status != 200 || len(res.body["data"].([]any)) != 1 {
			t.Fatalf("search: %d %v", res.status, res.body)
		}
		res = f.call("GET", "/api/admin/v1/members?per_page=1", ad, nil)
		next, _ := res.body["next"].(string)
		if res.status != 200 || next == "" {
			t.Fatalf("first page: %d %v", res.status, res.body)
		}
		res = f.call("GET", strings.TrimPrefix(next, "https://news.example"), ad, nil)
		if res.status != 200 || len(res.body["data"].([]any)) != 1 {
			t.Errorf("second page: %d %v", res.status, res.body)
		}
		if res := f.call("GET", "/api/admin/v1/members?state=rich", ad, nil); res.status != 400 {
			t.Errorf("bad state: %d", res.status)
		}

		// The name changes; the address cannot.
		if res := f.call("PATCH", path, ad, map[string]any{"email": "new@example.com"}); res.status != 400 || get(res.body, "error", "fields", "email") == nil {
			t.Errorf("email change: %d %v", res.status, res.body)
		}
		if res := f.call("PATCH", path, ad, map[string]any{"name": "Line\nbreak"}); res.status != 400 || get(res.body, "error", "fields", "name") == nil {
			t.Errorf("bad name: %d %v", res.status, res.body)
		}
		res = f.call("PATCH", path, ad, map[string]any{"name": "Rea Der"})
		if res.status != 200 || res.body["name"] != "Rea Der" || res.body["email"] != "reader@example.com" {
			t.Fatalf("rename: %d %v", res.status, res.body)
		}

		// A complimentary grant through the day given.
		if res := f.call("POST", path+"/comp", ad, map[string]any{"until": "31/12/2026"}); res.status != 400 ||
			get(res.body, "error", "fields", "until") == nil || get(res.body, "error", "fields", "note") == nil {
			t.Errorf("bad grant: %d %v", res.status, res.body)
		}
		res = f.call("POST", path+"/comp", ad, map[string]any{"until": "2026-12-31", "note": "Press pass"})
		if res.status != 201 || res.body["source"] != string(masthead.EntitlementComplimentary) || res.body["current"] != true {
			t.Fatalf("grant: %d %v", res.status, res.body)
		}
		res = f.call("GET", path, ad, nil)
		if res.status != 200 || len(res.body["entitlements"].([]any)) != 1 || len(res.body["access"].([]any)) != 1 {
			t.Errorf("member: %d %v", res.status, res.body)
		}

		// Both actions are in the member's history, in the name of the
		// admin who made the token.
		events, err := db.MemberEvents(ctx, f.reader.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]masthead.MemberEvent{}
		for _, e := range events {
			kinds[e.Kind] = e
		}
		if e, ok := kinds["name-changed"]; !ok || e.ActorID != f.admin.ID || !strings.Contains(e.Detail, "Rea Der") {
			t.Errorf("no rename in history: %+v", events)
		}
		if e, ok := kinds[masthead.MemberEventCompGranted]; !ok || e.ActorID != f.admin.ID {
			t.Errorf("no grant in history: %+v", events)
		}

		if res := f.call("GET", "/api/admin/v1/members/999999", ad, nil); res.status != 404 {
			t.Errorf("unknown member: %d", res.status)
		}
	})
}
