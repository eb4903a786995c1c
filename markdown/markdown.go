// Package markdown turns an article's Markdown into the sanitised HTML that
// readers receive: the whole body, and the teaser shown in front of the
// wall. Editors may write raw HTML; whatever they write passes through one
// allow-list before it is stored, so nothing from the source can run script
// in a reader's browser.
package markdown

import (
	"bytes"
	"fmt"
	stdhtml "html"
	"regexp"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
)

// BreakMarker placed on a line of its own ends the teaser where the editor
// wants it.
const BreakMarker = "<!--more-->"

// Teaser length when the editor placed no break: whole top-level blocks
// until this many words, at least one paragraph, at most teaserMaxBlocks.
const (
	teaserWords     = 70
	teaserMaxBlocks = 4
)

// Rendered is the output of Render.
type Rendered struct {
	HTML      string
	Teaser    string
	WordCount int
}

// Renderer converts Markdown to sanitised HTML. It is safe for concurrent
// use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a Renderer with GitHub-flavoured tables, strikethrough,
// footnotes and typographic quotes.
func New() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.Footnote, extension.Typographer),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		// Raw HTML is let through the Markdown step and then sanitised by
		// the policy below; escaping it instead would lose the editors'
		// figures and tables imported from other systems.
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	return &Renderer{md: md, policy: Policy()}
}

// Policy is the allow-list every body passes through: bluemonday's policy
// for user content, plus heading anchors and figures; no iframes, no
// styles, no event handlers, no script or javascript: URLs.
func Policy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6", "li", "sup", "a")
	p.AllowElements("figure", "figcaption", "mark", "small")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^(footnotes|footnote-ref|footnote-backref|pull-quote)$`)).OnElements("div", "a", "section", "blockquote", "sup", "ol")
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-(noteref|backlink|endnotes)$`)).OnElements("a", "div", "section")
	p.RequireNoFollowOnLinks(false)
	p.RequireNoFollowOnFullyQualifiedLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	p.AllowURLSchemes("http", "https", "mailto")
	return p
}

// Render converts src. The teaser is the part before BreakMarker when the
// source has one, otherwise the opening blocks.
func (r *Renderer) Render(src string) (Rendered, error) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	if i := breakIndex(src); i >= 0 {
		full, err := r.html([]byte(src[:i] + src[i+len(BreakMarker):]))
		if err != nil {
			return Rendered{}, err
		}
		teaser, err := r.html([]byte(src[:i]))
		if err != nil {
			return Rendered{}, err
		}
		return Rendered{HTML: full, Teaser: teaser, WordCount: countWords(full)}, nil
	}

	source := []byte(src)
	doc := r.md.Parser().Parse(text.NewReader(source))
	var full bytes.Buffer
	if err := r.md.Renderer().Render(&full, source, doc); err != nil {
		return Rendered{}, fmt.Errorf("markdown: render: %w", err)
	}
	fullHTML := r.policy.Sanitize(full.String())

	// Cut the teaser from the same tree: keep whole opening blocks, so a
	// teaser never ends inside a paragraph or list.
	words, blocks, paras := 0, 0, 0
	var cut ast.Node
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if blocks >= teaserMaxBlocks || (paras > 0 && words >= teaserWords) {
			cut = n
			break
		}
		blocks++
		if n.Kind() == ast.KindParagraph {
			paras++
		}
		words += len(strings.Fields(string(nodeText(n, source))))
	}
	teaserHTML := fullHTML
	if cut == nil && blocks > 1 {
		// The whole piece is shorter than a teaser: a teaser that held
		// it all would give a gated article away. Keep the first half.
		cut = doc.FirstChild()
		for range (blocks + 1) / 2 {
			cut = cut.NextSibling()
		}
	}
	if cut == nil && blocks == 1 {
		// One block: its opening words, as plain text.
		words := strings.Fields(string(nodeText(doc.FirstChild(), source)))
		n := min(teaserWords/2, len(words)/2)
		teaserHTML = "<p>" + stdhtml.EscapeString(strings.Join(words[:n], " ")) + " …</p>"
	}
	if cut != nil {
		for n := cut; n != nil; {
			next := n.NextSibling()
			doc.RemoveChild(doc, n)
			n = next
		}
		var t bytes.Buffer
		if err := r.md.Renderer().Render(&t, source, doc); err != nil {
			return Rendered{}, fmt.Errorf("markdown: render teaser: %w", err)
		}
		teaserHTML = r.policy.Sanitize(t.String())
	}
	return Rendered{HTML: fullHTML, Teaser: teaserHTML, WordCount: countWords(fullHTML)}, nil
}

// SanitizeHTML passes foreign HTML (from an import) through the same policy.
func (r *Renderer) SanitizeHTML(s string) string { return r.policy.Sanitize(s) }

func (r *Renderer) html(src []byte) (string, error) {
	var b bytes.Buffer
	if err := r.md.Convert(src, &b); err != nil {
		return "", fmt.Errorf("markdown: render: %w", err)
	}
	return r.policy.Sanitize(b.String()), nil
}

// breakIndex finds BreakMarker on a line of its own.
func breakIndex(src string) int {
	off := 0
	for line := range strings.Lines(src) {
		if strings.TrimSpace(line) == BreakMarker {
			return off + strings.Index(line, BreakMarker)
		}
		off += len(line)
	}
	return -1
}

func nodeText(n ast.Node, src []byte) []byte {
	var b bytes.Buffer
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			if t, ok := c.(*ast.Text); ok {
				b.Write(t.Segment.Value(src))
				b.WriteByte(' ')
			}
		}
		return ast.WalkContinue, nil
	})
	return b.Bytes()
}

// countWords counts words in HTML text, skipping tags.
func countWords(h string) int {
	n, in, tag := 0, false, false
	for _, r := range h {
		switch {
		case r == '<':
			tag = true
			in = false
		case r == '>':
			tag = false
		case tag:
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !in {
				n++
			}
			in = true
		case r == '\'' || r == '’' || r == '-':
			// inside a word
		default:
			in = false
		}
	}
	return n
}
