package mail_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead"
	mmail "masthead/mail"
	"masthead/mail/mailtest"
)

const from = "The Masthead Review <no-reply@example.com>"

// wait is generous: it bounds a test that went wrong, it is not a
// performance assertion.
const wait = 10 * time.Second

func mustOpen(t *testing.T, rawURL string, opts ...mmail.Option) *mmail.SMTP {
	t.Helper()
	m, err := mmail.Open(rawURL, from, opts...)
	if err != nil {
		t.Fatalf("Open(%q): %v", rawURL, err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func mustSend(t *testing.T, m masthead.Mailer, e masthead.Email) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := m.Send(ctx, e); err != nil {
		t.Fatalf("Send to %s: %v", e.To, err)
	}
}

func send(m masthead.Mailer, e masthead.Email) error {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return m.Send(ctx, e)
}

func email(to string) masthead.Email {
	return masthead.Email{
		To:       to,
		Subject:  "Sign in to The Masthead Review",
		Text:     "Follow this link: https://example.com/signin/abc\n",
		HTML:     `<p><a href="https://example.com/signin/abc">Sign in</a></p>`,
		Category: "signin",
	}
}

func TestSendDeliversBothPartsAndHeaders(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL(), mmail.WithClock(func() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) }))
	text := "Café au lait — ünïcödé survives.\nA long line " + strings.Repeat("word ", 40) + "\nhttps://example.com/signin/abc?t=1&x=2\n"
	html := `<p style="color:#333">Café — <a href="https://example.com/signin/abc?t=1&amp;x=2">Sign in</a></p>`
	mustSend(t, m, masthead.Email{
		To:      "reader@example.org",
		Subject: "Your sign-in link for The Review – café",
		Text:    text,
		HTML:    html,
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://example.com/u/tok>, <mailto:unsubscribe@example.com?subject=tok>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"Reply-To":              "Editors <editors@example.com>",
		},
	})
	got := srv.WaitFor(t, "reader@example.org", wait)

	checks := []struct{ name, got, want string }{
		{"From", got.From, "no-reply@example.com"},
		{"From name", got.FromName, "The Masthead Review"},
		{"To", got.To, "reader@example.org"},
		{"envelope from", got.MailFrom, "no-reply@example.com"},
		{"Subject", got.Subject, "Your sign-in link for The Review – café"},
		{"Content-Type", got.ContentType, "multipart/alternative"},
		{"Text", got.Text, text},
		{"HTML", got.HTML, html},
		{"List-Unsubscribe", got.Header("List-Unsubscribe"), "<https://example.com/u/tok>, <mailto:unsubscribe@example.com?subject=tok>"},
		{"List-Unsubscribe-Post", got.Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click"},
		{"Reply-To", got.Header("Reply-To"), "\"Editors\" <editors@example.com>"},
		{"MIME-Version", got.Header("Mime-Version"), "1.0"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(got.Rcpt) != 1 || got.Rcpt[0] != "reader@example.org" {
		t.Errorf("envelope recipients = %q", got.Rcpt)
	}
	date, err := mail.ParseDate(got.Header("Date"))
	if err != nil || !date.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("Date = %q (%v), want the clock's time", got.Header("Date"), err)
	}
	id := got.Header("Message-Id")
	if !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") || len(id) < 30 {
		t.Errorf("Message-ID = %q, want a random id at the sender's domain", id)
	}
	if got.Header("User-Agent") != "" || got.Header("X-Mailer") != "" {
		t.Errorf("message advertises the mailer library: %q %q", got.Header("User-Agent"), got.Header("X-Mailer"))
	}
	for _, line := range strings.Split(string(got.Raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("raw line of %d octets exceeds RFC 5322's limit", len(line))
		}
	}

	// A second message gets a different Message-ID.
	mustSend(t, m, email("reader@example.org"))
	if id2 := srv.WaitFor(t, "reader@example.org", wait).Header("Message-Id"); id2 == id {
		t.Errorf("two messages share Message-ID %s", id)
	}
}

func TestTextOnlyEmailIsSinglePart(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	e := email("a@example.org")
	e.HTML = ""
	mustSend(t, m, e)
	got := srv.WaitFor(t, "a@example.org", wait)
	if got.ContentType != "text/plain" || got.Text != e.Text || got.HTML != "" {
		t.Errorf("got %s with text %q html %q", got.ContentType, got.Text, got.HTML)
	}
}

