package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
	"golang.org/x/net/idna"

	"masthead"
)

// SMTP is a masthead.Mailer that delivers through an SMTP server. It is
// safe for concurrent use: each Send borrows a connection from a small
// pool (dialling one when none is idle), so a burst of sends reuses a few
// authenticated TLS sessions instead of paying for a handshake per
// message. Close it at shutdown.
type SMTP struct {
	settings Settings
	from     *mail.Address
	dialer   *gomail.Client // only dials; transactions run on the pooled connections
	o        options

	slots chan struct{} // one token per connection in use

	mu     sync.Mutex
	idle   []*conn // most recently used last
	closed bool
}

// conn is a pooled, connected and authenticated SMTP session.
type conn struct {
	c        *smtp.Client
	sent     int
	lastUsed time.Time
}

var _ masthead.Mailer = (*SMTP)(nil)

// Open returns a Mailer for the server at rawURL (see ParseURL) sending as
// from (`Name <address>`). It does not connect: the first Send does, so a
// server that is down at start delays nothing; call Ping to check the
// settings early.
func Open(rawURL, from string, opts ...Option) (*SMTP, error) {
	st, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	addr, err := ParseFrom(from)
	if err != nil {
		return nil, err
	}
	o := options{timeout: 30 * time.Second, maxConns: 4, idleTimeout: 30 * time.Second, perConn: 100, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	if o.dkim != nil {
		if err := o.dkim.ValidateConfig(); err != nil {
			return nil, fmt.Errorf("mail: DKIM: %w", err)
		}
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.tlsConfig != nil {
		tc = o.tlsConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = st.Host
	}
	if st.InsecureSkipVerify {
		tc.InsecureSkipVerify = true
	}
	copts := []gomail.Option{
		gomail.WithPort(st.Port),
		gomail.WithTimeout(o.timeout),
		gomail.WithTLSConfig(tc),
	}
	switch st.TLS {
	case TLSImplicit:
		copts = append(copts, gomail.WithSSL())
	case TLSRequired:
		copts = append(copts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSNone:
		copts = append(copts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		copts = append(copts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if st.Username != "" {
		at := gomail.SMTPAuthAutoDiscover
		if st.Auth != "" {
			at = authTypes[st.Auth]
		}
		copts = append(copts, gomail.WithSMTPAuth(at), gomail.WithUsername(st.Username), gomail.WithPassword(st.Password))
	}
	dialer, err := gomail.NewClient(st.Host, copts...)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP client for %s: %w", st.Redacted(), err)
	}
	return &SMTP{
		settings: st,
		from:     addr,
		dialer:   dialer,
		o:        o,
		slots:    make(chan struct{}, o.maxConns),
	}, nil
}

// authTypes maps the auth= parameter to go-mail's mechanisms.
var authTypes = map[string]gomail.SMTPAuthType{
	"plain":         gomail.SMTPAuthPlain,
	"login":         gomail.SMTPAuthLogin,
	"cram-md5":      gomail.SMTPAuthCramMD5,
	"scram-sha-1":   gomail.SMTPAuthSCRAMSHA1,
	"scram-sha-256": gomail.SMTPAuthSCRAMSHA256,
}

// Settings returns the parsed URL (with the password), e.g. for Redacted.
func (s *SMTP) Settings() Settings { return s.settings }

// From returns the default sender.
func (s *SMTP) From() *mail.Address { return s.from }

// Send delivers one email. It returns nil once the server has accepted the
// message (250 after DATA), and otherwise a *SendError classified as
// temporary or permanent (see the package doc).
//
// ctx bounds the wait for a free connection and, through its deadline,
// the transaction; a cancellation does not cut a transaction already
// under way, which ends within the configured timeout, so a stopping
// sender never leaves a message half-sent and then sends it again.
func (s *SMTP) Send(ctx context.Context, e masthead.Email) error {
	msg, to, err := s.compose(e)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		c, reused, err := s.acquire(ctx)
		if err != nil {
			return classify(to, StageConnect, err)
		}
		start := time.Now()
		stage, reusable, err := s.transact(ctx, c, msg)
		if err == nil {
			c.sent++
			s.release(c, true)
			s.o.logger.LogAttrs(ctx, slog.LevelDebug, "mail: sent",
				slog.String("to", to), slog.String("category", e.Category),
				slog.Duration("duration", time.Since(start)))
			return nil
		}
		s.release(c, reusable)
		// A pooled connection the server dropped while it sat idle
		// fails on its first command, before any message data was
		// sent: trying once more on a fresh connection cannot
		// duplicate anything.
		if reused && attempt == 0 && stage == StageMail && !reusable && ctx.Err() == nil {
			continue
		}
		return classify(to, stage, err)
	}
}

// arm sets the connection's deadline for one transaction: the timeout,
// or what is left of ctx when that is sooner. When ctx is already done
// the connection is untouched and still reusable.
func (s *SMTP) arm(ctx context.Context, c *conn) (reusable bool, err error) {
	d := s.o.timeout
	if dl, ok := ctx.Deadline(); ok {
		if d = min(d, time.Until(dl)); d <= 0 {
			return true, ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		return true, err
	}
	if err := c.c.UpdateDeadline(d); err != nil {
		return false, err
	}
	return true, nil
}

// transact runs one MAIL/RCPT/DATA transaction and reports the stage it
// stopped at and whether the connection is still in a known state: after
// a refusal it is (the transaction was reset), after a timeout, a broken
// pipe or a 421 "closing channel" it is not.
func (s *SMTP) transact(ctx context.Context, c *conn, msg *gomail.Msg) (stage string, reusable bool, err error) {
	if reusable, err := s.arm(ctx, c); err != nil {
		return StageMail, reusable, err
	}
	from, err := msg.GetSender(false)
	if err != nil {
		return StageMail, true, err
	}
	rcpts, err := msg.GetRecipients()
	if err != nil {
		return StageRcpt, true, err
	}
	if err := c.c.Mail(from); err != nil {
		return StageMail, replied(err), err
	}
	for _, r := range rcpts {
		if err := c.c.Rcpt(r); err != nil {
			// Abandon the transaction so the connection can carry
			// the next message.
			ok := replied(err) && c.c.Reset() == nil
			return StageRcpt, ok, err
		}
	}
	w, err := c.c.Data()
	if err != nil {
		ok := replied(err) && c.c.Reset() == nil
		return StageData, ok, err
	}
	if _, err := msg.WriteTo(w); err != nil {
		// No Close: it would wait for a reply that may never come.
		// The connection is dropped instead.
		return StageData, false, err
	}
	if err := w.Close(); err != nil {
		return StageData, replied(err), err
	}
	return "", true, nil
}

// replied reports whether err is an SMTP reply other than 421, after which
// the session is still usable.
func replied(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp) && tp.Code != 421
}

// acquire borrows a connection: an idle one if a fresh one is pooled,
// otherwise a new dial. reused reports which.
func (s *SMTP) acquire(ctx context.Context) (c *conn, reused bool, err error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	now := time.Now()
	var stale []*conn
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.slots
		return nil, false, errClosed
	}
	for len(s.idle) > 0 {
		last := s.idle[len(s.idle)-1]
		s.idle = s.idle[:len(s.idle)-1]
		if now.Sub(last.lastUsed) < s.o.idleTimeout {
			c = last
			break
		}
		stale = append(stale, last)
	}
	s.mu.Unlock()
	for _, old := range stale {
		s.quit(old)
	}
	if c != nil {
		return c, true, nil
	}
	sc, err := s.dialer.DialToSMTPClientWithContext(ctx)
	if err != nil {
		<-s.slots
		return nil, false, err
	}
	return &conn{c: sc}, false, nil
}

var errClosed = errors.New("mailer closed")

// release returns a connection to the pool, or closes it when it is not
// to be trusted, has carried its share of messages, or the mailer is
// closed.
func (s *SMTP) release(c *conn, keep bool) {
	defer func() { <-s.slots }()
	if keep && c.sent < s.o.perConn {
		s.mu.Lock()
		if !s.closed {
			c.lastUsed = time.Now()
			s.idle = append(s.idle, c)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
	if keep {
		s.quit(c)
	} else {
		c.c.Close()
	}
}

// quit ends a session politely, within a second.
func (s *SMTP) quit(c *conn) {
	if c.c.UpdateDeadline(time.Second) == nil && c.c.Quit() == nil {
		return
	}
	c.c.Close()
}

// Ping checks that the server can be reached, greets, and accepts the
// TLS and AUTH settings, leaving the connection in the pool.
func (s *SMTP) Ping(ctx context.Context) error {
	c, reused, err := s.acquire(ctx)
	if err != nil {
		return classify("", StageConnect, err)
	}
	if reused {
		if err := c.c.UpdateDeadline(s.o.timeout); err == nil {
			err = c.c.Noop()
		}
		if err != nil {
			s.release(c, false)
			return s.Ping(ctx)
		}
	}
	s.release(c, true)
	return nil
}

// Close ends the idle connections; connections in use close when their
// message is done. Sends after Close fail as temporary.
func (s *SMTP) Close() error {
	s.mu.Lock()
	s.closed = true
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	for _, c := range idle {
		s.quit(c)
	}
	return nil
}

// compose turns an Email into a go-mail message; a field a caller got
// wrong is a permanent EINVALID error (see check).
func (s *SMTP) compose(e masthead.Email) (*gomail.Msg, string, error) {
	c, err := check(e)
	if err != nil {
		return nil, e.To, err
	}
	mopts := []gomail.MsgOption{gomail.WithNoDefaultUserAgent()}
	if s.o.dkim != nil {
		mopts = append(mopts, gomail.WithDKIM(s.o.dkim))
	}
	msg := gomail.NewMsg(mopts...)
	from := s.from
	if c.from != nil {
		from = c.from
	}
	msg.FromMailAddress(from)
	msg.ToMailAddress(c.to)
	if c.replyTo != nil {
		msg.ReplyToMailAddress(c.replyTo)
	}
	msg.Subject(e.Subject)
	msg.SetDateWithValue(s.o.now())
	msgID := c.messageID
	if msgID == "" {
		msgID = newMessageID(from.Address)
	}
	msg.SetMessageIDWithValue(msgID)
	for _, h := range c.headers {
		msg.SetGenHeader(gomail.Header(h[0]), h[1])
	}
	msg.SetBodyString(gomail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	}
	return msg, c.to.Address, nil
}

// checked is an Email whose addresses and headers have been parsed.
type checked struct {
	to, from, replyTo *mail.Address
	messageID         string
	headers           [][2]string // the rest, name and value
}

// check validates an Email the way every Mailer here does, so a mistake
// shows in development (the outbox) as it would in production: one
// recipient address, a one-line subject, a text part, and well-formed
// extra headers. Headers may override From, Reply-To and Message-ID; the
// headers the mailer writes itself may not be set.
func check(e masthead.Email) (checked, error) {
	var c checked
	var err error
	if c.to, err = recipient(e.To); err != nil {
		return c, err
	}
	invalid := masthead.Invalid{}
	if strings.TrimSpace(e.Subject) == "" || strings.ContainsAny(e.Subject, "\r\n") {
		invalid.Add("subject", "An email needs a one-line subject.")
	}
	if strings.TrimSpace(e.Text) == "" {
		invalid.Add("text", "An email needs a plain-text part.")
	}
	if err := invalid.Err(); err != nil {
		return c, err
	}
	for name, value := range e.Headers {
		if !validHeaderName(name) || strings.ContainsAny(value, "\r\n") {
			return c, masthead.Errorf(masthead.EINVALID, "Email header %q is malformed.", name)
		}
		switch canon := textproto.CanonicalMIMEHeaderKey(name); {
		case canon == "From":
			if c.from, err = ParseFrom(value); err != nil {
				return c, masthead.Errorf(masthead.EINVALID, "The sender %q is not a valid address.", value)
			}
		case canon == "Reply-To":
			if c.replyTo, err = ParseFrom(value); err != nil {
				return c, masthead.Errorf(masthead.EINVALID, "The reply-to address %q is not valid.", value)
			}
		case canon == "Message-Id":
			c.messageID = strings.Trim(value, "<> ")
		case reservedHeader(canon):
			return c, masthead.Errorf(masthead.EINVALID, "Email header %q is set by the mailer.", name)
		default:
			c.headers = append(c.headers, [2]string{name, value})
		}
	}
	// Map order is random; a stable order keeps messages reproducible.
	slices.SortFunc(c.headers, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return c, nil
}

// recipient parses the To address. An internationalised domain is written
// in its ASCII (punycode) form, which every server accepts; a non-ASCII
// local part is kept and needs a server with SMTPUTF8.
func recipient(raw string) (*mail.Address, error) {
	bad := &masthead.Error{Code: masthead.EINVALID, Message: "Enter a valid email address.",
		Fields: map[string]string{"email": "Enter a valid email address."}}
	a, err := mail.ParseAddress(strings.TrimSpace(raw))
	if err != nil {
		return nil, bad
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 || at == len(a.Address)-1 {
		return nil, bad
	}
	domain, err := idna.Lookup.ToASCII(a.Address[at+1:])
	if err != nil || !strings.Contains(domain, ".") && domain != "localhost" {
		return nil, bad
	}
	a.Address = a.Address[:at+1] + domain
	return a, nil
}

// newMessageID makes a globally unique Message-ID under the sender's
// domain (RFC 5322 3.6.4): 128 random bits.
func newMessageID(from string) string {
	var b [16]byte
	rand.Read(b[:])
	domain := "localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 {
		domain = from[at+1:]
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])) + "@" + domain
}

// validHeaderName reports whether name is an RFC 5322 field name.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 127 || c == ':' {
			return false
		}
	}
	return true
}

// reservedHeader lists the headers the mailer writes itself; letting a
// caller set them would produce duplicates or a broken MIME structure.
func reservedHeader(canon string) bool {
	switch canon {
	case "To", "Cc", "Bcc", "Subject", "Date", "Mime-Version", "Sender",
		"Return-Path", "Received", "Dkim-Signature":
		return true
	}
	return strings.HasPrefix(canon, "Content-")
}
