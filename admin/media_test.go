package admin_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"masthead"
	"masthead/admin"
	"masthead/media"
)

// withMedia turns the media library on, keeping files in a temporary
// directory, with an upload limit of maxBytes.
func (f *fixture) withMedia(maxBytes int64) {
	f.t.Helper()
	dir, err := media.NewDir(f.t.TempDir())
	if err != nil {
		f.t.Fatal(err)
	}
	lib := media.NewLibrary(f.db, dir, media.Limits{MaxBytes: maxBytes}, nil)
	d := admin.Deps{Articles: f.db, Taxonomy: f.db, Members: f.db, Clock: f.clock, Location: f.loc, Images: f.db, Uploads: lib}
	f.h = admin.New(admin.Config{SiteName: "The Test Review", BaseURL: "http://example.test", MaxUploadBytes: maxBytes}, d)
}

// pngImage is a small w×h picture.
func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for i := range m.Pix {
		// Noise, so the file is about as large as its pixels.
		m.Pix[i] = uint8(rng.IntN(256)) | 3
	}
	m.Set(0, 0, color.NRGBA{1, 2, 3, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts a multipart form with fields and, unless file is nil, the
// file as "image".
func (f *fixture) upload(path string, cookie *http.Cookie, fields url.Values, file []byte) *httptest.ResponseRecorder {
	f.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if file != nil {
		fw, _ := mw.CreateFormFile("image", "photo.png")
		fw.Write(file)
	}
	mw.Close()
	r := httptest.NewRequest("POST", "http://example.test"+path, &b)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(cookie)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func expect(t *testing.T, name string, w *httptest.ResponseRecorder, status int, contains ...string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("%s: status %d, want %d; body:\n%s", name, w.Code, status, excerpt(w.Body.String()))
	}
	for _, s := range contains {
		if !strings.Contains(w.Body.String(), s) {
			t.Errorf("%s: body lacks %q; body:\n%s", name, s, excerpt(w.Body.String()))
		}
	}
}

// TestMediaLibraryUploads: good uploads land in the library; every bad
// one shows the form again with the reason and what was typed.
func TestMediaLibraryUploads(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withMedia(256 << 10)
		author := f.staff("author@example.com", masthead.RoleAuthor, "ana")
		words := url.Values{"alt": {"A grid of coloured squares"}, "caption": {"Test card"}, "credit": {"The desk"}}

		w := f.upload("/admin/media/upload", author, words, pngImage(t, 600, 60))
		expect(t, "upload", w, http.StatusSeeOther)
		loc := w.Header().Get("Location")
		if !regexp.MustCompile(`^/admin/media/\d+\?msg=image-uploaded$`).MatchString(loc) {
			t.Fatalf("redirect to %q", loc)
		}
		f.do(req{url: loc, cookie: author, wantStatus: 200, wantContains: []string{
			`value="A grid of coloured squares"`, `value="Test card"`, "600 × 60", "-480.webp 480w", "image/webp",
			"![A grid of coloured squares](/media/i/"}})
		f.do(req{url: "/admin/media", cookie: author, wantStatus: 200, wantContains: []string{"A grid of coloured squares", "-480.webp"}})

		broken := pngImage(t, 300, 200)
		for _, tc := range []struct {
			name string
			file []byte
			want string
		}{
			{"no file", nil, "Choose an image file to upload."},
			{"not an image", []byte("%PDF-1.4 not an image"), "This file is not an image we can read"},
			{"too large", pngImage(t, 400, 400), "the largest image accepted is 256 KB"},
			{"broken", broken[:len(broken)/2], "damaged or incomplete"},
		} {
			w := f.upload("/admin/media/upload", author, url.Values{"alt": {"Typed words"}}, tc.file)
			expect(t, tc.name, w, http.StatusUnprocessableEntity, tc.want, `value="Typed words"`, "The image was not uploaded.")
		}
	})
}

