package importer_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"masthead/importer"
)

func TestHTMLConverter(t *testing.T) {
	c := &importer.HTMLConverter{Link: func(h string) string {
		if h == "https://old.example/hello/" {
			return "/articles/hello"
		}
		return h
	}}
	for _, tc := range []struct{ name, in, want string }{
		{"paragraphs and emphasis", "<p>One <strong>bold</strong> and <em>soft</em>.</p><p>Two<br>lines</p>",
			"One **bold** and *soft*.\n\nTwo\\\nlines\n"},
		{"headings, h1 demoted", "<h1>Top</h1><h3>Third</h3>", "## Top\n\n### Third\n"},
		{"links rewritten, javascript dropped", `<p><a href="https://old.example/hello/" title="Hi">hello</a> <a href="javascript:alert(1)">x</a></p>`,
			"[hello](/articles/hello \"Hi\") x\n"},
		{"image", `<p><img src="/a b.png" alt="A  cat"></p>`, "![A cat](</a b.png>)\n"},
		{"nested tight list", "<ul><li>a<ol><li>b</li><li>c</li></ol></li><li>d</li></ul>", "- a\n  1. b\n  2. c\n- d\n"},
		{"ordered start", `<ol start="3"><li>x</li><li>y</li></ol>`, "3. x\n4. y\n"},
		{"quote", "<blockquote><p>Q1</p><p>Q2</p></blockquote>", "> Q1\n>\n> Q2\n"},
		{"code", `<pre><code class="language-go">x := "` + "```" + `"</code></pre><p>Use <code>a*b</code></p>`,
			"````go\nx := \"```\"\n````\n\nUse `a*b`\n"},
		{"escaping", "<p>*not* _emph_ [link] 1. &lt;b&gt; &amp;copy;</p><p># not heading</p><p>1. not a list</p>",
			"\\*not\\* \\_emph\\_ \\[link\\] 1. \\<b> \\&copy;\n\n\\# not heading\n\n1\\. not a list\n"},
		{"figure", `<figure><a href="/big.jpg"><img src="/x.jpg" alt=""></a><figcaption>A <em>caption</em></figcaption></figure>`,
			`<figure><img src="/x.jpg" alt="A caption"><figcaption>A caption</figcaption></figure>` + "\n"},
		{"table", "<table><thead><tr><th>a</th><th>b|c</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>",
			"| a | b\\|c |\n| --- | --- |\n| 1 | 2 |\n"},
		{"script, style and form removed", "<p>a</p><script>alert(1)</script><style>p{}</style><form><input></form><p>b</p>", "a\n\nb\n"},
		{"iframe becomes a link", `<iframe src="https://www.youtube.com/embed/x"></iframe>`, "[Embedded media (youtube.com)](https://www.youtube.com/embed/x)\n"},
		{"more tag", "<p>a</p><!--more--><p>b</p>", "a\n\n<!--more-->\n\nb\n"},
		{"Ghost paywall", "<p>a</p><!--members-only--><p>b</p>", "a\n\n<!--more-->\n\nb\n"},
		{"definition list", "<dl><dt>Term</dt><dd>Meaning</dd></dl>", "**Term**\n\nMeaning\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := c.Convert(tc.in)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Convert(%q) (-want +got):\n%s", tc.in, d)
			}
		})
	}
}

// TestWordPressBodies checks the WordPress-specific steps through the
// reader: block comments, shortcodes and the paragraphs of a classic
// body.
func TestWordPressBodies(t *testing.T) {
	body := `<!-- wp:paragraph -->
<p>Block text.</p>
<!-- /wp:paragraph -->
First line
second line

[caption id="attachment_1" align="alignnone" width="300"]<a href="/big.jpg"><img src="/small.jpg" alt="Bell" /></a> Bell on a wharf[/caption]

[gallery ids="1,2,3"]

[sic] is not a shortcode.

[code language="php"]<?php echo "<b>"; ?>[/code]`
	src := `<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"><channel>
<item><title>A</title><wp:post_id>1</wp:post_id><wp:post_name>a</wp:post_name><wp:post_type>post</wp:post_type><wp:status>publish</wp:status><wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt>
<content:encoded><![CDATA[` + body + `]]></content:encoded><excerpt:encoded><![CDATA[<p>The <em>dek</em>.</p>]]></excerpt:encoded></item></channel></rss>`
	b, rep, err := importer.ReadExport("site.xml", []byte(src), importer.ExportOptions{Clock: fixedClock(now)})
	if err != nil {
		t.Fatal(err)
	}
	a := b.Articles[0]
	for _, want := range []string{
		"Block text.",
		`<figure><img src="/small.jpg" alt="Bell"><figcaption>Bell on a wharf</figcaption></figure>`,
		"\\[sic\\] is not a shortcode.",
		"```php\n<?php echo \"<b>\"; ?>\n```",
	} {
		if !strings.Contains(a.BodyMarkdown, want) {
			t.Errorf("body lacks %q:\n%s", want, a.BodyMarkdown)
		}
	}
	if strings.Contains(a.BodyMarkdown, "wp:") || strings.Contains(a.BodyMarkdown, "gallery") {
		t.Errorf("block comment or shortcode left:\n%s", a.BodyMarkdown)
	}
	if a.Dek != "The dek." {
		t.Errorf("dek %q", a.Dek)
	}
	if rep.Warnings["[gallery] shortcode dropped"] != 1 {
		t.Errorf("warnings %v", rep.Warnings)
	}
}
