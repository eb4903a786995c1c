package masthead

import (
	"context"
	netmail "net/mail"
)

// Email is one message to one recipient, with a plain-text and an HTML
// part. Headers carries extra headers such as List-Unsubscribe.
type Email struct {
	To       string
	Subject  string
	Text     string
	HTML     string
	Headers  map[string]string
	Category string // "signin", "newsletter", …: for logs and metrics
}

// Mailer delivers email. An error that wraps a *Error with code
// EUNAVAILABLE is temporary (try again later); any other error is
// permanent for that recipient.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// EmailMode says where the site's email goes. It is one fact, decided at
// start from the settings, and every surface that speaks of email reads
// it: the staff area's banner, /readyz, and what a reader is told after
// asking for a link.
type EmailMode string

const (
	// EmailSMTP: email goes out through the configured SMTP server.
	EmailSMTP EmailMode = "smtp"
	// EmailOutbox: demo mode without an SMTP server; every email,
	// newsletters included, is kept in the development outbox.
	EmailOutbox EmailMode = "outbox"
	// EmailNone: no SMTP server is configured, so no email can leave;
	// sign-in links, gifts and newsletters wait until one is.
	EmailNone EmailMode = "none"
)

// Sends reports whether an email handed over now is delivered somewhere
// a person can read it (a mailbox or the development outbox).
func (m EmailMode) Sends() bool { return m == EmailSMTP || m == EmailOutbox }

// RenameSender is the sender from ("Name <address>") under name, for a
// sender made from the site's name that follows the site settings; from
// itself when it is not an address or already has that name.
func RenameSender(from, name string) string {
	a, err := netmail.ParseAddress(from)
	if err != nil || a.Name == name {
		return from
	}
	return (&netmail.Address{Name: name, Address: a.Address}).String()
}
