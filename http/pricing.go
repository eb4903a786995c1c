package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"masthead"
)

// planView is a plan as a pricing card shows it, its prices written for
// the publication's locale.
type planView struct {
	masthead.Plan
	Price string // "$9.00"
	Per   string // "a month", "a year"
	// Monthly is an annual plan's price a month ("$7.50"), and Saving
	// what it saves against twelve months of the monthly plan, in whole
	// percent (0: nothing to say).
	Monthly string
	Saving  int
	// Offer is the running offer on this plan the card shows: the
	// featured one on the pricing page, the page's own on an offer's.
	Offer *offerView
}

// offerView is an offer as a card, a banner or a wall describes it.
type offerView struct {
	Slug, Name string
	URL        string
	// Headline says what the offer gives: "50 % off for 3 months",
	// "$2.00 off for 1 month", "30 days free".
	Headline string
	// Price is a period's price while a discount applies ("$4.50"), and
	// Then the price after it ("then $9.00 a month"); both empty for a
	// trial. TrialDays is a trial's length.
	Price, Then string
	TrialDays   int
	PlanName    string
}

// pricingPage is where every "Subscribe" leads: what All-Access gives, the
// plans as cards, and how to get one. Until a payment provider is
// configured (or demo mode is on), it says plainly that subscriptions are
// not set up rather than offering a button that cannot work. The offer
// page (offers.go) is the same page around one offer.
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
	// Featured is the featured offer running now, shown above the cards.
	Featured *offerView
	// Offer is the offer whose page this is, when it can be taken; its
	// slug goes with every checkout form. OfferNote says why an offer's
	// page shows the normal plans instead (ended, taken up, off).
	Offer     *offerView
	OfferNote string
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
	v, err := s.pricingView(r, "/pricing", errMsg)
	if err != nil {
		return err
	}
	if v.Available && !v.Subscriber {
		o, err := s.reading.FeaturedOffer(r.Context(), s.clock.Now())
		if err != nil {
			return err
		}
		if o != nil {
			v.Featured = s.attachOffer(v.Plans, o)
		}
	}
	if errMsg != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	return s.render(w, "pricing", v)
}

// pricingView gathers what the pricing page and an offer's page show:
// the reader, the plans as cards, the return address.
func (s *Server) pricingView(r *http.Request, path, errMsg string) (*pricingPage, error) {
	next := safeNext(r.FormValue("next"))
	v := &pricingPage{
		base:       s.newBase(r, "Subscribe", "All-Access to "+s.site().name+": every article, the searchable library, the Daily and Weekly Review, no ads.", path),
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
	back := path
	if next != "" {
		back += "?next=" + url.QueryEscape(next)
	}
	v.LoginURL = "/login?next=" + url.QueryEscape(back)
	if m := member(r); m != nil {
		v.SignedIn = true
		sub, err := s.subscriber(r, m)
		if err != nil {
			return nil, err
		}
		v.Subscriber = sub
	}
	if v.Available {
		plans, err := s.billing.Plans(r.Context(), true)
		if err != nil {
			return nil, err
		}
		v.Plans = s.planCards(plans)
	}
	return v, nil
}

// planCards turns the active plans into cards: prices in the locale, an
// annual plan's price a month and its saving against the monthly plan of
// the same currency.
func (s *Server) planCards(plans []masthead.Plan) []planView {
	var monthly *masthead.Plan
	for i := range plans {
		if plans[i].Interval == masthead.IntervalMonth {
			monthly = &plans[i]
			break
		}
	}
	out := make([]planView, 0, len(plans))
	for _, p := range plans {
		c := planView{Plan: p, Price: s.money.Format(p.Amount, p.Currency), Per: "a " + string(p.Interval)}
		if p.Interval == masthead.IntervalYear {
			c.Monthly = s.money.Format((p.Amount+6)/12, p.Currency)
			if monthly != nil && monthly.Currency == p.Currency {
				c.Saving = annualSaving(monthly.Amount, p.Amount)
			}
		}
		out = append(out, c)
	}
	return out
}

// annualSaving is what an annual price saves against twelve monthly
// ones, in whole percent rounded half up; 0 when it saves nothing.
func annualSaving(monthly, annual int64) int {
	full := 12 * monthly
	if full <= 0 || annual >= full {
		return 0
	}
	return int((200*(full-annual) + full) / (2 * full))
}

// attachOffer describes o and puts it on the card of its plan; nil when
// none of the cards is its plan.
func (s *Server) attachOffer(cards []planView, o *masthead.Offer) *offerView {
	for i := range cards {
		if cards[i].Slug == o.Plan {
			ov := s.describeOffer(o, cards[i].Plan)
			cards[i].Offer = ov
			return ov
		}
	}
	return nil
}

// describeOffer writes what o gives on plan p.
func (s *Server) describeOffer(o *masthead.Offer, p masthead.Plan) *offerView {
	v := &offerView{Slug: o.Slug, Name: o.Name, URL: "/offers/" + o.Slug, PlanName: p.Name}
	per := "a " + string(p.Interval)
	months := fmt.Sprintf("%d months", o.Months)
	if o.Months == 1 {
		months = "1 month"
	}
	switch o.Kind {
	case masthead.OfferPercent:
		v.Headline = fmt.Sprintf("%d %% off for %s", o.PercentOff, months)
	case masthead.OfferAmount:
		v.Headline = s.money.Format(o.AmountOff, p.Currency) + " off for " + months
	case masthead.OfferTrial:
		v.Headline = fmt.Sprintf("%d days free", o.TrialDays)
		v.TrialDays = o.TrialDays
		return v
	}
	v.Price = s.money.Format(o.Discounted(p), p.Currency)
	v.Then = "then " + s.money.Format(p.Amount, p.Currency) + " " + per
	return v
}

// priceSummary is what the walls say of prices: the cheapest monthly
// equivalent of the active plans and the featured offer, if any.
type priceSummary struct {
	From  string // "$7.50"; empty when there are no plans
	Offer *offerView
}

// priceCacheTTL is how long the walls' price summary is kept (s.prices,
// a memo): an article page does not read the plans on every render. It
// is forgotten sooner when the content version moves (saving an offer
// raises it).
const priceCacheTTL = 30 * time.Second

// prices returns the walls' price summary; nothing when billing is off.
// A failure to read it is logged and leaves the wall without a price.
func (s *Server) prices(ctx context.Context, now time.Time) priceSummary {
	if !s.billingOn() {
		return priceSummary{}
	}
	sum, err := s.priceCache.get(struct{}{}, now, func() (priceSummary, error) { return s.readPrices(ctx, now) })
	if err != nil {
		s.log.Warn("walls: read prices", "err", err, "request_id", requestID(ctx))
		return priceSummary{}
	}
	return sum
}

func (s *Server) readPrices(ctx context.Context, now time.Time) (priceSummary, error) {
	var sum priceSummary
	plans, err := s.billing.Plans(ctx, true)
	if err != nil || len(plans) == 0 {
		return sum, err
	}
	best, bestAmount := -1, int64(0)
	for i, p := range plans {
		a := p.Amount
		if p.Interval == masthead.IntervalYear {
			a = (a + 6) / 12
		}
		if best < 0 || a < bestAmount {
			best, bestAmount = i, a
		}
	}
	sum.From = s.money.Format(bestAmount, plans[best].Currency)
	o, err := s.reading.FeaturedOffer(ctx, now)
	if err != nil || o == nil {
		return sum, err
	}
	for _, p := range plans {
		if p.Slug == o.Plan {
			sum.Offer = s.describeOffer(o, p)
		}
	}
	return sum, nil
}
