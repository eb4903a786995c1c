package markdown_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"masthead/importer"
	"masthead/markdown"
)

// closing is planted at the end of every body: it must never reach a
// teaser.
const closing = "CLOSINGSENTENCE the ending stays behind the wall."

// sentences returns n sentences of about ten words, numbered from 1.
func sentences(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Sentence %d tells the reader one more thing about the vote.", i+1)
	}
	return out
}

// shapes are bodies that the old cut, of whole top-level blocks, gave away
// whole: one block wraps or holds the article.
func shapes() map[string]string {
	s := sentences(60)
	para := func(from, to int) string { return strings.Join(s[from:to], " ") }
	var quote, list, nested, table, code, div, giant []string
	for i := 0; i < 60; i += 4 {
		quote = append(quote, "> "+para(i, i+4), ">")
		list = append(list, "- "+para(i, i+4))
		nested = append(nested, "> - "+para(i, i+2)+"\n>   - "+para(i+2, i+4))
		table = append(table, "| "+s[i]+" | "+s[i+1]+" |")
		code = append(code, fmt.Sprintf("line_%d := tally(vote, %d) // the count of district %d", i, i, i))
		div = append(div, "<p>"+para(i, i+4)+"</p>")
	}
	giant = append(giant, para(0, 60))
	return map[string]string{
		"blockquote wrapping everything": strings.Join(quote, "\n") + "\n> " + closing + "\n",
		"one long list":                  strings.Join(list, "\n") + "\n- " + closing + "\n",
		"nested quote and list":          strings.Join(nested, "\n") + "\n> - " + closing + "\n",
		"table":                          "| First | Second |\n|---|---|\n" + strings.Join(table, "\n") + "\n| " + closing + " | end |\n",
		"code block":                     "```go\n" + strings.Join(code, "\n") + "\n// " + closing + "\n```\n",
		"raw div wrapper":                "<div>\n" + strings.Join(div, "\n") + "\n<p>" + closing + "</p>\n</div>\n",
		"section and article wrappers":   "<section><article>\n" + strings.Join(div, "\n") + "\n<p>" + closing + "</p>\n</article></section>\n",
		"figure holding the text":        "<figure><img src=\"/a.jpg\" alt=\"a\"><figcaption>" + para(0, 40) + " " + closing + "</figcaption></figure>\n",
		"one giant paragraph":            giant[0] + " " + closing + "\n",
		"one giant sentence":             strings.Repeat("and then the committee voted again ", 80) + closing + "\n",
		"short paragraphs":               strings.Join(s[:30], "\n\n") + "\n\n" + closing + "\n",
	}
}

func TestTeaserShapes(t *testing.T) {
	for _, budget := range []int{20, 60, markdown.DefaultTeaserWords} {
		r := markdown.NewWith(markdown.Options{TeaserWords: budget})
		for name, src := range shapes() {
			t.Run(fmt.Sprintf("%s/%d", name, budget), func(t *testing.T) {
				out, err := r.Render(src)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(out.HTML, "CLOSINGSENTENCE") {
					t.Fatalf("body lost its closing sentence:\n%s", out.HTML)
				}
				if strings.Contains(out.Teaser, "CLOSINGSENTENCE") {
					t.Errorf("teaser holds the closing sentence:\n%s", out.Teaser)
				}
				if markdown.CountWords(out.Teaser) == 0 {
					t.Errorf("empty teaser for a body of %d words", out.WordCount)
				}
				checkTeaser(t, src, out, budget)
			})
		}
	}
}

// TestTeaserCutsInside checks where each shape is cut: inside the block
// that would exceed the budget, at the finest boundary that keeps half.
func TestTeaserCutsInside(t *testing.T) {
	r := markdown.NewWith(markdown.Options{TeaserWords: 60})
	sh := shapes()
	cases := []struct {
		shape string
		want  []string // in the teaser
		end   string   // the teaser's last bytes
	}{
		{"blockquote wrapping everything", []string{"<blockquote>", "Sentence 1 "}, "</p>\n</blockquote>"},
		{"one long list", []string{"<ul>", "<li>Sentence 1 "}, "</li>\n</ul>"},
		{"nested quote and list", []string{"<blockquote>", "<li>", "<ul>"}, "</li></ul></blockquote>"},
		{"table", []string{"<thead>", "<tbody>", "<tr>"}, "</td>\n</tr>\n</tbody>\n</table>"},
		{"code block", []string{"<pre><code", "line_0 := tally"}, "</code></pre>"},
		{"raw div wrapper", []string{"<div>", "<p>Sentence 1 "}, "</p>\n</div>"},
		{"one giant paragraph", []string{"<p>Sentence 1 "}, "about the vote.</p>"},
		{"one giant sentence", []string{"<p>and then the committee"}, " …</p>"},
	}
	for _, c := range cases {
		out, err := r.Render(sh[c.shape])
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(out.Teaser, w) {
				t.Errorf("%s: teaser lacks %q:\n%s", c.shape, w, out.Teaser)
			}
		}
		if !strings.HasSuffix(strings.ReplaceAll(out.Teaser, "\n", ""), strings.ReplaceAll(c.end, "\n", "")) {
			t.Errorf("%s: teaser does not end with %q:\n%s", c.shape, c.end, out.Teaser)
		}
		if n := markdown.CountWords(out.Teaser); n < 30 || n > 60 {
			t.Errorf("%s: teaser of %d words, want 30 to 60:\n%s", c.shape, n, out.Teaser)
		}
	}
}

