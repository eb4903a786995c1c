package importer

import (
	"fmt"
	"html"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Warnings counts what a conversion had to leave out or change, by kind
// ("shortcode [gallery] dropped"), so an import can report it once per
// kind rather than once per article.
type Warnings map[string]int

// add counts one occurrence of kind.
func (w Warnings) add(kind string) {
	if w != nil {
		w[kind]++
	}
}

// merge adds o's counts to w.
func (w Warnings) merge(o Warnings) {
	for k, n := range o {
		w[k] += n
	}
}

// String lists the warnings in order, one "kind (n×)" per line.
func (w Warnings) String() string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(w)) {
		fmt.Fprintf(&b, "%s (%d×)\n", k, w[k])
	}
	return b.String()
}

// HTMLConverter turns the HTML body of another platform's post into
// Markdown for a Masthead article. It keeps what Markdown can say
// (paragraphs, headings, emphasis, links, images, lists, quotes, code,
// tables) and writes figures as the small HTML that Masthead's sanitiser
// allows; scripts, styles, forms and embeds are left out (an embed becomes
// a link to what it showed). The result is sanitised again when the
// article is rendered, so the converter need not be the line of defence.
type HTMLConverter struct {
	// Link, if set, rewrites each link and image address: the importer
	// uses it to point links between the old site's posts at their new
	// addresses. It returns the address unchanged when it knows no
	// better.
	Link func(href string) string
}

// Convert returns the Markdown for src and what it left out.
func (c *HTMLConverter) Convert(src string) (string, Warnings) {
	w := Warnings{}
	root := &nethtml.Node{Type: nethtml.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := nethtml.ParseFragment(strings.NewReader(src), root)
	if err != nil {
		// The tokenizer accepts any input; only a reader error ends up
		// here, and a strings.Reader has none.
		return "", w
	}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	cv := &conv{c: c, w: w}
	md := strings.Join(cv.blocks(root), "\n\n")
	return strings.TrimSpace(md) + "\n", w
}

// conv is one conversion in progress.
type conv struct {
	c     *HTMLConverter
	w     Warnings
	depth int // element nesting, bounded against pathological input
}

// maxDepth bounds recursion: the HTML parser already caps nesting, but a
// converter that recursed without limit on crafted input would be a way
// to crash an import.
const maxDepth = 200

var blockAtoms = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Nav: true, atom.Address: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Blockquote: true, atom.Pre: true, atom.Hr: true, atom.Figure: true, atom.Figcaption: true,
	atom.Table: true, atom.Details: true, atom.Summary: true, atom.Center: true, atom.Form: true,
	atom.Iframe: true, atom.Video: true, atom.Audio: true, atom.Object: true, atom.Embed: true,
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Fieldset: true, atom.Hgroup: true,
}

// dropped are elements whose content is never shown to a reader.
var dropped = map[atom.Atom]string{
	atom.Script: "script removed", atom.Style: "style removed", atom.Noscript: "",
	atom.Template: "", atom.Head: "", atom.Title: "", atom.Meta: "", atom.Link: "",
	atom.Form: "form removed", atom.Input: "", atom.Button: "", atom.Select: "", atom.Textarea: "",
	atom.Svg: "inline SVG removed", atom.Canvas: "canvas removed", atom.Math: "MathML removed",
}

func isBlock(n *nethtml.Node) bool {
	if n.Type == nethtml.CommentNode {
		return isMore(n)
	}
	return n.Type == nethtml.ElementNode && blockAtoms[n.DataAtom]
}

// isMore is a teaser break: WordPress's and Masthead's <!--more-->, or
// the <!--members-only--> that Ghost's paywall card leaves in a post's
// HTML.
func isMore(n *nethtml.Node) bool {
	if n.Type != nethtml.CommentNode {
		return false
	}
	d := strings.TrimSpace(n.Data)
	return d == "more" || strings.HasPrefix(d, "more ") || d == "members-only"
}

// blocks renders n's children as a list of Markdown blocks: runs of
// inline content become paragraphs, block elements render themselves.
func (cv *conv) blocks(n *nethtml.Node) []string {
	var out []string
	var inline strings.Builder
	flush := func() {
		if p := paragraph(inline.String()); p != "" {
			out = append(out, p)
		}
		inline.Reset()
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if isBlock(ch) {
			flush()
			if s := cv.block(ch); strings.TrimSpace(s) != "" {
				out = append(out, s)
			}
			continue
		}
		inline.WriteString(cv.inline(ch))
	}
	flush()
	return out
}

