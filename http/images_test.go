package http_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"masthead"
	mhttp "masthead/http"
	"masthead/http/web"
)

// TestUploadedImagesOnPages: a featured image and a body image from the
// media library reach readers with their variants, size and lazy
// loading; Open Graph and JSON-LD name a variant with its size; a gated
// article shows its featured image and nothing of an image past the wall.
func TestUploadedImagesOnPages(t *testing.T) {
	const (
		featured = "/media/i/aaaaaaaaaaaaaaaaaaaaaaaa-1200x800.jpg"
		inBody   = "/media/i/bbbbbbbbbbbbbbbbbbbbbbbb-2000x1000.png"
		locked   = "/media/i/cccccccccccccccccccccccc-900x600.jpg"
	)
	each(t, nil, func(t *testing.T, s *site) {
		opening := "The harbour reopened this week after a long winter of repairs and quiet arguments about money. "
		mustCreate(t, s.db, masthead.ArticleInput{Slug: "harbour", Title: "The harbour reopens", Dek: "Boats again.",
			BodyMarkdown: opening + "\n\n![Cranes over the quay](" + inBody + ")\n\nThe end.",
			AuthorSlugs:  []string{"ada-lovelace"}, Kind: masthead.KindDaily, Access: masthead.AccessFree, Status: masthead.StatusPublished,
			PublishedAt: now.Add(-1), Image: masthead.Image{URL: featured, Alt: "Boats at dawn", Caption: "Dawn"}})
		mustCreate(t, s.db, masthead.ArticleInput{Slug: "harbour-money", Title: "Who pays for the harbour", Dek: "The bill.",
			BodyMarkdown: strings.Repeat(opening, 12) + "\n\n![A ledger](" + locked + ")\n\n" + strings.Repeat(opening, 12),
			AuthorSlugs:  []string{"ada-lovelace"}, Kind: masthead.KindDaily, Access: masthead.AccessSubscribers, Status: masthead.StatusPublished,
			PublishedAt: now.Add(-2), Image: masthead.Image{URL: featured, Alt: "Boats at dawn"}})

		_, page := s.get(t, "/articles/harbour")
		for _, want := range []string{
			// The featured image: at the top, so not lazy.
			`<source type="image/webp" srcset="/media/i/aaaaaaaaaaaaaaaaaaaaaaaa-1200x800-480.webp 480w, /media/i/aaaaaaaaaaaaaaaaaaaaaaaa-1200x800-960.webp 960w, /media/i/aaaaaaaaaaaaaaaaaaaaaaaa-1200x800.webp 1200w"`,
			`<img src="` + featured + `" srcset="/media/i/aaaaaaaaaaaaaaaaaaaaaaaa-1200x800-480.jpg 480w, `,
			`width="1200" height="800" alt="Boats at dawn" decoding="async">`,
			// The body's image, further down: lazy.
			`/media/i/bbbbbbbbbbbbbbbbbbbbbbbb-2000x1000-1600.webp 1600w`,
			`width="2000" height="1000" alt="Cranes over the quay" loading="lazy"`,
			`<meta property="og:image" content="https://news.example` + featured + `">`,
			`<meta property="og:image:width" content="1200">`,
			`<meta property="og:image:height" content="800">`,
			`"image":["https://news.example` + featured + `"]`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("article page lacks %s", want)
			}
		}

		_, page = s.get(t, "/articles/harbour-money")
		if !strings.Contains(page, `alt="Boats at dawn"`) || !strings.Contains(page, "aaaaaaaaaaaaaaaaaaaaaaaa-1200x800-960.webp") {
			t.Errorf("the gated article's featured image is missing")
		}
		if strings.Contains(page, "cccccccccccccccccccccccc") || strings.Contains(page, "A ledger") {
			t.Errorf("the gated page shows an image from past the wall")
		}

		_, home := s.get(t, "/")
		if !strings.Contains(home, "aaaaaaaaaaaaaaaaaaaaaaaa-1200x800-480.webp 480w") {
			t.Errorf("the home page shows no variants of the featured image")
		}
	})
}

// TestUploadBodyLimit: the image upload address takes bodies up to
// MaxUploadBytes; every other address keeps MaxBodyBytes.
func TestUploadBodyLimit(t *testing.T) {
	var got int
	staff := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		got = int(n)
	})
	each(t, func(c *mhttp.Config, d *mhttp.Deps) { c.MaxUploadBytes = 1 << 20; d.Admin = staff }, func(t *testing.T, s *site) {
		body := strings.Repeat("x", 512<<10) // over MaxBodyBytes (64 KB), under MaxUploadBytes
		res := s.do(t, "POST", web.UploadPath, strings.NewReader(body), nil)
		if res.StatusCode != 200 || got != len(body) {
			t.Errorf("upload of 512 KB: %d, %d bytes read", res.StatusCode, got)
		}
		if res := s.do(t, "POST", "/admin/articles/new", strings.NewReader(body), nil); res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("the editor's address took 512 KB: %d", res.StatusCode)
		}
		if res := s.do(t, "POST", web.UploadPath, strings.NewReader(strings.Repeat("x", 2<<20)), nil); res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("an upload of 2 MB: %d", res.StatusCode)
		}
	})
}
