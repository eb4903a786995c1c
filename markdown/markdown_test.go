package markdown_test

import (
	"strings"
	"testing"

	"masthead/markdown"
)

func TestRenderSanitises(t *testing.T) {
	r := markdown.New()
	cases := []struct {
		name, src string
		bad       []string
		want      []string
	}{
		{"script tag", "Hello.\n\n<script>alert(1)</script>\n", []string{"<script", "alert(1)"}, []string{"<p>Hello.</p>"}},
		{"javascript link", "[click](javascript:alert(1))", []string{"javascript:"}, []string{"click"}},
		{"raw javascript href", `<a href="JaVaScRiPt:alert(1)">x</a>`, []string{"javascript:", "JaVaScRiPt"}, nil},
		{"event handler", `<img src="/a.png" onerror="alert(1)" alt="a">`, []string{"onerror", "alert"}, []string{`<img src="/a.png" alt="a">`}},
		{"iframe", `<iframe src="https://evil.example/"></iframe>`, []string{"<iframe", "evil.example"}, nil},
		{"style and object", `<style>body{}</style><object data="x"></object>`, []string{"<style", "<object"}, nil},
		{"data url image", `<img src="data:text/html;base64,PHNjcmlwdD4=">`, []string{"data:"}, nil},
		{"svg onload", `<svg onload="alert(1)"><circle/></svg>`, []string{"onload", "<svg"}, nil},
		{"table and figure kept", "| a | b |\n|---|---|\n| 1 | 2 |\n\n<figure><img src=\"/p.jpg\" alt=\"p\"><figcaption>Cap</figcaption></figure>",
			nil, []string{"<table>", "<figcaption>Cap</figcaption>"}},
		{"heading anchors", "## Why it matters", nil, []string{`<h2 id="why-it-matters">`}},
		{"comments hiding markup", "Before.\n\n<!--><script>alert(1)</script>-->\n\n<!-- --!><img src=x onerror=alert(2)> -->\n\n<!--[if IE]><script>alert(3)</script><![endif]-->\n\nAfter.",
			[]string{"<script", "alert(1)", "onerror", "<!--"}, []string{"<p>Before.</p>", "<p>After.</p>"}},
		{"external link nofollow", "[x](https://example.org/)", nil, []string{`rel="nofollow"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := r.Render(c.src)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{out.HTML, out.Teaser} {
				low := strings.ToLower(s)
				for _, b := range c.bad {
					if strings.Contains(low, strings.ToLower(b)) {
						t.Errorf("output keeps %q:\n%s", b, s)
					}
				}
			}
			for _, w := range c.want {
				if !strings.Contains(out.HTML, w) {
					t.Errorf("output lacks %q:\n%s", w, out.HTML)
				}
			}
		})
	}
}

func TestTeaser(t *testing.T) {
	r := markdown.New()
	long := strings.Repeat("word ", 80)
	out, _ := r.Render("Lead " + long + "\n\nSECOND paragraph.\n\nTHIRD paragraph.")
	if !strings.Contains(out.Teaser, "Lead") || strings.Contains(out.Teaser, "SECOND") {
		t.Errorf("teaser of a long first paragraph: %s", out.Teaser)
	}
	if !strings.Contains(out.HTML, "THIRD") {
		t.Errorf("body lost text")
	}

	out, _ = r.Render("One.\n\nTwo.\n\n<!--more-->\n\nHIDDEN after the break.")
	if !strings.Contains(out.Teaser, "Two.") || strings.Contains(out.Teaser, "HIDDEN") {
		t.Errorf("teaser with break: %s", out.Teaser)
	}
	if !strings.Contains(out.HTML, "HIDDEN") || strings.Contains(out.HTML, "more--") {
		t.Errorf("body with break: %s", out.HTML)
	}

	// Short paragraphs: the teaser takes whole blocks until it has enough
	// words, and never the whole of a longer body.
	src := "Short one.\n\nShort two.\n\nShort three.\n\nShort four.\n\nFIFTH hidden.\n\nSIXTH hidden."
	out, _ = r.Render(src)
	if strings.Contains(out.Teaser, "FIFTH") || !strings.Contains(out.Teaser, "Short one.") {
		t.Errorf("teaser of short paragraphs: %s", out.Teaser)
	}

	// Footnotes defined past the cut stay out of the teaser.
	out, _ = r.Render("A claim[^1] " + long + "\n\nMore.\n\n[^1]: SECRET source.")
	if strings.Contains(out.Teaser, "SECRET") {
		t.Errorf("teaser carries a footnote from the body: %s", out.Teaser)
	}
}

func TestWordCount(t *testing.T) {
	out, _ := markdown.New().Render("It's a **well-known** fact: [three](https://x.org/) words.\n\n- and\n- more")
	if out.WordCount != 8 {
		t.Errorf("word count %d, want 8", out.WordCount)
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{"# t\n\npara", "<!--more-->", "[^1]\n\n[^1]: x", "<script>", "| a |\n|-|\n", "> q\n>\n> - l", "\r\n<!--more-->\r\n"} {
		f.Add(s)
	}
	r := markdown.New()
	f.Fuzz(func(t *testing.T, src string) {
		out, err := r.Render(src)
		if err != nil {
			return
		}
		for _, s := range []string{out.HTML, out.Teaser} {
			if strings.Contains(strings.ToLower(s), "<script") {
				t.Fatalf("script survived: %q → %q", src, s)
			}
		}
		if len(out.Teaser) > len(out.HTML)+len(src)+64 {
			t.Fatalf("teaser longer than body: %q", src)
		}
	})
}

func TestTeaserNeverHoldsAShortPieceWhole(t *testing.T) {
	r := markdown.New()
	two, err := r.Render("The first paragraph opens.\n\nThe second paragraph is the rest.")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(two.Teaser, "first paragraph") || strings.Contains(two.Teaser, "second paragraph") {
		t.Errorf("two paragraphs: teaser %q, want the first only", two.Teaser)
	}
	one, err := r.Render("Only one paragraph here, with *some* words that make up the whole of it.")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(one.Teaser, "<p>Only one paragraph") || strings.Contains(one.Teaser, "whole of it") {
		t.Errorf("one paragraph: teaser %q, want its opening words only", one.Teaser)
	}
	marked, err := r.Render("Editors may choose.\n\n<!--more-->\n\n" + strings.Repeat("The rest. ", 20))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(marked.Teaser, "Editors may choose.") || strings.Contains(marked.Teaser, "rest") {
		t.Errorf("a break placed by the editor is kept: teaser %q", marked.Teaser)
	}
}