// blocksOf renders the one node n (not its siblings) as blocks.
func (cv *conv) blocksOf(n *nethtml.Node) []string {
	if isBlock(n) {
		if s := cv.block(n); strings.TrimSpace(s) != "" {
			return []string{s}
		}
		return nil
	}
	if p := paragraph(cv.inline(n)); p != "" {
		return []string{p}
	}
	return nil
}

// keep reports whether the element n, entered at cv.depth, is converted:
// not when it lies too deep or is of a kind dropped, which is noted.
func (cv *conv) keep(n *nethtml.Node) bool {
	if cv.depth > maxDepth {
		cv.w.add("content nested too deeply was cut")
		return false
	}
	if msg, ok := dropped[n.DataAtom]; ok {
		if msg != "" {
			cv.w.add(msg)
		}
		return false
	}
	return true
}

func (cv *conv) block(n *nethtml.Node) string {
	if isMore(n) {
		return "<!--more-->"
	}
	cv.depth++
	defer func() { cv.depth-- }()
	if !cv.keep(n) {
		return ""
	}
	switch n.DataAtom {
	case atom.P:
		// blocks, not one paragraph: a <!--more--> inside a paragraph
		// splits it.
		return strings.Join(cv.blocks(n), "\n\n")
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		level := int(n.Data[1] - '0')
		// The headline is the page's only h1; a body h1 becomes h2.
		level = max(level, 2)
		text := strings.Join(strings.Fields(cv.inlineChildren(n)), " ")
		if text == "" {
			return ""
		}
		return strings.Repeat("#", level) + " " + text
	case atom.Hr:
		return "* * *"
	case atom.Ul, atom.Ol:
		return cv.list(n)
	case atom.Li:
		return cv.listOf([]*nethtml.Node{n}, false, 1) // an item outside any list
	case atom.Blockquote:
		inner := strings.Join(cv.blocks(n), "\n\n")
		return prefixLines(inner, "> ", ">")
	case atom.Pre:
		if strings.Contains(attr(n, "class"), "verse") {
			// WordPress's verse block: poetry, not code; its line
			// breaks are kept as hard breaks.
			var lines []string
			for _, l := range strings.Split(strings.Trim(textOf(n), "\n"), "\n") {
				lines = append(lines, escapeText(strings.TrimSpace(l)))
			}
			return paragraph(strings.Join(lines, "\n"))
		}
		return cv.pre(n)
	case atom.Figure:
		return cv.figure(n)
	case atom.Figcaption:
		if s := cv.inlineChildren(n); strings.TrimSpace(s) != "" {
			return paragraph("*" + strings.TrimSpace(s) + "*")
		}
		return ""
	case atom.Table:
		return cv.table(n)
	case atom.Dt, atom.Summary:
		if s := strings.TrimSpace(cv.inlineChildren(n)); s != "" {
			return paragraph("**" + s + "**")
		}
		return ""
	case atom.Iframe, atom.Video, atom.Audio, atom.Object, atom.Embed:
		return cv.embed(n)
	}
	return strings.Join(cv.blocks(n), "\n\n")
}

// embed replaces media the sanitiser would remove with a link to it.
func (cv *conv) embed(n *nethtml.Node) string {
	src := attr(n, "src")
	if src == "" {
		src = attr(n, "data")
	}
	if src == "" {
		for ch := n.FirstChild; ch != nil && src == ""; ch = ch.NextSibling {
			if ch.Type == nethtml.ElementNode && ch.DataAtom == atom.Source {
				src = attr(ch, "src")
			}
		}
	}
	src = cv.href(src)
	if src == "" {
		cv.w.add(n.Data + " without a source removed")
		return ""
	}
	cv.w.add(n.Data + " replaced by a link")
	label := "Embedded media"
	switch n.DataAtom {
	case atom.Video:
		label = "Video"
	case atom.Audio:
		label = "Audio"
	}
	if u, err := url.Parse(src); err == nil && u.Host != "" {
		label += " (" + strings.TrimPrefix(u.Host, "www.") + ")"
	}
	return "[" + escapeText(label) + "](" + linkDest(src) + ")"
}

// list renders ul or ol; an item's continuation lines are indented under
// its text so nested lists and paragraphs stay inside it.
func (cv *conv) list(n *nethtml.Node) string {
	num := 1
	if s, err := strconv.Atoi(attr(n, "start")); err == nil && s >= 0 && s < 1e9 {
		num = s
	}
	var children []*nethtml.Node
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		children = append(children, ch)
	}
	return cv.listOf(children, n.DataAtom == atom.Ol, num)
}

