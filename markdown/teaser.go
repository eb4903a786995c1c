package markdown

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// DefaultTeaserWords is the teaser's budget when none is configured: about
// the opening third of a short analysis piece, enough to show what it is
// about and no more.
const DefaultTeaserWords = 150

// TeaserVersion numbers the way teasers are cut. Stored teasers cut by an
// older version, or with another budget, are cut again when the database
// is opened (store.Open), so a change here reaches every article.
const TeaserVersion = 2

// teaserShare is the largest part of an article's words its teaser may
// hold, as a divisor: a third. It binds for articles shorter than three
// budgets.
const teaserShare = 3

// teaserLimit is how many words the teaser of an article of total words
// may hold under budget.
func teaserLimit(total, budget int) int {
	return min(budget, total/teaserShare)
}

// CountWords counts the words of an HTML fragment's text: runs of letters
// and digits, with apostrophes and hyphens inside a word. Inline elements
// do not split a word ("<em>re</em>read" is one); block elements do. The
// teaser's budget, its share of the article and an article's word count
// are all counted by it.
func CountWords(h string) int {
	root := parseFragment(h)
	var c wordCounter
	c.walk(root)
	return c.n
}

// parseFragment parses h as the content of a <body>, under one root node.
func parseFragment(h string) *html.Node {
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	// The tokenizer accepts any input and a strings.Reader never fails.
	nodes, _ := html.ParseFragment(strings.NewReader(h), ctx)
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return root
}

// inlineAtoms are the elements that do not end a word: a word may run
// across their edges.
var inlineAtoms = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true,
	atom.Code: true, atom.Data: true, atom.Del: true, atom.Dfn: true, atom.Em: true, atom.I: true,
	atom.Ins: true, atom.Kbd: true, atom.Mark: true, atom.Q: true, atom.S: true, atom.Samp: true,
	atom.Small: true, atom.Span: true, atom.Strike: true, atom.Strong: true, atom.Sub: true,
	atom.Sup: true, atom.Time: true, atom.U: true, atom.Var: true, atom.Font: true, atom.Tt: true,
}

// wordCounter counts words rune by rune; one counter walks a whole tree,
// so that a word split by inline markup is counted once.
type wordCounter struct {
	n  int
	in bool // inside a word
}

// step reads r and reports whether it starts a word.
func (c *wordCounter) step(r rune) bool {
	switch {
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		if !c.in {
			c.in = true
			return true
		}
	case r == '\'' || r == '’' || r == '-':
		// inside a word, or nothing outside one
	default:
		c.in = false
	}
	return false
}

// startsWord is step's answer without reading r.
func (c *wordCounter) startsWord(r rune) bool {
	return !c.in && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func (c *wordCounter) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		for _, r := range n.Data {
			if c.step(r) {
				c.n++
			}
		}
		return
	case html.ElementNode:
		if !inlineAtoms[n.DataAtom] {
			c.in = false
			defer func() { c.in = false }()
		}
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c.walk(ch)
	}
}

// blockEnds are the elements after which a teaser may end. Headings are
// not among them (a teaser ending on a heading announces what it
// withholds), nor table cells (a row is cut whole or by words).
var blockEnds = map[atom.Atom]bool{
	atom.P: true, atom.Li: true, atom.Blockquote: true, atom.Div: true, atom.Section: true,
	atom.Article: true, atom.Aside: true, atom.Header: true, atom.Footer: true, atom.Main: true,
	atom.Figure: true, atom.Pre: true, atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Dd: true,
	atom.Dt: true, atom.Table: true, atom.Tr: true, atom.Details: true, atom.Address: true,
}

// noSentence are the elements inside which a sentence's end is no place
// to cut: headings, captions, table cells and code.
var noSentence = map[atom.Atom]bool{
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Figcaption: true, atom.Table: true, atom.Pre: true, atom.Summary: true, atom.Caption: true,
}

// place is a point in the tree where the teaser may end: after the node
// when off < 0, else after the first off bytes of the text node.
type place struct {
	n     *html.Node
	off   int
	words int
}

// cutter walks a tree until the word after limit, noting the places the
// teaser may end.
type cutter struct {
	limit   int
	c       wordCounter
	stopped bool // the word after limit was reached
	// Places, unset while their node is nil: the editor's break met
	// within the limit, the last block or sentence end within it, and
	// the end of the last word within it.
	brk, best, wordEnd place
	table              int // depth of tables around the walk
	pre                int // depth of pre
	noSent             int // depth of elements without sentence ends
}

