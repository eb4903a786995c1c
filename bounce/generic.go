package bounce

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SignatureHeader carries the signature of a generic notification:
// "sha256=" and the hex HMAC-SHA256 of the raw body under the shared
// secret.
const SignatureHeader = "X-Masthead-Signature"

// GenericNotification is the documented JSON form any mail system can
// post to /webhooks/bounce:
//
//	{"email": "reader@example.com", "type": "bounce", "permanent": true,
//	 "detail": "550 5.1.1 user unknown", "at": "2026-01-02T15:04:05Z",
//	 "message_id": "<n12.34.abc@example.com>"}
//
// Type is "bounce" or "complaint"; a bounce is hard when Permanent and
// soft otherwise; Detail, At and MessageID (the Message-ID header of the
// message that bounced) are optional. When At is given the
// notification is refused once older than the allowed age, which bounds
// replays.
type GenericNotification struct {
	Email     string `json:"email"`
	Type      string `json:"type"`
	Permanent bool   `json:"permanent"`
	Detail    string `json:"detail,omitempty"`
	At        string `json:"at,omitempty"`
	MessageID string `json:"message_id,omitempty"`
}

// SignGeneric returns the SignatureHeader value for body under secret.
func SignGeneric(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyGeneric checks header (the SignatureHeader value) against body in
// constant time.
func VerifyGeneric(secret, body []byte, header string) error {
	if header == "" {
		return ErrUnsigned
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return forged("signature must start with sha256=")
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return forged("signature is not hex")
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return forged("bad signature")
	}
	return nil
}

// ParseGeneric turns a generic notification into one event. now stamps
// notifications without "at"; maxAge (when positive) refuses older ones.
func ParseGeneric(body []byte, now time.Time, maxAge time.Duration) ([]Event, error) {
	var n GenericNotification
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil {
		return nil, malformed("body is not the documented JSON form: %v", err)
	}
	if dec.More() {
		return nil, malformed("body holds more than one JSON value")
	}
	var kind Kind
	switch {
	case n.Type == "complaint":
		kind = Complaint
	case n.Type == "bounce" && n.Permanent:
		kind = HardBounce
	case n.Type == "bounce":
		kind = SoftBounce
	default:
		return nil, malformed(`type must be "bounce" or "complaint", not %q`, truncate(n.Type, 40))
	}
	at := now
	if n.At != "" {
		t, err := time.Parse(time.RFC3339Nano, n.At)
		if err != nil {
			return nil, malformed("at %q is not RFC 3339", truncate(n.At, 40))
		}
		if age := now.Sub(t); maxAge > 0 && (age > maxAge || age < -maxAge) {
			return nil, fmt.Errorf("%w: notification of %s", ErrStale, t.UTC().Format(time.RFC3339))
		}
		at = t
	}
	e, err := event("generic", "", n.Email, kind, n.Detail, at)
	if err != nil {
		return nil, err
	}
	e.MessageID = truncate(n.MessageID, 250)
	return []Event{e}, nil
}
