package store_test

import (
	"context"
	"strings"
	"testing"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

func testImage(hash string) *masthead.ImageAsset {
	return &masthead.ImageAsset{Ref: masthead.ImageRef{Hash: hash, Width: 1200, Height: 800, Ext: "jpg"}, Format: "jpeg", Bytes: 12345}
}

const (
	hashA = "aaaaaaaaaaaaaaaaaaaaaaaa"
	hashB = "bbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestImageLibrary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, err := db.CreateImage(ctx, testImage(hashA))
		if err != nil {
			t.Fatal(err)
		}
		again, err := db.CreateImage(ctx, testImage(hashA))
		if err != nil || again.ID != a.ID {
			t.Fatalf("the same hash twice: %v, id %d then %d", err, a.ID, again.ID)
		}
		if a.Ref.Width != 1200 || a.Ref.Height != 800 || a.Format != "jpeg" || a.Bytes != 12345 || a.CreatedAt.IsZero() {
			t.Fatalf("stored %+v", a)
		}
		if _, err := db.CreateImage(ctx, testImage(hashB)); err != nil {
			t.Fatal(err)
		}
		list, err := db.ListImages(ctx, masthead.ImageFilter{})
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %v, %d images", err, len(list))
		}
		if list[0].Ref.Hash != hashB {
			t.Errorf("newest first: got %s first", list[0].Ref.Hash)
		}
		got, err := db.UpdateImage(ctx, a.ID, masthead.ImageDetails{Alt: "  A harbour at dawn ", Caption: "The port", Credit: "Ana Lee"})
		if err != nil || got.Alt != "A harbour at dawn" || got.CaptionLine() != "The port (Credit: Ana Lee)" {
			t.Fatalf("update: %v, %+v", err, got)
		}
		if _, err := db.UpdateImage(ctx, a.ID, masthead.ImageDetails{Alt: strings.Repeat("x", 501)}); masthead.ErrorFields(err)["alt"] == "" {
			t.Errorf("an over-long alt text: got %v", err)
		}
		if _, err := db.ImageByID(ctx, 99999); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("missing image: got %v", err)
		}
		if err := db.DeleteImage(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ImageByHash(ctx, hashA); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("after delete: got %v", err)
		}
	})
}

// TestFeaturedImageFromLibrary: an article features a library image by
// id; without alt text it is refused beside the field, with it the
// library's URL and words are copied, and the image cannot be deleted
// while featured or shown in a body.
func TestFeaturedImageFromLibrary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		img, err := db.CreateImage(ctx, testImage(hashA))
		if err != nil {
			t.Fatal(err)
		}
		in := masthead.ArticleInput{Slug: "harbour", Title: "Harbour", BodyMarkdown: "Text.", Kind: masthead.KindDaily,
			Access: masthead.AccessFree, Status: masthead.StatusDraft, AuthorSlugs: []string{"ana"}, Image: masthead.Image{ID: img.ID}}
		if _, err := db.CreateArticle(ctx, in); masthead.ErrorFields(err)["image_alt"] == "" {
			t.Fatalf("featuring an image without alt text: got %v, want a message for image_alt", err)
		}
		if _, err := db.UpdateImage(ctx, img.ID, masthead.ImageDetails{Alt: "Boats in a harbour", Caption: "Dawn", Credit: "Ana Lee"}); err != nil {
			t.Fatal(err)
		}
		a, err := db.CreateArticle(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		// The credit is read from the library with the article; the
		// caption keeps the copy made when it was saved.
		want := masthead.Image{ID: img.ID, URL: img.URL(), Alt: "Boats in a harbour", Caption: "Dawn (Credit: Ana Lee)", Credit: "Ana Lee"}
		if a.Image != want {
			t.Fatalf("featured image %+v, want %+v", a.Image, want)
		}
		if err := db.DeleteImage(ctx, img.ID); masthead.ErrorCode(err) != masthead.ECONFLICT {
			t.Fatalf("deleting a featured image: got %v, want a conflict", err)
		}
		// Moved from featured to the body: still in use.
		in.Image = masthead.Image{}
		in.BodyMarkdown = "Text.\n\n![Boats](" + img.URL() + ")\n"
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		got, err := db.ImageByID(ctx, img.ID)
		if err != nil || got.Uses != 1 {
			t.Fatalf("uses: %v, %d", err, got.Uses)
		}
		if err := db.DeleteImage(ctx, img.ID); masthead.ErrorCode(err) != masthead.ECONFLICT {
			t.Fatalf("deleting an image in a body: got %v, want a conflict", err)
		}
		in.BodyMarkdown = "Text."
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteImage(ctx, img.ID); err != nil {
			t.Fatalf("deleting an unused image: %v", err)
		}
		in.Image = masthead.Image{ID: img.ID}
		if _, err := db.UpdateArticle(ctx, a.ID, in); masthead.ErrorFields(err)["image_id"] == "" {
			t.Fatalf("featuring a deleted image: got %v", err)
		}
	})
}
