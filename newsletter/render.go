// Package newsletter composes issues from what was published, renders
// them for mail clients, and sends them: a durable, resumable job over
// the deliveries table, with a pool of SMTP connections, a rate limit,
// retries and suppression.
//
// An issue is rendered once per segment (subscriber, registered reader)
// into a message with a few marked slots; each recipient's message is the
// segment's bytes with their name, address and unsubscribe link spliced
// into the slots, so a hundred thousand messages cost two template runs.
package newsletter

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"masthead"
)

// Site is what rendering needs from the configuration.
type Site struct {
	Name    string // "The Review"
	BaseURL string // "https://example.com", no trailing slash
	From    string // the default sender, "Name <address>"
	// Mailto is the mailbox of List-Unsubscribe's mailto form, such as
	// "unsubscribe@example.com"; empty uses unsubscribe@ the sender's
	// domain.
	Mailto   string
	Location *time.Location
	// Secret keys the unsubscribe links' HMAC.
	Secret []byte
	// NamedFrom says From was made from the site's name (no sender was
	// configured), so a name set in the site settings names the sender
	// too.
	NamedFrom bool
}

// WithSettings is s with the name staff set in the site settings, when
// they set one: every email names the publication as its pages do.
func (s Site) WithSettings(st *masthead.SiteSettings) Site {
	if st == nil || st.Name == "" || st.Name == s.Name {
		return s
	}
	s.Name = st.Name
	if s.NamedFrom {
		s.From = masthead.RenameSender(s.From, st.Name)
	}
	return s
}

func (s Site) loc() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// Recipient is who a message is for.
type Recipient struct {
	MemberID int64
	Email    string
	Name     string
	Segment  masthead.Segment
}

// TemplateData is what a newsletter's HTML template sees. Greeting, Name,
// Email and UnsubscribeURL differ per recipient: the template receives
// markers in their place, which the sender replaces for each message.
type TemplateData struct {
	Site        SiteData
	Newsletter  NewsletterData
	Subject     string
	Date        string // "Friday 6 March 2026", in the publication's time zone
	EditorsNote []string
	Radar       []string
	Articles    []ArticleItem // in-depth first, then by time
	// Subscriber is true in the subscribers' version; others get a
	// subscribe link and see which articles are for subscribers.
	Subscriber     bool
	SubscribeURL   string
	PreferencesURL string
	ArchiveURL     string

	Greeting       string // "Hello Ana," or "Hello,"
	Name           string
	Email          string
	UnsubscribeURL string
	// Alerts are the follows an alert email tells of, each with its
	// stop link; empty in a newsletter (alerts.go).
	Alerts []AlertItem
}

// SiteData names the publication.
type SiteData struct{ Name, URL string }

// NewsletterData names the newsletter.
type NewsletterData struct{ Name, Description, Slug string }

// ArticleItem is one article as an issue lists it.
type ArticleItem struct {
	Title, Dek, Authors, URL string
	Kind                     string // "In-depth", "Daily analysis", "Briefing"
	InDepth                  bool
	// Note tells a non-subscriber how the link opens: "Subscribers
	// only", "Free to read"; empty for subscribers.
	Note string
}

// slot names, in the order of the markers.
const (
	slotGreeting = iota
	slotName
	slotEmail
	slotUnsubscribe
	nSlots
)

// Rendered is an issue rendered for one segment: the headers and both
// parts as fixed pieces around the slots, ready to splice.
type Rendered struct {
	Segment   masthead.Segment
	From      string // header value
	FromAddr  string // envelope sender
	ReplyTo   string
	Subject   string // decoded
	issueID   int64
	slug      string
	site      Site
	domain    string
	boundary  string
	headTail  []byte // the fixed headers after the per-recipient ones
	text      piece  // the plain-text part, quoted-printable
	html      piece  // the HTML part, quoted-printable
	textPlain piece  // the same parts undecoded, for previews
	htmlPlain piece
}

// piece is a body cut at its slots: fixed[0] slot[0] fixed[1] … fixed[n].
type piece struct {
	fixed [][]byte
	slots []int
}

// markers are unguessable words standing for the slots while the
// templates run; letters and digits only, so no escaping alters them.
type markers struct{ words [nSlots]string }

func newMarkers() markers {
	var b [6]byte
	rand.Read(b[:])
	n := hex.EncodeToString(b[:])
	var m markers
	for i := range m.words {
		m.words[i] = "zzmh" + n + "s" + strconv.Itoa(i) + "z"
	}
	return m
}

var markerRE = regexp.MustCompile(`zzmh[0-9a-f]{12}s[0-9]z`)

