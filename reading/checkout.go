package reading

import (
	"context"
	"time"

	"masthead"
)

// Checkout: a subscription through the payment provider (or the demo's
// test checkout), and gift subscriptions bought for an address. Whatever
// the path, access comes from an entitlement row the store writes; these
// use cases only start payments and hand the provider's word to the
// store.

var errNoBilling = masthead.Errorf(masthead.ENOTFOUND, "Subscriptions are not set up on this site.")

// BillingOn reports whether anything can be bought: the payment provider
// is set up, or demo mode offers its test checkout.
func (s *Service) BillingOn() bool {
	return s.deps.Billing != nil && (s.deps.Payments != nil || s.cfg.Billing.Demo)
}

// checkoutPlan returns the active plan named slug, refusing a member who
// already subscribes: nothing is created for them.
func (s *Service) checkoutPlan(ctx context.Context, m *masthead.Member, slug string, now time.Time) (*masthead.Plan, error) {
	if !s.BillingOn() {
		return nil, errNoBilling
	}
	sub, err := s.subscriber(ctx, m, now)
	if err != nil {
		return nil, err
	}
	if sub {
		return nil, masthead.Errorf(masthead.ECONFLICT, "You already have All-Access. Manage your subscription from your account page.")
	}
	p, err := s.deps.Billing.Plan(ctx, slug)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND || (err == nil && !p.Active) {
		return nil, masthead.Errorf(masthead.EINVALID, "Choose one of the plans on the pricing page.")
	}
	return p, err
}

// Checkout is a checkout to start: the plan's slug and where the
// provider sends the reader back to.
type Checkout struct {
	Plan string
	// Offer is the slug of the offer the reader took, if any: it must be
	// running and for Plan (checkoutOffer).
	Offer      string
	SuccessURL string
	CancelURL  string
	Now        time.Time
}

// StartCheckout opens a checkout page of the payment provider for m and
// a plan, creating m's customer there the first time.
func (s *Service) StartCheckout(ctx context.Context, m *masthead.Member, in Checkout) (*masthead.CheckoutSession, *masthead.Plan, error) {
	if s.deps.Payments == nil {
		return nil, nil, errNoBilling
	}
	p, err := s.checkoutPlan(ctx, m, in.Plan, in.Now)
	if err != nil {
		return nil, nil, err
	}
	offer, err := s.checkoutOffer(ctx, in.Offer, p, in.Now)
	if err != nil {
		return nil, nil, err
	}
	customer, err := s.customerOf(ctx, m)
	if err != nil {
		return nil, nil, err
	}
	req := masthead.CheckoutRequest{
		MemberID: m.ID, Email: m.Email, CustomerID: customer, Plan: p,
		SuccessURL: in.SuccessURL, CancelURL: in.CancelURL,
	}
	offer.apply(&req)
	sess, err := s.deps.Payments.Checkout(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	return sess, p, nil
}

// DemoCheckout is the demo's TEST checkout: a subscription without
// payment, as an entitlement of source demo. It exists only in demo mode.
func (s *Service) DemoCheckout(ctx context.Context, m *masthead.Member, plan string, now time.Time) (*masthead.Plan, error) {
	if !s.cfg.Billing.Demo || s.deps.Entitlements == nil {
		return nil, errNotFound
	}
	p, err := s.checkoutPlan(ctx, m, plan, now)
	if err != nil {
		return nil, err
	}
	if _, err := s.deps.Entitlements.GrantEntitlement(ctx, masthead.Entitlement{
		MemberID: m.ID, Source: masthead.EntitlementDemo, StartsAt: now,
		EndsAt: now.AddDate(0, 0, s.cfg.Billing.DemoDays),
		Note:   "TEST checkout of " + p.Name + " (demo mode, no payment)",
	}); err != nil {
		return nil, err
	}
	return p, nil
}

// FinishCheckout reads back the checkout session the provider returned m
// from, so m is a subscriber at once, before the webhook (which stays the
// authority and may arrive later or first). A failed read is logged and
// left to the webhook: the reader is not held up by it.
func (s *Service) FinishCheckout(ctx context.Context, m *masthead.Member, sessionID string, now time.Time) error {
	if s.deps.Payments == nil || s.deps.Billing == nil || sessionID == "" || len(sessionID) >= 256 {
		return nil
	}
	member, sub, err := s.deps.Payments.CheckoutSubscription(ctx, sessionID, now)
	switch {
	case err != nil:
		s.log.WarnContext(ctx, "checkout return: read session", "session", sessionID, "err", err)
	case member == m.ID && sub != nil:
		sub.MemberID = m.ID
		if _, err := s.deps.Billing.SyncSubscription(ctx, *sub, s.cfg.Billing.Grace); err != nil {
			return err
		}
	}
	return nil
}

// BillingPortal returns the address of the provider's portal where m
// manages their subscription, returning to returnURL.
func (s *Service) BillingPortal(ctx context.Context, m *masthead.Member, returnURL string) (string, error) {
	if s.deps.Payments == nil || s.deps.Billing == nil {
		return "", errNoBilling
	}
	customer, err := s.deps.Billing.BillingCustomer(ctx, m.ID)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return "", masthead.Errorf(masthead.ECONFLICT, "You have no paid subscription to manage yet.")
	}
	if err != nil {
		return "", err
	}
	return s.deps.Payments.PortalURL(ctx, customer, returnURL)
}

