// Package mail sends Masthead's email: the masthead.Mailer over SMTP
// (go-mail), a development outbox for demo mode, and the templates of the
// messages readers get.
//
// The SMTP transport keeps a small pool of open connections rather than
// dialling per message, and sorts every failure into the two kinds the
// Mailer contract knows: temporary (EUNAVAILABLE: a 4xx reply, a timeout,
// a lost or refused connection, and anything wrong with the server
// rather than the message) and permanent (EINVALID: the server refused
// this recipient or this message with a 5xx). A *SendError in the chain
// tells a bulk sender the stage and the server's reply.
package mail

import (
	"crypto"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes of an smtp:// URL.
const (
	// TLSOpportunistic upgrades with STARTTLS when the server offers it.
	TLSOpportunistic = "opportunistic"
	// TLSRequired refuses to send unless STARTTLS succeeds.
	TLSRequired = "required"
	// TLSNone never upgrades: for a relay on the same host.
	TLSNone = "none"
	// TLSImplicit is SMTPS: TLS from the first byte (smtps:// URLs).
	TLSImplicit = "implicit"
)

// Settings is an SMTP URL taken apart. ParseURL produces it; Open uses it.
type Settings struct {
	Host     string
	Port     int
	TLS      string // one of the TLS* constants
	Username string
	Password string
	// Auth names the SASL mechanism ("plain", "login", "cram-md5",
	// "scram-sha-256"); "" discovers the strongest the server offers
	// (PLAIN and LOGIN only over TLS).
	Auth string
	// InsecureSkipVerify accepts any certificate: for tests against a
	// self-signed server, never for production.
	InsecureSkipVerify bool
}

// Redacted is the URL without its password, for logs.
func (s Settings) Redacted() string {
	scheme := "smtp"
	if s.TLS == TLSImplicit {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port))}
	if s.Username != "" {
		u.User = url.User(s.Username)
	}
	return u.String()
}

// ParseURL reads an SMTP URL:
//
//	smtp://[user:pass@]host[:port][?tls=required|none][&auth=MECH]
//	smtps://[user:pass@]host[:port]
//
// smtp:// defaults to port 587 and STARTTLS when the server offers it;
// smtps:// defaults to port 465. User info turns SMTP AUTH on; write
// reserved characters of a password percent-encoded. insecure_skip_verify=1
// accepts any certificate and exists for tests. Unknown parameters are
// errors, so a typo does not silently weaken TLS.
func ParseURL(raw string) (Settings, error) {
	var s Settings
	u, err := url.Parse(raw)
	if err != nil {
		return s, fmt.Errorf("mail: SMTP URL: %w", redactErr(err))
	}
	switch u.Scheme {
	case "smtp":
		s.Port, s.TLS = 587, TLSOpportunistic
	case "smtps":
		s.Port, s.TLS = 465, TLSImplicit
	default:
		return s, fmt.Errorf("mail: SMTP URL: scheme %q: want smtp:// or smtps://", u.Scheme)
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return s, fmt.Errorf("mail: SMTP URL: no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return s, fmt.Errorf("mail: SMTP URL: port %q", p)
		}
		s.Port = n
	}
	if u.Path != "" && u.Path != "/" {
		return s, fmt.Errorf("mail: SMTP URL: unexpected path %q", u.Path)
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
		if s.Username == "" {
			return s, fmt.Errorf("mail: SMTP URL: empty user name")
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return s, fmt.Errorf("mail: SMTP URL: query: %w", err)
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "tls":
			switch {
			case s.TLS == TLSImplicit:
				return s, fmt.Errorf("mail: SMTP URL: tls=%s does not apply to smtps://, which is always TLS", v)
			case v == TLSRequired || v == TLSNone || v == TLSOpportunistic:
				s.TLS = v
			default:
				return s, fmt.Errorf("mail: SMTP URL: tls=%q: want required or none", v)
			}
		case "auth":
			v = strings.ToLower(v)
			if _, ok := authTypes[v]; !ok {
				return s, fmt.Errorf("mail: SMTP URL: auth=%q: want one of plain, login, cram-md5, scram-sha-1, scram-sha-256", v)
			}
			s.Auth = v
		case "insecure_skip_verify":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return s, fmt.Errorf("mail: SMTP URL: insecure_skip_verify=%q: want 1 or 0", v)
			}
			s.InsecureSkipVerify = b
		default:
			return s, fmt.Errorf("mail: SMTP URL: unknown parameter %q (known: tls, auth, insecure_skip_verify)", k)
		}
	}
	if s.Auth != "" && s.Username == "" {
		return s, fmt.Errorf("mail: SMTP URL: auth=%s without user name and password", s.Auth)
	}
	return s, nil
}

