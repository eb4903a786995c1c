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
		Amount: 900, Currency: "usd", TrialDays: 7, Active: true}, Price: "$9.00", Per: "a month"}
	annual := planView{Plan: masthead.Plan{Slug: "annual", Name: "Annual", Interval: masthead.IntervalYear,
		Amount: 9000, Currency: "usd", Active: true}, Price: "$90.00", Per: "a year", Monthly: "$7.50", Saving: 17}
	offer := &offerView{Slug: "spring", Name: "Spring sale", URL: "/offers/spring", Headline: "50 % off for 3 months",
		Price: "$4.50", Then: "then $9.00 a month", PlanName: "Monthly"}
	offered := plan
	offered.Offer = offer
	gift := &masthead.Gift{ID: 1, RecipientEmail: "f@example.com", Months: 3}
	redeemed := &masthead.Gift{ID: 2, RecipientEmail: "f@example.com", Months: 1, RedeemedAt: time.Now()}
	views := []struct {
		page string
		view any
		want []string
	}{
		{"pricing", pricingPage{base: b, Benefits: allAccessBenefits}, []string{"not set up"}},
		{"pricing", pricingPage{base: b, Available: true, Plans: []planView{plan, annual}, LoginURL: "/login?next=%2Fpricing"},
			[]string{"Monthly &lt;b&gt;", `name="email"`, "Already a subscriber?", "first 7 days", "$90.00", "Save 17 %", "$7.50 a month", "Can I cancel", `name="recipient"`, `action="/checkout"`}},
		{"pricing", pricingPage{base: b, Available: true, SignedIn: true, Plans: []planView{offered, annual}, Featured: offer},
			[]string{"Spring sale", "<del>$9.00</del> <strong>$4.50</strong>", "then $9.00 a month", `name="offer" value="spring"`}},
		{"billing/offer", pricingPage{base: b, Available: true, Plans: []planView{offered}, Offer: offer},
			[]string{"<h1>Spring sale</h1>", `name="offer" value="spring"`, `name="email"`}},
		{"billing/offer", pricingPage{base: b, Available: true, Plans: []planView{plan}, OfferNote: "This offer has ended."},
			[]string{"This offer has ended.", `action="/checkout"`}},
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
}

// TestAnnualSaving rounds an annual plan's saving against twelve monthly
// prices half up, and finds none where there is none.
func TestAnnualSaving(t *testing.T) {
	for _, tt := range []struct {
		monthly, annual int64
		want            int
	}{{900, 9000, 17}, {1000, 12000, 0}, {1000, 13000, 0}, {1000, 6000, 50}, {0, 100, 0}} {
		if got := annualSaving(tt.monthly, tt.annual); got != tt.want {
			t.Errorf("annualSaving(%d, %d) = %d, want %d", tt.monthly, tt.annual, got, tt.want)
		}
	}
}
