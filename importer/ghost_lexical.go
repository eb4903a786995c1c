package importer

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
)

// lexicalNode is a node of Ghost's Lexical editor document. Only the
// fields of the common nodes are read.
type lexicalNode struct {
	Type     string         `json:"type"`
	Children []lexicalNode  `json:"children"`
	Text     string         `json:"text"`
	Format   any            `json:"format"` // a bit set on text, an alignment string on blocks
	Tag      string         `json:"tag"`
	ListType string         `json:"listType"`
	URL      string         `json:"url"`
	Src      string         `json:"src"`
	Alt      string         `json:"alt"`
	Caption  string         `json:"caption"`
	Title    string         `json:"title"`
	Language string         `json:"language"`
	Code     string         `json:"code"`
	HTML     string         `json:"html"`
	Markdown string         `json:"markdown"`
	Metadata map[string]any `json:"metadata"`
	Images   []lexicalNode  `json:"images"`
	Callout  string         `json:"calloutText"`
	Header   string         `json:"header"`
	Content  string         `json:"content"`
	Button   string         `json:"buttonText"`
	ButtonTo string         `json:"buttonUrl"`
}

// Lexical text format bits.
const (
	lexBold = 1 << iota
	lexItalic
	lexStrike
	lexUnderline
	lexCode
	lexSub
	lexSup
)

// lexicalHTML renders a Lexical document as HTML for the converter.
func lexicalHTML(src string, w Warnings) (string, error) {
	var doc struct {
		Root lexicalNode `json:"root"`
	}
	if err := json.Unmarshal([]byte(src), &doc); err != nil {
		return "", fmt.Errorf("the Lexical body is not valid: %v", err)
	}
	var b strings.Builder
	lexicalChildren(&b, doc.Root.Children, w, 0)
	return b.String(), nil
}

func lexicalChildren(b *strings.Builder, ns []lexicalNode, w Warnings, depth int) {
	for _, n := range ns {
		lexicalWrite(b, n, w, depth+1)
	}
}

func lexicalWrite(b *strings.Builder, n lexicalNode, w Warnings, depth int) {
	if depth > maxDepth {
		w.add("content nested too deeply was cut")
		return
	}
	e := html.EscapeString
	wrapIn := func(tag string) {
		b.WriteString("<" + tag + ">")
		lexicalChildren(b, n.Children, w, depth)
		b.WriteString("</" + tag + ">")
	}
	switch n.Type {
	case "root":
		lexicalChildren(b, n.Children, w, depth)
	case "paragraph", "extended-text":
		wrapIn("p")
	case "heading", "extended-heading":
		tag := n.Tag
		if len(tag) != 2 || tag[0] != 'h' || tag[1] < '1' || tag[1] > '6' {
			tag = "h2"
		}
		wrapIn(tag)
	case "quote", "extended-quote", "aside":
		wrapIn("blockquote")
	case "list":
		tag := "ul"
		if n.ListType == "number" || n.Tag == "ol" {
			tag = "ol"
		}
		wrapIn(tag)
	case "listitem":
		wrapIn("li")
	case "link", "autolink":
		b.WriteString(`<a href="` + e(n.URL) + `">`)
		lexicalChildren(b, n.Children, w, depth)
		b.WriteString("</a>")
	case "text", "extended-text-node", "tab":
		t := e(n.Text)
		f, _ := n.Format.(float64)
		bits := int(f)
		for _, m := range []struct {
			bit int
			tag string
		}{{lexCode, "code"}, {lexBold, "strong"}, {lexItalic, "em"}, {lexStrike, "s"}, {lexSub, "sub"}, {lexSup, "sup"}} {
			if bits&m.bit != 0 {
				t = "<" + m.tag + ">" + t + "</" + m.tag + ">"
			}
		}
		b.WriteString(t)
	case "linebreak":
		b.WriteString("<br>")
	case "horizontalrule":
		b.WriteString("<hr>")
	case "image":
		b.WriteString(`<figure><img src="` + e(n.Src) + `" alt="` + e(n.Alt) + `">`)
		if n.Caption != "" {
			b.WriteString("<figcaption>" + n.Caption + "</figcaption>")
		}
		b.WriteString("</figure>")
	case "gallery":
		for _, img := range n.Images {
			b.WriteString(`<figure><img src="` + e(img.Src) + `" alt="` + e(img.Alt) + `">`)
			if img.Caption != "" {
				b.WriteString("<figcaption>" + img.Caption + "</figcaption>")
			}
			b.WriteString("</figure>")
		}
	case "codeblock", "code":
		b.WriteString(`<pre><code class="language-` + e(n.Language) + `">` + e(n.Code))
		lexicalChildren(b, n.Children, w, depth)
		b.WriteString("</code></pre>")
	case "html":
		b.WriteString(n.HTML)
	case "markdown":
		// Rendered here to HTML would need a Markdown parser; the
		// converter keeps the card's text as a code-free paragraph run.
		for _, para := range strings.Split(n.Markdown, "\n\n") {
			b.WriteString("<p>" + e(para) + "</p>")
		}
		w.add("Ghost Markdown card imported as plain paragraphs")
	case "embed":
		if n.HTML != "" && n.URL == "" {
			b.WriteString(n.HTML)
		} else if n.URL != "" {
			b.WriteString(`<p><a href="` + e(n.URL) + `">` + e(cmpOr(metaString(n.Metadata, "title"), n.URL)) + `</a></p>`)
		}
		if n.Caption != "" {
			b.WriteString("<p><em>" + n.Caption + "</em></p>")
		}
	case "bookmark":
		title := cmpOr(metaString(n.Metadata, "title"), n.URL)
		b.WriteString(`<p><a href="` + e(n.URL) + `">` + e(title) + `</a></p>`)
	case "callout":
		b.WriteString("<blockquote>" + n.Callout + "</blockquote>")
	case "toggle":
		b.WriteString("<p><strong>" + n.Header + "</strong></p>" + n.Content)
	case "button":
		if n.ButtonTo != "" {
			b.WriteString(`<p><a href="` + e(n.ButtonTo) + `">` + e(n.Button) + `</a></p>`)
		}
	case "video", "audio", "file", "product", "header", "signup", "paywall":
		if n.Type == "paywall" {
			b.WriteString("<!--more-->")
			return
		}
		w.add("Ghost " + n.Type + " card dropped")
	default:
		if len(n.Children) > 0 {
			lexicalChildren(b, n.Children, w, depth)
			return
		}
		if n.Text != "" {
			b.WriteString(e(n.Text))
			return
		}
		w.add("Ghost " + n.Type + " card dropped")
	}
}

