// Package markdown turns an article's Markdown into the sanitised HTML that
// readers receive: the whole body, and the teaser shown in front of the
// wall. Editors may write raw HTML; whatever they write passes through one
// allow-list before it is stored, so nothing from the source can run script
// in a reader's browser.
package markdown

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
)

// BreakMarker ends the teaser where the editor wants it, when that comes
// before the teaser's budget runs out.
const BreakMarker = "<!--more-->"

// Rendered is the output of Render.
type Rendered struct {
	HTML      string
	Teaser    string
	WordCount int
}

// Options configures a Renderer; the zero value is the default.
type Options struct {
	// TeaserWords is the teaser's budget in words (DefaultTeaserWords
	// when 0).
	TeaserWords int
}

// Renderer converts Markdown to sanitised HTML. It is safe for concurrent
// use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
	// marked is policy keeping comments, so that the editor's break
	// survives sanitising until the teaser is cut.
	marked *bluemonday.Policy
	words  int
}

// New returns a Renderer with the default teaser budget.
func New() *Renderer { return NewWith(Options{}) }

// NewWith returns a Renderer with GitHub-flavoured tables, strikethrough,
// footnotes and typographic quotes, and teasers cut as o says.
func NewWith(o Options) *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.Footnote, extension.Typographer),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		// Raw HTML is let through the Markdown step and then sanitised by
		// the policy below; escaping it instead would lose the editors'
		// figures and tables imported from other systems.
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	marked := Policy()
	marked.AllowComments()
	if o.TeaserWords <= 0 {
		o.TeaserWords = DefaultTeaserWords
	}
	return &Renderer{md: md, policy: Policy(), marked: marked, words: o.TeaserWords}
}

// TeaserWords is the teaser's budget in words.
func (r *Renderer) TeaserWords() int { return r.words }

// Policy is the allow-list every body passes through: bluemonday's policy
// for user content, plus heading anchors and figures; no iframes, no
// styles, no event handlers, no script or javascript: URLs.
func Policy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6", "li", "sup", "a")
	p.AllowElements("figure", "figcaption", "mark", "small")
	// Alt text is prose: the user-content policy's pattern would drop a
	// whole description for one quotation mark or question mark. Values
	// are escaped on output, so any text is safe here.
	p.AllowAttrs("alt").Matching(regexp.MustCompile(`^[^\x00-\x08\x0b\x0c\x0e-\x1f]{0,1000}$`)).OnElements("img")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^(footnotes|footnote-ref|footnote-backref|pull-quote)$`)).OnElements("div", "a", "section", "blockquote", "sup", "ol")
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-(noteref|backlink|endnotes)$`)).OnElements("a", "div", "section")
	p.RequireNoFollowOnLinks(false)
	p.RequireNoFollowOnFullyQualifiedLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	p.AllowURLSchemes("http", "https", "mailto")
	return p
}

// Render converts src. The teaser is cut from the sanitised body (cutTree):
// at BreakMarker when the editor placed one early enough, else within the
// budget.
func (r *Renderer) Render(src string) (Rendered, error) {
	// One kind of line break, so that a break on a line of its own is
	// an HTML block whatever the editor's system wrote.
	src = strings.ReplaceAll(src, "\r\n", "\n")
	var b bytes.Buffer
	if err := r.md.Convert([]byte(src), &b); err != nil {
		return Rendered{}, fmt.Errorf("markdown: render: %w", err)
	}
	return r.cut(r.marked.Sanitize(b.String())), nil
}

// RenderHTML sanitises foreign HTML (an imported body) and cuts its
// teaser as Render does, so that a body that never was Markdown gets the
// same wall.
func (r *Renderer) RenderHTML(src string) Rendered {
	return r.cut(r.marked.Sanitize(src))
}

// cut makes the body and the teaser of marked, sanitised HTML that may
// still hold comments.
func (r *Renderer) cut(marked string) Rendered {
	root := parseFragment(marked)
	var total wordCounter
	total.walk(root)
	teaser := cutTree(root, teaserLimit(total.n, r.words))
	// The teaser was rebuilt from a tree: the policy has the last word
	// on it as on the body.
	// Uploaded images get their variants last, in the body and the
	// teaser alike (images.go).
	return Rendered{HTML: pictures(stripComments(marked)), Teaser: pictures(r.policy.Sanitize(teaser)), WordCount: total.n}
}

// SanitizeHTML passes foreign HTML (from an import) through the same policy.
func (r *Renderer) SanitizeHTML(s string) string { return r.policy.Sanitize(s) }
