package markdown_test

import (
	"strings"
	"testing"

	"masthead/markdown"
)

func TestUploadedImagesGetVariants(t *testing.T) {
	src := "Before the image, a first paragraph long enough for a teaser to hold the image that follows it.\n\n![Boats \"at\" dawn](/media/i/0123456789abcdef01234567-1200x800.jpg)\n\n" +
		"![Elsewhere](https://img.example/x.jpg)\n\n" +
		`<img src="/media/i/0123456789abcdef01234567-1200x800.jpg" alt="raw" onerror="alert(1)">` + "\n"
	out, err := markdown.New().Render(src + "\n" + strings.Repeat("More words after the images. ", 80))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<source type="image/webp" srcset="/media/i/0123456789abcdef01234567-1200x800-480.webp 480w, /media/i/0123456789abcdef01234567-1200x800-960.webp 960w, /media/i/0123456789abcdef01234567-1200x800.webp 1200w" sizes="(min-width: 48em) 44em, 100vw">`,
		`<img src="/media/i/0123456789abcdef01234567-1200x800.jpg" srcset="/media/i/0123456789abcdef01234567-1200x800-480.jpg 480w, `,
		`width="1200" height="800" alt="Boats “at” dawn" loading="lazy"`,
		`<img src="https://img.example/x.jpg" alt="Elsewhere">`,
		`alt="raw" loading="lazy"`,
	} {
		if !strings.Contains(out.HTML, want) {
			t.Errorf("body lacks %s\nbody: %s", want, out.HTML)
		}
	}
	if strings.Contains(out.HTML, "onerror") || strings.Count(out.HTML, "<picture>") != 2 {
		t.Errorf("body: %s", out.HTML)
	}
	if !strings.Contains(out.Teaser, "<picture>") {
		t.Errorf("the teaser's image has no variants: %s", out.Teaser)
	}
}