// listOf renders children as the items of a list numbered from num.
func (cv *conv) listOf(children []*nethtml.Node, ordered bool, num int) string {
	var items []string
	loose := false
	for _, ch := range children {
		var body []string
		switch {
		case ch.Type == nethtml.ElementNode && ch.DataAtom == atom.Li:
			body = cv.blocks(ch)
		case ch.Type == nethtml.ElementNode && (ch.DataAtom == atom.Ul || ch.DataAtom == atom.Ol):
			// A list nested without its li, as some editors write it.
			if len(items) > 0 {
				items[len(items)-1] += "\n" + indent(cv.list(ch), "    ")
			}
			continue
		case ch.Type == nethtml.TextNode && strings.TrimSpace(ch.Data) == "":
			continue
		default:
			body = cv.blocksOf(ch)
		}
		// Paragraphs make a list loose; a nested list alone does not.
		for _, blk := range body[min(1, len(body)):] {
			if !listStart.MatchString(blk) {
				loose = true
			}
		}
		marker := "- "
		if ordered {
			marker = strconv.Itoa(num) + ". "
			num++
		}
		text := ""
		for j, blk := range body {
			if j > 0 {
				// A nested list follows its item's text directly, so a
				// tight list stays tight.
				if listStart.MatchString(blk) {
					text += "\n"
				} else {
					text += "\n\n"
				}
			}
			text += blk
		}
		if text == "" {
			text = "\u00a0" // an empty item keeps its place in the numbering
		}
		items = append(items, marker+indent(text, strings.Repeat(" ", len(marker)))[len(marker):])
	}
	sep := "\n"
	if loose {
		sep = "\n\n"
	}
	return strings.Join(items, sep)
}

var listStart = regexp.MustCompile(`^(- |\d{1,9}\. )`)

// pre renders preformatted text as a fenced code block, with the language
// of a "language-x" class.
func (cv *conv) pre(n *nethtml.Node) string {
	lang := ""
	for _, e := range []*nethtml.Node{n, n.FirstChild} {
		if e == nil || e.Type != nethtml.ElementNode {
			continue
		}
		for _, cl := range strings.Fields(attr(e, "class")) {
			if l, ok := strings.CutPrefix(cl, "language-"); ok && validLang(l) {
				lang = l
			} else if l, ok := strings.CutPrefix(cl, "lang-"); ok && validLang(l) {
				lang = l
			}
		}
	}
	code := strings.Trim(textOf(n), "\n")
	fence := "```"
	for strings.Contains(code, fence) {
		fence += "`"
	}
	return fence + lang + "\n" + code + "\n" + fence
}

func validLang(s string) bool {
	if s == "" || len(s) > 30 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '+' || r == '#' || r == '_') {
			return false
		}
	}
	return true
}

// figure renders an image with its caption as <figure>, which the
// sanitiser keeps; any other figure (a table, an embed, a quote) renders
// its content with the caption as an italic line.
func (cv *conv) figure(n *nethtml.Node) string {
	var img, caption *nethtml.Node
	var others []*nethtml.Node
	var walk func(*nethtml.Node)
	walk = func(e *nethtml.Node) {
		for ch := e.FirstChild; ch != nil; ch = ch.NextSibling {
			switch {
			case ch.Type == nethtml.ElementNode && ch.DataAtom == atom.Img && img == nil:
				img = ch
			case ch.Type == nethtml.ElementNode && ch.DataAtom == atom.Figcaption && caption == nil:
				caption = ch
			case ch.Type == nethtml.ElementNode && (ch.DataAtom == atom.A || ch.DataAtom == atom.Picture || ch.DataAtom == atom.Div || ch.DataAtom == atom.Span):
				walk(ch)
			case ch.Type == nethtml.TextNode && strings.TrimSpace(ch.Data) == "":
			default:
				others = append(others, ch)
			}
		}
	}
	walk(n)
	capText := ""
	if caption != nil {
		capText = strings.Join(strings.Fields(textOf(caption)), " ")
	}
	src := ""
	if img != nil {
		src = cv.href(attr(img, "src"))
	}
	if src == "" || len(others) > 0 {
		var parts []string
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch == caption {
				continue
			}
			parts = append(parts, cv.blocksOf(ch)...)
		}
		if capText != "" {
			parts = append(parts, "*"+escapeText(capText)+"*")
		}
		return strings.Join(parts, "\n\n")
	}
	alt := strings.TrimSpace(attr(img, "alt"))
	if alt == "" {
		alt = capText
	}
	var b strings.Builder
	b.WriteString(`<figure><img src="` + html.EscapeString(src) + `" alt="` + html.EscapeString(alt) + `">`)
	if capText != "" {
		b.WriteString("<figcaption>" + html.EscapeString(capText) + "</figcaption>")
	}
	b.WriteString("</figure>")
	return b.String()
}

