package bounce

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// SNS message types.
const (
	SNSNotification             = "Notification"
	SNSSubscriptionConfirmation = "SubscriptionConfirmation"
	SNSUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// SNSMessage is the JSON body SNS posts to an HTTPS subscription.
type SNSMessage struct {
	Type      string `json:"Type"`
	MessageID string `json:"MessageId"`
	Token     string `json:"Token,omitempty"`
	TopicArn  string `json:"TopicArn"`
	// Subject is nil when the publisher gave none; it is then left out
	// of the string that is signed.
	Subject          *string `json:"Subject,omitempty"`
	Message          string  `json:"Message"`
	SubscribeURL     string  `json:"SubscribeURL,omitempty"`
	UnsubscribeURL   string  `json:"UnsubscribeURL,omitempty"`
	Timestamp        string  `json:"Timestamp"`
	SignatureVersion string  `json:"SignatureVersion"`
	Signature        string  `json:"Signature"`
	SigningCertURL   string  `json:"SigningCertURL"`
}

// ParseSNSMessage decodes an SNS HTTP body and checks that the fields the
// signature covers are present. It does not verify the signature.
func ParseSNSMessage(body []byte) (*SNSMessage, error) {
	var m SNSMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, malformed("SNS body is not JSON: %v", err)
	}
	switch m.Type {
	case SNSNotification:
	case SNSSubscriptionConfirmation, SNSUnsubscribeConfirmation:
		if m.SubscribeURL == "" || m.Token == "" {
			return nil, malformed("SNS %s without SubscribeURL or Token", m.Type)
		}
	case "":
		return nil, malformed("SNS body has no Type")
	default:
		return nil, malformed("unknown SNS message type %q", truncate(m.Type, 40))
	}
	if m.MessageID == "" || m.TopicArn == "" || m.Timestamp == "" {
		return nil, malformed("SNS message without MessageId, TopicArn or Timestamp")
	}
	if m.Signature == "" || m.SigningCertURL == "" || m.SignatureVersion == "" {
		return nil, ErrUnsigned
	}
	if _, err := m.Time(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Time parses the message's Timestamp.
func (m *SNSMessage) Time() (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, m.Timestamp)
	if err != nil {
		return time.Time{}, malformed("SNS Timestamp %q is not RFC 3339", truncate(m.Timestamp, 40))
	}
	return t, nil
}

// StringToSign is the canonical text SNS signs: selected fields as
// "Name\nvalue\n" pairs in byte order of their names. Notifications carry
// Subject only when the publisher set one; confirmations sign
// SubscribeURL and Token instead.
func (m *SNSMessage) StringToSign() string {
	var b strings.Builder
	add := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('\n')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	add("Message", m.Message)
	add("MessageId", m.MessageID)
	if m.Type == SNSNotification {
		if m.Subject != nil {
			add("Subject", *m.Subject)
		}
	} else {
		add("SubscribeURL", m.SubscribeURL)
	}
	add("Timestamp", m.Timestamp)
	if m.Type != SNSNotification {
		add("Token", m.Token)
	}
	add("TopicArn", m.TopicArn)
	add("Type", m.Type)
	return b.String()
}

// snsHost is the default rule for the hosts SNS certificates and
// subscription URLs may come from: sns.<region>.amazonaws.com, on the
// default port.
var snsHost = regexp.MustCompile(`^sns\.[a-z0-9-]+\.amazonaws\.com$`)

// DefaultSNSHost reports whether host (a URL's host, with any port) is
// an Amazon SNS endpoint.
func DefaultSNSHost(host string) bool { return snsHost.MatchString(host) }

// DefaultMaxAge is how old a notification may be before it is refused as
// a replay. SNS retries a failed delivery for up to an hour with the
// default policy; Postmark's retries fit too.
const DefaultMaxAge = time.Hour

// SNSVerifier verifies SNS message signatures. The zero value is not
// usable; use NewSNSVerifier. It is safe for concurrent use and keeps
// the certificates it has fetched.
type SNSVerifier struct {
	client    *http.Client
	allowHost func(host string) bool
	topics    []string
	maxAge    time.Duration
	now       func() time.Time

	mu    sync.Mutex
	certs map[string]*x509.Certificate
}

// SNSOptions configures an SNSVerifier. Zero fields take the defaults.
type SNSOptions struct {
	// Client fetches signing certificates and subscription URLs.
	// Default: a client with a 10 s timeout that follows no redirects.
	Client *http.Client
	// AllowHost decides which URL hosts (with port, if any) certificates
	// and subscription URLs may come from. Default DefaultSNSHost.
	AllowHost func(host string) bool
	// Topics lists the topic ARNs accepted. Messages from any other
	// topic are refused even when signed, since anyone can create a
	// topic and point it at this endpoint. Required.
	Topics []string
	// MaxAge refuses messages whose Timestamp is older (or further in
	// the future) than this. Default DefaultMaxAge; negative turns the
	// check off.
	MaxAge time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// NewSNSVerifier returns a verifier with the options' defaults filled in.
func NewSNSVerifier(o SNSOptions) *SNSVerifier {
	v := &SNSVerifier{
		client:    o.Client,
		allowHost: o.AllowHost,
		topics:    slices.Clone(o.Topics),
		maxAge:    o.MaxAge,
		now:       o.Now,
		certs:     make(map[string]*x509.Certificate),
	}
	if v.client == nil {
		v.client = &http.Client{
			Timeout: 10 * time.Second,
			// A redirect could lead away from the checked host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if v.allowHost == nil {
		v.allowHost = DefaultSNSHost
	}
	if v.maxAge == 0 {
		v.maxAge = DefaultMaxAge
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v
}

// checkURL accepts only https URLs on an allowed host, without user info.
func (v *SNSVerifier) checkURL(raw, what string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Host == "" {
		return nil, forged("%s %q is not an https URL", what, truncate(raw, 200))
	}
	if !v.allowHost(u.Host) {
		return nil, forged("%s host %q is not an SNS host", what, truncate(u.Host, 100))
	}
	return u, nil
}

// Verify checks m's topic, age and signature. The signing certificate is
// fetched (once per URL) only from an allowed https host.
func (v *SNSVerifier) Verify(ctx context.Context, m *SNSMessage) error {
	if !slices.Contains(v.topics, m.TopicArn) {
		return forged("topic %q is not configured", truncate(m.TopicArn, 200))
	}
	at, err := m.Time()
	if err != nil {
		return err
	}
	if v.maxAge > 0 {
		if age := v.now().Sub(at); age > v.maxAge || age < -v.maxAge {
			return fmt.Errorf("%w: SNS message of %s", ErrStale, at.UTC().Format(time.RFC3339))
		}
	}
	var hash crypto.Hash
	switch m.SignatureVersion {
	case "1":
		hash = crypto.SHA1
	case "2":
		hash = crypto.SHA256
	default:
		return forged("unknown SignatureVersion %q", truncate(m.SignatureVersion, 10))
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return forged("Signature is not base64")
	}
	cert, err := v.cert(ctx, m.SigningCertURL)
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return forged("signing certificate has no RSA key")
	}
	if now := v.now(); now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return forged("signing certificate is not valid now")
	}
	text := m.StringToSign()
	var digest []byte
	if hash == crypto.SHA1 {
		d := sha1.Sum([]byte(text))
		digest = d[:]
	} else {
		d := sha256.Sum256([]byte(text))
		digest = d[:]
	}
	if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
		return forged("bad SNS signature")
	}
	return nil
}

// maxCerts bounds the certificate cache; SNS uses one certificate per
// region at a time, so a handful is plenty.
const maxCerts = 16

// cert returns the certificate at raw, fetching it the first time.
func (v *SNSVerifier) cert(ctx context.Context, raw string) (*x509.Certificate, error) {
	u, err := v.checkURL(raw, "SigningCertURL")
	if err != nil {
		return nil, err
	}
	key := u.String()
	v.mu.Lock()
	c := v.certs[key]
	v.mu.Unlock()
	if c != nil {
		return c, nil
	}
	body, err := v.get(ctx, u, 64<<10)
	if err != nil {
		return nil, fmt.Errorf("bounce: fetch SNS signing certificate: %w", err)
	}
	block, _ := pem.Decode(body)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, forged("SigningCertURL does not hold a PEM certificate")
	}
	c, err = x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, forged("SigningCertURL certificate: %v", err)
	}
	v.mu.Lock()
	if len(v.certs) >= maxCerts {
		clear(v.certs)
	}
	v.certs[key] = c
	v.mu.Unlock()
	return c, nil
}

