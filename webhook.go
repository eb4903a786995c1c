package masthead

import (
	"net/url"
	"strings"
	"time"
)

// WebhookEventType names what happened, as sent in X-Masthead-Event.
type WebhookEventType string

// The events an endpoint may subscribe to.
const (
	// EventArticlePublished: an article became published (saved as
	// published, or a scheduled article whose time came).
	EventArticlePublished WebhookEventType = "article.published"
	// EventArticleUpdated: a published article was saved again.
	EventArticleUpdated WebhookEventType = "article.updated"
	// EventMemberCreated: a new member account exists (a registration,
	// a first sign-in, an import, staff).
	EventMemberCreated WebhookEventType = "member.created"
	// EventSubscriptionChanged: a paid subscription's state and the
	// access it grants were written.
	EventSubscriptionChanged WebhookEventType = "subscription.changed"
)

// WebhookEventTypes lists every event type, in the order forms show them.
var WebhookEventTypes = []WebhookEventType{EventArticlePublished, EventArticleUpdated, EventMemberCreated, EventSubscriptionChanged}

// Valid reports whether t is a known event type.
func (t WebhookEventType) Valid() bool {
	for _, k := range WebhookEventTypes {
		if t == k {
			return true
		}
	}
	return false
}

// WebhookEndpoint is a receiver of outgoing webhooks.
type WebhookEndpoint struct {
	ID          int64
	URL         string
	Description string
	Events      []WebhookEventType
	// Secret signs every delivery (X-Masthead-Signature). Staff see it
	// once, when the endpoint is created.
	Secret    string
	Active    bool
	CreatedAt time.Time
	// Counts of its deliveries by status, filled by listings.
	Pending, Delivered, Failed int
}

// Subscribes reports whether the endpoint wants events of type t.
func (e *WebhookEndpoint) Subscribes(t WebhookEventType) bool {
	for _, k := range e.Events {
		if k == t {
			return true
		}
	}
	return false
}

// WebhookEndpointInput is what staff submit to register an endpoint.
type WebhookEndpointInput struct {
	URL         string
	Description string
	Events      []WebhookEventType
}

// Normalize trims what was typed.
func (in *WebhookEndpointInput) Normalize() {
	in.URL = strings.TrimSpace(in.URL)
	in.Description = strings.TrimSpace(in.Description)
}

// Validate checks the input: an absolute http or https URL with a host,
// and at least one known event. Other schemes (file:, ftp:, javascript:)
// are refused, since deliveries are HTTP POSTs.
func (in WebhookEndpointInput) Validate() error {
	v := Invalid{}
	u, err := url.Parse(in.URL)
	switch {
	case in.URL == "":
		v.Add("url", "URL is required.")
	case len(in.URL) > 2000:
		v.Add("url", "URL must be at most 2,000 characters.")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https"):
		v.Add("url", "URL must start with http:// or https://, like https://example.com/hooks/masthead.")
	case u.Host == "" || u.Hostname() == "":
		v.Add("url", "URL must name a host, like https://example.com/hooks/masthead.")
	case u.User != nil:
		v.Add("url", "URL must not carry a user name or password.")
	case u.Fragment != "":
		v.Add("url", "URL must not have a #fragment.")
	}
	if len(in.Description) > 200 {
		v.Add("description", "Description must be at most 200 characters.")
	}
	if len(in.Events) == 0 {
		v.Add("events", "Choose at least one event.")
	}
	for _, t := range in.Events {
		if !t.Valid() {
			v.Add("events", "Unknown event “"+string(t)+"”.")
		}
	}
	return v.Err()
}

// WebhookStatus is where a delivery stands.
type WebhookStatus string

// Delivery statuses.
const (
	// WebhookPending: waiting for its first or next attempt.
	WebhookPending WebhookStatus = "pending"
	// WebhookDelivered: an attempt got a 2xx answer.
	WebhookDelivered WebhookStatus = "delivered"
	// WebhookFailed: every attempt failed; staff may redeliver.
	WebhookFailed WebhookStatus = "failed"
)

// WebhookDelivery is one event for one endpoint and how its attempts went.
type WebhookDelivery struct {
	ID         int64
	EndpointID int64
	EventID    int64
	EventType  WebhookEventType
	Status     WebhookStatus
	// Attempts counts every attempt, redeliveries included.
	Attempts int
	// NextAt is when a pending delivery is tried next.
	NextAt time.Time
	// LastCode is the HTTP status of the last attempt (0: no answer);
	// LastError says why it failed.
	LastCode  int
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// WebhookAttempt is one POST of a delivery and its outcome.
type WebhookAttempt struct {
	DeliveryID int64
	At         time.Time
	// Code is the HTTP status received, 0 when none was.
	Code     int
	Error    string
	Duration time.Duration
}

// WebhookJob is a claimed delivery: what the worker needs to send it.
type WebhookJob struct {
	DeliveryID int64
	EndpointID int64
	EventID    int64
	EventType  WebhookEventType
	EventAt    time.Time
	// Data is the event's JSON object, fixed when the event was recorded.
	Data   []byte
	URL    string
	Secret string
	// Tries counts the attempts already made since the delivery was
	// created or last redelivered; backoff follows it.
	Tries int
}
