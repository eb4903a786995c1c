package billing_test

import (
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/billing"
	"masthead/billing/billingtest"
)

func offlineClient(t *testing.T) *billing.Client {
	t.Helper()
	c, err := billing.New(billing.Config{SecretKey: "sk_test_123", WebhookSecret: whsec, Tolerance: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseWebhook(t *testing.T) {
	c := offlineClient(t)
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	start := now.Add(-time.Hour)
	sub := billingtest.Subscription(billingtest.Sub{ID: "sub_1", Customer: "cus_1", Status: "canceled", MemberID: "42",
		Start: start, PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), CanceledAt: now, EndedAt: now,
		CancellationReason: "payment_failed"})
	body := billingtest.Event("evt_1", masthead.EventSubscriptionDeleted, now, sub)

	ev, err := c.ParseWebhook(body, billing.Sign(body, whsec, now), now)
	if err != nil {
		t.Fatal(err)
	}
	s := ev.Subscription
	if ev.ID != "evt_1" || !ev.Created.Equal(now) || s == nil || s.ID != "sub_1" || s.MemberID != 42 ||
		s.CustomerID != "cus_1" || s.Status != masthead.StatusCanceled || !s.PaymentFailed ||
		!s.PeriodStart.Equal(start) || !s.PeriodEnd.Equal(start.AddDate(0, 1, 0)) || s.PriceID != "price_monthly" {
		t.Fatalf("parsed %+v / %+v", ev, s)
	}

	checkout := billingtest.Event("evt_2", masthead.EventCheckoutCompleted, now,
		billingtest.CheckoutSession("cs_1", "42", "cus_1", "", "9", "paid"))
	ev, err = c.ParseWebhook(checkout, billing.Sign(checkout, whsec, now), now)
	if err != nil || ev.Checkout == nil || ev.Checkout.GiftID != 9 || !ev.Checkout.Paid || ev.Checkout.MemberID != 42 {
		t.Fatalf("checkout: %+v, %v", ev, err)
	}
	inv := billingtest.Event("evt_3", masthead.EventInvoicePaymentFailed, now, billingtest.Invoice("in_1", "cus_1", "sub_1", "open"))
	ev, err = c.ParseWebhook(inv, billing.Sign(inv, whsec, now), now)
	if err != nil || ev.Invoice == nil || ev.Invoice.SubscriptionID != "sub_1" || ev.Invoice.Paid {
		t.Fatalf("invoice: %+v, %v", ev, err)
	}
	other := billingtest.Event("evt_4", "customer.created", now, map[string]any{"id": "cus_1", "object": "customer"})
	ev, err = c.ParseWebhook(other, billing.Sign(other, whsec, now), now)
	if err != nil || ev.Subscription != nil || ev.Checkout != nil || ev.Invoice != nil {
		t.Fatalf("other type: %+v, %v", ev, err)
	}
	// While a secret is rolled, Stripe sends a v1 per secret.
	rolled := "t=" + strings.TrimPrefix(strings.Split(billing.Sign(body, whsec, now), ",")[0], "t=") +
		",v1=" + strings.Repeat("ab", 32) + "," + strings.Split(billing.Sign(body, whsec, now), ",")[1]
	if _, err := c.ParseWebhook(body, rolled, now); err != nil {
		t.Fatalf("two v1 signatures, one right: %v", err)
	}
}

func TestParseWebhookRefuses(t *testing.T) {
	c := offlineClient(t)
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	body := billingtest.Event("evt_1", masthead.EventSubscriptionUpdated, now,
		billingtest.Subscription(billingtest.Sub{ID: "sub_1", Customer: "cus_1", Status: "active"}))
	tests := []struct {
		name   string
		body   []byte
		header string
	}{
		{"no header", body, ""},
		{"wrong secret", body, billing.Sign(body, "whsec_other", now)},
		{"body changed after signing", append([]byte(nil), strings.Replace(string(body), "active", "trialing", 1)...), billing.Sign(body, whsec, now)},
		{"stale", body, billing.Sign(body, whsec, now.Add(-6*time.Minute))},
		{"from the future", body, billing.Sign(body, whsec, now.Add(6*time.Minute))},
		{"no timestamp", body, "v1=" + strings.Repeat("00", 32)},
		{"no v1", body, "t=" + "1781092800"},
		{"garbage header", body, "nonsense"},
		{"not JSON", []byte("{not json"), billing.Sign([]byte("{not json"), whsec, now)},
		{"no id", []byte(`{"type":"invoice.paid","created":1}`), billing.Sign([]byte(`{"type":"invoice.paid","created":1}`), whsec, now)},
		{"object of the wrong shape", []byte(`{"id":"evt_x","type":"customer.subscription.updated","created":1,"data":{"object":{"id":5}}}`),
			billing.Sign([]byte(`{"id":"evt_x","type":"customer.subscription.updated","created":1,"data":{"object":{"id":5}}}`), whsec, now)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := c.ParseWebhook(tt.body, tt.header, now)
			if masthead.ErrorCode(err) != masthead.EINVALID {
				t.Fatalf("ParseWebhook = %+v, %v; want invalid", ev, err)
			}
		})
	}
}
