package billing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"

	"masthead"
)

// Stripe signs a webhook with the header
//
//	Stripe-Signature: t=TIMESTAMP,v1=HEX(HMAC-SHA256(secret, "TIMESTAMP.BODY"))[,v1=…]
//
// (several v1 values while a secret is being rolled). The signature is
// checked on the raw body before anything is parsed, in constant time,
// and the timestamp must be within the tolerance of now, so a captured
// request cannot be replayed later; a replay within the tolerance has the
// same event id, which the store refuses.

// SignatureHeader is the header carrying the signature.
const SignatureHeader = "Stripe-Signature"

// Sign returns the Stripe-Signature header value for payload signed at t,
// exactly as Stripe computes it.
func Sign(payload []byte, secret string, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(payload)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// verify checks the signature header of payload at now.
func (c *Client) verify(payload []byte, header string, now time.Time) error {
	if header == "" {
		return masthead.Errorf(masthead.EINVALID, "The webhook carries no %s header.", SignatureHeader)
	}
	var ts int64 = -1
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return masthead.Errorf(masthead.EINVALID, "The webhook's signature timestamp is malformed.")
			}
			ts = n
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	if ts < 0 || len(sigs) == 0 {
		return masthead.Errorf(masthead.EINVALID, "The webhook's signature header is malformed.")
	}
	mac := hmac.New(sha256.New, c.secret)
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(payload)
	want := mac.Sum(nil)
	match := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			match = true
		}
	}
	if !match {
		return masthead.Errorf(masthead.EINVALID, "The webhook's signature does not match.")
	}
	if age := now.Sub(time.Unix(ts, 0)); age > c.tolerance || age < -c.tolerance {
		return masthead.Errorf(masthead.EINVALID, "The webhook's timestamp is outside the tolerance (%s old).", age.Round(time.Second))
	}
	return nil
}

// ParseWebhook verifies payload and turns it into a BillingEvent. Types
// Masthead does not act on come back with no object, to be recorded only.
func (c *Client) ParseWebhook(payload []byte, header string, now time.Time) (*masthead.BillingEvent, error) {
	if err := c.verify(payload, header, now); err != nil {
		return nil, err
	}
	var ev stripe.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, masthead.Errorf(masthead.EINVALID, "The webhook's body is not a Stripe event: %v", err)
	}
	if ev.ID == "" || ev.Type == "" || ev.Created == 0 {
		return nil, masthead.Errorf(masthead.EINVALID, "The webhook's event lacks an id, a type or a time.")
	}
	out := &masthead.BillingEvent{ID: ev.ID, Type: string(ev.Type), Created: unix(ev.Created)}
	raw := json.RawMessage(nil)
	if ev.Data != nil {
		raw = ev.Data.Raw
	}
	bad := func(err error) (*masthead.BillingEvent, error) {
		return nil, masthead.Errorf(masthead.EINVALID, "The webhook's %s object is malformed: %v", ev.Type, err)
	}
	switch out.Type {
	case masthead.EventSubscriptionCreated, masthead.EventSubscriptionUpdated, masthead.EventSubscriptionDeleted:
		var s stripe.Subscription
		if err := json.Unmarshal(raw, &s); err != nil {
			return bad(err)
		}
		if s.ID == "" {
			return bad(errMissing("id"))
		}
		sub := Subscription(&s)
		out.Subscription = &sub
	case masthead.EventCheckoutCompleted:
		var s stripe.CheckoutSession
		if err := json.Unmarshal(raw, &s); err != nil {
			return bad(err)
		}
		if s.ID == "" {
			return bad(errMissing("id"))
		}
		cr := checkoutResult(&s)
		// A completed event is the session completing: its status may
		// be absent from a trimmed payload.
		cr.Paid = s.PaymentStatus == stripe.CheckoutSessionPaymentStatusPaid ||
			s.PaymentStatus == stripe.CheckoutSessionPaymentStatusNoPaymentRequired
		out.Checkout = cr
	case masthead.EventInvoicePaid, masthead.EventInvoicePaymentFailed:
		var inv stripe.Invoice
		if err := json.Unmarshal(raw, &inv); err != nil {
			return bad(err)
		}
		if inv.ID == "" {
			return bad(errMissing("id"))
		}
		ir := &masthead.InvoiceResult{InvoiceID: inv.ID, Paid: out.Type == masthead.EventInvoicePaid}
		if inv.Customer != nil {
			ir.CustomerID = inv.Customer.ID
		}
		if inv.Parent != nil && inv.Parent.SubscriptionDetails != nil && inv.Parent.SubscriptionDetails.Subscription != nil {
			ir.SubscriptionID = inv.Parent.SubscriptionDetails.Subscription.ID
		}
		out.Invoice = ir
	}
	return out, nil
}

type errMissing string

func (e errMissing) Error() string { return "no " + string(e) }
