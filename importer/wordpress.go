package importer

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// A WordPress export (Tools → Export, "WXR") is RSS 2.0 with WordPress's
// namespaces: the channel lists authors, categories and tags, then one
// item per post, page, attachment and menu entry. The namespace URIs
// changed between versions (http and https, 1.0 to 1.2), so elements are
// matched by local name, except the two "encoded" elements, told apart by
// their namespace.

type wxrAuthor struct {
	ID        string `xml:"author_id"`
	Login     string `xml:"author_login"`
	Email     string `xml:"author_email"`
	Display   string `xml:"author_display_name"`
	FirstName string `xml:"author_first_name"`
	LastName  string `xml:"author_last_name"`
}

type wxrTerm struct {
	ID       string `xml:"term_id"`
	Nicename string `xml:"category_nicename"`
	Parent   string `xml:"category_parent"`
	CatName  string `xml:"cat_name"`
	TagSlug  string `xml:"tag_slug"`
	TagName  string `xml:"tag_name"`
}

type wxrEncoded struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
}

type wxrItem struct {
	Title       string       `xml:"title"`
	Link        string       `xml:"link"`
	Creator     string       `xml:"creator"`
	Encoded     []wxrEncoded `xml:"encoded"`
	PostID      string       `xml:"post_id"`
	PostDate    string       `xml:"post_date"`
	PostGMT     string       `xml:"post_date_gmt"`
	Modified    string       `xml:"post_modified"`
	ModifiedGMT string       `xml:"post_modified_gmt"`
	Name        string       `xml:"post_name"`
	Status      string       `xml:"status"`
	Parent      string       `xml:"post_parent"`
	Type        string       `xml:"post_type"`
	Password    string       `xml:"post_password"`
	Attachment  string       `xml:"attachment_url"`
	Categories  []struct {
		Domain   string `xml:"domain,attr"`
		Nicename string `xml:"nicename,attr"`
		Name     string `xml:",chardata"`
	} `xml:"category"`
	Meta []struct {
		Key   string `xml:"meta_key"`
		Value string `xml:"meta_value"`
	} `xml:"postmeta"`

	line int // where the item starts
}

func (it *wxrItem) encoded(kind string) string {
	for _, e := range it.Encoded {
		if strings.Contains(e.XMLName.Space, kind) {
			return e.Text
		}
	}
	return ""
}

func (it *wxrItem) meta(key string) string {
	for _, m := range it.Meta {
		if m.Key == key {
			return m.Value
		}
	}
	return ""
}

// wxrDoc is the channel read from an export.
type wxrDoc struct {
	title, link string
	authors     []wxrAuthor
	categories  []wxrTerm
	tags        []wxrTerm
	items       []wxrItem
}