func TestHeaderOverridesSender(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	e := email("a@example.org")
	e.Headers = map[string]string{"From": "The Daily Review <daily@news.example.com>", "Message-ID": "<fixed-1@news.example.com>"}
	mustSend(t, m, e)
	got := srv.WaitFor(t, "a@example.org", wait)
	if got.From != "daily@news.example.com" || got.FromName != "The Daily Review" || got.MailFrom != "daily@news.example.com" {
		t.Errorf("From = %q <%s>, envelope %s", got.FromName, got.From, got.MailFrom)
	}
	if id := got.Header("Message-Id"); id != "<fixed-1@news.example.com>" {
		t.Errorf("Message-ID = %q", id)
	}
}

func TestSendReusesConnections(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	for i := range 5 {
		mustSend(t, m, email(fmt.Sprintf("r%d@example.org", i)))
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("5 sequential messages used %d connections, want 1", n)
	}
	if n := srv.Total(); n != 5 {
		t.Errorf("server accepted %d messages, want 5", n)
	}
}

func TestMessagesPerConnection(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL(), mmail.WithMessagesPerConn(2))
	for i := range 5 {
		mustSend(t, m, email(fmt.Sprintf("r%d@example.org", i)))
	}
	if n := srv.Connections(); n != 3 {
		t.Errorf("5 messages at 2 per connection used %d connections, want 3", n)
	}
}

func TestConcurrentSendsShareABoundedPool(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL(), mmail.WithMaxConns(3))
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- send(m, email(fmt.Sprintf("r%d@example.org", i))) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if c := srv.Received(fmt.Sprintf("r%d@example.org", i)); c != 1 {
			t.Errorf("r%d received %d messages, want 1", i, c)
		}
	}
	if c := srv.Connections(); c > 3 {
		t.Errorf("opened %d connections, more than the pool's 3", c)
	}
}

func TestSTARTTLSWithAuth(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithSTARTTLS(), mailtest.WithAuth("sender", "s3cret:/@"))
	// Verify the certificate properly rather than skipping checks.
	u, _ := url.Parse(srv.URL())
	q := u.Query()
	q.Del("insecure_skip_verify")
	u.RawQuery = q.Encode()
	m := mustOpen(t, u.String(), mmail.WithTLSConfig(&tls.Config{RootCAs: srv.CertPool()}))
	mustSend(t, m, email("a@example.org"))
	got := srv.WaitFor(t, "a@example.org", wait)
	if !got.TLS || got.User != "sender" {
		t.Errorf("TLS = %v, user = %q; want STARTTLS and AUTH as sender", got.TLS, got.User)
	}
}

func TestSTARTTLSRefusesAnUntrustedCertificate(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithSTARTTLS())
	m := mustOpen(t, "smtp://"+srv.Addr()+"?tls=required")
	err := send(m, email("a@example.org"))
	var se *mmail.SendError
	if !errors.As(err, &se) || se.Stage != mmail.StageConnect {
		t.Fatalf("err = %v, want a connect-stage SendError", err)
	}
	if srv.Total() != 0 {
		t.Error("a message went out over an unverified connection")
	}
}

func TestImplicitTLSWithPlainAuth(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithImplicitTLS(), mailtest.WithAuth("sender", "pw"))
	if !strings.HasPrefix(srv.URL(), "smtps://") {
		t.Fatalf("URL = %s", srv.URL())
	}
	m := mustOpen(t, srv.URL()+"&auth=plain")
	mustSend(t, m, email("a@example.org"))
	got := srv.WaitFor(t, "a@example.org", wait)
	if !got.TLS || got.User != "sender" {
		t.Errorf("TLS = %v, user = %q", got.TLS, got.User)
	}
}

func TestImplicitTLSWithLoginAuth(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithImplicitTLS(), mailtest.WithAuth("sender", "pw"))
	m := mustOpen(t, srv.URL()+"&auth=login")
	mustSend(t, m, email("a@example.org"))
	if got := srv.WaitFor(t, "a@example.org", wait); got.User != "sender" {
		t.Errorf("user = %q", got.User)
	}
	bad := mustOpen(t, "smtps://sender:nope@"+srv.Addr()+"?insecure_skip_verify=1&auth=login")
	if err := send(bad, email("b@example.org")); !mmail.IsTemporary(err) || srv.Received("b@example.org") != 0 {
		t.Errorf("wrong LOGIN password: err = %v", err)
	}
}

