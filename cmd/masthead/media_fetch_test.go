package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store"
)

func testPNG(t *testing.T, w, h int, c color.NRGBA) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestMediaFetch: `media fetch` brings an imported article's images from
// a server on loopback into the library and rewrites the article; what
// cannot be fetched (missing, too large, too slow, not http) is reported
// and left as it was.
func TestMediaFetch(t *testing.T) {
	red, blue := testPNG(t, 640, 360, color.NRGBA{200, 20, 20, 255}), testPNG(t, 300, 200, color.NRGBA{20, 20, 200, 255})
	mux := http.NewServeMux()
	mux.HandleFunc("/img/red.png", func(w http.ResponseWriter, r *http.Request) { w.Write(red) })
	mux.HandleFunc("/img/blue.png", func(w http.ResponseWriter, r *http.Request) { w.Write(blue) })
	mux.HandleFunc("/img/moved.png", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/img/blue.png", http.StatusFound) })
	mux.HandleFunc("/img/huge.png", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 2<<20)) })
	mux.HandleFunc("/img/slow.png", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "m.db")
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	body := "Opening.\n\n![A red card](" + srv.URL + "/img/red.png)\n\n" +
		`<p><img src="` + srv.URL + `/img/moved.png" srcset="` + srv.URL + `/img/moved-2x.png 2x" alt="A blue card"></p>` + "\n\n" +
		"![Missing](" + srv.URL + "/img/missing.png)\n\n![Huge](" + srv.URL + "/img/huge.png)\n\n" +
		"![Slow](" + srv.URL + "/img/slow.png)\n\n![Old](ftp://" + srv.Listener.Addr().String() + "/x.png)\n"
	if _, err := db.CreateArticle(context.Background(), masthead.ArticleInput{Slug: "imported", Title: "Imported", BodyMarkdown: body,
		AuthorSlugs: []string{"ana"}, Kind: masthead.KindDaily, Access: masthead.AccessFree, Status: masthead.StatusPublished,
		PublishedAt: time.Now().Add(-time.Hour), Image: masthead.Image{URL: srv.URL + "/img/red.png", Alt: "A red card"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	mediaDir := filepath.Join(dir, "media")
	stdout, stderr, err := runMain(t, "media", "fetch", "--db", dsn, "--media-max-mb", "1", "--fetch-timeout", "500ms")
	if err == nil {
		t.Fatal("fetch with failures exited 0")
	}
	if !strings.Contains(stdout, "Fetched 2 images into "+mediaDir+"; 1 articles now show them from the library; 3 images could not be fetched.") {
		t.Errorf("stdout %q", stdout)
	}
	for _, want := range []string{"/img/missing.png: media: fetch", "404", "/img/huge.png: " + srv.URL + "/img/huge.png: larger than the 1 MB", "/img/slow.png"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	db, err = store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.Article(context.Background(), "imported")
	if err != nil {
		t.Fatal(err)
	}
	ref, ok := masthead.ParseImageRef(a.Image.URL)
	if !ok || a.Image.ID == 0 || ref.Width != 640 {
		t.Fatalf("featured image %+v", a.Image)
	}
	if !strings.Contains(a.BodyMarkdown, "![A red card]("+a.Image.URL+")") || strings.Contains(a.BodyMarkdown, "/img/red.png") ||
		strings.Contains(a.BodyMarkdown, "/img/moved") || !strings.Contains(a.BodyMarkdown, `alt="A blue card"`) {
		t.Errorf("body not rewritten:\n%s", a.BodyMarkdown)
	}
	for _, left := range []string{"/img/missing.png", "/img/huge.png", "/img/slow.png", "ftp://"} {
		if !strings.Contains(a.BodyMarkdown, left) {
			t.Errorf("the body lost %s, which was not fetched", left)
		}
	}
	if !strings.Contains(a.BodyHTML, "<picture>") {
		t.Errorf("the rendered body shows no variants:\n%s", a.BodyHTML)
	}
	if _, err := os.Stat(filepath.Join(mediaDir, filepath.FromSlash(ref.Key()))); err != nil {
		t.Errorf("the featured image's file: %v", err)
	}
	img, err := db.ImageByHash(context.Background(), ref.Hash)
	if err != nil || img.Alt != "A red card" {
		t.Errorf("library image: %v %+v", err, img)
	}
}
