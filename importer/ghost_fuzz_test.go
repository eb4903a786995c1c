package importer_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"masthead"
	"masthead/importer"
	"masthead/markdown"
)

// checkExport is what every parse of an export must satisfy, whatever
// the input: no panic; a failure is ExportErrors naming a line of the
// file; a success is a bundle the store accepts, whose text PostgreSQL
// can hold and whose rendered HTML carries no script.
func checkExport(t *testing.T, format string, src []byte, r *markdown.Renderer) {
	b, _, err := importer.ReadExport("export", src, importer.ExportOptions{Format: format, Clock: fixedClock(now)})
	if err != nil {
		var es importer.ExportErrors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error %v (%T) is not ExportErrors", err, err)
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		for _, e := range es {
			if e.Path != "export" || e.Line < 0 || e.Line > lines || e.Message == "" {
				t.Fatalf("error %q names line %d of a %d-line file", e, e.Line, lines)
			}
		}
		return
	}
	texts := func(ss ...string) {
		for _, s := range ss {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("invalid text let through: %q", s)
			}
		}
	}
	for _, a := range b.Authors {
		texts(a.Name, a.Bio)
		if !masthead.ValidSlug(a.Slug) || strings.TrimSpace(a.Name) == "" {
			t.Fatalf("author %+v the store would refuse", a)
		}
	}
	for _, in := range b.Articles {
		texts(in.Title, in.Dek, in.BodyMarkdown, in.Image.URL, in.Image.Alt, in.Image.Caption)
		check := in
		check.Normalize(now)
		if err := check.Validate(); err != nil {
			t.Fatalf("article %q the store would refuse: %v", in.Slug, err)
		}
		out, err := r.Render(in.BodyMarkdown)
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		if unsafeHTML.MatchString(out.HTML) {
			t.Fatalf("rendered HTML carries script: %s", out.HTML)
		}
	}
	for _, rd := range b.Redirects {
		if masthead.LegacyPath(rd.From, "") == "" && rd.From != "" {
			continue // the store refuses it with a message; not a crash
		}
	}
}

func addSeeds(f *testing.F, fixtures ...string) {
	for _, rel := range fixtures {
		if p := findFixture(rel); p != "" {
			if b, err := os.ReadFile(p); err == nil && len(b) < 200<<10 {
				f.Add(b)
			}
		}
	}
}

// FuzzReadGhost feeds arbitrary bytes to the Ghost reader. The seed
// corpus is testdata/fuzz/FuzzReadGhost and the small shared fixture.
func FuzzReadGhost(f *testing.F) {
	f.Add([]byte(ghostMembers))
	f.Add([]byte(`{"db":[{"data":{"posts":[{"id":1,"title":"T","slug":"t","lexical":"{\"root\":{\"children\":[{\"type\":\"paragraph\",\"children\":[{\"type\":\"text\",\"text\":\"hi\",\"format\":1}]}]}}","status":"published","published_at":1700000000000}]}}]}`))
	addSeeds(f, "ghost/small-export.json")
	r := markdown.New()
	f.Fuzz(func(t *testing.T, src []byte) { checkExport(t, importer.FormatGhost, src, r) })
}

// FuzzReadWXR feeds arbitrary bytes to the WordPress reader. The seed
// corpus is testdata/fuzz/FuzzReadWXR.
func FuzzReadWXR(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><title>One</title><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type><wp:status>publish</wp:status><wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt><content:encoded><![CDATA[Hello [caption id="x"]<img src="/a.jpg" alt="a"> Cap[/caption] <!--more--> <script>x</script>]]></content:encoded><category domain="category" nicename="news">News</category></item></channel></rss>`))
	r := markdown.New()
	f.Fuzz(func(t *testing.T, src []byte) { checkExport(t, importer.FormatWordPress, src, r) })
}

// FuzzHTMLConverter checks that any HTML converts without a panic into
// Markdown whose rendering is safe.
func FuzzHTMLConverter(f *testing.F) {
	for _, s := range []string{
		"<p>a <b>b</b> <a href='javascript:x'>c</a></p><ul><li>x<ul><li>y</li></ul></li></ol>",
		"<pre><code class=language-go>```\nx</code></pre><table><tr><th>a|b</th></tr><tr><td>c</td></tr></table>",
		"<figure><img src=x onerror=alert(1)><figcaption><script>y</script></figcaption></figure><iframe src=//e.com></iframe>",
		"<blockquote><p># not a heading</p><p>1. not a list</p></blockquote><!--more-->",
	} {
		f.Add(s)
	}
	r := markdown.New()
	f.Fuzz(func(t *testing.T, src string) {
		md, _ := (&importer.HTMLConverter{}).Convert(src)
		out, err := r.Render(md)
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		if unsafeHTML.MatchString(out.HTML) {
			t.Fatalf("converted HTML renders script:\n%s\n→ %s", md, out.HTML)
		}
	})
}
