package http

import (
	"fmt"
	"net/http"
	"net/url"

	"masthead"
)

// planView is a plan as the pricing page shows it.
type planView struct {
	masthead.Plan
	Price string // "$9.00 a month"
}

// pricingPage is where every "Subscribe" leads: what All-Access gives, the
// plans, and how to get one. Until a payment provider is configured (or
// demo mode is on), it says plainly that subscriptions are not set up
// rather than offering a button that cannot work.
type pricingPage struct {
	base
	Benefits   []string
	Available  bool
	Demo       bool
	Plans      []planView
	Next       string
	LoginURL   string
	SignedIn   bool
	Subscriber bool
	Message    string
	GiftMonths []int
	Error      string
	// Email is the address a reader who is not signed in typed, shown
	// again with an error.
	Email string
}

// allAccessBenefits is what a subscriber gets, in the words the wall and
// the house ads use too.
var allAccessBenefits = []string{
	"Every article, with no monthly limit",
	"The full searchable library, with snippets from every article",
	"The Daily Review and the Weekly Review by email",
	"No ads",
}

// pricingMessages are the notes ?msg= may show on the pricing page (a
// fixed list, so the query cannot put words on the page).
var pricingMessages = map[string]string{
	"canceled":  "Checkout was cancelled; nothing was charged.",
	"gift-sent": "Thank you: your gift is paid. We email the redeem link to its recipient.",
}

func (s *Server) handlePricing(w http.ResponseWriter, r *http.Request) error {
	return s.renderPricing(w, r, "")
}

func (s *Server) renderPricing(w http.ResponseWriter, r *http.Request, errMsg string) error {
	next := safeNext(r.FormValue("next"))
	v := pricingPage{
		base:       s.newBase(r, "Subscribe", "All-Access to "+s.cfg.SiteName+": every article, the searchable library, the Daily and Weekly Review, no ads.", "/pricing"),
		Benefits:   allAccessBenefits,
		Available:  s.billingOn(),
		Demo:       s.cfg.Billing.Demo && s.billing != nil,
		Next:       next,
		Message:    pricingMessages[r.URL.Query().Get("msg")],
		GiftMonths: masthead.GiftMonths,
		Error:      errMsg,
	}
	if r.Method == http.MethodPost && len(r.PostFormValue("email")) <= 320 {
		v.Email = r.PostFormValue("email")
	}
	if r.URL.Query().Get("msg") == "gift-sent" {
		v.Message = s.giftPaidNote()
	}
	back := "/pricing"
	if next != "" {
		back += "?next=" + url.QueryEscape(next)
	}
	v.LoginURL = "/login?next=" + url.QueryEscape(back)
	if m := member(r); m != nil {
		v.SignedIn = true
		sub, err := s.subscriber(r, m)
		if err != nil {
			return err
		}
		v.Subscriber = sub
	}
	if v.Available {
		plans, err := s.billing.Plans(r.Context(), true)
		if err != nil {
			return err
		}
		for _, p := range plans {
			v.Plans = append(v.Plans, planView{Plan: p, Price: formatPrice(p.Amount, p.Currency) + " a " + string(p.Interval)})
		}
	}
	if errMsg != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	return s.render(w, "pricing", v)
}

// currencySymbols are the currencies written with a symbol; others show
// their code.
var currencySymbols = map[string]string{"usd": "$", "eur": "€", "gbp": "£", "chf": "CHF ", "cad": "CA$", "aud": "A$"}

// formatPrice writes an amount in minor units: 900 usd is "$9.00".
func formatPrice(amount int64, currency string) string {
	n := fmt.Sprintf("%d.%02d", amount/100, amount%100)
	if sym, ok := currencySymbols[currency]; ok {
		return sym + n
	}
	return n + " " + currency
}