// table renders a GitHub-flavoured table; the first row is the header.
func (cv *conv) table(n *nethtml.Node) string {
	var rows [][]string
	var walk func(*nethtml.Node)
	walk = func(e *nethtml.Node) {
		for ch := e.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type != nethtml.ElementNode {
				continue
			}
			switch ch.DataAtom {
			case atom.Thead, atom.Tbody, atom.Tfoot:
				walk(ch)
			case atom.Tr:
				var row []string
				for c := ch.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == nethtml.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) {
						cell := strings.Join(cv.blocks(c), " ")
						cell = strings.Join(strings.Fields(strings.ReplaceAll(cell, "\\\n", " ")), " ")
						row = append(row, cell) // text has its | escaped already
					}
				}
				rows = append(rows, row)
			case atom.Caption:
				cv.w.add("table caption moved below the table")
			}
		}
	}
	walk(n)
	if len(rows) == 0 {
		return ""
	}
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return ""
	}
	line := func(r []string) string {
		cells := make([]string, cols)
		copy(cells, r)
		return "| " + strings.Join(cells, " | ") + " |"
	}
	var b strings.Builder
	b.WriteString(line(rows[0]) + "\n|" + strings.Repeat(" --- |", cols))
	for _, r := range rows[1:] {
		b.WriteString("\n" + line(r))
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if ch.Type == nethtml.ElementNode && ch.DataAtom == atom.Caption {
			if s := strings.TrimSpace(textOf(ch)); s != "" {
				b.WriteString("\n\n*" + escapeText(strings.Join(strings.Fields(s), " ")) + "*")
			}
		}
	}
	return b.String()
}

func (cv *conv) inlineChildren(n *nethtml.Node) string {
	var b strings.Builder
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		b.WriteString(cv.inline(ch))
	}
	return b.String()
}

// inline renders n as inline Markdown. Block elements met here (a div
// inside a link) contribute their inline content.
func (cv *conv) inline(n *nethtml.Node) string {
	switch n.Type {
	case nethtml.TextNode:
		return escapeText(collapseSpace(n.Data))
	case nethtml.ElementNode:
	default:
		return ""
	}
	cv.depth++
	defer func() { cv.depth-- }()
	if !cv.keep(n) {
		return ""
	}
	switch n.DataAtom {
	case atom.Br:
		return "\n" // every line break in inline content is a hard break
	case atom.Strong, atom.B:
		return wrap(cv.inlineChildren(n), "**")
	case atom.Em, atom.I, atom.Cite:
		return wrap(cv.inlineChildren(n), "*")
	case atom.Del, atom.S, atom.Strike:
		return wrap(cv.inlineChildren(n), "~~")
	case atom.Code, atom.Kbd, atom.Samp, atom.Tt:
		return codeSpan(textOf(n))
	case atom.Sup, atom.Sub, atom.Mark, atom.Small:
		inner := cv.inlineChildren(n)
		if strings.TrimSpace(inner) == "" {
			return inner
		}
		return "<" + n.Data + ">" + inner + "</" + n.Data + ">"
	case atom.A:
		return cv.link(n)
	case atom.Img:
		return cv.image(n)
	case atom.Iframe, atom.Video, atom.Audio, atom.Object, atom.Embed:
		return " " + cv.embed(n) + " "
	case atom.Q:
		return "“" + cv.inlineChildren(n) + "”"
	}
	if isBlock(n) {
		return " " + cv.inlineChildren(n) + " "
	}
	return cv.inlineChildren(n)
}

func (cv *conv) link(n *nethtml.Node) string {
	inner := cv.inlineChildren(n)
	href := cv.href(attr(n, "href"))
	if href == "" || strings.HasPrefix(href, "#") {
		return inner // an anchor, or a link to nowhere a reader can go
	}
	text := strings.TrimSpace(inner)
	if text == "" {
		return inner
	}
	lead, trail := inner[:len(inner)-len(strings.TrimLeft(inner, " "))], inner[len(strings.TrimRight(inner, " ")):]
	dest := linkDest(href)
	if t := strings.TrimSpace(attr(n, "title")); t != "" {
		dest += ` "` + strings.ReplaceAll(t, `"`, `\"`) + `"`
	}
	return lead + "[" + text + "](" + dest + ")" + trail
}