func TestTeaserBreak(t *testing.T) {
	r := markdown.NewWith(markdown.Options{TeaserWords: 40})
	long := strings.Join(sentences(30), " ")

	// An early break wins over the budget, wherever it sits.
	for _, src := range []string{
		"Editors may choose.\n\n<!--more-->\n\n" + long,
		"> Editors may choose.\n>\n> <!--more-->\n>\n> " + long,
		"- Editors may choose.\n\n  <!--more-->\n\n  " + long,
		"Editors may choose.\r\n\r\n<!--more-->\r\n\r\n" + long,
	} {
		out, err := r.Render(src)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.Teaser, "Editors may choose.") || strings.Contains(out.Teaser, "Sentence") {
			t.Errorf("early break: teaser %q", out.Teaser)
		}
		if strings.Contains(out.HTML, "more--") || strings.Contains(out.Teaser, "more--") || !strings.Contains(out.HTML, "Sentence 30") {
			t.Errorf("early break: body %q", out.HTML)
		}
	}

	// A break past the budget: the budget wins.
	out, err := r.Render(long + "\n\n<!--more-->\n\nAfter the break.")
	if err != nil {
		t.Fatal(err)
	}
	if n := markdown.CountWords(out.Teaser); n > 40 || n < 20 {
		t.Errorf("late break: teaser of %d words: %q", n, out.Teaser)
	}

	// A break in a short piece: the share wins.
	out, err = r.Render("One two three four five six. Seven eight nine ten eleven twelve.\n\n<!--more-->\n\nThirteen.")
	if err != nil {
		t.Fatal(err)
	}
	if n := markdown.CountWords(out.Teaser); n > 13/3 {
		t.Errorf("break in a short piece: teaser of %d words: %q", n, out.Teaser)
	}

	// Other comments are no break and reach neither the body nor the
	// teaser.
	out, err = r.Render("Before.\n\n<!-- a note for the desk -->\n\n" + long)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.HTML, "note for the desk") || !strings.Contains(out.Teaser, "Sentence 1 ") {
		t.Errorf("comment: body %q, teaser %q", out.HTML, out.Teaser)
	}
}

func TestCountWords(t *testing.T) {
	for _, c := range []struct {
		html string
		want int
	}{
		{"", 0},
		{"<p>It's a <strong>well-known</strong> fact.</p>", 4},
		{"<p>re<em>read</em> it</p>", 2},
		{"<p>one</p><p>two</p>", 2},
		{"<ul><li>a</li><li>b</li></ul>", 2},
		{"<p>Tom &amp; Jerry &mdash; 2 cats</p>", 4},
		{"<p>one<br>two</p>", 2},
		{"<p>naïve café 東京</p>", 3},
	} {
		if got := markdown.CountWords(c.html); got != c.want {
			t.Errorf("CountWords(%q) = %d, want %d", c.html, got, c.want)
		}
	}
}