// readWXRDoc decodes the channel, remembering each item's line. A syntax
// error names its line; so does an element whose content cannot be read.
func readWXRDoc(name string, src []byte) (*wxrDoc, error) {
	dec := xml.NewDecoder(bytes.NewReader(src))
	dec.Strict = true
	// WXR files are UTF-8; older ones claim other charsets they do not
	// use. Reading them as they are beats refusing them.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	doc := &wxrDoc{}
	fail := func(err error) error {
		line, _ := dec.InputPos()
		var se *xml.SyntaxError
		msg := err.Error()
		if errors.As(err, &se) {
			line, msg = se.Line, se.Msg
			if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(msg, "unexpected EOF") {
				msg = "the file ends in the middle of an element; is it truncated?"
			}
		}
		return ExportErrors{{Path: name, Line: line, Message: "not a readable WXR file: " + msg}}
	}
	var stack []string
	sawRSS, sawChannel := false, false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			local := t.Name.Local
			switch {
			case len(stack) == 0:
				if local != "rss" {
					line, _ := dec.InputPos()
					return nil, ExportErrors{{Path: name, Line: line, Message: fmt.Sprintf("a WordPress export is an <rss> document, not <%s>", local)}}
				}
				sawRSS = true
			case parent == "channel" && local == "item":
				line, _ := dec.InputPos()
				var it wxrItem
				if err := dec.DecodeElement(&it, &t); err != nil {
					return nil, fail(err)
				}
				it.line = line
				doc.items = append(doc.items, it)
				continue
			case parent == "channel" && local == "author":
				var a wxrAuthor
				if err := dec.DecodeElement(&a, &t); err != nil {
					return nil, fail(err)
				}
				doc.authors = append(doc.authors, a)
				continue
			case parent == "channel" && (local == "category" || local == "tag") && t.Name.Space != "":
				var term wxrTerm
				if err := dec.DecodeElement(&term, &t); err != nil {
					return nil, fail(err)
				}
				if local == "category" {
					doc.categories = append(doc.categories, term)
				} else {
					doc.tags = append(doc.tags, term)
				}
				continue
			case parent == "channel" && (local == "title" || local == "link"):
				var s string
				if err := dec.DecodeElement(&s, &t); err != nil {
					return nil, fail(err)
				}
				if local == "title" {
					doc.title = strings.TrimSpace(s)
				} else {
					doc.link = strings.TrimSpace(s)
				}
				continue
			case parent == "rss" && local == "channel":
				sawChannel = true
			case parent == "channel":
				if err := dec.Skip(); err != nil {
					return nil, fail(err)
				}
				continue
			}
			stack = append(stack, local)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if !sawRSS || !sawChannel {
		return nil, ExportErrors{{Path: name, Line: 1, Message: "no <rss><channel> in this file: is it a WordPress export (Tools → Export)?"}}
	}
	return doc, nil
}

// Shortcodes: [caption] becomes a figure, [code]/[sourcecode] a code
// block, [embed]/[video]/[audio] with an address a link; others are
// dropped (their enclosed text kept) and counted.
var (
	captionRE   = regexp.MustCompile(`(?s)\[caption([^\]]*)\](.*?)\[/caption\]`)
	codeRE      = regexp.MustCompile(`(?s)\[(code|sourcecode)([^\]]*)\](.*?)\[/(?:code|sourcecode)\]`)
	embedRE     = regexp.MustCompile(`(?s)\[(embed|video|audio)([^\]]*)\](.*?)\[/(?:embed|video|audio)\]`)
	shortcodeRE = regexp.MustCompile(`\[(/?)([a-zA-Z_][a-zA-Z0-9_-]*)((?:\s[^\[\]]*)?)(/?)\]`)
	attrRE      = regexp.MustCompile(`([a-zA-Z_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))`)
	blockComRE  = regexp.MustCompile(`<!--\s*/?wp:[^>]*?-->`)
	imgRE       = regexp.MustCompile(`(?is)<img\b[^>]*>`)
)

// knownShortcodes are WordPress's own; a bracketed word not among them
// and without attributes or a closing tag is text ("[sic]").
var knownShortcodes = map[string]bool{
	"caption": true, "wp_caption": true, "gallery": true, "playlist": true, "audio": true, "video": true,
	"embed": true, "code": true, "sourcecode": true, "youtube": true, "vimeo": true, "tweet": true,
	"googlemaps": true, "contact-form": true, "contact-field": true, "polldaddy": true, "archives": true,
	"wpvideo": true, "soundcloud": true, "slideshow": true, "recipe": true, "instagram": true,
}

func shortcodeAttrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(s, -1) {
		out[strings.ToLower(m[1])] = m[2] + m[3] + m[4]
	}
	return out
}

