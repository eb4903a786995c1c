package main

import (
	"context"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"masthead/store/storetest"
)

// uploadFile is the image the browser uploads: a camera photograph of
// the shared fixtures (stored sideways, EXIF orientation 6) when they are
// there, else a drawn PNG.
func uploadFile(t *testing.T) (path string, upright func(w, h int) bool) {
	t.Helper()
	dir, _ := os.Getwd()
	for range 6 {
		p := filepath.Join(dir, "..", "shared", "fixtures", "images", "orientation", "landscape_6.jpg")
		if _, err := os.Stat(p); err == nil {
			return p, func(w, h int) bool { return w > h }
		}
		dir = filepath.Dir(dir)
	}
	p := filepath.Join(t.TempDir(), "card.png")
	if err := os.WriteFile(p, testPNG(t, 1200, 600, color.NRGBA{40, 90, 160, 255}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, func(w, h int) bool { return w == 2*h }
}

// drawnImage is what the browser made of an image in the article.
type drawnImage struct {
	Srcset     string `json:"srcset"`
	WebP       string `json:"webp"`
	CurrentSrc string `json:"currentSrc"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Natural    int    `json:"natural"`
	Alt        string `json:"alt"`
	Lazy       string `json:"lazy"`
}

// TestBrowserImageUpload: in Chromium, an editor uploads an image from
// the editor with alt text, it is inserted in the body, the article is
// published, and the article page shows the image from its srcset: the
// browser picks a WebP variant and draws it, upright.
func TestBrowserImageUpload(t *testing.T) {
	browserCtx := browser(t, chromiumPath(t))
	file, upright := uploadFile(t)
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			inst := startServe(t, "--db", storetest.DSN(t, engine), "--demo", "--demo-articles", "5", "--shutdown-grace", "15s",
				"--media-dir", t.TempDir())
			b := openTab(t, browserCtx)
			signInStaff(t, b, inst)

			b.open(inst.URL + "/admin/articles/new")
			if err := chromedp.Do(b.ctx,
				chromedp.SetValue(chromedp.CSS("#title"), "The harbour at dawn"),
				chromedp.SetValue(chromedp.CSS("#body"), "The boats went out before the sun came up."),
				chromedp.SetValue(chromedp.CSS("#authors"), "harbour-desk"),
				chromedp.SetUploadFiles(chromedp.CSS("#upload"), []string{file}),
			); err != nil {
				t.Fatalf("fill the editor: %v", err)
			}
			// Without alt text the image is refused, and the form keeps
			// what was typed.
			b.clickAny(`button[value="upload"]`)
			if msg := b.text("#upload-error"); !strings.Contains(msg, "alt text") {
				t.Fatalf("upload without alt text: %q", msg)
			}
			if err := chromedp.Do(b.ctx,
				chromedp.SetUploadFiles(chromedp.CSS("#upload"), []string{file}),
				chromedp.SetValue(chromedp.CSS("#upload_alt"), "Fishing boats leaving the harbour"),
			); err != nil {
				t.Fatalf("fill the upload: %v", err)
			}
			b.click(`button[value="upload"]`)
			body := eval[string](b, `document.getElementById('body').value`)
			if !strings.Contains(body, "The boats went out") || !strings.Contains(body, "![Fishing boats leaving the harbour](/media/i/") {
				t.Fatalf("body after the upload:\n%s", body)
			}
			b.click(`button[value="publish"]`)
			if f := b.text(".flash"); !strings.Contains(f, "published") {
				t.Fatalf("after publishing: %q", f)
			}

			b.open(inst.URL + "/articles/the-harbour-at-dawn")
			js := `(async () => {
				const img = document.querySelector('.article__body picture img');
				if (!img) return {};
				img.scrollIntoView();
				for (let i = 0; i < 100 && !(img.complete && img.naturalWidth); i++) await new Promise(r => setTimeout(r, 100));
				return {srcset: img.srcset, webp: img.parentElement.querySelector('source').srcset, currentSrc: img.currentSrc,
					width: +img.getAttribute('width'), height: +img.getAttribute('height'), natural: img.naturalWidth,
					alt: img.alt, lazy: img.getAttribute('loading')};
			})()`
			ctx, cancel2 := chromedpTimeout(b)
			defer cancel2()
			d, err := chromedp.Run(ctx, chromedp.Evaluate[drawnImage](js, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("read the image: %v", err)
			}
			if !strings.Contains(d.WebP, "-480.webp 480w") || !strings.Contains(d.Srcset, "-480.jpg 480w") {
				t.Errorf("srcset %q, WebP srcset %q", d.Srcset, d.WebP)
			}
			if !strings.HasSuffix(d.CurrentSrc, ".webp") || d.Natural == 0 {
				t.Errorf("the browser drew %q (%d pixels wide), want a WebP variant", d.CurrentSrc, d.Natural)
			}
			if !upright(d.Width, d.Height) || d.Alt != "Fishing boats leaving the harbour" || d.Lazy != "lazy" {
				t.Errorf("image %+v", d)
			}
			if engine == "sqlite" {
				b.screenshot("article-image.png", os.Getenv("MASTHEAD_MEDIA_SHOT"))
			}
			res := get(t, d.CurrentSrc)
			mustStatus(t, "variant", res, 200)
			if res.header.Get("Content-Type") != "image/webp" || res.header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Errorf("variant served with %v", res.header)
			}

			// The library page: a file dropped on the form fills its file
			// field (the script), and the plain form uploads it.
			b.open(inst.URL + "/admin/media")
			dropJS := `(async () => {
				const c = document.createElement('canvas'); c.width = 640; c.height = 320;
				const g = c.getContext('2d'); g.fillStyle = '#c33'; g.fillRect(0, 0, 640, 320);
				const blob = await new Promise(r => c.toBlob(r, 'image/png'));
				const dt = new DataTransfer();
				dt.items.add(new File([blob], 'dropped.png', {type: 'image/png'}));
				document.querySelector('[data-dropzone]').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
				return document.getElementById('image').files.length;
			})()`
			ctx3, cancel3 := chromedpTimeout(b)
			defer cancel3()
			n, err := chromedp.Run(ctx3, chromedp.Evaluate[int](dropJS, chromedp.EvalAwaitPromise))
			if err != nil || n != 1 {
				t.Fatalf("drop a file on the library's form: %v, %d files in the field", err, n)
			}
			if err := chromedp.Do(b.ctx, chromedp.SetValue(chromedp.CSS("#alt"), "A red card")); err != nil {
				t.Fatal(err)
			}
			b.click(`form.upload button[type="submit"]`)
			if f := b.text(".flash"); !strings.Contains(f, "Image uploaded") {
				t.Fatalf("after dropping and uploading: %q", f)
			}
			if v := eval[string](b, `document.getElementById('alt').value`); v != "A red card" {
				t.Errorf("the uploaded image's alt text: %q", v)
			}
		})
	}
}

// clickAny clicks like click but takes the page that follows whatever
// its status (a form shown again with 422).
func (b tab) clickAny(sel string) {
	b.t.Helper()
	ctx, cancel := chromedpTimeout(b)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}

func chromedpTimeout(b tab) (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}
