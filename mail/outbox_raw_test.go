package mail_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"masthead"
	mmail "masthead/mail"
	"masthead/newsletter"
)

// TestOutboxKeepsNewsletters sends a newsletter message, built as the
// engine builds it for SMTP, to the outbox: it is kept with its
// recipient's values spliced in, both parts decoded, and its unsubscribe
// headers.
func TestOutboxKeepsNewsletters(t *testing.T) {
	n := &masthead.Newsletter{ID: 1, Slug: "daily", Name: "The Daily Review — édition"}
	is := &masthead.Issue{ID: 7, NewsletterID: 1, Subject: "Daily: Ports & harbours — côte", SendAt: time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC),
		Articles: []masthead.IssueArticle{{ArticleID: 3, Slug: "ports", Title: "Ports, harbours and a very long line of text that quoted-printable must wrap somewhere past seventy-six characters", Access: masthead.AccessFree}}}
	site := newsletter.Site{Name: "The Test Review", BaseURL: "http://example.test", From: "The Test Review <news@example.test>", Secret: []byte("k")}
	r, err := newsletter.Render(n, is, masthead.SegmentRegistered, site)
	if err != nil {
		t.Fatal(err)
	}
	rc := newsletter.Recipient{MemberID: 42, Email: "zoë@example.org", Name: "Zoë", Segment: masthead.SegmentRegistered}
	raw := r.AppendMessage(nil, rc, "m1@example.test")
	want := r.Email(rc, "m1@example.test")

	o := mmail.NewOutbox(5, slog.New(slog.DiscardHandler))
	if err := o.SendRaw(context.Background(), "news@example.test", rc.Email, raw); err != nil {
		t.Fatal(err)
	}
	got, ok := o.Last(rc.Email)
	if !ok {
		t.Fatal("the newsletter is not in the outbox")
	}
	e := got.Email
	if e.To != rc.Email || e.Subject != is.Subject || e.Category != "newsletter" {
		t.Errorf("kept To %q, Subject %q, Category %q", e.To, e.Subject, e.Category)
	}
	if e.Text != strings.ReplaceAll(want.Text, "\r\n", "\n") {
		t.Errorf("text part:\n%s\nwant:\n%s", e.Text, want.Text)
	}
	if e.HTML != strings.ReplaceAll(want.HTML, "\r\n", "\n") {
		t.Errorf("HTML part differs from the rendered one:\n%s", e.HTML)
	}
	for _, k := range []string{"List-Unsubscribe", "List-Unsubscribe-Post", "From"} {
		if e.Headers[k] != want.Headers[k] {
			t.Errorf("header %s = %q, want %q", k, e.Headers[k], want.Headers[k])
		}
	}
	if e.Headers["Message-Id"] != "<m1@example.test>" {
		t.Errorf("Message-Id = %q", e.Headers["Message-Id"])
	}
}

// TestOutboxRefusesUnreadableRaw: a message that is not one is refused
// as invalid, as SMTP refuses it, and nothing is kept.
func TestOutboxRefusesUnreadableRaw(t *testing.T) {
	o := mmail.NewOutbox(5, slog.New(slog.DiscardHandler))
	for _, raw := range []string{
		"no header block at all",
		"Subject: x\r\nContent-Type: multipart/alternative\r\n\r\nno boundary",
		"Subject: x\r\nContent-Type: text/plain\r\n\r\n", // no text
	} {
		err := o.SendRaw(context.Background(), "a@example.test", "b@example.org", []byte(raw))
		if masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("%q: err %v, want invalid", raw, err)
		}
	}
	if n := len(o.Messages()); n != 0 {
		t.Errorf("%d messages kept", n)
	}
}
