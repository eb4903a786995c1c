package masthead

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// OfferKind is what an offer gives.
type OfferKind string

// Offer kinds: a share off the plan's price or an amount off it, each for
// a number of months, or a free trial of a number of days.
const (
	OfferPercent OfferKind = "percent"
	OfferAmount  OfferKind = "amount"
	OfferTrial   OfferKind = "trial"
)

// Offer is a promotion an editor runs on one plan, with its own address
// (/offers/{slug}). A percent or amount offer is a Stripe coupon applied
// to the checkout; a trial offer is the subscription's trial days.
type Offer struct {
	ID   int64
	Slug string
	Name string
	// Plan is the slug of the plan the offer is for.
	Plan string
	Kind OfferKind
	// PercentOff (1–100) or AmountOff (minor units of the plan's
	// currency) for Months months, or TrialDays free days.
	PercentOff int
	AmountOff  int64
	Months     int
	TrialDays  int
	// EndsAt is when the offer stops; zero means it runs until it is
	// switched off.
	EndsAt time.Time
	// MaxRedemptions bounds the checkouts completed with the offer; 0
	// means no bound. Redemptions counts them.
	MaxRedemptions int
	Redemptions    int
	Active         bool
	// Featured puts the offer on the pricing page and the walls; one
	// offer at most is featured.
	Featured bool
	// CouponID is the Stripe coupon of a percent or amount offer.
	CouponID  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OfferState says whether an offer can be taken now, and if not, why.
type OfferState string

// Offer states.
const (
	OfferRunning   OfferState = "running"
	OfferInactive  OfferState = "inactive"
	OfferExpired   OfferState = "expired"
	OfferExhausted OfferState = "exhausted"
)

// State is the offer's state at now.
func (o *Offer) State(now time.Time) OfferState {
	switch {
	case !o.Active:
		return OfferInactive
	case !o.EndsAt.IsZero() && !now.Before(o.EndsAt):
		return OfferExpired
	case o.MaxRedemptions > 0 && o.Redemptions >= o.MaxRedemptions:
		return OfferExhausted
	}
	return OfferRunning
}

// Running reports whether the offer can be taken at now.
func (o *Offer) Running(now time.Time) bool { return o.State(now) == OfferRunning }

// Discounted returns what a period of p costs while the offer applies
// (never below zero); a trial offer leaves the price as it is.
func (o *Offer) Discounted(p Plan) int64 {
	switch o.Kind {
	case OfferPercent:
		// Rounded to the nearest minor unit, as Stripe rounds.
		return p.Amount - (p.Amount*int64(o.PercentOff)+50)/100
	case OfferAmount:
		return max(p.Amount-o.AmountOff, 0)
	}
	return p.Amount
}

var offerSlug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks an offer before it is saved; the message names the
// field that is wrong.
func (o *Offer) Validate() error {
	o.Slug = strings.TrimSpace(strings.ToLower(o.Slug))
	o.Name = strings.TrimSpace(o.Name)
	o.CouponID = strings.TrimSpace(o.CouponID)
	switch {
	case o.Name == "" || len(o.Name) > 100:
		return Errorf(EINVALID, "An offer needs a name of at most 100 characters.")
	case !offerSlug.MatchString(o.Slug) || len(o.Slug) > 60:
		return Errorf(EINVALID, "The slug is lower-case letters, digits and dashes, such as spring-sale.")
	case o.Plan == "":
		return Errorf(EINVALID, "Choose the plan the offer is for.")
	case o.MaxRedemptions < 0 || o.MaxRedemptions > 1_000_000:
		return Errorf(EINVALID, "The redemption limit must be between 0 (none) and 1,000,000.")
	}
	switch o.Kind {
	case OfferPercent:
		if o.PercentOff < 1 || o.PercentOff > 100 {
			return Errorf(EINVALID, "The percentage off must be between 1 and 100.")
		}
		o.AmountOff, o.TrialDays = 0, 0
	case OfferAmount:
		if o.AmountOff <= 0 || o.AmountOff > 100_000_00 {
			return Errorf(EINVALID, "The amount off must be more than zero and at most 100,000.")
		}
		o.PercentOff, o.TrialDays = 0, 0
	case OfferTrial:
		if o.TrialDays < 1 || o.TrialDays > 730 {
			return Errorf(EINVALID, "A free trial lasts between 1 and 730 days.")
		}
		o.PercentOff, o.AmountOff, o.Months, o.CouponID = 0, 0, 0, ""
	default:
		return Errorf(EINVALID, "Choose what the offer gives: a percentage off, an amount off, or a free trial.")
	}
	if o.Kind != OfferTrial && (o.Months < 1 || o.Months > 36) {
		return Errorf(EINVALID, "A discount lasts between 1 and 36 months.")
	}
	if o.CouponID != "" && (len(o.CouponID) > 200 || strings.ContainsAny(o.CouponID, " \t\r\n/?#&")) {
		return Errorf(EINVALID, "That is not a Stripe coupon id.")
	}
	return nil
}

// OfferService keeps offers and counts their redemptions (the count is
// written with the billing event of a completed checkout,
// BillingService.ApplyBillingEvent).
type OfferService interface {
	// Offers lists every offer, newest first.
	Offers(ctx context.Context) ([]Offer, error)
	// Offer returns one offer by slug; ENOTFOUND when there is none.
	Offer(ctx context.Context, slug string) (*Offer, error)
	// OfferByID returns one offer by id.
	OfferByID(ctx context.Context, id int64) (*Offer, error)
	// SaveOffer creates (ID 0) or updates an offer; a featured one
	// stops any other being featured. A slug in use is ECONFLICT.
	SaveOffer(ctx context.Context, o Offer) (*Offer, error)
	// FeaturedOffer returns the featured offer running at now;
	// ENOTFOUND when there is none.
	FeaturedOffer(ctx context.Context, now time.Time) (*Offer, error)
}
