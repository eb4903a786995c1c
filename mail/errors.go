package mail

import (
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	"masthead"
)

// Stages of an SMTP delivery, as SendError reports them.
const (
	StageConnect = "connect" // dial, greeting, STARTTLS, AUTH
	StageMail    = "mail"    // MAIL FROM
	StageRcpt    = "rcpt"    // RCPT TO
	StageData    = "data"    // DATA, the message, and the reply to it
)

// SendError is a failed delivery. It wraps both the *masthead.Error that
// classifies it (EUNAVAILABLE: try again later; EINVALID: the server
// refused this recipient or message for good) and the underlying cause, so
// errors.As finds either.
//
// A bulk sender reads Stage and Code to go further than the two classes:
// a 5xx at StageConnect (say 535, authentication refused) means the
// server is misconfigured for every recipient and the send should pause,
// not suppress anyone; a 421 or a run of 4xx means the server throttles.
type SendError struct {
	To    string
	Stage string
	// Code is the SMTP reply code (451, 550, …), or 0 when there was no
	// reply: a refused or lost connection, a timeout, a TLS failure.
	Code int
	// Reply is the server's text, enhanced status code included
	// ("5.1.1 Mailbox does not exist").
	Reply string
	Err   error

	kind *masthead.Error
}

// Error says whom, at which stage, and what went wrong, for the log.
func (e *SendError) Error() string {
	return fmt.Sprintf("mail: send to %s: %s: %v", e.To, e.Stage, e.Err)
}

// Unwrap returns the classification and the cause.
func (e *SendError) Unwrap() []error { return []error{e.kind, e.Err} }

// Temporary reports whether trying again later may succeed.
func (e *SendError) Temporary() bool { return e.kind.Code == masthead.EUNAVAILABLE }

// IsTemporary reports whether err is a temporary failure by the Mailer
// contract: it wraps a *masthead.Error with code EUNAVAILABLE.
func IsTemporary(err error) bool {
	return masthead.ErrorCode(err) == masthead.EUNAVAILABLE
}

// errUnavailable is what a reader is told when email cannot go out now;
// the detail is in the SendError for the log.
func errUnavailable() *masthead.Error {
	return masthead.Errorf(masthead.EUNAVAILABLE, "We could not send the email just now. Please try again in a few minutes.")
}

// classify builds the SendError for a failure at a stage. Only a 5xx
// reply about this recipient or this message is permanent: everything
// else — 4xx, no reply at all, and 5xx replies at connect or MAIL FROM,
// which say the server or our sender setup is at fault — is temporary, so
// no recipient is given up on because of the server's trouble.
func classify(to, stage string, err error) *SendError {
	se := &SendError{To: to, Stage: stage, Err: err, kind: errUnavailable()}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		se.Code, se.Reply = tp.Code, strings.TrimSpace(tp.Msg)
	}
	if se.Code/100 == 5 && (stage == StageRcpt || stage == StageData) {
		se.kind = masthead.Errorf(masthead.EINVALID, "The email server refused the message to %s: %d %s", to, se.Code, se.Reply)
	}
	return se
}
