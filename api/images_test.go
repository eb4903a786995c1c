package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestAdminAPIFeaturedImageByID: the Admin API chooses a library image
// by id, refused while it has no alt text, and reads it back with its id.
func TestAdminAPIFeaturedImageByID(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ed := f.keys["editor"]
		ctx := context.Background()
		img, err := db.CreateImage(ctx, &masthead.ImageAsset{Ref: masthead.ImageRef{Hash: "dddddddddddddddddddddddd", Width: 800, Height: 600, Ext: "jpg"}, Format: "jpeg", Bytes: 1})
		if err != nil {
			t.Fatal(err)
		}
		res := f.call("POST", "/api/admin/v1/articles", ed, map[string]any{"title": "Pictured", "body_markdown": "Text.", "access": "free"})
		if res.status != 201 {
			t.Fatalf("create: %d %v", res.status, res.body)
		}
		path := fmt.Sprintf("/api/admin/v1/articles/%d", int64(res.body["id"].(float64)))

		res = f.call("PATCH", path, ed, map[string]any{"image": map[string]any{"id": img.ID}})
		if res.status != 400 || get(res.body, "error", "fields", "image.alt") == nil {
			t.Fatalf("an image without alt text: %d %v", res.status, res.body)
		}
		res = f.call("PATCH", path, ed, map[string]any{"image": map[string]any{"id": 999999}})
		if res.status != 400 || get(res.body, "error", "fields", "image.id") == nil {
			t.Fatalf("an unknown image: %d %v", res.status, res.body)
		}
		if _, err := db.UpdateImage(ctx, img.ID, masthead.ImageDetails{Alt: "A quiet street", Credit: "Desk"}); err != nil {
			t.Fatal(err)
		}
		res = f.call("PATCH", path, ed, map[string]any{"image": map[string]any{"id": img.ID, "url": "https://ignored.example/x.jpg"}})
		if res.status != 200 {
			t.Fatalf("with alt text: %d %v", res.status, res.body)
		}
		if get(res.body, "image", "id") != float64(img.ID) || get(res.body, "image", "alt") != "A quiet street" ||
			get(res.body, "image", "url") != "https://news.example"+img.URL() || get(res.body, "image", "caption") != "Credit: Desk" {
			t.Errorf("image read back: %v", res.body["image"])
		}
		// The credit has a field of its own beside the caption, in both
		// APIs, and follows the library: corrected there, it shows at
		// once, while the caption keeps what was copied when saved.
		if get(res.body, "image", "credit") != "Desk" {
			t.Errorf("image credit: %v, want Desk", res.body["image"])
		}
		if _, err := db.UpdateImage(ctx, img.ID, masthead.ImageDetails{Alt: "A quiet street", Credit: "Photo desk"}); err != nil {
			t.Fatal(err)
		}
		slug := res.body["slug"].(string)
		if res := f.call("POST", path+"/publish", ed, nil); res.status != 200 {
			t.Fatalf("publish: %d %v", res.status, res.body)
		}
		for _, p := range []string{path, "/api/content/v1/articles/" + slug} {
			key := ed
			if strings.HasPrefix(p, "/api/content/") {
				key = f.keys["content"]
			}
			res := f.call("GET", p, key, nil)
			if res.status != 200 || get(res.body, "image", "credit") != "Photo desk" || get(res.body, "image", "caption") != "Credit: Desk" {
				t.Errorf("%s: image %v, want the library's credit beside the caption kept as saved", p, res.body["image"])
			}
		}
		res = f.call("GET", "/api/content/v1/articles?per_page=100", f.keys["content"], nil)
		for _, a := range res.body["data"].([]any) {
			a := a.(map[string]any)
			if a["slug"] == slug && get(a, "image", "credit") != "Photo desk" {
				t.Errorf("list: image %v, want the credit", a["image"])
			}
		}
	})
}
