package masthead_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"masthead"
)

func TestParseImageRef(t *testing.T) {
	ref := masthead.ImageRef{Hash: "0123456789abcdef01234567", Width: 1200, Height: 675, Ext: "jpg"}
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"/media/i/0123456789abcdef01234567-1200x675.jpg", true},
		{"https://news.example/media/i/0123456789abcdef01234567-1200x675.jpg", true},
		{"/media/i/0123456789abcdef01234567-1200x675-480.jpg", false},
		{"/media/i/0123456789abcdef01234567-1200x675.webp", false},
		{"/media/demo/energy-3.svg", false},
		{"/media/i/0123456789ABCDEF01234567-1200x675.jpg", false},
		{"/media/i/0123456789abcdef01234567-0x675.jpg", false},
		{"https://news.example", false},
	} {
		got, ok := masthead.ParseImageRef(tc.url)
		if ok != tc.ok || (ok && got != ref) {
			t.Errorf("ParseImageRef(%q) = %+v, %v", tc.url, got, ok)
		}
	}
	if ref.URL() != "/media/i/0123456789abcdef01234567-1200x675.jpg" {
		t.Errorf("URL() = %s", ref.URL())
	}
}

func TestImageRefVariants(t *testing.T) {
	ref := masthead.ImageRef{Hash: "0123456789abcdef01234567", Width: 1200, Height: 675, Ext: "png"}
	base := "i/0123456789abcdef01234567-1200x675"
	want := []masthead.ImageVariant{
		{Width: 480, Height: 270, WebP: base + "-480.webp", Fallback: base + "-480.png"},
		{Width: 960, Height: 540, WebP: base + "-960.webp", Fallback: base + "-960.png"},
		{Width: 1200, Height: 675, WebP: base + ".webp", Fallback: base + ".png"},
	}
	if d := cmp.Diff(want, ref.Variants()); d != "" {
		t.Errorf("variants (-want +got):\n%s", d)
	}
	if got, want := ref.Srcset(true), "/media/"+base+"-480.webp 480w, /media/"+base+"-960.webp 960w, /media/"+base+".webp 1200w"; got != want {
		t.Errorf("srcset %q, want %q", got, want)
	}
	small := masthead.ImageRef{Hash: ref.Hash, Width: 300, Height: 200, Ext: "jpg"}
	if v := small.Variants(); len(v) != 1 || v[0].Width != 300 {
		t.Errorf("a 300-pixel image has variants %+v, want only its own width", v)
	}
}

func TestLibraryImageInBodyNeedsAlt(t *testing.T) {
	base := masthead.ArticleInput{Slug: "a", Title: "A", Kind: masthead.KindDaily, Access: masthead.AccessFree, Status: masthead.StatusDraft}
	for body, bad := range map[string]bool{
		"![](/media/i/0123456789abcdef01234567-1200x675.jpg)":                      true,
		"![ ](https://news.example/media/i/0123456789abcdef01234567-1200x675.jpg)": true,
		"![Boats at dawn](/media/i/0123456789abcdef01234567-1200x675.jpg)":         false,
		"![](https://elsewhere.example/photo.jpg)":                                 false,
	} {
		in := base
		in.BodyMarkdown = body
		if got := masthead.ErrorFields(in.Validate())["body"] != ""; got != bad {
			t.Errorf("%s: refused %v, want %v", body, got, bad)
		}
	}
}
