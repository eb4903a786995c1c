// Package mailtest runs a real SMTP server inside a test process, on
// 127.0.0.1 and a free port, so tests anywhere in the project can send
// email through the production transport (package mail) and read what
// arrived: the parsed message, its text and HTML parts, and its headers.
//
// It can also misbehave on purpose — refuse the next messages with a
// chosen SMTP code, or go down altogether — so the code that sends can be
// tested against temporary and permanent failures.
//
//	srv := mailtest.Start(t)
//	m, _ := mail.Open(srv.URL(), "Site <no-reply@example.com>")
//	… send …
//	msg := srv.WaitFor(t, "reader@example.com", 5*time.Second)
//	link := mailtest.FirstLink(msg.Text)
package mailtest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message as the server received it: the envelope, the
// parsed headers and the decoded text and HTML parts.
type Message struct {
	// From is the address in the From header (without display name);
	// FromName is its display name.
	From     string
	FromName string
	// To is the address in the To header.
	To string
	// MailFrom and Rcpt are the SMTP envelope.
	MailFrom string
	Rcpt     []string
	Subject  string
	// Text and HTML are the decoded plain-text and HTML parts; either is
	// empty when the message has no such part.
	Text string
	HTML string
	// Headers holds the top-level headers with RFC 2047 words decoded.
	// Keys are canonical MIME header keys ("Message-Id", "List-Unsubscribe").
	Headers map[string][]string
	// ContentType is the top-level media type, e.g. "multipart/alternative".
	ContentType string
	// TLS reports whether the message arrived over an encrypted connection
	// (implicit TLS or STARTTLS); User is the authenticated user name, or "".
	TLS  bool
	User string
	// Raw is the message exactly as transmitted in DATA.
	Raw []byte
	// Received is when the server accepted the message.
	Received time.Time
}

