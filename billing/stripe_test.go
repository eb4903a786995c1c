package billing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/billing"
	"masthead/billing/billingtest"
)

const whsec = "whsec_test_secret"

func mockClient(t *testing.T) *billing.Client {
	t.Helper()
	c, err := billing.New(billing.Config{SecretKey: "sk_test_123", WebhookSecret: whsec, APIURL: billingtest.StripeMock(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStripeCalls makes every call Masthead makes to Stripe against
// stripe-mock, which checks each request against Stripe's OpenAPI
// description (unknown or malformed parameters are refused).
func TestStripeCalls(t *testing.T) {
	c := mockClient(t)
	ctx := context.Background()
	now := time.Now()

	cust, err := c.CreateCustomer(ctx, 42, "reader@example.com")
	if err != nil || !strings.HasPrefix(cust, "cus_") {
		t.Fatalf("create customer: %q, %v", cust, err)
	}
	plan := &masthead.Plan{Slug: "monthly", Name: "All-Access monthly", Interval: masthead.IntervalMonth,
		Amount: 900, Currency: "usd", TrialDays: 14}
	for _, priceID := range []string{"", "price_123"} {
		p := *plan
		p.StripePriceID = priceID
		s, err := c.Checkout(ctx, masthead.CheckoutRequest{MemberID: 42, CustomerID: cust, Plan: &p,
			SuccessURL: "https://news.example/checkout/return?session_id={CHECKOUT_SESSION_ID}",
			CancelURL:  "https://news.example/pricing"})
		if err != nil || !strings.HasPrefix(s.ID, "cs_") || s.URL == "" {
			t.Fatalf("subscription checkout (price %q): %+v, %v", priceID, s, err)
		}
	}
	gift := &masthead.Gift{ID: 7, RecipientEmail: "friend@example.com", Months: 3}
	s, err := c.Checkout(ctx, masthead.CheckoutRequest{MemberID: 42, CustomerID: cust, Gift: gift,
		GiftAmount: 2700, Currency: "usd", SuccessURL: "https://news.example/pricing?msg=gift-sent",
		CancelURL: "https://news.example/pricing"})
	if err != nil || !strings.HasPrefix(s.ID, "cs_") {
		t.Fatalf("gift checkout: %+v, %v", s, err)
	}
	if _, err := c.Checkout(ctx, masthead.CheckoutRequest{MemberID: 42}); masthead.ErrorCode(err) != masthead.EINVALID {
		t.Fatalf("checkout of nothing: %v", err)
	}

	u, err := c.PortalURL(ctx, cust, "https://news.example/account")
	if err != nil || u == "" {
		t.Fatalf("portal: %q, %v", u, err)
	}

	if _, _, err := c.CheckoutSubscription(ctx, s.ID, now); err != nil {
		t.Fatalf("read back checkout: %v", err)
	}
	sub, err := c.RetrieveSubscription(ctx, "sub_123", now)
	if err != nil || sub.ID == "" || sub.Status == "" || !sub.Version.Equal(now) {
		t.Fatalf("retrieve subscription: %+v, %v", sub, err)
	}
	n := 0
	err = c.Subscriptions(ctx, now, func(s masthead.Subscription) error {
		n++
		if s.ID == "" || s.Status == "" {
			return fmt.Errorf("subscription without id or status: %+v", s)
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("list subscriptions: %d, %v", n, err)
	}
}

func TestNewRefusesMissingKeys(t *testing.T) {
	if _, err := billing.New(billing.Config{WebhookSecret: whsec}); err == nil {
		t.Fatal("no secret key: want an error")
	}
	if _, err := billing.New(billing.Config{SecretKey: "sk_test_1"}); err == nil {
		t.Fatal("no webhook secret: want an error")
	}
}
