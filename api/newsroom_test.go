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

// TestAPINewsroomFields: both APIs carry what the newsroom keeps: the
// featured image with its size and every variant for a srcset, the
// column's image, the authors' bio, photo and links, the corrections;
// the Admin API adds the newest revision and the review state, sets the
// review (refusing a state that is none), and publishing ends it. Every
// answer is checked against openapi.json by the fixture.
func TestAPINewsroomFields(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		ed := f.keys["editor"]
		if _, err := db.SaveAuthor(ctx, "ada", masthead.Author{Slug: "ada", Name: "Ada", Bio: "Writes on money.",
			PhotoURL: "/media/ada.jpg", Links: []string{"https://ada.example/"}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveColumn(ctx, "the-view", masthead.Column{Slug: "the-view", Name: "The View", ImageURL: "/media/view.jpg"}); err != nil {
			t.Fatal(err)
		}
		img, err := db.CreateImage(ctx, &masthead.ImageAsset{Ref: masthead.ImageRef{Hash: "eeeeeeeeeeeeeeeeeeeeeeee", Width: 2000, Height: 1000, Ext: "jpg"},
			Format: "jpeg", Bytes: 1, Alt: "The harbour at dawn"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.Article(ctx, "free-piece")
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/admin/v1/articles/%d", a.ID)
		if res := f.call("PATCH", path, ed, map[string]any{"image": map[string]any{"id": img.ID}}); res.status != 200 {
			t.Fatalf("choose the image: %d %v", res.status, res.body)
		}
		if _, err := db.AddArticleNote(ctx, a.ID, masthead.ArticleNoteInput{Kind: masthead.NoteCorrection, Body: "The port opened in 1890."}); err != nil {
			t.Fatal(err)
		}

		res := f.call("GET", "/api/content/v1/articles/free-piece", f.keys["content"], nil)
		if res.status != 200 {
			t.Fatalf("content article: %d %v", res.status, res.body)
		}
		au := res.body["authors"].([]any)[0].(map[string]any)
		if au["bio"] != "Writes on money." || au["photo_url"] != "https://news.example/media/ada.jpg" || au["links"].([]any)[0] != "https://ada.example/" {
			t.Errorf("author: %v", au)
		}
		if get(res.body, "column", "image_url") != "https://news.example/media/view.jpg" {
			t.Errorf("column: %v", res.body["column"])
		}
		vs, _ := get(res.body, "image", "variants").([]any)
		if get(res.body, "image", "width") != float64(2000) || len(vs) != len(img.Ref.Variants()) {
			t.Fatalf("image: %v", res.body["image"])
		}
		first, last := vs[0].(map[string]any), vs[len(vs)-1].(map[string]any)
		want := img.Ref.Variants()
		if first["webp"] != "https://news.example"+masthead.MediaPrefix+want[0].WebP || last["fallback"] != "https://news.example"+img.URL() ||
			last["width"] != float64(2000) {
			t.Errorf("variants: %v … %v", first, last)
		}
		notes, _ := res.body["notes"].([]any)
		if len(notes) != 1 || notes[0].(map[string]any)["kind"] != "correction" || notes[0].(map[string]any)["text"] != "The port opened in 1890." {
			t.Errorf("notes: %v", res.body["notes"])
		}
		if _, ok := res.body["review"]; ok {
			t.Error("the Content API shows the review state")
		}

		// The Admin API: revision and review, read and written.
		res = f.call("GET", path, ed, nil)
		if rev, _ := res.body["revision"].(float64); rev == 0 || res.body["review"] != "" {
			t.Errorf("admin article: revision %v, review %v", res.body["revision"], res.body["review"])
		}
		res = f.call("PATCH", path, ed, map[string]any{"review": "maybe"})
		if res.status != 400 || get(res.body, "error", "code") != "invalid" || get(res.body, "error", "fields", "review") == nil {
			t.Errorf("a review state that is none: %d %v", res.status, res.body)
		}
		res = f.call("PATCH", path, ed, map[string]any{"review": "returned", "review_note": strings.Repeat("n", masthead.MaxReviewNote+1)})
		if res.status != 400 || get(res.body, "error", "fields", "review_note") == nil {
			t.Errorf("a review note over its limit: %d %v", res.status, res.body)
		}
		res = f.call("POST", "/api/admin/v1/articles", ed, map[string]any{"title": "Returned at birth", "review": "maybe"})
		if res.status != 400 || get(res.body, "error", "fields", "review") == nil {
			t.Errorf("a new article in a review state that is none: %d %v", res.status, res.body)
		}
		res = f.call("PATCH", path, ed, map[string]any{"review": "returned", "review_note": "Check the date."})
		if res.status != 200 || res.body["review"] != "returned" || res.body["review_note"] != "Check the date." {
			t.Fatalf("returned: %d %v", res.status, res.body)
		}
		if got, _ := db.ArticleByID(ctx, a.ID); got.Review != masthead.ReviewReturned || got.ReviewNote != "Check the date." {
			t.Errorf("stored review %q %q", got.Review, got.ReviewNote)
		}
		res = f.call("POST", path+"/publish", ed, nil)
		if res.status != 200 || res.body["review"] != "" || res.body["review_note"] != "" {
			t.Errorf("publishing left the review: %d %v", res.status, res.body)
		}

		// A token whose maker is an author publishes nothing.
		d, err := db.CreateArticle(ctx, masthead.ArticleInput{Title: "Held back", BodyMarkdown: "Text.", Status: masthead.StatusDraft})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.EnsureMember(ctx, f.admin.Email, masthead.RoleAuthor); err != nil {
			t.Fatal(err)
		}
		res = f.call("POST", fmt.Sprintf("/api/admin/v1/articles/%d/publish", d.ID), ed, nil)
		if res.status != 403 || get(res.body, "error", "code") != "forbidden" {
			t.Errorf("an author's token publishing: %d %v", res.status, res.body)
		}
		if got, _ := db.ArticleByID(ctx, d.ID); got.Status != masthead.StatusDraft {
			t.Errorf("an author's token published: %s", got.Status)
		}
	})
}