// wpContent turns a WordPress body into HTML the converter reads: block
// comments stripped, shortcodes handled, and for classic-editor bodies the
// paragraphs that WordPress adds on display (wpautop) added.
func wpContent(s string, w Warnings) string {
	blocks := strings.Contains(s, "<!-- wp:")
	s = blockComRE.ReplaceAllString(s, "")
	s = captionRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := captionRE.FindStringSubmatch(m)
		inner := sub[2]
		img := imgRE.FindString(inner)
		caption := strings.TrimSpace(imgRE.ReplaceAllString(inner, ""))
		// A linked image leaves the link's tags behind.
		caption = strings.TrimSpace(regexp.MustCompile(`(?is)^(</?a\b[^>]*>\s*)+`).ReplaceAllString(caption, ""))
		if c := shortcodeAttrs(sub[1])["caption"]; c != "" && caption == "" {
			caption = c
		}
		return "\n\n<figure>" + img + "<figcaption>" + caption + "</figcaption></figure>\n\n"
	})
	s = codeRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := codeRE.FindStringSubmatch(m)
		lang := shortcodeAttrs(sub[2])["language"]
		if lang == "" {
			lang = shortcodeAttrs(sub[2])["lang"]
		}
		return "\n\n<pre><code class=\"language-" + html.EscapeString(lang) + "\">" + html.EscapeString(sub[3]) + "</code></pre>\n\n"
	})
	s = embedRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := embedRE.FindStringSubmatch(m)
		u := strings.TrimSpace(sub[3])
		if u == "" {
			u = shortcodeAttrs(sub[2])["src"]
		}
		w.add("[" + sub[1] + "] shortcode replaced by a link")
		return "\n\n<p><a href=\"" + html.EscapeString(u) + "\">" + html.EscapeString(u) + "</a></p>\n\n"
	})
	s = shortcodeRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := shortcodeRE.FindStringSubmatch(m)
		name := strings.ToLower(sub[2])
		if !knownShortcodes[name] && !strings.Contains(sub[3], "=") && sub[1] == "" && sub[4] == "" &&
			!strings.Contains(s, "[/"+sub[2]+"]") {
			return m // text in brackets, not a shortcode
		}
		if sub[1] == "" {
			w.add("[" + name + "] shortcode dropped")
		}
		return ""
	})
	if !blocks {
		s = autop(s)
	}
	return s
}

// blockStart matches an HTML block element, opening or closing, at the
// start of a chunk, which autop leaves unwrapped.
var blockStart = regexp.MustCompile(`(?i)^</?(p|div|h[1-6]|ul|ol|li|blockquote|pre|table|thead|tbody|tfoot|tr|td|th|caption|figure|figcaption|hr|dl|dt|dd|section|article|aside|header|footer|form|address|iframe|video|audio|object|embed|script|style|details|summary|!--)[\s>/]`)

var (
	blockOpenRE  = regexp.MustCompile(`(?i)<(?:table|thead|tbody|tfoot|tr|ul|ol|li|dl|dt|dd|blockquote|h[1-6]|div|figure|hr|p|section|address|form|iframe|video|audio|details|summary|script|style)[\s/>]`)
	blockCloseRE = regexp.MustCompile(`(?i)</(?:table|thead|tbody|tfoot|tr|ul|ol|li|dl|dt|dd|blockquote|h[1-6]|div|figure|p|section|address|form|iframe|video|audio|details|summary|script|style)>`)
	preRE        = regexp.MustCompile(`(?is)<pre\b.*?</pre>`)
	paraSplitRE  = regexp.MustCompile(`\n\s*\n`)
	moreRE       = regexp.MustCompile(`<!--more(.*?)?-->`)
)

// autop wraps the blank-line-separated text of a classic-editor body in
// paragraphs and turns its single line breaks into <br>, as WordPress
// does when it shows the post. Block elements stand on their own, and
// preformatted text is left exactly as written.
func autop(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var pres []string
	s = preRE.ReplaceAllStringFunc(s, func(m string) string {
		pres = append(pres, m)
		return "\n\n\x00pre" + strconv.Itoa(len(pres)-1) + "\x00\n\n"
	})
	s = moreRE.ReplaceAllString(s, "\n\n<!--more-->\n\n")
	s = blockOpenRE.ReplaceAllStringFunc(s, func(m string) string { return "\n\n" + m })
	s = blockCloseRE.ReplaceAllStringFunc(s, func(m string) string { return m + "\n\n" })
	var b strings.Builder
	for _, c := range paraSplitRE.Split(s, -1) {
		c = strings.TrimSpace(c)
		switch {
		case c == "":
		case strings.HasPrefix(c, "\x00pre"):
			i, _ := strconv.Atoi(strings.Trim(c[4:], "\x00"))
			if i >= 0 && i < len(pres) {
				b.WriteString(pres[i] + "\n")
			}
		case blockStart.MatchString(c) || strings.HasPrefix(c, "<!--"):
			b.WriteString(c + "\n")
		default:
			b.WriteString("<p>" + strings.ReplaceAll(c, "\n", "<br>\n") + "</p>\n")
		}
	}
	return b.String()
}

