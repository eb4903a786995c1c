package mail

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"masthead"
)

// OutboxPath is where the development outbox is served; the Outbox
// handler expects to see full paths under it.
const OutboxPath = "/_dev/mail"

// Outbox is the Mailer of demo mode when no SMTP server is configured: it
// keeps the last messages in memory, writes each to the log with its first
// link (so a developer can follow a sign-in link from the terminal), and
// serves them as pages at OutboxPath. It validates emails as the SMTP
// Mailer does, so a malformed email fails here too.
//
// It holds reader email addresses and live sign-in links: it must only be
// mounted in demo mode.
type Outbox struct {
	max int
	log *slog.Logger
	now func() time.Time

	mu   sync.Mutex
	seq  int
	msgs []OutboxMessage // oldest first

	mux     *http.ServeMux
	tmpl    *template.Template
	pageCSP string
}

// OutboxMessage is one email kept by the Outbox.
type OutboxMessage struct {
	ID    int
	Sent  time.Time
	Email masthead.Email
}

// Link is the first http(s) link of the plain-text part, or "".
func (m OutboxMessage) Link() string { return FirstLink(m.Email.Text) }

var _ masthead.Mailer = (*Outbox)(nil)

//go:embed templates/outbox.html
var outboxFS embed.FS

// outboxCSS is the outbox pages' whole style sheet, inlined and allowed by
// its hash: the pages need no other asset, and the CSP still allows no
// inline style other than exactly this.
const outboxCSS = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem;overflow-wrap:anywhere}
iframe{width:100%;height:40rem;border:1px solid #ccc}dt{font-weight:600}dd{margin:0 0 .5rem 0;overflow-wrap:anywhere}
.note{color:#666}`

// NewOutbox keeps the last max messages (200 when max <= 0) and logs each
// to log.
func NewOutbox(max int, log *slog.Logger) *Outbox {
	if max <= 0 {
		max = 200
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sum := sha256.Sum256([]byte(outboxCSS))
	o := &Outbox{
		max: max,
		log: log,
		now: time.Now,
		tmpl: template.Must(template.New("outbox.html").Funcs(template.FuncMap{
			"css": func() template.CSS { return template.CSS(outboxCSS) },
		}).ParseFS(outboxFS, "templates/outbox.html")),
		pageCSP: "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
			"frame-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	}
	o.mux = http.NewServeMux()
	o.mux.HandleFunc("GET "+OutboxPath, o.serveList)
	o.mux.HandleFunc("GET "+OutboxPath+"/{id}", o.serveMessage)
	o.mux.HandleFunc("GET "+OutboxPath+"/{id}/html", o.serveHTML)
	return o
}

// Send validates and keeps the email and logs it; it never fails for a
// valid email.
func (o *Outbox) Send(ctx context.Context, e masthead.Email) error {
	if _, err := check(e); err != nil {
		return err
	}
	o.mu.Lock()
	o.seq++
	m := OutboxMessage{ID: o.seq, Sent: o.now(), Email: e}
	o.msgs = append(o.msgs, m)
	if len(o.msgs) > o.max {
		o.msgs = append(o.msgs[:0], o.msgs[len(o.msgs)-o.max:]...)
	}
	// Logged before the message can be seen at /_dev/mail, so whoever
	// finds it there finds its link in the log too.
	o.log.LogAttrs(ctx, slog.LevelInfo, "mail: kept in the dev outbox",
		slog.String("to", e.To), slog.String("subject", e.Subject),
		slog.String("category", e.Category), slog.String("link", m.Link()),
		slog.String("outbox", OutboxPath+"/"+strconv.Itoa(m.ID)))
	o.mu.Unlock()
	return nil
}

// Messages returns the kept messages, newest first.
func (o *Outbox) Messages() []OutboxMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]OutboxMessage, len(o.msgs))
	for i, m := range o.msgs {
		out[len(o.msgs)-1-i] = m
	}
	return out
}

// Last returns the newest message to the address.
func (o *Outbox) Last(to string) (OutboxMessage, bool) {
	for _, m := range o.Messages() {
		if strings.EqualFold(m.Email.To, to) {
			return m, true
		}
	}
	return OutboxMessage{}, false
}

func (o *Outbox) find(idText string) (OutboxMessage, bool) {
	id, err := strconv.Atoi(idText)
	if err != nil {
		return OutboxMessage{}, false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range o.msgs {
		if m.ID == id {
			return m, true
		}
	}
	return OutboxMessage{}, false
}

// ServeHTTP serves the list at OutboxPath, one message at
// OutboxPath/{id}, and its HTML part at OutboxPath/{id}/html.
func (o *Outbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Live sign-in links: never cached, never indexed, never sent on
	// as a Referer.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex")
	h.Set("Referrer-Policy", "no-referrer")
	o.mux.ServeHTTP(w, r)
}

type outboxPage struct {
	Messages []OutboxMessage
	Message  *OutboxMessage
	NotFound bool
	Max      int
	Path     string
}

func (o *Outbox) render(w http.ResponseWriter, status int, p outboxPage) {
	p.Max, p.Path = o.max, OutboxPath
	var b strings.Builder
	if err := o.tmpl.Execute(&b, p); err != nil {
		http.Error(w, "outbox: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Security-Policy", o.pageCSP)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

func (o *Outbox) serveList(w http.ResponseWriter, r *http.Request) {
	o.render(w, http.StatusOK, outboxPage{Messages: o.Messages()})
}

func (o *Outbox) serveMessage(w http.ResponseWriter, r *http.Request) {
	m, ok := o.find(r.PathValue("id"))
	if !ok {
		o.render(w, http.StatusNotFound, outboxPage{NotFound: true})
		return
	}
	o.render(w, http.StatusOK, outboxPage{Message: &m})
}

// serveHTML serves an HTML part as its own document, for the sandboxed
// frame on the message page. Its policy lets the email's inline styles
// and images work (email HTML is all inline styles) but runs no script
// and, sandboxed, it cannot touch the site's origin.
func (o *Outbox) serveHTML(w http.ResponseWriter, r *http.Request) {
	m, ok := o.find(r.PathValue("id"))
	if !ok || m.Email.HTML == "" {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; sandbox; frame-ancestors 'self'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(m.Email.HTML))
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"')\]]+`)

// FirstLink returns the first http(s) URL in a plain-text body, or "".
func FirstLink(text string) string {
	return strings.TrimRight(linkRE.FindString(text), ".,;:!?")
}

// Unconfigured is the Mailer when email is not set up: every Send fails
// as temporarily unavailable with a message that says what to configure.
type Unconfigured struct{}

// Send refuses.
func (Unconfigured) Send(context.Context, masthead.Email) error {
	return masthead.Errorf(masthead.EUNAVAILABLE, "email is not set up: set MASTHEAD_SMTP_URL")
}