// cut splits rendered text at the markers.
func (m markers) cut(s string) piece {
	var p piece
	last := 0
	for _, loc := range markerRE.FindAllStringIndex(s, -1) {
		w := s[loc[0]:loc[1]]
		slot := -1
		for i, mw := range m.words {
			if w == mw {
				slot = i
			}
		}
		if slot < 0 {
			continue
		}
		p.fixed = append(p.fixed, []byte(s[last:loc[0]]))
		p.slots = append(p.slots, slot)
		last = loc[1]
	}
	p.fixed = append(p.fixed, []byte(s[last:]))
	return p
}

// qp encodes p's fixed pieces as quoted-printable, each ending in a soft
// line break, so per-recipient values encoded on their own can sit
// between them.
func (p piece) qp() piece {
	out := piece{slots: p.slots}
	for _, f := range p.fixed {
		out.fixed = append(out.fixed, qpEncode(f))
	}
	return out
}

// qpEncode quoted-printable-encodes b and ends it with a soft line break,
// which decoders drop.
func qpEncode(b []byte) []byte {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	w.Write(b)
	w.Close()
	buf.WriteString("=\r\n")
	return buf.Bytes()
}

// Render renders an issue for one segment.
func Render(n *masthead.Newsletter, is *masthead.Issue, seg masthead.Segment, site Site) (*Rendered, error) {
	tmpl, err := parseTemplate(n.Template)
	if err != nil {
		return nil, fmt.Errorf("newsletter %s: template: %w", n.Slug, err)
	}
	return renderWith(n, is, seg, site, tmpl, textTmpl, templateData(n, is, seg, site))
}

