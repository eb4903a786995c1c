package http

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"masthead"
)

// TestBillingTemplates renders every state of the pricing and gift pages.
func TestBillingTemplates(t *testing.T) {
	s := testServer(t)
	r := httptest.NewRequest("GET", "/", nil)
	b := s.newBase(r, "T", "", "/pricing")
	plan := planView{Plan: masthead.Plan{Slug: "monthly", Name: "Monthly <b>", Interval: masthead.IntervalMonth,
		Amount: 900, Currency: "usd", TrialDays: 7, Active: true}, Price: "$9.00 a month"}
	gift := &masthead.Gift{ID: 1, RecipientEmail: "f@example.com", Months: 3}
	redeemed := &masthead.Gift{ID: 2, RecipientEmail: "f@example.com", Months: 1, RedeemedAt: time.Now()}
	views := []struct {
		page string
		view any
		want []string
	}{
		{"pricing", pricingPage{base: b, Benefits: allAccessBenefits}, []string{"not set up"}},
		{"pricing", pricingPage{base: b, Available: true, Plans: []planView{plan}, LoginURL: "/login?next=%2Fpricing"}, []string{"Monthly &lt;b&gt;", `name="email"`, `action="/checkout"`, "Log in</a>", "first 7 days", `name="recipient"`}},
		{"pricing", pricingPage{base: b, Available: true, SignedIn: true, Plans: []planView{plan}, Next: "/articles/a", GiftMonths: masthead.GiftMonths},
			[]string{`action="/checkout"`, `value="/articles/a"`, `action="/gifts/checkout"`, "Buy the gift"}},
		{"pricing", pricingPage{base: b, Available: true, Demo: true, SignedIn: true, Plans: []planView{plan}, GiftMonths: masthead.GiftMonths},
			[]string{"TEST MODE", `action="/checkout/demo"`, "TEST gift"}},
		{"pricing", pricingPage{base: b, Available: true, SignedIn: true, Subscriber: true, Next: "/articles/a", Message: "Checkout was cancelled", Error: "Bad"},
			[]string{"already have All-Access", "Back to your article", "Checkout was cancelled", "Bad"}},
		{"billing/gift", giftSubPage{base: b, Gift: gift, Token: "tok", LoginURL: "/login"}, []string{"3 months", `action="/gifts/redeem/tok"`, "Not signed in"}},
		{"billing/gift", giftSubPage{base: b, Gift: gift, Token: "tok", SignedIn: true}, []string{"Redeem my gift"}},
		{"billing/gift", giftSubPage{base: b, Gift: redeemed}, []string{"already redeemed"}},
		{"billing/gift", giftSubPage{base: b, Gift: gift, Done: "Done: yes"}, []string{"Done: yes"}},
	}
	for i, v := range views {
		w := newBufWriter()
		if err := s.render(w, v.page, v.view); err != nil {
			t.Errorf("%s #%d: %v", v.page, i, err)
			continue
		}
		out := w.body.String()
		for _, want := range v.want {
			if !strings.Contains(out, want) {
				t.Errorf("%s #%d lacks %q", v.page, i, want)
			}
		}
	}
	if got := formatPrice(9000, "eur"); got != "€90.00" {
		t.Errorf("formatPrice = %q", got)
	}
	if got := formatPrice(1205, "sek"); got != "12.05 sek" {
		t.Errorf("formatPrice = %q", got)
	}
}