func metaString(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// mobiledocHTML renders the common sections of an older Ghost body
// (mobiledoc 0.3) as HTML: markup sections, lists and the image, html,
// markdown and hr cards.
func mobiledocHTML(src string, w Warnings) (string, error) {
	var doc struct {
		Markups  [][]any `json:"markups"`
		Atoms    [][]any `json:"atoms"`
		Cards    [][]any `json:"cards"`
		Sections [][]any `json:"sections"`
	}
	if err := json.Unmarshal([]byte(src), &doc); err != nil {
		return "", fmt.Errorf("the mobiledoc body is not valid: %v", err)
	}
	var b strings.Builder
	markers := func(ms []any) {
		var open []string
		for _, raw := range ms {
			m, _ := raw.([]any)
			if len(m) < 4 {
				continue
			}
			opens, _ := m[1].([]any)
			for _, o := range opens {
				i, _ := o.(float64)
				if int(i) >= 0 && int(i) < len(doc.Markups) && len(doc.Markups[int(i)]) > 0 {
					tag, _ := doc.Markups[int(i)][0].(string)
					tag = strings.ToLower(tag)
					if tag == "a" {
						href := ""
						if len(doc.Markups[int(i)]) > 1 {
							if attrs, ok := doc.Markups[int(i)][1].([]any); ok && len(attrs) >= 2 {
								href, _ = attrs[1].(string)
							}
						}
						b.WriteString(`<a href="` + html.EscapeString(href) + `">`)
					} else if validTag(tag) {
						b.WriteString("<" + tag + ">")
					}
					open = append(open, tag)
				}
			}
			if kind, _ := m[0].(float64); kind == 0 {
				text, _ := m[3].(string)
				b.WriteString(html.EscapeString(text))
			} else if kind == 1 {
				b.WriteString("<br>")
			}
			n, _ := m[2].(float64)
			for j := 0; j < int(n) && len(open) > 0; j++ {
				tag := open[len(open)-1]
				open = open[:len(open)-1]
				if validTag(tag) || tag == "a" {
					b.WriteString("</" + tag + ">")
				}
			}
		}
		for len(open) > 0 {
			tag := open[len(open)-1]
			open = open[:len(open)-1]
			if validTag(tag) || tag == "a" {
				b.WriteString("</" + tag + ">")
			}
		}
	}
	for _, s := range doc.Sections {
		if len(s) < 2 {
			continue
		}
		kind, _ := s[0].(float64)
		switch kind {
		case 1: // markup section
			tag, _ := s[1].(string)
			tag = strings.ToLower(tag)
			if !validTag(tag) {
				tag = "p"
			}
			ms, _ := s[2].([]any)
			b.WriteString("<" + tag + ">")
			markers(ms)
			b.WriteString("</" + tag + ">")
		case 3: // list section
			tag, _ := s[1].(string)
			if tag != "ol" {
				tag = "ul"
			}
			items, _ := s[2].([]any)
			b.WriteString("<" + tag + ">")
			for _, it := range items {
				ms, _ := it.([]any)
				b.WriteString("<li>")
				markers(ms)
				b.WriteString("</li>")
			}
			b.WriteString("</" + tag + ">")
		case 10: // card
			i, _ := s[1].(float64)
			if int(i) < 0 || int(i) >= len(doc.Cards) || len(doc.Cards[int(i)]) < 2 {
				continue
			}
			name, _ := doc.Cards[int(i)][0].(string)
			payload, _ := doc.Cards[int(i)][1].(map[string]any)
			switch name {
			case "image":
				src, _ := payload["src"].(string)
				alt, _ := payload["alt"].(string)
				caption, _ := payload["caption"].(string)
				b.WriteString(`<figure><img src="` + html.EscapeString(src) + `" alt="` + html.EscapeString(alt) + `"><figcaption>` + caption + `</figcaption></figure>`)
			case "html":
				h, _ := payload["html"].(string)
				b.WriteString(h)
			case "markdown", "card-markdown":
				md, _ := payload["markdown"].(string)
				for _, para := range strings.Split(md, "\n\n") {
					b.WriteString("<p>" + html.EscapeString(para) + "</p>")
				}
			case "hr":
				b.WriteString("<hr>")
			case "code":
				code, _ := payload["code"].(string)
				b.WriteString("<pre><code>" + html.EscapeString(code) + "</code></pre>")
			default:
				w.add("Ghost " + name + " card dropped")
			}
		}
	}
	return b.String(), nil
}

// validTag is an element a mobiledoc body may name.
func validTag(t string) bool {
	switch t {
	case "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "aside", "pre",
		"strong", "b", "em", "i", "s", "u", "code", "sub", "sup":
		return true
	}
	return false
}

func htmlEscape(s string) string { return html.EscapeString(s) }