// renderWith renders an issue for one segment through the templates given
// with data (alerts.go has templates of its own).
func renderWith(n *masthead.Newsletter, is *masthead.Issue, seg masthead.Segment, site Site,
	tmpl *htmltemplate.Template, text *texttemplate.Template, data TemplateData) (*Rendered, error) {
	from, err := mail.ParseAddress(n.From(site.From))
	if err != nil {
		return nil, masthead.Errorf(masthead.EINVALID, "The sender of %s is not a valid address: set one in the newsletter's settings.", n.Name)
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	mk := newMarkers()
	for i := range data.Alerts {
		data.Alerts[i].StopURL = mk.words[slotUnsubscribe] + "&f=" + url.QueryEscape(data.Alerts[i].param)
	}
	data.Greeting, data.Name, data.Email, data.UnsubscribeURL = mk.words[slotGreeting], mk.words[slotName], mk.words[slotEmail], mk.words[slotUnsubscribe]

	var hb strings.Builder
	if err := tmpl.Execute(&hb, data); err != nil {
		return nil, fmt.Errorf("newsletter %s: template: %w", n.Slug, err)
	}
	var tb strings.Builder
	if err := text.Execute(&tb, data); err != nil {
		return nil, fmt.Errorf("newsletter %s: text: %w", n.Slug, err)
	}
	r := &Rendered{
		Segment: seg, From: from.String(), FromAddr: from.Address, Subject: is.Subject,
		issueID: is.ID, slug: n.Slug, site: site, domain: domain,
		textPlain: mk.cut(tb.String()), htmlPlain: mk.cut(hb.String()),
	}
	if n.ReplyTo != "" {
		r.ReplyTo = n.ReplyTo
	}
	r.text, r.html = r.textPlain.qp(), r.htmlPlain.qp()
	var bnd [12]byte
	rand.Read(bnd[:])
	r.boundary = "=_mh" + hex.EncodeToString(bnd[:])

	var h bytes.Buffer
	h.WriteString("From: " + r.From + "\r\n")
	if r.ReplyTo != "" {
		h.WriteString("Reply-To: " + r.ReplyTo + "\r\n")
	}
	h.WriteString("Subject: " + mime.QEncoding.Encode("utf-8", is.Subject) + "\r\n")
	h.WriteString("Date: " + time.Now().Format(time.RFC1123Z) + "\r\n")
	h.WriteString("List-Id: " + mime.QEncoding.Encode("utf-8", n.Name) + " <" + n.Slug + ".newsletter." + domain + ">\r\n")
	h.WriteString("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
	h.WriteString("MIME-Version: 1.0\r\n")
	h.WriteString("Content-Type: multipart/alternative; boundary=\"" + r.boundary + "\"\r\n\r\n")
	h.WriteString("--" + r.boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	r.headTail = h.Bytes()
	return r, nil
}

// values are one recipient's slot values, unescaped.
func (r *Rendered) values(rc Recipient) [nSlots]string {
	var v [nSlots]string
	name := strings.TrimSpace(rc.Name)
	v[slotGreeting] = "Hello,"
	if name != "" {
		v[slotGreeting] = "Hello " + name + ","
	}
	v[slotName] = name
	v[slotEmail] = rc.Email
	v[slotUnsubscribe] = UnsubscribeURL(r.site, rc.MemberID, r.slug, r.issueID)
	return v
}

// AppendMessage appends the whole message for one recipient to dst: the
// per-recipient headers (To, Message-ID, List-Unsubscribe), the fixed
// ones, and both parts with the recipient's values spliced in.
func (r *Rendered) AppendMessage(dst []byte, rc Recipient, messageID string) []byte {
	v := r.values(rc)
	to := (&mail.Address{Name: strings.TrimSpace(rc.Name), Address: rc.Email}).String()
	dst = append(dst, "To: "...)
	dst = append(dst, to...)
	dst = append(dst, "\r\nMessage-ID: <"...)
	dst = append(dst, messageID...)
	dst = append(dst, ">\r\nList-Unsubscribe: <"...)
	dst = append(dst, v[slotUnsubscribe]...)
	dst = append(dst, ">,\r\n <mailto:"...)
	dst = append(dst, r.mailto(rc)...)
	dst = append(dst, ">\r\n"...)
	dst = append(dst, r.headTail...)
	dst = spliceQP(dst, r.text, v, false)
	dst = append(dst, "\r\n--"...)
	dst = append(dst, r.boundary...)
	dst = append(dst, "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"...)
	dst = spliceQP(dst, r.html, v, true)
	dst = append(dst, "\r\n--"...)
	dst = append(dst, r.boundary...)
	dst = append(dst, "--\r\n"...)
	return dst
}

// mailto is the List-Unsubscribe mailto URI: the token in the subject, so
// a mail handler can act on it.
func (r *Rendered) mailto(rc Recipient) string {
	box := r.site.Mailto
	if box == "" {
		box = "unsubscribe@" + r.domain
	}
	return box + "?subject=unsubscribe%20" + UnsubscribeToken(r.site.Secret, rc.MemberID, r.slug, r.issueID)
}

func spliceQP(dst []byte, p piece, v [nSlots]string, html bool) []byte {
	for i, f := range p.fixed {
		dst = append(dst, f...)
		if i < len(p.slots) {
			val := v[p.slots[i]]
			if html {
				val = htmltemplate.HTMLEscapeString(val)
			}
			dst = append(dst, qpEncode([]byte(val))...)
		}
	}
	return dst
}

func splicePlain(p piece, v [nSlots]string, html bool) string {
	var b strings.Builder
	for i, f := range p.fixed {
		b.Write(f)
		if i < len(p.slots) {
			val := v[p.slots[i]]
			if html {
				val = htmltemplate.HTMLEscapeString(val)
			}
			b.WriteString(val)
		}
	}
	return b.String()
}

// Email is the message for one recipient as a masthead.Email (decoded
// parts and headers), for previews and tests sent through a Mailer.
func (r *Rendered) Email(rc Recipient, messageID string) masthead.Email {
	v := r.values(rc)
	e := masthead.Email{
		To: rc.Email, Subject: r.Subject, Category: "newsletter",
		Text: splicePlain(r.textPlain, v, false), HTML: splicePlain(r.htmlPlain, v, true),
		Headers: map[string]string{
			"From":                  r.From,
			"List-Unsubscribe":      "<" + v[slotUnsubscribe] + ">, <mailto:" + r.mailto(rc) + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"Message-Id":            "<" + messageID + ">",
		},
	}
	if r.ReplyTo != "" {
		e.Headers["Reply-To"] = r.ReplyTo
	}
	return e
}

// Preview renders exactly what r would receive, with a Message-ID of its
// own. Send it through the transactional Mailer for a test: no delivery
// is touched.
func Preview(n *masthead.Newsletter, is *masthead.Issue, rc Recipient, site Site) (masthead.Email, error) {
	if rc.Segment == "" {
		rc.Segment = masthead.SegmentRegistered
	}
	r, err := Render(n, is, rc.Segment, site)
	if err != nil {
		return masthead.Email{}, err
	}
	var b [8]byte
	rand.Read(b[:])
	return r.Email(rc, "preview."+hex.EncodeToString(b[:])+"@"+r.domain), nil
}

// templateData builds the data both templates see.
func templateData(n *masthead.Newsletter, is *masthead.Issue, seg masthead.Segment, site Site) TemplateData {
	when := is.SendAt
	if when.IsZero() {
		when = is.WindowEnd
	}
	d := TemplateData{
		Site:           SiteData{Name: site.Name, URL: site.BaseURL},
		Newsletter:     NewsletterData{Name: n.Name, Description: n.Description, Slug: n.Slug},
		Subject:        is.Subject,
		Date:           when.In(site.loc()).Format("Monday 2 January 2006"),
		EditorsNote:    paragraphs(is.EditorsNote),
		Radar:          paragraphs(is.Radar),
		Subscriber:     seg == masthead.SegmentSubscriber,
		SubscribeURL:   site.BaseURL + "/pricing",
		PreferencesURL: site.BaseURL + "/account#newsletters",
		ArchiveURL:     site.BaseURL + "/newsletters/" + n.Slug,
	}
	for _, a := range OrderArticles(is.Articles) {
		it := ArticleItem{
			Title: a.Title, Dek: a.Dek, Authors: JoinNames(a.Authors),
			URL:  site.BaseURL + "/articles/" + url.PathEscape(a.Slug),
			Kind: a.Kind.Label(), InDepth: a.Kind == masthead.KindInDepth,
		}
		if seg != masthead.SegmentSubscriber {
			switch a.Access {
			case masthead.AccessSubscribers:
				it.Note = "Subscribers only"
			case masthead.AccessFree:
				it.Note = "Free to read"
			}
		}
		d.Articles = append(d.Articles, it)
	}
	return d
}

// OrderArticles returns an issue's articles in-depth first, then by
// publication time, newest first, keeping an editor's order otherwise.
func OrderArticles(as []masthead.IssueArticle) []masthead.IssueArticle {
	out := make([]masthead.IssueArticle, 0, len(as))
	for _, a := range as {
		if a.Kind == masthead.KindInDepth {
			out = append(out, a)
		}
	}
	for _, a := range as {
		if a.Kind != masthead.KindInDepth {
			out = append(out, a)
		}
	}
	return out
}

// JoinNames writes names as a byline: "A", "A and B", "A, B and C".
func JoinNames(ns []string) string {
	switch len(ns) {
	case 0:
		return ""
	case 1:
		return ns[0]
	}
	return strings.Join(ns[:len(ns)-1], ", ") + " and " + ns[len(ns)-1]
}

// paragraphs splits plain text at blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseTemplate parses a newsletter's HTML template, or the built-in one.
func parseTemplate(src string) (*htmltemplate.Template, error) {
	if strings.TrimSpace(src) == "" {
		return defaultHTML, nil
	}
	return htmltemplate.New("newsletter").Parse(src)
}

var templateLineRE = regexp.MustCompile(`^template: [^:]*:(\d+)(?::\d+)?: (.*)$`)

// ValidateTemplate checks an HTML template before it is saved: it must
// parse and run on sample data. The error is EINVALID and names the line,
// "Line 12: unexpected "}" in operand"; an empty template (the built-in
// one) is valid.
func ValidateTemplate(src string) error {
	if strings.TrimSpace(src) == "" {
		return nil
	}
	t, err := htmltemplate.New("newsletter").Parse(src)
	if err == nil {
		err = t.Execute(io.Discard, SampleData())
	}
	if err == nil {
		return nil
	}
	msg := err.Error()
	var ee *texttemplate.ExecError
	if errors.As(err, &ee) {
		msg = ee.Err.Error()
	}
	if m := templateLineRE.FindStringSubmatch(msg); m != nil {
		msg = "Line " + m[1] + ": " + m[2]
	} else {
		msg = strings.TrimPrefix(msg, "html/template:")
		msg = "The template cannot be used: " + strings.TrimSpace(msg)
	}
	return &masthead.Error{Code: masthead.EINVALID, Message: msg, Fields: map[string]string{"template": msg}}
}

// SampleData is an issue's template data with made-up content, for
// checking a template and showing authors what fields exist.
func SampleData() TemplateData {
	return TemplateData{
		Site:        SiteData{Name: "The Review", URL: "https://example.com"},
		Newsletter:  NewsletterData{Name: "The Daily Review", Description: "Our take on the day.", Slug: "daily"},
		Subject:     "The Daily Review: a sample",
		Date:        "Friday 6 March 2026",
		EditorsNote: []string{"A note from the editor."},
		Radar:       []string{"What we are watching."},
		Articles: []ArticleItem{{Title: "A long read", Dek: "Why it matters", Authors: "Ana Silva", URL: "https://example.com/articles/a",
			Kind: "In-depth", InDepth: true, Note: "Subscribers only"}},
		SubscribeURL: "https://example.com/pricing", PreferencesURL: "https://example.com/account",
		ArchiveURL: "https://example.com/newsletters/daily",
		Greeting:   "Hello Ana,", Name: "Ana", Email: "ana@example.com",
		UnsubscribeURL: "https://example.com/newsletters/unsubscribe?t=x",
	}
}