// Header returns the first value of the named header, or "".
func (m Message) Header(name string) string {
	for k, v := range m.Headers {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// Option configures a Server.
type Option func(*config)

type config struct {
	user, pass  string
	starttls    bool
	implicitTLS bool
	discard     bool
	logf        func(format string, args ...any)
}

// WithAuth makes the server require SMTP AUTH (PLAIN or LOGIN) with this
// user name and password before it accepts mail. The server offers AUTH
// only over TLS, as real ones do, so combine it with WithSTARTTLS or
// WithImplicitTLS.
func WithAuth(user, pass string) Option {
	return func(c *config) { c.user, c.pass = user, pass }
}

// WithSTARTTLS makes the server offer STARTTLS with a self-signed
// certificate for 127.0.0.1 and localhost.
func WithSTARTTLS() Option { return func(c *config) { c.starttls = true } }

// WithImplicitTLS makes the server speak TLS from the first byte (SMTPS);
// URL then returns an smtps:// URL.
func WithImplicitTLS() Option { return func(c *config) { c.implicitTLS = true } }

// Discard makes the server count accepted messages per recipient without
// parsing or keeping them: for benchmarks and crash tests that send
// thousands. Messages and WaitFor then see nothing; Received counts.
func Discard() Option { return func(c *config) { c.discard = true } }

// WithLogf sends the SMTP server's own error log to logf.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(c *config) { c.logf = logf }
}

// Server is an SMTP server for tests. Its methods are safe for concurrent
// use.
type Server struct {
	cfg    config
	srv    *smtp.Server
	ln     net.Listener
	pool   *x509.CertPool // trusts the self-signed certificate; nil without TLS
	served chan struct{}

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever a message arrives
	msgs     []Message
	taken    []bool
	counts   map[string]int
	failures []int // SMTP codes for the next RCPTs, consumed in order
	down     bool
	conns    map[*smtp.Conn]bool
	sessions int
	closed   bool
}

// Start starts a server on 127.0.0.1 and a free port and stops it when
// the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// New starts a server outside a test (a benchmark's main, say); Close
// stops it.
func New(opts ...Option) (*Server, error) {
	s := &Server{
		served:  make(chan struct{}),
		changed: make(chan struct{}),
		counts:  map[string]int{},
		conns:   map[*smtp.Conn]bool{},
	}
	for _, o := range opts {
		o(&s.cfg)
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "mailtest.localhost"
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 50
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if s.cfg.logf != nil {
		srv.ErrorLog = logfLogger(s.cfg.logf)
	}
	if s.cfg.starttls || s.cfg.implicitTLS {
		cert, pool, err := selfSigned()
		if err != nil {
			return nil, err
		}
		s.pool = pool
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mailtest: listen: %w", err)
	}
	s.ln = &gate{Listener: ln, s: s}
	if s.cfg.implicitTLS {
		s.ln = tls.NewListener(s.ln, srv.TLSConfig)
	}
	s.srv = srv
	go func() {
		defer close(s.served)
		srv.Serve(s.ln)
	}()
	return s, nil
}

type logfLogger func(format string, args ...any)

func (l logfLogger) Printf(format string, v ...any) { l(format, v...) }
func (l logfLogger) Println(v ...any)               { l("%s", fmt.Sprintln(v...)) }

// Close stops the server and closes every connection.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := s.srv.Close()
	// Serve may not have registered the listener yet when a test ends
	// at once; closing it here too ends Serve either way.
	s.ln.Close()
	<-s.served
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is an smtp:// URL for mail.Open: smtps:// with implicit TLS, the
// credentials of WithAuth, and insecure_skip_verify=1 when the server uses
// its self-signed certificate (or use CertPool to verify it properly).
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.Addr()}
	if s.cfg.implicitTLS {
		u.Scheme = "smtps"
	}
	if s.cfg.user != "" {
		u.User = url.UserPassword(s.cfg.user, s.cfg.pass)
	}
	q := url.Values{}
	if s.cfg.starttls {
		q.Set("tls", "required")
	}
	if s.pool != nil {
		q.Set("insecure_skip_verify", "1")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// CertPool trusts the server's self-signed certificate, for a client that
// verifies it (its names are 127.0.0.1 and localhost). Nil without TLS.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// Messages returns a copy of every message received so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Received counts the messages accepted for the recipient address (case
// ignored), in Discard mode too.
func (s *Server) Received(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[normAddr(to)]
}

// Total counts every accepted message delivery (one per recipient).
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.counts {
		n += c
	}
	return n
}

// Connections counts the connections the server has accepted so far, to
// check that a sender reuses its connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// WaitFor returns the oldest message to the address that no earlier
// WaitFor call returned, waiting up to timeout for one to arrive; it fails
// the test when none does. Successive calls therefore walk through one
// reader's mail in order: the registration email, then the next sign-in
// link.
func (s *Server) WaitFor(t testing.TB, to string, timeout time.Duration) Message {
	t.Helper()
	want := normAddr(to)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for i, m := range s.msgs {
			if s.taken[i] || !m.isFor(want) {
				continue
			}
			s.taken[i] = true
			s.mu.Unlock()
			return m
		}
		changed := s.changed
		var got []string
		for _, m := range s.msgs {
			got = append(got, strings.Join(m.Rcpt, ","))
		}
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("mailtest: no new message to %s within %s (received for: %v)", to, timeout, got)
			return Message{}
		}
	}
}

func (m Message) isFor(addr string) bool {
	if normAddr(m.To) == addr {
		return true
	}
	for _, r := range m.Rcpt {
		if normAddr(r) == addr {
			return true
		}
	}
	return false
}

// FailNext makes the server refuse the next n messages with the SMTP
// code — 451 (try again later) or 550 (no such mailbox), say — at RCPT
// TO, the point where real servers refuse a recipient. Calls add up.
func (s *Server) FailNext(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, code)
	}
}