func (cv *conv) image(n *nethtml.Node) string {
	src := cv.href(attr(n, "src"))
	if src == "" {
		// Lazy-loading themes keep the address elsewhere.
		src = cv.href(attr(n, "data-src"))
	}
	if src == "" {
		cv.w.add("image without an address removed")
		return ""
	}
	alt := strings.Join(strings.Fields(attr(n, "alt")), " ")
	return "![" + escapeText(alt) + "](" + linkDest(src) + ")"
}

// href cleans an address: the converter's Link rewrite, then only web,
// mail and site-relative addresses survive.
func (cv *conv) href(h string) string {
	h = strings.TrimSpace(h)
	if h == "" {
		return ""
	}
	if cv.c != nil && cv.c.Link != nil {
		h = cv.c.Link(h)
	}
	u, err := url.Parse(h)
	if err != nil {
		cv.w.add("link with an unreadable address removed")
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "mailto":
		return h
	case "":
		if strings.HasPrefix(h, "//") {
			return "https:" + h
		}
		return h
	}
	cv.w.add(u.Scheme + ": link removed")
	return ""
}

// linkDest writes a link destination, in angle brackets when it holds
// spaces or parentheses that would end it early.
func linkDest(u string) string {
	if strings.ContainsAny(u, " ()<>") {
		return "<" + strings.NewReplacer("<", "%3C", ">", "%3E").Replace(u) + ">"
	}
	return u
}

// wrap puts emphasis markers around s, outside its surrounding spaces, as
// CommonMark only closes emphasis right after a non-space.
func wrap(s, marker string) string {
	t := strings.TrimSpace(s)
	if t == "" || t == "\\" {
		return s
	}
	i := strings.Index(s, t)
	return s[:i] + marker + t + marker + s[i+len(t):]
}

// codeSpan writes code in backticks enough to hold its own.
func codeSpan(s string) string {
	s = collapseSpace(s)
	if strings.TrimSpace(s) == "" {
		return s
	}
	ticks := "`"
	for strings.Contains(s, ticks) {
		ticks += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

var spaceRE = regexp.MustCompile(`[ \t\r\n\f]+`)

func collapseSpace(s string) string { return spaceRE.ReplaceAllString(s, " ") }

// mdSpecial are the characters that would start Markdown syntax in text.
var mdSpecial = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `<`, `\<`, `~`, `\~`, `|`, `\|`,
)

var entityLike = regexp.MustCompile(`&(#?[A-Za-z0-9]+;)`)

// escapeText makes text read literally in Markdown.
func escapeText(s string) string {
	s = mdSpecial.Replace(s)
	return entityLike.ReplaceAllString(s, `\&$1`)
}

// lineStart matches what would turn a paragraph's line into another block:
// a heading, quote, list item, rule or setext underline.
var lineStart = regexp.MustCompile(`^(#{1,6}(?:\s|$)|>|[-+=](?:\s|$)|\d{1,9}[.)](?:\s|$)|-{3,}|={3,})`)

// paragraph trims inline Markdown into a paragraph block, escaping any
// line that Markdown would otherwise read as another kind of block. Its
// line breaks, from <br>, become hard breaks; empty lines are dropped.
func paragraph(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if m := lineStart.FindString(l); m != "" {
			if m[0] >= '0' && m[0] <= '9' {
				i := strings.IndexAny(l, ".)")
				l = l[:i] + `\` + l[i:]
			} else {
				l = `\` + l
			}
		}
		out = append(out, l)
	}
	// Lines in inline content come from <br>: hard breaks.
	return strings.Join(out, "\\\n")
}

// prefixLines puts prefix before every line of s, and blank before empty
// ones.
func prefixLines(s, prefix, blank string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = blank
		} else {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// indent indents every non-empty line of s.
func indent(s, pad string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

func attr(n *nethtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}

// textOf is the text under n, as written (for code).
func textOf(n *nethtml.Node) string {
	var b strings.Builder
	var walk func(*nethtml.Node, int)
	walk = func(e *nethtml.Node, depth int) {
		if depth > maxDepth {
			return
		}
		for ch := e.FirstChild; ch != nil; ch = ch.NextSibling {
			switch {
			case ch.Type == nethtml.TextNode:
				b.WriteString(ch.Data)
			case ch.Type == nethtml.ElementNode && ch.DataAtom == atom.Br:
				b.WriteString("\n")
			case ch.Type == nethtml.ElementNode:
				if _, skip := dropped[ch.DataAtom]; !skip {
					walk(ch, depth+1)
				}
			}
		}
	}
	walk(n, 0)
	return b.String()
}
