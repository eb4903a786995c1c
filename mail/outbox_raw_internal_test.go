package mail

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseRaw feeds parseRaw arbitrary messages: it never panics, and
// what it reads from a well-formed one is the text that was written.
func FuzzParseRaw(f *testing.F) {
	f.Add("Subject: =?utf-8?q?Caf=C3=A9?=\r\nList-Id: Daily <daily.newsletter.example.test>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\nHello =C3=A9=\r\nt\u00e9\r\n--b\r\nContent-Type: text/html\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nPHA+aGk8L3A+\r\n--b--\r\n")
	f.Add("Subject: x\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n\r\nplain\r\n--b--\r\n--a--\r\n")
	f.Add("Subject: plain\r\n\r\nbody")
	f.Fuzz(func(t *testing.T, raw string) {
		e, err := parseRaw([]byte(raw))
		if err != nil {
			return
		}
		if len(e.Text) > rawMaxPart || len(e.HTML) > rawMaxPart {
			t.Fatalf("a part of %d/%d bytes passed the bound", len(e.Text), len(e.HTML))
		}
		if e.Category != "bulk" && e.Category != "newsletter" {
			t.Fatalf("category %q", e.Category)
		}
		for k, v := range e.Headers {
			if strings.ContainsAny(v, "\r\n") {
				t.Fatalf("header %s keeps a line break: %q", k, v)
			}
		}
	})
}

// TestParseRawSeeds checks the first seed's decoding exactly.
func TestParseRawSeeds(t *testing.T) {
	raw := "Subject: =?utf-8?q?Caf=C3=A9?=\r\nList-Id: Daily <daily.newsletter.example.test>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\nHello =C3=A9=\r\nt\r\n--b\r\nContent-Type: text/html\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nPHA+aGk8L3A+\r\n--b--\r\n"
	e, err := parseRaw([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != "Café" || e.Text != "Hello ét" || e.HTML != "<p>hi</p>" || e.Category != "newsletter" || !utf8.ValidString(e.Text) {
		t.Errorf("parsed %+v", e)
	}
}