// redactErr drops the URL from a *url.Error, which would print the
// password.
func redactErr(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// ParseFrom checks a From address such as `The Review <news@example.com>`.
func ParseFrom(from string) (*mail.Address, error) {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: sender %q: %w", from, err)
	}
	if strings.LastIndexByte(a.Address, '@') <= 0 {
		return nil, fmt.Errorf("mail: sender %q: no domain", from)
	}
	return a, nil
}

// DefaultFrom is the sender used when none is configured: the site's name
// and no-reply at the host of its public URL.
func DefaultFrom(siteName, baseURL string) string {
	host := "localhost"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	if strings.Contains(host, ":") { // an IPv6 literal
		host = "[" + host + "]"
	}
	return (&mail.Address{Name: siteName, Address: "no-reply@" + host}).String()
}

// Option tunes an SMTP Mailer.
type Option func(*options)

type options struct {
	timeout     time.Duration
	maxConns    int
	idleTimeout time.Duration
	perConn     int
	tlsConfig   *tls.Config
	logger      *slog.Logger
	dkim        *gomail.DKIMSigner
	now         func() time.Time
}

// WithTimeout bounds every network step: the dial, greeting, TLS and
// AUTH together, and then each message's whole MAIL/RCPT/DATA
// transaction. Default 30 s.
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithMaxConns bounds the connections open at once, and so the messages
// in flight. Default 4; a newsletter sender may raise it.
func WithMaxConns(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxConns = n
		}
	}
}

// WithIdleTimeout sets how long an unused connection stays in the pool.
// Default 30 s, well under the five minutes servers must wait (RFC 5321
// 4.5.3.2.7), so a pooled connection is rarely found dead.
func WithIdleTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.idleTimeout = d
		}
	}
}

// WithMessagesPerConn caps the messages sent over one connection before
// it is replaced; some providers close connections after a number of
// messages. Default 100.
func WithMessagesPerConn(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.perConn = n
		}
	}
}

// WithTLSConfig replaces the TLS settings (to trust a private CA, say).
// ServerName defaults to the URL's host.
func WithTLSConfig(c *tls.Config) Option {
	return func(o *options) { o.tlsConfig = c }
}

// WithLogger logs each message sent at debug level.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// WithClock sets the time written in Date headers; tests use it.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithDKIM signs every message with DKIM (RFC 6376, relaxed
// canonicalisation) for the domain, under the DNS selector, with an RSA or
// Ed25519 key (see ParseDKIMKey).
func WithDKIM(domain, selector string, key crypto.Signer) Option {
	return func(o *options) { o.dkim = gomail.NewDKIMSigner(domain, selector, key) }
}

// ParseDKIMKey reads a PEM private key (PKCS #1 RSA, or PKCS #8 RSA or
// Ed25519) for WithDKIM.
func ParseDKIMKey(pem []byte) (crypto.Signer, error) {
	k, err := gomail.PrivKeyFromPEM(pem)
	if err != nil {
		return nil, fmt.Errorf("mail: DKIM key: %w", err)
	}
	return k, nil
}