// get fetches u and returns at most limit bytes of a 2xx body.
func (v *SNSVerifier) get(ctx context.Context, u *url.URL, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("GET %s: %s", u.Host, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit))
}

// Confirm follows a verified SubscriptionConfirmation's SubscribeURL,
// which must pass the same host check as certificates.
func (v *SNSVerifier) Confirm(ctx context.Context, m *SNSMessage) error {
	u, err := v.checkURL(m.SubscribeURL, "SubscribeURL")
	if err != nil {
		return err
	}
	if _, err := v.get(ctx, u, 64<<10); err != nil {
		return fmt.Errorf("bounce: confirm SNS subscription to %s: %w", m.TopicArn, err)
	}
	return nil
}

// sesNotification is the part of an SES bounce or complaint notification
// that matters here. SES sends "notificationType" to SNS topics set on an
// identity and "eventType" from configuration-set event publishing.
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           *struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		Timestamp         string `json:"timestamp"`
		FeedbackID        string `json:"feedbackId"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		Timestamp             string `json:"timestamp"`
		FeedbackID            string `json:"feedbackId"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
		ComplaintSubType      string `json:"complaintSubType"`
		ComplainedRecipients  []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
	} `json:"complaint"`
	Mail struct {
		CommonHeaders struct {
			MessageID string `json:"messageId"`
		} `json:"commonHeaders"`
	} `json:"mail"`
}

