package masthead_test

import (
	"testing"
	"time"

	"masthead"
)

func TestOfferStateAndPrice(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	base := masthead.Offer{Slug: "spring", Name: "Spring", Plan: "monthly", Kind: masthead.OfferPercent, PercentOff: 50,
		Months: 3, Active: true}
	tests := []struct {
		name string
		mod  func(*masthead.Offer)
		want masthead.OfferState
	}{
		{"running", func(*masthead.Offer) {}, masthead.OfferRunning},
		{"switched off", func(o *masthead.Offer) { o.Active = false }, masthead.OfferInactive},
		{"ends later", func(o *masthead.Offer) { o.EndsAt = now.Add(time.Second) }, masthead.OfferRunning},
		{"ends now", func(o *masthead.Offer) { o.EndsAt = now }, masthead.OfferExpired},
		{"room left", func(o *masthead.Offer) { o.MaxRedemptions, o.Redemptions = 2, 1 }, masthead.OfferRunning},
		{"taken up", func(o *masthead.Offer) { o.MaxRedemptions, o.Redemptions = 2, 2 }, masthead.OfferExhausted},
	}
	for _, tt := range tests {
		o := base
		tt.mod(&o)
		if got := o.State(now); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	plan := masthead.Plan{Amount: 999, Currency: "usd"}
	for _, tt := range []struct {
		o    masthead.Offer
		want int64
	}{
		{masthead.Offer{Kind: masthead.OfferPercent, PercentOff: 50}, 499}, // 499.5 rounds to 500 off
		{masthead.Offer{Kind: masthead.OfferPercent, PercentOff: 100}, 0},
		{masthead.Offer{Kind: masthead.OfferAmount, AmountOff: 200}, 799},
		{masthead.Offer{Kind: masthead.OfferAmount, AmountOff: 2000}, 0},
		{masthead.Offer{Kind: masthead.OfferTrial, TrialDays: 30}, 999},
	} {
		if got := tt.o.Discounted(plan); got != tt.want {
			t.Errorf("%+v: %d, want %d", tt.o, got, tt.want)
		}
	}
}

func TestOfferValidate(t *testing.T) {
	good := masthead.Offer{Slug: " Spring-Sale ", Name: " Spring ", Plan: "monthly", Kind: masthead.OfferTrial,
		TrialDays: 30, Months: 3, CouponID: "co_1"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if good.Slug != "spring-sale" || good.Name != "Spring" || good.Months != 0 || good.CouponID != "" {
		t.Errorf("normalised: %+v", good)
	}
	bad := []masthead.Offer{
		{Slug: "a", Plan: "monthly", Kind: masthead.OfferTrial, TrialDays: 3},
		{Slug: "a b", Name: "N", Plan: "monthly", Kind: masthead.OfferTrial, TrialDays: 3},
		{Slug: "a", Name: "N", Kind: masthead.OfferTrial, TrialDays: 3},
		{Slug: "a", Name: "N", Plan: "monthly", Kind: "free"},
		{Slug: "a", Name: "N", Plan: "monthly", Kind: masthead.OfferPercent, PercentOff: 0, Months: 1},
		{Slug: "a", Name: "N", Plan: "monthly", Kind: masthead.OfferPercent, PercentOff: 10, Months: 0},
		{Slug: "a", Name: "N", Plan: "monthly", Kind: masthead.OfferAmount, AmountOff: -1, Months: 1},
		{Slug: "a", Name: "N", Plan: "monthly", Kind: masthead.OfferTrial, TrialDays: 0},
		{Slug: "a", Name: "N", Plan: "monthly", Kind: masthead.OfferTrial, TrialDays: 3, MaxRedemptions: -1},
		{Slug: "a", Name: "N", Plan: "monthly", Kind: masthead.OfferPercent, PercentOff: 10, Months: 1, CouponID: "a/b"},
	}
	for _, o := range bad {
		if err := o.Validate(); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("%+v: %v, want invalid", o, err)
		}
	}
}
