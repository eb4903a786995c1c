package billing_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/billing"
	"masthead/billing/billingtest"
)

// recorder keeps the form bodies of the requests it passes on, by path.
type recorder struct {
	mu     sync.Mutex
	bodies map[string][]url.Values
}

func (rec *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		form, _ := url.ParseQuery(string(b))
		rec.mu.Lock()
		rec.bodies[r.URL.Path] = append(rec.bodies[r.URL.Path], form)
		rec.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (rec *recorder) last(path string) url.Values {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if bs := rec.bodies[path]; len(bs) > 0 {
		return bs[len(bs)-1]
	}
	return nil
}

// TestCouponsAndDiscounts: an offer's coupon is made with its terms, and
// a checkout with an offer carries the coupon (or the offer's trial) and
// the offer's slug, against stripe-mock, which checks every parameter
// against Stripe's API description.
func TestCouponsAndDiscounts(t *testing.T) {
	rec := &recorder{bodies: map[string][]url.Values{}}
	c, err := billing.New(billing.Config{SecretKey: "sk_test_123", WebhookSecret: whsec, APIURL: billingtest.StripeMock(t),
		HTTPClient: &http.Client{Transport: rec, Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	ends := now.AddDate(0, 1, 0)

	pct := masthead.Offer{Slug: "spring", Name: "Spring sale", Plan: "monthly", Kind: masthead.OfferPercent,
		PercentOff: 50, Months: 3, EndsAt: ends, MaxRedemptions: 100}
	id, err := c.CreateCoupon(ctx, pct, "usd", now)
	if err != nil || id == "" {
		t.Fatalf("percent coupon: %q, %v", id, err)
	}
	f := rec.last("/v1/coupons")
	want := map[string]string{"percent_off": "50.0000", "duration": "repeating", "duration_in_months": "3",
		"max_redemptions": "100", "redeem_by": strconv.FormatInt(ends.Unix(), 10),
		"metadata[masthead_offer]": "spring", "name": "Spring sale"}
	for k, v := range want {
		if f.Get(k) != v {
			t.Errorf("coupon %s = %q, want %q", k, f.Get(k), v)
		}
	}
	amt := masthead.Offer{Slug: "fiver", Name: "Five off", Plan: "monthly", Kind: masthead.OfferAmount, AmountOff: 500, Months: 1}
	if _, err := c.CreateCoupon(ctx, amt, "eur", now); err != nil {
		t.Fatalf("amount coupon: %v", err)
	}
	f = rec.last("/v1/coupons")
	if f.Get("amount_off") != "500" || f.Get("currency") != "eur" || f.Get("percent_off") != "" || f.Get("redeem_by") != "" {
		t.Errorf("amount coupon form: %v", f)
	}
	if _, err := c.CreateCoupon(ctx, masthead.Offer{Slug: "t", Kind: masthead.OfferTrial, TrialDays: 30}, "usd", now); masthead.ErrorCode(err) != masthead.EINVALID {
		t.Errorf("a trial's coupon: %v", err)
	}

	plan := &masthead.Plan{Slug: "monthly", Name: "All-Access monthly", Interval: masthead.IntervalMonth,
		Amount: 900, Currency: "usd", TrialDays: 7}
	req := masthead.CheckoutRequest{MemberID: 42, Plan: plan, Coupon: id, Offer: "spring",
		SuccessURL: "https://news.example/checkout/return?session_id={CHECKOUT_SESSION_ID}", CancelURL: "https://news.example/pricing"}
	if _, err := c.Checkout(ctx, req); err != nil {
		t.Fatalf("checkout with a coupon: %v", err)
	}
	f = rec.last("/v1/checkout/sessions")
	if f.Get("discounts[0][coupon]") != id || f.Get("metadata[masthead_offer]") != "spring" ||
		f.Get("subscription_data[metadata][masthead_offer]") != "spring" || f.Get("subscription_data[trial_period_days]") != "7" {
		t.Errorf("checkout with a coupon: %v", f)
	}
	req.Coupon, req.TrialDays, req.Offer = "", 30, "try-it"
	if _, err := c.Checkout(ctx, req); err != nil {
		t.Fatalf("checkout with a trial: %v", err)
	}
	f = rec.last("/v1/checkout/sessions")
	if f.Get("subscription_data[trial_period_days]") != "30" || f.Has("discounts[0][coupon]") || f.Get("metadata[masthead_offer]") != "try-it" {
		t.Errorf("checkout with a trial: %v", f)
	}
	req.TrialDays, req.Offer = 0, ""
	if _, err := c.Checkout(ctx, req); err != nil {
		t.Fatal(err)
	}
	if f = rec.last("/v1/checkout/sessions"); f.Has("metadata[masthead_offer]") || f.Has("discounts[0][coupon]") {
		t.Errorf("checkout without an offer: %v", f)
	}
}

// TestWebhookOffer: a completed checkout's offer comes from its metadata.
func TestWebhookOffer(t *testing.T) {
	c, err := billing.New(billing.Config{SecretKey: "sk_test_1", WebhookSecret: whsec})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	obj := billingtest.CheckoutSession("cs_1", "42", "cus_1", "sub_1", "", "paid")
	obj["metadata"].(map[string]string)["masthead_offer"] = "spring"
	body := billingtest.Event("evt_1", masthead.EventCheckoutCompleted, now, obj)
	ev, err := c.ParseWebhook(body, billing.Sign(body, whsec, now), now)
	if err != nil || ev.Checkout == nil || ev.Checkout.Offer != "spring" || ev.Checkout.SessionID != "cs_1" {
		t.Fatalf("parsed %+v, %v", ev, err)
	}
}