// TestTeaserProperties renders random bodies assembled from the shapes
// that matter, as Markdown and as HTML, and checks the teaser's
// properties on each.
func TestTeaserProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 150))
	words := strings.Fields("the vote was close and nobody in the chamber expected it; markets fell. Then rates rose! Why? Because 3.5 per cent, e.g. the bank's view — “quoted” (aside) café")
	phrase := func() string {
		n := 1 + rng.IntN(40)
		var b []string
		for range n {
			b = append(b, words[rng.IntN(len(words))])
		}
		return strings.Join(b, " ")
	}
	var block func(depth int) string
	block = func(depth int) string {
		k := rng.IntN(12)
		if depth > 3 {
			k = 0
		}
		switch k {
		case 0, 1:
			return phrase()
		case 2:
			return "> " + strings.ReplaceAll(block(depth+1), "\n", "\n> ")
		case 3:
			return "- " + strings.ReplaceAll(block(depth+1), "\n", "\n  ") + "\n- " + phrase()
		case 4:
			return "1. " + phrase() + "\n2. " + phrase()
		case 5:
			return "| a | b |\n|---|---|\n| " + phrase() + " | " + phrase() + " |\n| " + phrase() + " | x |"
		case 6:
			return "```\n" + phrase() + "\n" + phrase() + "\n```"
		case 7:
			return "<div>\n\n" + block(depth+1) + "\n\n</div>"
		case 8:
			return "<section><p>" + phrase() + "</p><blockquote><p>" + phrase() + "</p></blockquote></section>"
		case 9:
			return "## " + phrase()
		case 10:
			return "<figure><img src=\"/i.jpg\" alt=\"i\"><figcaption>" + phrase() + "</figcaption></figure>"
		default:
			return "*" + phrase() + "* and [" + phrase() + "](https://example.org/) `code`" + "[^1]\n\n[^1]: " + phrase()
		}
	}
	for i := range 400 {
		var bs []string
		for range 1 + rng.IntN(8) {
			bs = append(bs, block(0))
		}
		if rng.IntN(5) == 0 {
			bs = append(bs[:len(bs)/2], append([]string{markdown.BreakMarker}, bs[len(bs)/2:]...)...)
		}
		src := strings.Join(bs, "\n\n")
		budget := 5 + rng.IntN(200)
		r := markdown.NewWith(markdown.Options{TeaserWords: budget})
		out, err := r.Render(src)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprint("markdown ", i), func(t *testing.T) { checkTeaser(t, src, out, budget) })
		// The same body as foreign HTML.
		h := r.RenderHTML(out.HTML)
		t.Run(fmt.Sprint("html ", i), func(t *testing.T) { checkTeaser(t, out.HTML, h, budget) })
	}
}

// TestTeaserImportedBodies cuts the teasers of the real Ghost and
// WordPress exports in ../shared/fixtures, both after the importer has
// turned their HTML into Markdown and as the HTML they came in.
func TestTeaserImportedBodies(t *testing.T) {
	found := 0
	for _, rel := range []string{"wordpress/themeunittestdata.wordpress.xml", "wordpress/64-block-test-data.xml", "ghost/v4_export.json", "ghost/small-export.json"} {
		p := findFixture(rel)
		if p == "" {
			continue
		}
		found++
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := importer.ReadExport(rel, src, importer.ExportOptions{})
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		for _, budget := range []int{10, 40, markdown.DefaultTeaserWords} {
			r := markdown.NewWith(markdown.Options{TeaserWords: budget})
			for _, in := range b.Articles {
				out, err := r.Render(in.BodyMarkdown)
				if err != nil {
					t.Fatalf("%s %s: %v", rel, in.Slug, err)
				}
				t.Run(fmt.Sprintf("%s/%s/%d", rel, in.Slug, budget), func(t *testing.T) {
					checkTeaser(t, in.BodyMarkdown, out, budget)
					checkTeaser(t, out.HTML, r.RenderHTML(out.HTML), budget)
				})
			}
		}
	}
	if found == 0 {
		t.Skip("fixtures not found in ../shared/fixtures (a clone without the shared fixtures)")
	}
}

