package masthead

import "context"

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
