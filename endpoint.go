package masthead

import (
	"net/netip"
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

// WebhookNetworks decides which addresses outgoing webhooks may reach. A
// webhook is a request the server makes on an admin's say-so; pointed at
// the server's own network (a database's port, a cloud's metadata
// service, an admin interface bound to localhost) it would let whoever
// registers endpoints probe and poke what only the server can reach. So
// special-purpose addresses (SpecialAddress) are refused, unless the
// operator allows their network.
type WebhookNetworks struct {
	// Allow lists networks webhooks may reach although they are special
	// (--webhook-allow-networks), such as a receiver on the private
	// network.
	Allow []netip.Prefix
}

// Permits reports whether a webhook may connect to a. An IPv4-mapped
// IPv6 address is judged as the IPv4 address it carries.
func (n WebhookNetworks) Permits(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range n.Allow {
		if p.Contains(a) {
			return true
		}
	}
	return !SpecialAddress(a)
}

// SpecialAddress reports whether a is not an ordinary address of the
// public internet: unspecified, loopback, private (RFC 1918, fc00::/7),
// link-local, shared (CGNAT, 100.64.0.0/10), multicast or broadcast, or
// one of the other special-purpose ranges of the IANA registries —
// documentation, benchmarking, reserved, and the IPv6 forms that carry an
// IPv4 address inside (IPv4-mapped and -compatible, NAT64, 6to4, Teredo),
// which could lead back to a private IPv4 network.
func SpecialAddress(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		// Not global unicast: invalid, unspecified, loopback,
		// link-local, multicast, the IPv4 broadcast address.
		return true
	}
	for _, p := range specialNetworks {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// specialNetworks are the special-purpose ranges that IsGlobalUnicast and
// IsPrivate do not already rule out (RFC 6890 and the IANA registries).
var specialNetworks = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1)
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated)
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64, well-known prefix
	netip.MustParsePrefix("64:ff9b:1::/48"),  // NAT64, local use
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments, Teredo among them
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4
	netip.MustParsePrefix("3fff::/20"),       // documentation
	netip.MustParsePrefix("5f00::/16"),       // segment routing (SRv6)
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
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

// WebhookJob is a delivery about to be attempted: what the sender needs
// to send it.
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
	// Status is where the delivery stands: a delivered one is not sent
	// again.
	Status WebhookStatus
}