// customerOf returns the member's customer at the provider, creating it
// once.
func (s *Service) customerOf(ctx context.Context, m *masthead.Member) (string, error) {
	id, err := s.deps.Billing.BillingCustomer(ctx, m.ID)
	if masthead.ErrorCode(err) != masthead.ENOTFOUND {
		return id, err
	}
	id, err = s.deps.Payments.CreateCustomer(ctx, m.ID, m.Email)
	if err != nil {
		return "", err
	}
	if err := s.deps.Billing.SetBillingCustomer(ctx, m.ID, id); err != nil {
		return "", err
	}
	// Another request may have recorded one first; the first one stays.
	return s.deps.Billing.BillingCustomer(ctx, m.ID)
}

// GiftPurchase is a gift subscription to buy: months of All-Access for
// an address, through the provider, or at once in demo mode.
type GiftPurchase struct {
	Email  string
	Months int
	// Demo asks for the demo's test checkout (always, without a
	// payment provider).
	Demo       bool
	SuccessURL string
	CancelURL  string
	Now        time.Time
}

// GiftEmailJob is the job that emails a paid gift's redeem link; the
// token is in it until the job is done.
func GiftEmailJob(token string, now time.Time) (masthead.Job, error) {
	j, err := masthead.NewJob(masthead.JobGiftEmail, masthead.GiftEmail{Token: token})
	j.RunAt = now
	return j, err
}

// BuyGift starts the purchase of a gift subscription by m. In demo mode
// the gift is paid at once and its email job written with it, and no
// session is returned; otherwise the gift is stored unpaid and the
// provider's checkout session returned, whose webhook marks it paid.
// A bad address or a number of months not offered is EINVALID.
func (s *Service) BuyGift(ctx context.Context, m *masthead.Member, in GiftPurchase) (*masthead.CheckoutSession, *masthead.Gift, error) {
	if !s.BillingOn() {
		return nil, nil, errNoBilling
	}
	if !masthead.ValidGiftMonths(in.Months) {
		return nil, nil, masthead.Errorf(masthead.EINVALID, "Choose a gift of 1, 3, 6 or 12 months.")
	}
	email, err := masthead.NormalizeEmail(in.Email)
	if err != nil {
		return nil, nil, err
	}
	if s.deps.Payments == nil || in.Demo {
		if !s.cfg.Billing.Demo {
			return nil, nil, errNotFound
		}
		token, hash := masthead.NewToken()
		j, err := GiftEmailJob(token, in.Now)
		if err != nil {
			return nil, nil, err
		}
		g, err := s.deps.Billing.CreateGift(ctx, masthead.GiftInput{PurchaserID: m.ID, RecipientEmail: email,
			Months: in.Months, TokenHash: hash, Paid: true, Now: in.Now, Jobs: []masthead.Job{j}})
		if err != nil {
			return nil, nil, err
		}
		s.jobAdded()
		return nil, g, nil
	}
	plans, err := s.deps.Billing.Plans(ctx, true)
	if err != nil {
		return nil, nil, err
	}
	monthly := monthlyPlan(plans)
	if monthly == nil {
		return nil, nil, masthead.Errorf(masthead.ENOTFOUND, "Gifts need a monthly plan to price them.")
	}
	g, err := s.deps.Billing.CreateGift(ctx, masthead.GiftInput{PurchaserID: m.ID, RecipientEmail: email, Months: in.Months, Now: in.Now})
	if err != nil {
		return nil, nil, err
	}
	customer, err := s.customerOf(ctx, m)
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.deps.Payments.Checkout(ctx, masthead.CheckoutRequest{
		MemberID: m.ID, Email: m.Email, CustomerID: customer, Gift: g,
		GiftAmount: monthly.Amount * int64(in.Months), Currency: monthly.Currency,
		SuccessURL: in.SuccessURL, CancelURL: in.CancelURL,
	})
	if err != nil {
		return nil, nil, err
	}
	if err := s.deps.Billing.SetGiftSession(ctx, g.ID, sess.ID); err != nil {
		return nil, nil, err
	}
	return sess, g, nil
}

// monthlyPlan is the plan a gift's months are priced at.
func monthlyPlan(plans []masthead.Plan) *masthead.Plan {
	for i := range plans {
		if plans[i].Interval == masthead.IntervalMonth {
			return &plans[i]
		}
	}
	return nil
}
