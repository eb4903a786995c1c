package markdown

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// TeaserEndClass is the class of the line PreviewHTML puts where the
// teaser ends.
const TeaserEndClass = "teaser-end"

// PreviewHTML renders src as Render does, for the editor's preview, with
// a line after the block where the teaser ends: at the editor's break
// when there is one early enough, else where the budget cuts it. A cut
// inside a paragraph names the words it stops after. An article whose
// every word fits gets no line.
func (r *Renderer) PreviewHTML(src string) (string, error) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	var b bytes.Buffer
	if err := r.md.Convert([]byte(src), &b); err != nil {
		return "", fmt.Errorf("markdown: preview: %w", err)
	}
	root := parseFragment(r.marked.Sanitize(b.String()))
	var total wordCounter
	total.walk(root)
	limit := teaserLimit(total.n, r.words)
	k := &cutter{limit: limit}
	for ch := root.FirstChild; ch != nil; ch = ch.NextSibling {
		k.walk(ch)
	}
	// The same choice as cutTree's.
	var at place
	switch {
	case k.brk.n != nil:
		at = k.brk
	case !k.stopped:
	case k.best.n != nil && 2*k.best.words >= limit:
		at = k.best
	case k.wordEnd.n != nil:
		at = k.wordEnd
	}
	if at.n != nil {
		top := at.n
		for top.Parent != root {
			top = top.Parent
		}
		text := fmt.Sprintf("The teaser ends here: readers without access see the first %d words.", at.words)
		if at.off >= 0 {
			text += " It stops inside the block above, after “" + lastWords(at.n.Data[:at.off], 6) + "”."
		}
		marker := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P,
			Attr: []html.Attribute{{Key: "class", Val: TeaserEndClass}, {Key: "role", Val: "separator"}}}
		marker.AppendChild(&html.Node{Type: html.TextNode, Data: text})
		root.InsertBefore(marker, top.NextSibling)
	}
	var out bytes.Buffer
	for ch := root.FirstChild; ch != nil; ch = ch.NextSibling {
		dropComments(ch)
		if ch.Type == html.CommentNode {
			continue
		}
		_ = html.Render(&out, ch)
	}
	return pictures(out.String()), nil
}

// lastWords is the end of s, at most n words of it.
func lastWords(s string, n int) string {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	i, seen := len(s), 0
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if unicode.IsSpace(r) {
			seen++
			if seen == n {
				break
			}
		}
		i -= size
	}
	if i > 0 {
		return "…" + strings.TrimSpace(s[i:])
	}
	return s
}