// wpDate reads WordPress's "2006-01-02 15:04:05"; the GMT one is
// "0000-00-00 00:00:00" for drafts never scheduled.
func wpDate(gmt, local string, loc *time.Location) (time.Time, error) {
	gmt, local = strings.TrimSpace(gmt), strings.TrimSpace(local)
	if gmt != "" && !strings.HasPrefix(gmt, "0000") {
		return time.Parse("2006-01-02 15:04:05", gmt)
	}
	if local != "" && !strings.HasPrefix(local, "0000") {
		return time.ParseInLocation("2006-01-02 15:04:05", local, loc)
	}
	return time.Time{}, nil
}

// readWXR turns a WordPress export into a bundle.
func readWXR(name string, src []byte, opt ExportOptions) (*masthead.ImportBundle, ExportReport, error) {
	rep := ExportReport{Source: "WordPress", Warnings: Warnings{}}
	doc, err := readWXRDoc(name, src)
	if err != nil {
		return nil, rep, err
	}
	m := mapping{opt.Map}
	now := opt.Clock.Now()
	oldURL := strings.TrimRight(cmpOr(opt.OldURL, doc.link), "/")
	b := &masthead.ImportBundle{Source: "WordPress"}
	var errs ExportErrors
	add := func(line int, where, msg string) {
		errs = append(errs, &ExportError{Path: name, Line: line, Where: where, Message: msg})
	}

	// Authors by login.
	authorSlug := map[string]string{}
	postSlugs, authorPool := opt.pools(&rep)
	for _, a := range doc.authors {
		login := strings.TrimSpace(a.Login)
		if login == "" {
			continue
		}
		slug := authorPool.slugFor(cmpOr(strings.TrimSpace(a.Display), login), "author", login, a.Display)
		authorSlug[login] = slug
		display := strings.TrimSpace(cmpOr(a.Display, strings.TrimSpace(a.FirstName+" "+a.LastName)))
		b.Authors = append(b.Authors, masthead.Author{Slug: slug, Name: cmpOr(display, login)})
		b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: "/author/" + login, To: "/authors/" + slug})
		if id := strings.TrimSpace(a.ID); id != "" {
			b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: "/?author=" + id, To: "/authors/" + slug})
		}
		if email, err := masthead.NormalizeEmail(a.Email); err == nil {
			b.Staff = append(b.Staff, masthead.ImportedStaff{Email: email, Name: display, Role: masthead.RoleAuthor, AuthorSlug: slug})
		} else {
			rep.Warnings.add("author without a valid email address: byline kept, no account")
		}
	}

	// Category pages: /category/parent/child/ and ?cat=ID.
	catByNice := map[string]wxrTerm{}
	for _, c := range doc.categories {
		catByNice[c.Nicename] = c
	}
	for _, c := range doc.categories {
		slug := wpTermSlug(c.Nicename, c.CatName)
		p := termPath(m, slug, slug == "uncategorized")
		if p == "" || strings.TrimSpace(c.Nicename) == "" {
			continue
		}
		chain := []string{c.Nicename}
		for parent, hops := c.Parent, 0; parent != "" && hops < 10; hops++ {
			chain = append([]string{parent}, chain...)
			parent = catByNice[parent].Parent
		}
		b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: "/category/" + strings.Join(chain, "/"), To: p})
		if len(chain) > 1 {
			b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: "/category/" + c.Nicename, To: p})
		}
		if c.ID != "" {
			b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: "/?cat=" + c.ID, To: p})
		}
	}
	for _, t := range doc.tags {
		slug := wpTermSlug(t.TagSlug, t.TagName)
		if p := termPath(m, slug, false); p != "" && strings.TrimSpace(t.TagSlug) != "" {
			b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: "/tag/" + t.TagSlug, To: p})
			b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: "/?tag=" + t.TagSlug, To: p})
		}
	}

	// Attachments give featured images their address, alt and caption.
	type attachment struct{ url, alt, caption string }
	attachments := map[string]attachment{}
	for i := range doc.items {
		it := &doc.items[i]
		if it.Type == "attachment" {
			attachments[strings.TrimSpace(it.PostID)] = attachment{
				url:     strings.TrimSpace(it.Attachment),
				alt:     it.meta("_wp_attachment_image_alt"),
				caption: plainText(it.encoded("excerpt")),
			}
		}
	}

	// First pass: which items are content, and their slugs, so links
	// between posts can be rewritten.
	type entry struct {
		it   *wxrItem
		slug string
		page bool
	}
	var entries []entry
	oldPaths := map[string]string{}
	for i := range doc.items {
		it := &doc.items[i]
		switch it.Type {
		case "post", "page":
		default:
			rep.Skipped++
			continue
		}
		switch it.Status {
		case "trash", "auto-draft", "inherit":
			rep.Skipped++
			continue
		}
		id := strings.TrimSpace(it.PostID)
		slug := postSlugs.slugFor(titleText(it.Title), "post-"+id, it.Name, it.Title)
		entries = append(entries, entry{it: it, slug: slug, page: it.Type == "page"})
		if id != "" {
			key := "p"
			if it.Type == "page" {
				key = "page_id"
			}
			oldPaths[masthead.LegacyPath("/?"+key+"="+id, "")] = slug
			oldPaths[masthead.LegacyPath("/?p="+id, "")] = slug
		}
		if u, err := url.Parse(strings.TrimSpace(it.Link)); err == nil && it.Link != "" {
			if p := masthead.LegacyPath(u.Path, u.RawQuery); p != "" {
				oldPaths[p] = slug
			}
		}
	}
	conv := &HTMLConverter{Link: func(h string) string {
		u, err := url.Parse(h)
		if err != nil {
			return h
		}
		if u.Host == "" || (oldURL != "" && strings.HasPrefix(strings.TrimRight(h, "/")+"/", oldURL+"/")) ||
			sameHost(u.Host, oldURL) {
			if slug, ok := oldPaths[masthead.LegacyPath(u.Path, u.RawQuery)]; ok && (u.Path != "" || u.RawQuery != "") {
				if u.Fragment != "" {
					return "/articles/" + slug + "#" + u.Fragment
				}
				return "/articles/" + slug
			}
		}
		return h
	}}

	for _, e := range entries {
		it := e.it
		where := fmt.Sprintf("item %s %q", it.Type, cmpOr(strings.TrimSpace(it.PostID), it.Title))
		if e.page {
			rep.Pages++
		} else {
			rep.Posts++
		}
		body := it.encoded("content")
		in := masthead.ArticleInput{
			Slug:  e.slug,
			Title: titleText(it.Title),
			Dek:   plainText(it.encoded("excerpt")),
			Kind:  masthead.KindDaily,
		}
		md, w := conv.Convert(wpContent(body, rep.Warnings))
		rep.Warnings.merge(w)
		in.BodyMarkdown = md
		if in.Title == "" {
			in.Title = cmpOr(titleFrom(wpContent(body, nil)), "Untitled")
			rep.Warnings.add("post without a title: titled from its first words")
		}
		t, err := wpDate(it.PostGMT, it.PostDate, opt.Location)
		if err != nil {
			add(it.line, where, fmt.Sprintf("post_date_gmt %q is not a date like 2006-01-02 15:04:05", it.PostGMT))
			continue
		}
		in.PublishedAt = t
		in.Access = cmpOr(opt.PublicAccess, masthead.AccessFree)
		switch it.Status {
		case "publish":
			in.Status = masthead.StatusPublished
		case "future":
			in.Status = masthead.StatusScheduled
		case "private":
			// Only the site's editors could read it: a draft here,
			// for an editor to decide.
			in.Status = masthead.StatusDraft
			rep.Warnings.add("private post imported as a draft")
		default: // draft, pending
			in.Status = masthead.StatusDraft
		}
		if in.Status != masthead.StatusDraft && in.PublishedAt.IsZero() {
			add(it.line, where, "a published post without a date (post_date)")
			continue
		}
		if strings.TrimSpace(it.Password) != "" {
			// A password was the old site's way to keep a post to some
			// readers; subscribers are the nearest such group here.
			in.Access = masthead.AccessSubscribers
			rep.Warnings.add("password-protected post imported for subscribers only")
		}
		if e.page {
			in.Access = masthead.AccessFree
			in.Kind = masthead.KindBriefing
			if strings.TrimSpace(it.Password) != "" {
				in.Access = masthead.AccessSubscribers
			}
		}
		if thumb := strings.TrimSpace(it.meta("_thumbnail_id")); thumb != "" {
			if a, ok := attachments[thumb]; ok && a.url != "" {
				in.Image = masthead.Image{URL: a.url, Alt: a.alt, Caption: a.caption}
			}
		}
		if s := authorSlug[strings.TrimSpace(it.Creator)]; s != "" {
			in.AuthorSlugs = []string{s}
		}
		ab := articleBuilder{in: &in, names: map[string]string{}, mapped: &mappedBits{}}
		for _, c := range it.Categories {
			switch c.Domain {
			case "category":
				slug := wpTermSlug(c.Nicename, c.Name)
				ab.addTerm(m, slug, strings.TrimSpace(html.UnescapeString(c.Name)), slug == "uncategorized")
			case "post_tag":
				ab.addTerm(m, wpTermSlug(c.Nicename, c.Name), strings.TrimSpace(html.UnescapeString(c.Name)), false)
			}
		}
		for _, a := range b.Authors {
			if len(in.AuthorSlugs) > 0 && a.Slug == in.AuthorSlugs[0] {
				ab.names[a.Slug] = a.Name
			}
		}
		if len(ab.names) > 0 {
			in.Names = ab.names
		}
		finishArticle(&in, now, func(w, msg string) { add(it.line, w, msg) }, where)
		b.Articles = append(b.Articles, in)
		modified, _ := wpDate(it.ModifiedGMT, it.Modified, opt.Location)
		b.UpdatedAt = append(b.UpdatedAt, modified)

		// Old addresses: ?p=ID (or ?page_id=ID), the item's permalink,
		// and the default date permalink.
		if id := strings.TrimSpace(it.PostID); id != "" {
			if _, err := strconv.ParseUint(id, 10, 64); err == nil {
				key := "p"
				if e.page {
					key = "page_id"
				}
				b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: "/?" + key + "=" + id, ArticleSlug: in.Slug})
			}
		}
		if u, err := url.Parse(strings.TrimSpace(it.Link)); err == nil && it.Link != "" {
			if from := masthead.LegacyPath(u.Path, u.RawQuery); from != "" && from != "/" {
				b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: from, ArticleSlug: in.Slug})
			}
		}
		if !e.page && it.Name != "" && !in.PublishedAt.IsZero() {
			local := in.PublishedAt.In(opt.Location)
			if lt, err := time.ParseInLocation("2006-01-02 15:04:05", strings.TrimSpace(it.PostDate), opt.Location); err == nil {
				local = lt
			}
			b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: local.Format("/2006/01/02/") + it.Name, ArticleSlug: in.Slug})
		}
	}
	if len(errs) > 0 {
		return nil, rep, errs
	}
	return b, rep, nil
}

// wpTermSlug is a category's or tag's slug, decoded and made valid.
func wpTermSlug(nicename, name string) string {
	s := strings.TrimSpace(nicename)
	if masthead.ValidSlug(s) {
		return s
	}
	if t := masthead.Slugify(decodePercent(s)); t != "" {
		return t
	}
	return masthead.Slugify(html.UnescapeString(name))
}

// sameHost reports whether host is the old site's.
func sameHost(host, oldURL string) bool {
	if oldURL == "" || host == "" {
		return false
	}
	u, err := url.Parse(oldURL)
	return err == nil && strings.EqualFold(strings.TrimPrefix(u.Host, "www."), strings.TrimPrefix(host, "www."))
}