func TestAuthRefusedIsTemporaryAndSaysWhy(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithImplicitTLS(), mailtest.WithAuth("sender", "right"))
	m := mustOpen(t, "smtps://sender:wrong@"+srv.Addr()+"?insecure_skip_verify=1")
	err := send(m, email("a@example.org"))
	var se *mmail.SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a SendError", err)
	}
	// A server refusing our credentials is not the recipient's fault:
	// nothing may be suppressed because of it.
	if !mmail.IsTemporary(err) || se.Stage != mmail.StageConnect || se.Code != 535 {
		t.Errorf("err = %v: temporary=%v stage=%s code=%d; want temporary, connect, 535", err, mmail.IsTemporary(err), se.Stage, se.Code)
	}
	if err := m.Ping(context.Background()); err == nil {
		t.Error("Ping succeeded with a wrong password")
	}
}

func TestTemporaryRefusal(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	srv.FailNext(1, 451)
	err := send(m, email("a@example.org"))
	var se *mmail.SendError
	if !errors.As(err, &se) || masthead.ErrorCode(err) != masthead.EUNAVAILABLE || !se.Temporary() {
		t.Fatalf("err = %v (code %s), want EUNAVAILABLE", err, masthead.ErrorCode(err))
	}
	if se.Code != 451 || se.Stage != mmail.StageRcpt || !strings.Contains(se.Reply, "Try again later") {
		t.Errorf("SendError = %+v", se)
	}
	// The refusal left the connection usable: the retry goes out on it.
	mustSend(t, m, email("a@example.org"))
	srv.WaitFor(t, "a@example.org", wait)
	if n := srv.Connections(); n != 1 {
		t.Errorf("used %d connections, want the refused one reused", n)
	}
}

func TestPermanentRefusal(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	srv.FailNext(1, 550)
	err := send(m, email("gone@example.org"))
	if masthead.ErrorCode(err) != masthead.EINVALID || mmail.IsTemporary(err) {
		t.Fatalf("err = %v (code %s), want permanent EINVALID", err, masthead.ErrorCode(err))
	}
	if msg := masthead.ErrorMessage(err); !strings.Contains(msg, "550") || !strings.Contains(msg, "Mailbox does not exist") {
		t.Errorf("message %q does not carry the server's reply", msg)
	}
	var se *mmail.SendError
	if !errors.As(err, &se) || se.Code != 550 || se.To != "gone@example.org" {
		t.Errorf("SendError = %+v", se)
	}
	if srv.Total() != 0 {
		t.Errorf("server accepted %d messages", srv.Total())
	}
}

func TestServerDownIsTemporary(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	srv.SetDown(true)
	err := send(m, email("a@example.org"))
	if !mmail.IsTemporary(err) {
		t.Fatalf("err = %v (code %s), want EUNAVAILABLE", err, masthead.ErrorCode(err))
	}
	if err := m.Ping(context.Background()); !mmail.IsTemporary(err) {
		t.Errorf("Ping = %v, want temporary failure", err)
	}
	srv.SetDown(false)
	mustSend(t, m, email("a@example.org"))
	srv.WaitFor(t, "a@example.org", wait)
}

func TestNothingListeningIsTemporary(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	m := mustOpen(t, "smtp://"+addr)
	if err := send(m, email("a@example.org")); !mmail.IsTemporary(err) {
		t.Fatalf("err = %v, want temporary", err)
	}
}

func TestDroppedPooledConnectionIsRetriedOnce(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	mustSend(t, m, email("a@example.org"))
	// The server restarts: the pooled connection is dead, but nothing
	// tells the client until it next writes.
	srv.SetDown(true)
	srv.SetDown(false)
	mustSend(t, m, email("b@example.org"))
	if srv.Received("b@example.org") != 1 {
		t.Fatal("message after the server dropped the pooled connection was not delivered")
	}
}

func TestStalledServerTimesOut(t *testing.T) {
	// A server that accepts and never speaks.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	}()
	m := mustOpen(t, "smtp://"+ln.Addr().String(), mmail.WithTimeout(200*time.Millisecond))
	err = send(m, email("a@example.org"))
	var se *mmail.SendError
	if !mmail.IsTemporary(err) || !errors.As(err, &se) || se.Stage != mmail.StageConnect {
		t.Fatalf("err = %v, want a temporary connect-stage failure", err)
	}
}