// findFixture returns the path of a shared export fixture, looked for in
// ../shared/fixtures from the project's root, or "".
func findFixture(rel string) string {
	dir, _ := os.Getwd()
	for range 6 {
		p := filepath.Join(dir, "..", "shared", "fixtures", rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		dir = filepath.Dir(dir)
	}
	return ""
}

func FuzzTeaser(f *testing.F) {
	for _, s := range shapes() {
		f.Add(s, uint8(30), false)
	}
	for _, s := range []string{
		"<div><p>a. B. C.</p><p>d e f g</p></div>", "<table><tr><td>a b</td></tr><tr><td>c d</td></tr></table>",
		"<pre>a\nb\nc\nd</pre>", "<ul><li>a<ul><li>b c d</li></ul></li><li>e f</li></ul>",
		"x &amp; y &lt; z <!--more--> w v u t s", "<p>a<!--more-->b c d e f g h</p>", "<figure><img src=x><figcaption>a b c</figcaption></figure>",
	} {
		f.Add(s, uint8(2), true)
	}
	f.Fuzz(func(t *testing.T, src string, budget uint8, isHTML bool) {
		r := markdown.NewWith(markdown.Options{TeaserWords: int(budget)})
		var out markdown.Rendered
		if isHTML {
			out = r.RenderHTML(src)
		} else {
			var err error
			if out, err = r.Render(src); err != nil {
				return
			}
		}
		checkTeaser(t, src, out, r.TeaserWords())
	})
}

// checkTeaser checks what every teaser must be: its text a prefix of the
// body's, its words within the budget and a third of the body's, its HTML
// balanced and stable when parsed again.
func checkTeaser(t *testing.T, src string, out markdown.Rendered, budget int) {
	t.Helper()
	body, teaser := textOf(out.HTML), textOf(out.Teaser)
	cut := strings.TrimSpace(strings.TrimSuffix(teaser, "…"))
	if !strings.HasPrefix(body, cut) {
		t.Fatalf("teaser text is no prefix of the body's:\nteaser %q\nbody   %q\nsource %q", teaser, body, src)
	}
	total, n := markdown.CountWords(out.HTML), markdown.CountWords(out.Teaser)
	if total != out.WordCount {
		t.Errorf("WordCount %d, CountWords of the body %d", out.WordCount, total)
	}
	if n > budget || n > total/3 {
		t.Fatalf("teaser of %d words, budget %d, body of %d:\nteaser %q\nsource %q", n, budget, total, out.Teaser, src)
	}
	if err := balanced(out.Teaser); err != "" {
		t.Fatalf("teaser HTML: %s:\n%q\nsource %q", err, out.Teaser, src)
	}
	if strings.Contains(out.Teaser, "<!--") {
		t.Fatalf("teaser holds a comment: %q", out.Teaser)
	}
}

// textOf returns the text of an HTML fragment, whitespace normalised.
func textOf(h string) string {
	nodes, _ := html.ParseFragment(strings.NewReader(h), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && n.DataAtom != atom.Em && n.DataAtom != atom.Strong && n.DataAtom != atom.A {
			b.WriteByte(' ')
			defer b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// voids are the elements without an end tag.
var voids = map[string]bool{"area": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// balanced reports what is wrong with h as a closed fragment: an element
// left open or closed out of turn, a half tag or entity, or a structure
// that parsing again would change.
func balanced(h string) string {
	z := html.NewTokenizer(strings.NewReader(h))
	var open []string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if len(open) > 0 {
				return fmt.Sprintf("unclosed %v", open)
			}
			// Parsed and written again, twice: the tags stay those of h.
			once := reparse(h)
			if tags(once) != tags(h) || reparse(once) != once {
				return fmt.Sprintf("parsing changes the structure:\n%s\n%s", tags(h), tags(once))
			}
			return ""
		case html.StartTagToken:
			name, _ := z.TagName()
			if !voids[string(name)] {
				open = append(open, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				return fmt.Sprintf("</%s> closes %v", name, open)
			}
			open = open[:len(open)-1]
		case html.TextToken:
			raw := string(z.Raw())
			if strings.Contains(raw, "<") || strings.Contains(raw, ">") {
				return fmt.Sprintf("half tag in %q", raw)
			}
			if i := strings.LastIndexByte(raw, '&'); i >= 0 && !strings.Contains(raw[i:], ";") {
				return fmt.Sprintf("half entity in %q", raw)
			}
		}
	}
}

// reparse parses h as a fragment and writes it out again.
func reparse(h string) string {
	var b strings.Builder
	nodes, _ := html.ParseFragment(strings.NewReader(h), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	for _, n := range nodes {
		html.Render(&b, n)
	}
	return b.String()
}

// tags lists h's start and end tags, in order.
func tags(h string) string {
	z := html.NewTokenizer(strings.NewReader(h))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			b.WriteString("<" + string(name) + ">")
		case html.EndTagToken:
			name, _ := z.TagName()
			b.WriteString("</" + string(name) + ">")
		}
	}
}

// BenchmarkRender renders a 1,200-word analysis piece: body, teaser and
// word count, the work of saving an article and of re-cutting one on
// upgrade.
func BenchmarkRender(b *testing.B) {
	var paras []string
	for i := range 20 {
		paras = append(paras, strings.Join(sentences(6), " ")+fmt.Sprintf(" [Link %d](https://example.org/%d).", i, i))
		if i%5 == 4 {
			paras = append(paras, "## A heading", "> A quote that sets the scene, at some length.")
		}
	}
	src := strings.Join(paras, "\n\n")
	r := markdown.New()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(src); err != nil {
			b.Fatal(err)
		}
	}
}
