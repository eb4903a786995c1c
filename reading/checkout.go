package reading

import (
	"context"
	"strconv"
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

// Checkout is a checkout to start: the plan's slug, where the provider
// sends the reader back to (ReturnURL, given the checkout's id) or on
// cancelling, and, for a reader who is not signed in, the address they
// gave and the hash of the nonce their browser keeps.
type Checkout struct {
	Plan string
	// Offer is the slug of the offer the reader took, if any: it must be
	// running and for Plan (checkoutOffer).
	Offer string
	// Email and NonceHash are an anonymous reader's; a signed-in
	// member's checkout ignores them (no address is asked again).
	Email     string
	NonceHash []byte
	// Next is the local path the reader returns to in the end.
	Next      string
	ReturnURL func(checkoutID int64) string
	CancelURL string
	Now       time.Time
}

// StartCheckout opens a checkout page of the payment provider for a
// plan: for m, creating m's customer there the first time, or, when m is
// nil, for the address in.Email, which the provider is handed as its
// customer's. The checkout is recorded first (masthead.Checkout), and
// its id travels in the session's metadata, so the payment finds it.
// Whether the address has an account is not looked at here: the answer
// must not tell (docs/billing.md).
func (s *Service) StartCheckout(ctx context.Context, m *masthead.Member, in Checkout) (*masthead.CheckoutSession, *masthead.Plan, error) {
	if s.deps.Payments == nil {
		return nil, nil, errNoBilling
	}
	p, err := s.planFor(ctx, m, in.Plan, in.Now)
	if err != nil {
		return nil, nil, err
	}
	offer, err := s.checkoutOffer(ctx, in.Offer, p, in.Now)
	if err != nil {
		return nil, nil, err
	}
	req := masthead.CheckoutRequest{Plan: p, CancelURL: in.CancelURL}
	start := masthead.CheckoutStart{Kind: masthead.CheckoutSubscription, Plan: p.Slug, Next: in.Next, Now: in.Now}
	if m != nil {
		customer, err := s.customerOf(ctx, m)
		if err != nil {
			return nil, nil, err
		}
		req.MemberID, req.Email, req.CustomerID = m.ID, m.Email, customer
		start.MemberID = m.ID
	} else {
		if start.Email, err = masthead.NormalizeEmail(in.Email); err != nil {
			return nil, nil, err
		}
		req.Email, start.NonceHash = start.Email, in.NonceHash
	}
	co, err := s.deps.Billing.CreateCheckout(ctx, start)
	if err != nil {
		return nil, nil, err
	}
	req.CheckoutID, req.SuccessURL = co.ID, in.ReturnURL(co.ID)
	offer.apply(&req)
	sess, err := s.deps.Payments.Checkout(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	if err := s.deps.Billing.SetCheckoutSession(ctx, co.ID, sess.ID); err != nil {
		return nil, nil, err
	}
	return sess, p, nil
}

// planFor is checkoutPlan for a signed-in member; for a reader who is
// not signed in it only checks the plan, since whether the address they
// typed subscribes must not be told.
func (s *Service) planFor(ctx context.Context, m *masthead.Member, slug string, now time.Time) (*masthead.Plan, error) {
	if m != nil {
		return s.checkoutPlan(ctx, m, slug, now)
	}
	if !s.BillingOn() {
		return nil, errNoBilling
	}
	p, err := s.deps.Billing.Plan(ctx, slug)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND || (err == nil && !p.Active) {
		return nil, masthead.Errorf(masthead.EINVALID, "Choose one of the plans on the pricing page.")
	}
	return p, err
}

// DemoPurchase is the demo's TEST checkout of a plan: for the signed-in
// member, or for an anonymous reader's address and browser nonce.
type DemoPurchase struct {
	Plan      string
	Email     string
	NonceHash []byte
	Next      string
	Now       time.Time
}

// DemoCheckout is the demo's TEST checkout: a subscription without
// payment, as an entitlement of source demo. It exists only in demo mode.
// It follows the paid path: the checkout is recorded, then completed at
// once with the same matching rules (the address's member, or a new
// one), the welcome email and, for an address that had a member, a
// sign-in link there. The returned checkout is where the reader's
// browser goes next (ReturnFromCheckout).
func (s *Service) DemoCheckout(ctx context.Context, m *masthead.Member, in DemoPurchase) (*masthead.Checkout, *masthead.Plan, error) {
	if !s.cfg.Billing.Demo || s.deps.Entitlements == nil || s.deps.Billing == nil {
		return nil, nil, errNotFound
	}
	p, err := s.planFor(ctx, m, in.Plan, in.Now)
	if err != nil {
		return nil, nil, err
	}
	start := masthead.CheckoutStart{Kind: masthead.CheckoutDemo, Plan: p.Slug, Next: in.Next, Now: in.Now}
	if m != nil {
		start.MemberID = m.ID
	} else {
		if start.Email, err = masthead.NormalizeEmail(in.Email); err != nil {
			return nil, nil, err
		}
		start.NonceHash = in.NonceHash
	}
	co, err := s.deps.Billing.CreateCheckout(ctx, start)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.completion(ctx, co, in.Now)
	if err != nil {
		return nil, nil, err
	}
	c.Demo = &masthead.Entitlement{Source: masthead.EntitlementDemo, StartsAt: in.Now,
		EndsAt: in.Now.AddDate(0, 0, s.cfg.Billing.DemoDays),
		Note:   "TEST checkout of " + p.Name + " (demo mode, no payment)"}
	done, err := s.deps.Billing.CompleteCheckout(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	s.jobAdded()
	return done.Checkout, p, nil
}

// WelcomeEmailJob is the job that welcomes the member of a checkout
// after its first payment; its key makes it one per checkout.
func WelcomeEmailJob(checkoutID int64, now time.Time) (masthead.Job, error) {
	j, err := masthead.NewJob(masthead.JobWelcomeEmail, masthead.WelcomeEmail{CheckoutID: checkoutID})
	j.Key = "checkout " + strconv.FormatInt(checkoutID, 10)
	j.RunAt = now
	return j, err
}

// completion starts the completion of checkout co at now with its jobs:
// the welcome email (not for a gift), and, for an anonymous checkout, the
// sign-in link the store enqueues only if the address had a member
// already (within the mailbox's limit).
func (s *Service) completion(ctx context.Context, co *masthead.Checkout, now time.Time) (masthead.CheckoutCompletion, error) {
	c := masthead.CheckoutCompletion{CheckoutID: co.ID, Grace: s.cfg.Billing.Grace, Now: now}
	if co.Kind != masthead.CheckoutGift {
		j, err := WelcomeEmailJob(co.ID, now)
		if err != nil {
			return c, err
		}
		c.WelcomeJob = &j
	}
	if co.Anonymous {
		jobs, err := s.signInJobWithinLimit(ctx, co.Email, co.Next, masthead.PurposeSignIn, now)
		if err != nil {
			return c, err
		}
		if len(jobs) > 0 {
			c.SignInJob = &jobs[0]
		}
	}
	return c, nil
}

// PrepareCheckoutEvent readies a verified checkout.session.completed
// event that names one of the site's checkouts: the session is read back
// for its subscription's state and receipt (a failed read leaves them to
// the subscription's own events), and the completion's jobs are added.
// The store then completes the checkout in the event's transaction.
func (s *Service) PrepareCheckoutEvent(ctx context.Context, ev *masthead.BillingEvent, now time.Time) error {
	cr := ev.Checkout
	if cr == nil || cr.CheckoutID == 0 || !cr.Paid || s.deps.Billing == nil {
		return nil
	}
	co, err := s.deps.Billing.Checkout(ctx, cr.CheckoutID)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if !co.CompletedAt.IsZero() {
		return nil
	}
	if s.deps.Payments != nil && cr.SubscriptionID != "" {
		if r, err := s.deps.Payments.ReadCheckout(ctx, cr.SessionID, now); err != nil {
			s.log.WarnContext(ctx, "checkout webhook: read session", "session", cr.SessionID, "err", err)
		} else {
			if r.Subscription != nil && r.Subscription.ID == cr.SubscriptionID {
				cr.Subscription = r.Subscription
			}
			cr.ReceiptURL = r.ReceiptURL
		}
	}
	c, err := s.completion(ctx, co, now)
	if err != nil {
		return err
	}
	cr.SignInJob, cr.WelcomeJob = c.SignInJob, c.WelcomeJob
	return nil
}

// CheckoutReturn is a browser coming back from a checkout: the
// checkout's id and the provider's session from the return address, the
// hash of the nonce in the browser's cookie (nil if none), the member
// signed in on it (nil if none) and the hash of its session.
type CheckoutReturn struct {
	CheckoutID int64
	SessionID  string
	NonceHash  []byte
	Member     *masthead.Member
	OldSession []byte
	Now        time.Time
}

// CheckoutReturned is what became of a return from checkout.
type CheckoutReturned struct {
	Checkout *masthead.Checkout
	// Pending is set while the payment is not confirmed yet.
	Pending bool
	// Session is set when this browser was signed in: the member the
	// checkout created, on the browser that started it.
	Session *Session
	// Elsewhere is set when the payment went to an account that
	// existed already (or to another member than the one signed in):
	// that member signs in by the link emailed to their address.
	Elsewhere bool
}

// ReturnFromCheckout finishes a checkout for the browser coming back from
// it. If the provider's webhook has not completed it yet, the session is
// read back and, when paid, completed here the same way. Then the
// browser is signed in only if the checkout was anonymous, created its
// member, and the browser holds its nonce — once; a return address
// replayed in another browser, or a payment for an address that had an
// account, signs nobody in.
func (s *Service) ReturnFromCheckout(ctx context.Context, in CheckoutReturn) (*CheckoutReturned, error) {
	if s.deps.Billing == nil || in.CheckoutID <= 0 {
		return nil, errNotFound
	}
	co, err := s.deps.Billing.Checkout(ctx, in.CheckoutID)
	if err != nil {
		return nil, err
	}
	// The provider's session id comes back in the return address and
	// nowhere else: without it, a guessed checkout id reads nothing back
	// and learns nothing.
	if co.SessionID != "" && in.SessionID != co.SessionID {
		return nil, errNotFound
	}
	if co.CompletedAt.IsZero() && s.deps.Payments != nil && co.SessionID != "" {
		r, err := s.deps.Payments.ReadCheckout(ctx, co.SessionID, in.Now)
		switch {
		case err != nil:
			s.log.WarnContext(ctx, "checkout return: read session", "session", co.SessionID, "err", err)
		case r.Paid && r.CheckoutID == co.ID:
			c, err := s.completion(ctx, co, in.Now)
			if err != nil {
				return nil, err
			}
			c.SessionID, c.Email, c.CustomerID, c.ReceiptURL, c.Subscription = r.SessionID, r.Email, r.CustomerID, r.ReceiptURL, r.Subscription
			done, err := s.deps.Billing.CompleteCheckout(ctx, c)
			if err != nil {
				return nil, err
			}
			if done.Completed {
				s.jobAdded()
			}
			co = done.Checkout
		}
	}
	out := &CheckoutReturned{Checkout: co}
	if co.CompletedAt.IsZero() {
		out.Pending = true
		return out, nil
	}
	if in.Member != nil && in.Member.ID == co.MemberID {
		return out, nil
	}
	if co.Anonymous && co.NewMember && len(in.NonceHash) > 0 && co.SignedInAt.IsZero() && s.deps.Members != nil {
		if len(in.OldSession) > 0 {
			if err := s.deps.Members.DeleteSession(ctx, in.OldSession); err != nil {
				return nil, err
			}
		}
		token, hash := masthead.NewToken()
		expires := in.Now.Add(s.acct.SessionTTL)
		m, err := s.deps.Billing.SignInByCheckout(ctx, co.ID, in.NonceHash, hash, expires, in.Now)
		switch masthead.ErrorCode(err) {
		case "":
			out.Session = &Session{Token: token, Expires: expires, Member: m}
			return out, nil
		case masthead.EUNAUTHORIZED:
		default:
			return nil, err
		}
	}
	out.Elsewhere = co.MemberID != 0 && (co.Anonymous && !co.NewMember || in.Member != nil)
	return out, nil
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
// an address, through the provider, or at once in demo mode. A buyer who
// is not signed in gives their own address (BuyerEmail) and their
// browser's nonce, and the gift is recorded as a checkout of theirs.
type GiftPurchase struct {
	Email  string
	Months int
	// Demo asks for the demo's test checkout (always, without a
	// payment provider).
	Demo       bool
	BuyerEmail string
	NonceHash  []byte
	// Next is where the buyer returns to in the end.
	Next string
	// ReturnURL is where the provider sends the buyer back to, given
	// the checkout's id.
	ReturnURL func(checkoutID int64) string
	CancelURL string
	Now       time.Time
}

// GiftEmailJob is the job that emails a paid gift's redeem link; the
// token is in it until the job is done.
func GiftEmailJob(token string, now time.Time) (masthead.Job, error) {
	j, err := masthead.NewJob(masthead.JobGiftEmail, masthead.GiftEmail{Token: token})
	j.RunAt = now
	return j, err
}

// GiftBought is a gift purchase started: the provider's session to send
// the buyer to (nil in demo mode, where the gift is paid at once), the
// gift, and the checkout recorded for it.
type GiftBought struct {
	Session  *masthead.CheckoutSession
	Gift     *masthead.Gift
	Checkout *masthead.Checkout
}

// BuyGift starts the purchase of a gift subscription by m, or, when m is
// nil, by the anonymous buyer of in.BuyerEmail. In demo mode the gift is
// paid at once and its email job written with it, and no session is
// returned; otherwise the gift is stored unpaid and the provider's
// checkout session returned, whose webhook marks it paid. The buyer's
// checkout is completed with the payment by the same rules as a
// subscription's (the address's member is the purchaser, created if
// new). A bad address or a number of months not offered is EINVALID.
func (s *Service) BuyGift(ctx context.Context, m *masthead.Member, in GiftPurchase) (*GiftBought, error) {
	if !s.BillingOn() {
		return nil, errNoBilling
	}
	if !masthead.ValidGiftMonths(in.Months) {
		return nil, masthead.Errorf(masthead.EINVALID, "Choose a gift of 1, 3, 6 or 12 months.")
	}
	email, err := masthead.NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	start := masthead.CheckoutStart{Kind: masthead.CheckoutGift, Next: in.Next, Now: in.Now}
	var purchaser int64
	if m != nil {
		purchaser, start.MemberID = m.ID, m.ID
	} else {
		if start.Email, err = masthead.NormalizeEmail(in.BuyerEmail); err != nil {
			return nil, masthead.Errorf(masthead.EINVALID, "Enter your own email address too: your receipt and your account go there.")
		}
		start.NonceHash = in.NonceHash
	}
	if s.deps.Payments == nil || in.Demo {
		if !s.cfg.Billing.Demo {
			return nil, errNotFound
		}
		token, hash := masthead.NewToken()
		j, err := GiftEmailJob(token, in.Now)
		if err != nil {
			return nil, err
		}
		g, err := s.deps.Billing.CreateGift(ctx, masthead.GiftInput{PurchaserID: purchaser, RecipientEmail: email,
			Months: in.Months, TokenHash: hash, Paid: true, Now: in.Now, Jobs: []masthead.Job{j}})
		if err != nil {
			return nil, err
		}
		s.jobAdded()
		out := &GiftBought{Gift: g}
		if m == nil {
			start.GiftID = g.ID
			co, err := s.deps.Billing.CreateCheckout(ctx, start)
			if err != nil {
				return nil, err
			}
			c, err := s.completion(ctx, co, in.Now)
			if err != nil {
				return nil, err
			}
			done, err := s.deps.Billing.CompleteCheckout(ctx, c)
			if err != nil {
				return nil, err
			}
			out.Checkout = done.Checkout
		}
		return out, nil
	}
	plans, err := s.deps.Billing.Plans(ctx, true)
	if err != nil {
		return nil, err
	}
	monthly := monthlyPlan(plans)
	if monthly == nil {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "Gifts need a monthly plan to price them.")
	}
	g, err := s.deps.Billing.CreateGift(ctx, masthead.GiftInput{PurchaserID: purchaser, RecipientEmail: email, Months: in.Months, Now: in.Now})
	if err != nil {
		return nil, err
	}
	start.GiftID = g.ID
	co, err := s.deps.Billing.CreateCheckout(ctx, start)
	if err != nil {
		return nil, err
	}
	req := masthead.CheckoutRequest{CheckoutID: co.ID, Gift: g,
		GiftAmount: monthly.Amount * int64(in.Months), Currency: monthly.Currency,
		SuccessURL: in.ReturnURL(co.ID), CancelURL: in.CancelURL}
	if m != nil {
		customer, err := s.customerOf(ctx, m)
		if err != nil {
			return nil, err
		}
		req.MemberID, req.Email, req.CustomerID = m.ID, m.Email, customer
	} else {
		req.Email = start.Email
	}
	sess, err := s.deps.Payments.Checkout(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := s.deps.Billing.SetGiftSession(ctx, g.ID, sess.ID); err != nil {
		return nil, err
	}
	if err := s.deps.Billing.SetCheckoutSession(ctx, co.ID, sess.ID); err != nil {
		return nil, err
	}
	return &GiftBought{Session: sess, Gift: g, Checkout: co}, nil
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