// SetDown takes the server down (true) or brings it back (false). While
// down it closes every open connection and hangs up on new ones before the
// greeting, as a crashed or unreachable server looks to a client.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	var open []*smtp.Conn
	if down {
		for c := range s.conns {
			open = append(open, c)
		}
	}
	s.mu.Unlock()
	// Outside the lock: closing a conn logs its session out, which
	// takes the lock.
	for _, c := range open {
		c.Close()
	}
}

// nextFailure consumes and returns the next injected failure code, or 0.
func (s *Server) nextFailure() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == 0 {
		return 0
	}
	code := s.failures[0]
	s.failures = s.failures[1:]
	return code
}

// deliver records an accepted message.
func (s *Server) deliver(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range m.Rcpt {
		s.counts[normAddr(r)]++
	}
	if s.cfg.discard {
		return
	}
	s.msgs = append(s.msgs, m)
	s.taken = append(s.taken, false)
	close(s.changed)
	s.changed = make(chan struct{})
}

// normAddr makes addresses comparable: brackets and space trimmed, case
// folded. Local parts are case-sensitive in principle, but no real
// mailbox relies on it, and tests should not trip over it.
func normAddr(a string) string {
	return strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(a), "<>")))
}

// gate hangs up on connections while the server is down, before the SMTP
// server sees them.
type gate struct {
	net.Listener
	s *Server
}

func (g *gate) Accept() (net.Conn, error) {
	for {
		c, err := g.Listener.Accept()
		if err != nil {
			return nil, err
		}
		g.s.mu.Lock()
		down := g.s.down
		if !down {
			g.s.sessions++
		}
		g.s.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		return c, nil
	}
}

// backend creates one session per SMTP connection.
type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	b.s.conns[c] = true
	b.s.mu.Unlock()
	return &session{s: b.s, conn: c}, nil
}

// session is one SMTP connection's state.
type session struct {
	s        *Server
	conn     *smtp.Conn
	user     string
	from     string
	rcpt     []string
	loggedIn bool
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.s.cfg.user == "" {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != ss.s.cfg.user || pass != ss.s.cfg.pass {
			return smtp.ErrAuthFailed
		}
		ss.user, ss.loggedIn = user, true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return smtp.ErrAuthFailed
			}
			return check(user, pass)
		}), nil
	case sasl.Login:
		return newLoginServer(check), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.cfg.user != "" && !ss.loggedIn {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if code := ss.s.nextFailure(); code != 0 {
		enh := smtp.EnhancedCode{code / 100, 0, 0}
		msg := "Injected failure"
		switch {
		case code == 550:
			enh, msg = smtp.EnhancedCode{5, 1, 1}, "Mailbox does not exist"
		case code/100 == 4:
			enh, msg = smtp.EnhancedCode{4, 7, 1}, "Try again later"
		}
		return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
	}
	ss.rcpt = append(ss.rcpt, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{MailFrom: ss.from, Rcpt: append([]string(nil), ss.rcpt...), User: ss.user, Received: time.Now()}
	_, m.TLS = ss.conn.TLSConnectionState()
	if !ss.s.cfg.discard {
		m.Raw = raw
		if err := parse(&m, raw); err != nil {
			// A message the server cannot parse is a bug in the
			// sender; refuse it so the test sees the error.
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Unparseable message: " + err.Error()}
		}
	}
	ss.s.deliver(m)
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.rcpt = "", nil
}

func (ss *session) Logout() error {
	ss.s.mu.Lock()
	delete(ss.s.conns, ss.conn)
	ss.s.mu.Unlock()
	return nil
}

// loginServer is the server side of the obsolete but common LOGIN
// mechanism, which go-sasl provides only as a client.
type loginServer struct {
	check      func(user, pass string) error
	user       string
	step       int
	authorized bool
}

func newLoginServer(check func(user, pass string) error) *loginServer {
	return &loginServer{check: check}
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if response != nil {
			// Initial response carries the user name.
			l.user = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.user = string(response)
		l.step++
		return []byte("Password:"), false, nil
	case 2:
		l.step++
		return nil, true, l.check(l.user, string(response))
	}
	return nil, true, errors.New("unexpected client response")
}