// TestEditorImages: from the editor an image is uploaded and inserted,
// but only with alt text; library images are inserted or featured only
// once they have alt text.
func TestEditorImages(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withMedia(1 << 20)
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		article := url.Values{"title": {"Harbour"}, "body": {"First paragraph."}, "authors": {"ana"},
			"kind": {string(masthead.KindDaily)}, "access": {string(masthead.AccessFree)}}

		w := f.upload("/admin/media/upload?to=new", editor, article, pngImage(t, 500, 300))
		expect(t, "upload without alt", w, http.StatusUnprocessableEntity, "Describe the image for readers who cannot see it", "First paragraph.")

		with := url.Values{"upload_alt": {"Boats [at] dawn"}}
		for k, v := range article {
			with[k] = v
		}
		w = f.upload("/admin/media/upload?to=new", editor, with, pngImage(t, 500, 300))
		expect(t, "upload with alt", w, http.StatusOK, "Image uploaded and inserted", `First paragraph.

![Boats \[at\] dawn](/media/i/`)

		// An image uploaded in the library without words cannot be used
		// until it has them.
		w = f.upload("/admin/media/upload", editor, url.Values{}, pngImage(t, 400, 300))
		expect(t, "bare upload", w, http.StatusSeeOther)
		id := strings.TrimPrefix(strings.Split(w.Header().Get("Location"), "?")[0], "/admin/media/")
		form := url.Values{"action": {"feature-image:" + id}}
		for k, v := range article {
			form[k] = v
		}
		f.do(req{url: "/admin/articles/new", cookie: editor, form: form, wantStatus: http.StatusUnprocessableEntity,
			wantContains: []string{"Give the image alt text in the media library before using it."}})
		f.do(req{url: "/admin/media/" + id, cookie: editor, form: url.Values{"alt": {"A test card"}}, wantStatus: http.StatusSeeOther})
		f.do(req{url: "/admin/articles/new", cookie: editor, form: form, wantStatus: http.StatusOK,
			wantContains: []string{`name="image_id" value="` + id + `"`, `value="A test card"`, "Featured image chosen."}})

		// Saved with it: the article carries the library's URL, and the
		// image cannot be deleted while featured.
		form.Set("action", "draft")
		form.Set("image_id", id)
		w = f.do(req{url: "/admin/articles/new", cookie: editor, form: form, wantStatus: http.StatusSeeOther})
		f.do(req{url: "/admin/media/" + id + "/delete", cookie: editor, form: url.Values{}, wantStatus: http.StatusConflict,
			wantContains: []string{"This image is used by 1 article(s)"}})
		a, err := f.db.Article(context.Background(), "harbour")
		if err != nil || a.Image.Alt != "A test card" || !strings.HasPrefix(a.Image.URL, "/media/i/") {
			t.Fatalf("saved article: %v, image %+v", err, a.Image)
		}
	})
}

// TestImageDeletionRoles: authors delete their own unused uploads, not
// another's; editors delete any unused image.
func TestImageDeletionRoles(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withMedia(1 << 20)
		ana := f.staff("ana@example.com", masthead.RoleAuthor, "ana")
		bo := f.staff("bo@example.com", masthead.RoleAuthor, "bo")
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		up := func(c *http.Cookie, w, h int) string {
			r := f.upload("/admin/media/upload", c, url.Values{}, pngImage(t, w, h))
			return strings.Split(r.Header().Get("Location"), "?")[0]
		}
		anas, bos := up(ana, 100, 80), up(bo, 120, 80)
		f.do(req{url: bos + "/delete", cookie: ana, form: url.Values{}, wantStatus: http.StatusForbidden})
		f.do(req{url: bos, cookie: ana, wantNotContains: []string{"Delete image"}})
		f.do(req{url: anas + "/delete", cookie: ana, form: url.Values{}, wantStatus: http.StatusSeeOther, wantLocation: "/admin/media?msg=image-deleted"})
		f.do(req{url: bos + "/delete", cookie: editor, form: url.Values{}, wantStatus: http.StatusSeeOther})
		f.do(req{url: bos, cookie: editor, wantStatus: http.StatusNotFound})
	})
}
