package billingtest

import (
	"encoding/json"
	"time"
)

// Stripe-shaped webhook payloads for tests, as Stripe sends them at API
// version 2025-08-27.basil: the billing period on the subscription's
// items, an invoice's subscription under parent.subscription_details.

// Event is a webhook event's body around object.
func Event(id, typ string, created time.Time, object map[string]any) []byte {
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "type": typ, "created": created.Unix(),
		"api_version": "2025-08-27.basil", "livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": object},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// Sub describes a subscription object.
type Sub struct {
	ID, Customer, Status string
	MemberID             string // metadata masthead_member_id; "" for none
	Start, PeriodStart   time.Time
	PeriodEnd            time.Time
	CancelAtPeriodEnd    bool
	CanceledAt, EndedAt  time.Time
	CancellationReason   string
}

func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// Subscription is a subscription object.
func Subscription(s Sub) map[string]any {
	meta := map[string]string{}
	if s.MemberID != "" {
		meta["masthead_member_id"] = s.MemberID
	}
	var details any
	if s.CancellationReason != "" {
		details = map[string]any{"reason": s.CancellationReason}
	}
	return map[string]any{
		"id": s.ID, "object": "subscription", "customer": s.Customer, "status": s.Status,
		"start_date": unix(s.Start), "created": unix(s.Start),
		"cancel_at_period_end": s.CancelAtPeriodEnd, "canceled_at": unix(s.CanceledAt), "ended_at": unix(s.EndedAt),
		"cancellation_details": details, "metadata": meta,
		"items": map[string]any{"object": "list", "data": []any{map[string]any{
			"id": "si_" + s.ID, "object": "subscription_item",
			"current_period_start": unix(s.PeriodStart), "current_period_end": unix(s.PeriodEnd),
			"price": map[string]any{"id": "price_monthly", "object": "price"},
		}}},
	}
}

// CheckoutSession is a completed checkout session object: subscription
// mode when subscription is set, else payment mode for a gift.
func CheckoutSession(id, memberID, customer, subscription, giftID, paymentStatus string) map[string]any {
	mode := "subscription"
	meta := map[string]string{"masthead_member_id": memberID}
	var sub any
	if subscription != "" {
		sub = subscription
	} else {
		mode = "payment"
		meta["masthead_gift_id"] = giftID
	}
	return map[string]any{
		"id": id, "object": "checkout.session", "mode": mode, "status": "complete",
		"client_reference_id": memberID, "customer": customer, "subscription": sub,
		"payment_status": paymentStatus, "metadata": meta,
	}
}

// Invoice is an invoice object of a subscription.
func Invoice(id, customer, subscription, status string) map[string]any {
	return map[string]any{
		"id": id, "object": "invoice", "customer": customer, "status": status,
		"parent": map[string]any{"type": "subscription_details",
			"subscription_details": map[string]any{"subscription": subscription}},
	}
}