// maxRecipients bounds the events one notification may produce; SES
// puts at most 50 recipients in a message.
const maxRecipients = 100

// ParseSESNotification turns the Message of an SNS notification from SES
// into events. Other SES notifications (deliveries, opens, sends) give
// no events and no error. at is the fallback time when SES gives none.
func ParseSESNotification(id, message string, at time.Time) ([]Event, error) {
	var n sesNotification
	if err := json.Unmarshal([]byte(message), &n); err != nil {
		return nil, malformed("SES notification is not JSON: %v", err)
	}
	typ := n.NotificationType
	if typ == "" {
		typ = n.EventType
	}
	when := func(s string) time.Time {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
		return at
	}
	var events []Event
	// The Message-ID we sent, when SES reports the headers; it names
	// the delivery to mark.
	msgID := truncate(n.Mail.CommonHeaders.MessageID, 250)
	switch typ {
	case "Bounce":
		b := n.Bounce
		if b == nil || len(b.BouncedRecipients) == 0 {
			return nil, malformed("SES bounce without recipients")
		}
		if len(b.BouncedRecipients) > maxRecipients {
			return nil, malformed("SES bounce with %d recipients", len(b.BouncedRecipients))
		}
		// Undetermined bounces are treated as soft: suppressing on a
		// guess would lose a reader.
		kind := SoftBounce
		if b.BounceType == "Permanent" {
			kind = HardBounce
		}
		for _, r := range b.BouncedRecipients {
			e, err := event("ses", id, r.EmailAddress, kind,
				joinDetail(b.BounceType+"/"+b.BounceSubType, r.Status, r.DiagnosticCode), when(b.Timestamp))
			if err != nil {
				return nil, err
			}
			e.MessageID = msgID
			events = append(events, e)
		}
	case "Complaint":
		c := n.Complaint
		if c == nil || len(c.ComplainedRecipients) == 0 {
			return nil, malformed("SES complaint without recipients")
		}
		if len(c.ComplainedRecipients) > maxRecipients {
			return nil, malformed("SES complaint with %d recipients", len(c.ComplainedRecipients))
		}
		// A complaint of type "not-spam" is a recipient taking a
		// message out of spam: no reason to stop.
		if c.ComplaintFeedbackType == "not-spam" {
			return nil, nil
		}
		detail := joinDetail("complaint", c.ComplaintFeedbackType, c.ComplaintSubType)
		for _, r := range c.ComplainedRecipients {
			e, err := event("ses", id, r.EmailAddress, Complaint, detail, when(c.Timestamp))
			if err != nil {
				return nil, err
			}
			e.MessageID = msgID
			events = append(events, e)
		}
	case "":
		return nil, malformed("SES notification without notificationType")
	}
	return events, nil
}
