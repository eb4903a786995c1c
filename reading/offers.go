package reading

import (
	"context"
	"time"

	"masthead"
)

// Offers as readers meet them: the featured one on the pricing page and
// the walls, each one's own page, and the checkout made with one.

// Offer returns the offer named slug, in whatever state (its page says
// when it has ended), with its plan. ENOTFOUND when there is no such
// offer or offers are off.
func (s *Service) Offer(ctx context.Context, slug string) (*masthead.Offer, *masthead.Plan, error) {
	if s.deps.Offers == nil || s.deps.Billing == nil || slug == "" || len(slug) > 100 {
		return nil, nil, errNotFound
	}
	o, err := s.deps.Offers.Offer(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.deps.Billing.Plan(ctx, o.Plan)
	if err != nil {
		return nil, nil, err
	}
	return o, p, nil
}

// FeaturedOffer returns the featured offer running at now, or nil when
// there is none or nothing can be bought.
func (s *Service) FeaturedOffer(ctx context.Context, now time.Time) (*masthead.Offer, error) {
	if s.deps.Offers == nil || !s.BillingOn() {
		return nil, nil
	}
	o, err := s.deps.Offers.FeaturedOffer(ctx, now)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil, nil
	}
	return o, err
}

// checkoutOffer resolves the offer a checkout names: none for an empty
// slug; otherwise one that exists, is running at now and is for plan p.
// Anything else is refused with a message the reader can act on, and no
// checkout is opened.
func (s *Service) checkoutOffer(ctx context.Context, slug string, p *masthead.Plan, now time.Time) (*checkoutOffer, error) {
	if slug == "" {
		return nil, nil
	}
	if s.deps.Offers == nil {
		return nil, masthead.Errorf(masthead.EINVALID, "This offer is not available.")
	}
	o, err := s.deps.Offers.Offer(ctx, slug)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil, masthead.Errorf(masthead.EINVALID, "This offer is not available.")
	}
	if err != nil {
		return nil, err
	}
	switch o.State(now) {
	case masthead.OfferExpired:
		return nil, masthead.Errorf(masthead.EINVALID, "This offer has ended. The plans below are still on offer.")
	case masthead.OfferExhausted:
		return nil, masthead.Errorf(masthead.EINVALID, "This offer has been taken up in full. The plans below are still on offer.")
	case masthead.OfferInactive:
		return nil, masthead.Errorf(masthead.EINVALID, "This offer is not available.")
	}
	if o.Plan != p.Slug {
		return nil, masthead.Errorf(masthead.EINVALID, "This offer is for another plan.")
	}
	if o.Kind != masthead.OfferTrial && o.CouponID == "" {
		return nil, masthead.Errorf(masthead.EINVALID, "This offer is not set up for checkout yet.")
	}
	return &checkoutOffer{o}, nil
}

// checkoutOffer is a resolved offer, nil for none.
type checkoutOffer struct{ *masthead.Offer }

// apply puts the offer's terms on a checkout request: its coupon, or its
// trial in place of the plan's, and its slug for counting.
func (o *checkoutOffer) apply(req *masthead.CheckoutRequest) {
	if o == nil {
		return
	}
	req.Offer = o.Slug
	if o.Kind == masthead.OfferTrial {
		req.TrialDays = o.TrialDays
		return
	}
	req.Coupon = o.CouponID
}
