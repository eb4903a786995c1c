package mailtest_test

import (
	"net/smtp"
	"strings"
	"testing"
	"time"

	"masthead/mail/mailtest"
)

// send writes a raw message with the standard library's client, so the
// parser is tested against input no library of ours produced.
func send(t *testing.T, srv *mailtest.Server, to string, raw string) error {
	t.Helper()
	return smtp.SendMail(srv.Addr(), nil, "sender@example.com", []string{to}, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
}

const multipart = `From: =?utf-8?q?Caf=C3=A9_Review?= <news@example.com>
To: Reader <reader@example.org>
Subject: =?utf-8?b?w5xiZXIgdW5zIOKAkyBzaWduIGlu?=
MIME-Version: 1.0
List-Unsubscribe: <https://example.com/u/1>
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Caf=C3=A9: follow https://example.com/signin?t=3Dabc&n=3D1.
A soft=
 break.
--b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

PHA+Q2Fmw6k8L3A+
--b1--
`

func TestParsesWhatArrives(t *testing.T) {
	srv := mailtest.Start(t)
	if err := send(t, srv, "reader@example.org", multipart); err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, "READER@EXAMPLE.ORG", 5*time.Second)
	for _, c := range []struct{ name, got, want string }{
		{"From", m.From, "news@example.com"},
		{"FromName", m.FromName, "Café Review"},
		{"To", m.To, "reader@example.org"},
		{"Subject", m.Subject, "Über uns – sign in"},
		{"Text", m.Text, "Café: follow https://example.com/signin?t=abc&n=1.\nA soft break."},
		{"HTML", m.HTML, "<p>Café</p>"},
		{"ContentType", m.ContentType, "multipart/alternative"},
		{"List-Unsubscribe", m.Header("list-unsubscribe"), "<https://example.com/u/1>"},
		{"MailFrom", m.MailFrom, "sender@example.com"},
		{"FirstLink", mailtest.FirstLink(m.Text), "https://example.com/signin?t=abc&n=1"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestWaitForWalksThroughOneAddressInOrder(t *testing.T) {
	srv := mailtest.Start(t)
	for _, subject := range []string{"first", "second"} {
		if err := send(t, srv, "a@example.org", "From: x@example.com\nTo: a@example.org\nSubject: "+subject+"\n\nbody\n"); err != nil {
			t.Fatal(err)
		}
	}
	if err := send(t, srv, "b@example.org", "From: x@example.com\nTo: b@example.org\nSubject: other\n\nbody\n"); err != nil {
		t.Fatal(err)
	}
	if s := srv.WaitFor(t, "a@example.org", time.Second).Subject; s != "first" {
		t.Errorf("first WaitFor = %q", s)
	}
	if s := srv.WaitFor(t, "a@example.org", time.Second).Subject; s != "second" {
		t.Errorf("second WaitFor = %q", s)
	}
	if n := len(srv.Messages()); n != 3 || srv.Received("a@example.org") != 2 || srv.Total() != 3 {
		t.Errorf("Messages = %d, Received(a) = %d, Total = %d", n, srv.Received("a@example.org"), srv.Total())
	}
}

func TestFailNextAndDown(t *testing.T) {
	srv := mailtest.Start(t)
	msg := "From: x@example.com\nTo: a@example.org\nSubject: s\n\nbody\n"
	srv.FailNext(2, 550)
	for range 2 {
		if err := send(t, srv, "a@example.org", msg); err == nil || !strings.Contains(err.Error(), "550") {
			t.Errorf("err = %v, want 550", err)
		}
	}
	if err := send(t, srv, "a@example.org", msg); err != nil {
		t.Errorf("after the injected failures: %v", err)
	}
	srv.SetDown(true)
	if err := send(t, srv, "a@example.org", msg); err == nil {
		t.Error("a down server accepted a message")
	}
	srv.SetDown(false)
	if err := send(t, srv, "a@example.org", msg); err != nil {
		t.Errorf("after coming back up: %v", err)
	}
	if n := srv.Received("a@example.org"); n != 2 {
		t.Errorf("Received = %d, want 2", n)
	}
}

func TestDiscardCountsOnly(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Discard())
	if err := send(t, srv, "a@example.org", "From: x@example.com\nSubject: s\n\nbody\n"); err != nil {
		t.Fatal(err)
	}
	if srv.Received("a@example.org") != 1 || len(srv.Messages()) != 0 {
		t.Errorf("Received = %d, Messages = %d", srv.Received("a@example.org"), len(srv.Messages()))
	}
}

func TestUnparseableMessageIsRefused(t *testing.T) {
	srv := mailtest.Start(t)
	err := send(t, srv, "a@example.org", "From: x@example.com\nContent-Type: multipart/alternative; boundary=\"b\"\nSubject: s\n\n--b\nContent-Type: text/plain; charset=iso-8859-1\n\nbody\n--b--\n")
	if err == nil || !strings.Contains(err.Error(), "554") {
		t.Errorf("err = %v, want a 554 refusal", err)
	}
}