func TestCancelledContextWaitingForAConnection(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Send(ctx, email("a@example.org")); !mmail.IsTemporary(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want temporary wrapping context.Canceled", err)
	}
}

func TestClosedMailerRefuses(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	mustSend(t, m, email("a@example.org"))
	m.Close()
	if err := send(m, email("a@example.org")); !mmail.IsTemporary(err) {
		t.Fatalf("err = %v, want temporary", err)
	}
}

func TestInvalidEmailsArePermanent(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	for name, mod := range map[string]func(*masthead.Email){
		"bad address":      func(e *masthead.Email) { e.To = "not an address" },
		"no domain":        func(e *masthead.Email) { e.To = "reader@" },
		"dotless domain":   func(e *masthead.Email) { e.To = "reader@example" },
		"two addresses":    func(e *masthead.Email) { e.To = "a@example.org, b@example.org" },
		"no subject":       func(e *masthead.Email) { e.Subject = "" },
		"subject break":    func(e *masthead.Email) { e.Subject = "Hi\r\nBcc: victim@example.org" },
		"no text":          func(e *masthead.Email) { e.Text = " " },
		"header injection": func(e *masthead.Email) { e.Headers = map[string]string{"X-Tag": "a\r\nBcc: victim@example.org"} },
		"bad header name":  func(e *masthead.Email) { e.Headers = map[string]string{"X Tag": "a"} },
		"reserved header":  func(e *masthead.Email) { e.Headers = map[string]string{"Content-Type": "text/html"} },
		"bad sender":       func(e *masthead.Email) { e.Headers = map[string]string{"From": "nobody"} },
	} {
		t.Run(name, func(t *testing.T) {
			e := email("a@example.org")
			mod(&e)
			err := send(m, e)
			if masthead.ErrorCode(err) != masthead.EINVALID {
				t.Errorf("err = %v (code %s), want EINVALID", err, masthead.ErrorCode(err))
			}
		})
	}
	if srv.Total() != 0 {
		t.Errorf("server accepted %d messages", srv.Total())
	}
}

func TestInternationalisedDomain(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	mustSend(t, m, email("leser@bücher.example"))
	got := srv.WaitFor(t, "leser@xn--bcher-kva.example", wait)
	if got.To != "leser@xn--bcher-kva.example" {
		t.Errorf("To = %q, want the punycode domain", got.To)
	}
}

func TestDKIMSignature(t *testing.T) {
	srv := mailtest.Start(t)
	_, raw, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	key, err := mmail.ParseDKIMKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mmail.ParseDKIMKey([]byte("not a key")); err == nil {
		t.Error("ParseDKIMKey accepted garbage")
	}
	m := mustOpen(t, srv.URL(), mmail.WithDKIM("example.com", "mh1", key))
	mustSend(t, m, email("a@example.org"))
	msg := srv.WaitFor(t, "a@example.org", wait)
	sig := msg.Header("Dkim-Signature")
	for _, want := range []string{"d=example.com", "s=mh1", "a=ed25519-sha256", "b="} {
		if !strings.Contains(strings.Join(strings.Fields(sig), ""), want) {
			t.Errorf("DKIM-Signature %q lacks %s", sig, want)
		}
	}
	if err := mailtest.VerifyDKIM(msg.Raw, raw.Public()); err != nil {
		t.Errorf("ed25519 signature does not verify: %v", err)
	}

	// RSA, the key most domains publish.
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err = x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err = mmail.ParseDKIMKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	m = mustOpen(t, srv.URL(), mmail.WithDKIM("example.com", "mh2", key))
	mustSend(t, m, email("b@example.org"))
	msg = srv.WaitFor(t, "b@example.org", wait)
	if err := mailtest.VerifyDKIM(msg.Raw, &rsaKey.PublicKey); err != nil {
		t.Errorf("RSA signature does not verify: %v", err)
	}
	tampered := []byte(strings.Replace(string(msg.Raw), "Subject: ", "Subject: Re: ", 1))
	if mailtest.VerifyDKIM(tampered, &rsaKey.PublicKey) == nil {
		t.Error("a changed subject still verifies")
	}
}

func TestPing(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	if err := m.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustSend(t, m, email("a@example.org"))
	if n := srv.Connections(); n != 1 {
		t.Errorf("ping, ping, send used %d connections, want 1", n)
	}
}