func (k *cutter) walk(n *html.Node) {
	if k.stopped || k.brk.n != nil {
		return
	}
	switch n.Type {
	case html.CommentNode:
		if strings.TrimSpace(n.Data) == "more" {
			k.brk = place{n: n, off: -1, words: k.c.n}
		}
		return
	case html.TextNode:
		k.text(n)
		return
	case html.ElementNode:
	default:
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			k.walk(ch)
		}
		return
	}
	a := n.DataAtom
	inline := inlineAtoms[a]
	if !inline {
		k.c.in = false
	}
	inTable := k.table > 0
	if a == atom.Table {
		k.table++
	}
	if a == atom.Pre {
		k.pre++
	}
	if noSentence[a] {
		k.noSent++
	}
	for ch := n.FirstChild; ch != nil && !k.stopped && k.brk.n == nil; ch = ch.NextSibling {
		k.walk(ch)
	}
	if a == atom.Table {
		k.table--
	}
	if a == atom.Pre {
		k.pre--
	}
	if noSentence[a] {
		k.noSent--
	}
	if k.stopped || k.brk.n != nil {
		return
	}
	if !inline {
		k.c.in = false
	}
	if blockEnds[a] && (!inTable || a == atom.Tr || a == atom.Table) {
		k.best = place{n: n, off: -1, words: k.c.n}
	}
}

// text reads a text node rune by rune.
func (k *cutter) text(n *html.Node) {
	s := n.Data
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if k.c.startsWord(r) && k.c.n >= k.limit {
			k.stopped = true
			return
		}
		if k.c.step(r) {
			k.c.n++
		}
		i += size
		if k.c.in && k.c.n > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			k.wordEnd = place{n: n, off: i, words: k.c.n}
		}
		switch {
		case k.pre > 0:
			if r == '\n' && k.c.n > 0 {
				k.best = place{n: n, off: i, words: k.c.n}
			}
		case k.noSent == 0 && k.c.n > 0 && (r == '.' || r == '!' || r == '?'):
			if end := sentenceEnd(s, i); end >= 0 {
				k.best = place{n: n, off: end, words: k.c.n}
			}
		}
	}
}

// sentenceEnd reports where a sentence ends whose final punctuation mark
// ends at s[i:]: after any closing quotes and brackets, when a space
// follows and then a capital, a digit, an opening quote or nothing. It
// returns -1 when this is no sentence's end ("e.g. this", "3.5").
func sentenceEnd(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !strings.ContainsRune(`"')]”’»`, r) {
			break
		}
		i += size
	}
	end := i
	if end == len(s) {
		return end
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	if !unicode.IsSpace(r) {
		return -1
	}
	rest := strings.TrimLeftFunc(s[i:], unicode.IsSpace)
	if rest == "" {
		return end
	}
	r, _ = utf8.DecodeRuneInString(rest)
	if unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune(`"'(“‘«`, r) {
		return end
	}
	return -1
}

// cutTree cuts the content of root, a sanitised body, to its teaser of at
// most limit words and returns it as HTML: its opening, ending at the
// editor's <!--more--> when that comes within the limit. The opening is
// cut inside whatever block exceeds the limit — after a nested block, a
// list item, a table row, a line of code or a sentence — and closed as
// valid HTML. When that would keep less than half the limit (one sentence
// longer than the budget), it ends after the last whole word, marked with
// " …". Comments are dropped. root is cut in place.
func cutTree(root *html.Node, limit int) string {
	k := &cutter{limit: limit}
	for ch := root.FirstChild; ch != nil; ch = ch.NextSibling {
		k.walk(ch)
	}
	var at place
	ellipsis := false
	switch {
	case k.brk.n != nil:
		at = k.brk
	case !k.stopped:
		// Everything fits: only an article without words (limit 0),
		// whose teaser is then empty too.
		return ""
	case k.best.n != nil && 2*k.best.words >= limit:
		at = k.best
	case k.wordEnd.n != nil:
		at, ellipsis = k.wordEnd, true
	default:
		return ""
	}
	if at.off >= 0 {
		at.n.Data = strings.TrimRightFunc(at.n.Data[:at.off], unicode.IsSpace)
		if ellipsis {
			at.n.Data += " …"
		}
	}
	for n := at.n; n != nil && n != root; n = n.Parent {
		for n.NextSibling != nil {
			n.Parent.RemoveChild(n.NextSibling)
		}
	}
	var b bytes.Buffer
	for ch := root.FirstChild; ch != nil; ch = ch.NextSibling {
		dropComments(ch)
		if ch.Type == html.CommentNode {
			continue
		}
		// Render fails only on a writer's error; a bytes.Buffer has none.
		_ = html.Render(&b, ch)
	}
	return b.String()
}

// dropComments removes the comments under n.
func dropComments(n *html.Node) {
	for ch := n.FirstChild; ch != nil; {
		next := ch.NextSibling
		if ch.Type == html.CommentNode {
			n.RemoveChild(ch)
		} else {
			dropComments(ch)
		}
		ch = next
	}
}

// stripComments removes the comments from sanitised HTML and leaves every
// other byte as it was.
func stripComments(h string) string {
	if !strings.Contains(h, "<!--") {
		return h
	}
	var b strings.Builder
	b.Grow(len(h))
	z := html.NewTokenizer(strings.NewReader(h))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.CommentToken:
		default:
			b.Write(z.Raw())
		}
	}
}
