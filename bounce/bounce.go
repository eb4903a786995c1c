// Package bounce takes in the bounce and complaint notifications that mail
// providers send back after a newsletter goes out: Amazon SES through SNS,
// Postmark, and a generic signed JSON form for anything else. Every
// notification is authenticated before it is parsed (an SNS signature
// checked against Amazon's signing certificate, Postmark's basic-auth
// credentials, an HMAC-SHA256 over the raw body), then turned into Events.
//
// Hard bounces and complaints suppress the address through a small
// Suppressor interface, so that no further newsletter reaches it; soft
// bounces are only counted, and recorded when the Suppressor also records
// them. A notification that is malformed, unsigned or forged changes
// nothing and is answered 400 or 403.
package bounce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"masthead"
)

// Kind classifies an Event.
type Kind string

// The kinds of Event. A hard bounce means the address does not exist or
// will never accept mail; a soft bounce is temporary (mailbox full, server
// down); a complaint is the recipient marking the message as spam.
const (
	HardBounce Kind = "hard-bounce"
	SoftBounce Kind = "soft-bounce"
	Complaint  Kind = "complaint"
)

// Suppresses reports whether an event of kind k stops further mail to
// the address.
func (k Kind) Suppresses() bool { return k == HardBounce || k == Complaint }

// Event is one recipient's bounce or complaint, as reported by a provider.
type Event struct {
	// Email is the normalised address the event is about.
	Email string
	Kind  Kind
	// Detail is the provider's explanation (an SMTP status and
	// diagnostic, a feedback type), for staff reading the suppression
	// list. It is bounded to MaxDetail bytes.
	Detail string
	// At is when the provider saw the bounce or complaint.
	At time.Time
	// ID is the provider's id of the notification (SNS MessageId,
	// Postmark ID), empty when the form has none.
	ID string
	// Source names the provider: "ses", "postmark" or "generic".
	Source string
	// MessageID is the Message-ID header of the message that bounced,
	// when the provider reports it, so the exact delivery can be marked.
	MessageID string
}

// MaxDetail bounds Event.Detail; diagnostics longer than this are cut.
const MaxDetail = 500

// Suppression reasons passed to Suppressor.Suppress; the same words as
// masthead.SuppressBounce and masthead.SuppressComplaint.
const (
	ReasonBounce    = string(masthead.SuppressBounce)
	ReasonComplaint = string(masthead.SuppressComplaint)
)

// Suppressor stops mail to an address. Suppress must be idempotent: the
// providers retry notifications, and the same bounce may arrive twice.
type Suppressor interface {
	Suppress(ctx context.Context, email, reason, detail string) error
}

// SoftBounceRecorder is implemented by a Suppressor that also keeps soft
// bounces. Without it they are logged and counted only.
type SoftBounceRecorder interface {
	RecordSoftBounce(ctx context.Context, email, detail string) error
}

// MessageSuppressor is implemented by a Suppressor that can also mark
// the delivery of the message that bounced, given its Message-ID (which
// may be empty).
type MessageSuppressor interface {
	SuppressMessage(ctx context.Context, email, reason, detail, messageID string) error
}

// SuppressionStore is the store method suppressions end in
// (masthead.NewsletterService has it).
type SuppressionStore interface {
	Suppress(ctx context.Context, s masthead.Suppression, messageID string) error
}

// Sink adapts a SuppressionStore to Suppressor and MessageSuppressor.
func Sink(store SuppressionStore) Suppressor { return storeSink{store} }

type storeSink struct{ store SuppressionStore }

func (s storeSink) Suppress(ctx context.Context, email, reason, detail string) error {
	return s.SuppressMessage(ctx, email, reason, detail, "")
}

func (s storeSink) SuppressMessage(ctx context.Context, email, reason, detail, messageID string) error {
	return s.store.Suppress(ctx, masthead.Suppression{
		Email: email, Reason: masthead.SuppressionReason(reason), Detail: detail,
	}, messageID)
}

// SuppressorFunc adapts a function to Suppressor.
type SuppressorFunc func(ctx context.Context, email, reason, detail string) error

// Suppress calls f.
func (f SuppressorFunc) Suppress(ctx context.Context, email, reason, detail string) error {
	return f(ctx, email, reason, detail)
}

// Apply hands events to s: hard bounces and complaints are suppressed,
// soft bounces recorded when s can record them. It stops at the first
// error, so a provider's retry can deliver the rest (Suppress is
// idempotent).
func Apply(ctx context.Context, s Suppressor, events []Event) error {
	for _, e := range events {
		var err error
		reason := ReasonBounce
		if e.Kind == Complaint {
			reason = ReasonComplaint
		}
		switch e.Kind {
		case HardBounce, Complaint:
			if ms, ok := s.(MessageSuppressor); ok {
				err = ms.SuppressMessage(ctx, e.Email, reason, e.Detail, e.MessageID)
			} else {
				err = s.Suppress(ctx, e.Email, reason, e.Detail)
			}
		case SoftBounce:
			if r, ok := s.(SoftBounceRecorder); ok {
				err = r.RecordSoftBounce(ctx, e.Email, e.Detail)
			}
		}
		if err != nil {
			return fmt.Errorf("bounce: apply %s for %s: %w", e.Kind, e.Email, err)
		}
	}
	return nil
}

// Errors returned by the parsers and verifiers. ErrForged and
// ErrUnauthorized answer 403, ErrMalformed 400; each is wrapped with
// the detail of what was wrong.
var (
	// ErrMalformed is a notification that cannot be parsed.
	ErrMalformed = errors.New("malformed notification")
	// ErrForged is a notification whose signature does not verify, or
	// that comes from a topic or certificate host that is not allowed.
	ErrForged = errors.New("notification signature does not verify")
	// ErrUnsigned is a notification with no signature at all.
	ErrUnsigned = errors.New("notification is not signed")
	// ErrStale is a notification older than the allowed age: a replay.
	ErrStale = errors.New("notification is too old")
)

// malformed wraps ErrMalformed with a reason.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// forged wraps ErrForged with a reason.
func forged(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrForged, fmt.Sprintf(format, args...))
}

// event builds an Event, normalising the address and bounding the detail.
func event(source, id, email string, kind Kind, detail string, at time.Time) (Event, error) {
	addr, err := masthead.NormalizeEmail(email)
	if err != nil {
		return Event{}, malformed("recipient address %q is not valid", truncate(email, 80))
	}
	return Event{Email: addr, Kind: kind, Detail: truncate(strings.TrimSpace(detail), MaxDetail), At: at.UTC(), ID: id, Source: source}, nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// joinDetail joins the non-empty parts of a detail with "; ".
func joinDetail(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p)
	}
	return b.String()
}
