// Package webhooks sends Masthead's outgoing webhooks: the handler of the
// queue's webhook-delivery jobs, which POSTs each event signed with the
// endpoint's secret and records the attempt, retried by the queue on the
// webhooks' backoff; and the signature scheme receivers verify
// (docs/webhooks.md).
package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery.
const (
	HeaderEvent     = "X-Masthead-Event"
	HeaderDelivery  = "X-Masthead-Delivery"
	HeaderSignature = "X-Masthead-Signature"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock before Verify refuses it as a possible replay.
const DefaultTolerance = 5 * time.Minute

// NewSecret returns a fresh signing secret: 32 random bytes, hex, with a
// prefix that makes it recognisable in a configuration file.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return "whsec_" + hex.EncodeToString(b)
}

// Sign returns the X-Masthead-Signature value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>">".
// The timestamp is inside the signed text, so it cannot be changed to
// replay an old delivery later.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors Verify returns.
var (
	ErrNoSignature  = errors.New("webhooks: no valid signature header")
	ErrBadSignature = errors.New("webhooks: signature does not match")
	ErrTooOld       = errors.New("webhooks: signature timestamp outside the tolerance")
)

// Verify checks header (an X-Masthead-Signature value) against the raw
// body as received, with secret, at now: the HMAC must match (compared in
// constant time) and the timestamp be within tolerance of now (zero:
// DefaultTolerance). Several v1 values may be present, as during a
// secret's rotation; one matching is enough.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var (
		ts   string
		sigs [][]byte
	)
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrTooOld
	}
	return nil
}
