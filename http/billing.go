package http

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"masthead"
	"masthead/mail"
)

// Billing on the reader site: checkout (Stripe, or the demo's test
// checkout), the return from Stripe, the Customer Portal, the webhook and
// gift subscriptions. Whatever the path, access comes from an entitlement
// row the store writes; these handlers only start payments and hand
// Stripe's word to the store.

// BillingConfig holds the billing settings. Zero fields take the defaults
// named on each.
type BillingConfig struct {
	// Grace is how long a subscription whose payment failed (past_due)
	// keeps access, counted from the start of the unpaid period, and how
	// long an active one outlives its period while a renewal is reported.
	// Default 7 days.
	Grace time.Duration
	// Demo turns on the test checkout: a clearly labelled form that
	// grants a subscription (or sends a gift) without payment. Only for
	// demo mode.
	Demo bool
	// DemoDays is how long a demo subscription lasts. Default 30.
	DemoDays int
}

func (c *BillingConfig) defaults() {
	if c.Grace <= 0 {
		c.Grace = 7 * 24 * time.Hour
	}
	if c.DemoDays <= 0 {
		c.DemoDays = 30
	}
}

// maxWebhookBody bounds a webhook's body; Stripe's events are a few KB.
const maxWebhookBody = 1 << 20

// billingRoutes lists the routes of checkout, the portal, the webhook and
// gifts. The pricing page is routed in routes.go.
func (s *Server) billingRoutes(mux *http.ServeMux) {
	mux.Handle("POST /stripe/webhook", s.json(s.handleStripeWebhook))
	mux.Handle("POST /checkout", s.personal(s.signedIn(s.handleCheckout)))
	mux.Handle("POST /checkout/demo", s.personal(s.signedIn(s.handleDemoCheckout)))
	mux.Handle("GET /checkout/return", s.personal(s.signedIn(s.handleCheckoutReturn)))
	mux.Handle("POST /account/billing", s.personal(s.signedIn(s.handlePortal)))
	mux.Handle("POST /gifts/checkout", s.personal(s.signedIn(s.handleGiftCheckout)))
	mux.Handle("GET /gifts/redeem/{token}", s.personal(s.handleGiftPage))
	mux.Handle("POST /gifts/redeem/{token}", s.personal(s.handleGiftRedeem))
}

// billingOn reports whether anything can be bought: Stripe is set up, or
// demo mode offers its test checkout.
func (s *Server) billingOn() bool {
	return s.billing != nil && (s.payments != nil || s.cfg.Billing.Demo)
}

// checkoutPlan reads the plan of a checkout form and refuses a member who
// already subscribes: nothing is created for them.
func (s *Server) checkoutPlan(r *http.Request, m *masthead.Member) (*masthead.Plan, error) {
	if err := r.ParseForm(); err != nil {
		return nil, masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	if !s.billingOn() {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "Subscriptions are not set up on this site.")
	}
	sub, err := s.subscriber(r, m)
	if err != nil {
		return nil, err
	}
	if sub {
		return nil, masthead.Errorf(masthead.ECONFLICT, "You already have All-Access. Manage your subscription from your account page.")
	}
	p, err := s.billing.Plan(r.Context(), r.PostFormValue("plan"))
	if masthead.ErrorCode(err) == masthead.ENOTFOUND || (err == nil && !p.Active) {
		return nil, masthead.Errorf(masthead.EINVALID, "Choose one of the plans on the pricing page.")
	}
	return p, err
}

// handleCheckout sends a signed-in reader to Stripe Checkout for a plan,
// creating their Stripe customer the first time.
func (s *Server) handleCheckout(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if s.payments == nil {
		return masthead.Errorf(masthead.ENOTFOUND, "Subscriptions are not set up on this site.")
	}
	p, err := s.checkoutPlan(r, m)
	if err != nil {
		return err
	}
	ctx := r.Context()
	customer, err := s.customerOf(ctx, m)
	if err != nil {
		return err
	}
	next := cmpOr(safeNext(r.PostFormValue("next")), "/account")
	sess, err := s.payments.Checkout(ctx, masthead.CheckoutRequest{
		MemberID: m.ID, Email: m.Email, CustomerID: customer, Plan: p,
		// Stripe fills in {CHECKOUT_SESSION_ID}; it must stay unescaped.
		SuccessURL: s.abs("/checkout/return?next=" + url.QueryEscape(next) + "&session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:  s.abs("/pricing?msg=canceled&next=" + url.QueryEscape(next)),
	})
	if err != nil {
		return err
	}
	s.log.Info("checkout started", "member", m.ID, "plan", p.Slug, "session", sess.ID, "request_id", requestID(ctx))
	s.metrics.CheckoutStarted()
	s.recordCheckout(ctx, m.ID, next)
	return redirect(w, sess.URL)
}

// customerOf returns the member's Stripe customer, creating it once.
func (s *Server) customerOf(ctx context.Context, m *masthead.Member) (string, error) {
	id, err := s.billing.BillingCustomer(ctx, m.ID)
	if masthead.ErrorCode(err) != masthead.ENOTFOUND {
		return id, err
	}
	id, err = s.payments.CreateCustomer(ctx, m.ID, m.Email)
	if err != nil {
		return "", err
	}
	if err := s.billing.SetBillingCustomer(ctx, m.ID, id); err != nil {
		return "", err
	}
	// Another request may have recorded one first; the first one stays.
	return s.billing.BillingCustomer(ctx, m.ID)
}

// handleDemoCheckout is the demo's TEST checkout: a subscription without
// payment, as an entitlement of source demo. It exists only in demo mode.
func (s *Server) handleDemoCheckout(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if !s.cfg.Billing.Demo || s.entitled == nil {
		return errNotFound
	}
	p, err := s.checkoutPlan(r, m)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if _, err := s.entitled.GrantEntitlement(r.Context(), masthead.Entitlement{
		MemberID: m.ID, Source: masthead.EntitlementDemo, StartsAt: now,
		EndsAt: now.AddDate(0, 0, s.cfg.Billing.DemoDays),
		Note:   "TEST checkout of " + p.Name + " (demo mode, no payment)",
	}); err != nil {
		return err
	}
	s.log.Info("checkout started", "member", m.ID, "plan", p.Slug, "demo", true, "request_id", requestID(r.Context()))
	s.metrics.CheckoutStarted()
	s.recordCheckout(r.Context(), m.ID, safeNext(r.PostFormValue("next")))
	return redirect(w, cmpOr(safeNext(r.PostFormValue("next")), "/account"))
}

// handleCheckoutReturn is where Stripe sends the reader after paying. It
// reads the session back so the reader is a subscriber at once, before
// the webhook (which stays the authority and may arrive later or first),
// forgets what this instance cached of the reader, and returns them to
// the article they came from.
func (s *Server) handleCheckoutReturn(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	next := cmpOr(safeNext(r.URL.Query().Get("next")), "/account")
	id := r.URL.Query().Get("session_id")
	if s.payments != nil && id != "" && len(id) < 256 {
		member, sub, err := s.payments.CheckoutSubscription(r.Context(), id, s.clock.Now())
		switch {
		case err != nil:
			// The webhook will bring the subscription; the reader is
			// not held up by this read failing.
			s.log.Warn("checkout return: read session", "session", id, "err", err, "request_id", requestID(r.Context()))
		case member == m.ID && sub != nil:
			sub.MemberID = m.ID
			if _, err := s.billing.SyncSubscription(r.Context(), *sub, s.cfg.Billing.Grace); err != nil {
				return err
			}
		}
	}
	s.forgetReader(m.ID)
	return redirect(w, next)
}

// accountBilling is what the account page shows of billing: the paid
// subscriptions, and whether the portal can manage them.
type accountBilling struct {
	Subscriptions []masthead.Subscription
	Portal        bool
}

func (s *Server) accountBilling(ctx context.Context, m *masthead.Member) (accountBilling, error) {
	var b accountBilling
	if s.billing == nil {
		return b, nil
	}
	subs, err := s.billing.MemberSubscriptions(ctx, m.ID)
	if err != nil {
		return b, err
	}
	b.Subscriptions = subs
	if s.payments != nil {
		_, err := s.billing.BillingCustomer(ctx, m.ID)
		switch masthead.ErrorCode(err) {
		case "":
			b.Portal = true
		case masthead.ENOTFOUND:
		default:
			return b, err
		}
	}
	return b, nil
}

// handlePortal sends a subscriber to the Stripe Customer Portal.
func (s *Server) handlePortal(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if s.payments == nil || s.billing == nil {
		return masthead.Errorf(masthead.ENOTFOUND, "Subscriptions are not set up on this site.")
	}
	customer, err := s.billing.BillingCustomer(r.Context(), m.ID)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return masthead.Errorf(masthead.ECONFLICT, "You have no paid subscription to manage yet.")
	}
	if err != nil {
		return err
	}
	u, err := s.payments.PortalURL(r.Context(), customer, s.abs("/account"))
	if err != nil {
		return err
	}
	return redirect(w, u)
}

// handleStripeWebhook verifies and applies one Stripe event. Anything
// that is not a correctly signed, fresh, well-formed event is refused with
// 400 and logged, and changes nothing. A replayed event id is answered 200
// (Stripe stops retrying) and changes nothing either.
func (s *Server) handleStripeWebhook(w http.ResponseWriter, r *http.Request) error {
	if s.payments == nil || s.billing == nil {
		return errNotFound
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		s.log.Warn("stripe webhook refused", "reason", "body too large or unreadable", "request_id", requestID(r.Context()))
		return masthead.Errorf(masthead.EINVALID, "The webhook's body could not be read.")
	}
	ev, err := s.payments.ParseWebhook(body, r.Header.Get("Stripe-Signature"), s.clock.Now())
	if err != nil {
		s.log.Warn("stripe webhook refused", "reason", masthead.ErrorMessage(err), "request_id", requestID(r.Context()))
		return err
	}
	var giftToken string
	if ev.Checkout != nil && ev.Checkout.GiftID != 0 {
		var hash []byte
		giftToken, hash = masthead.NewToken()
		ev.Checkout.GiftTokenHash = hash
		j, err := giftEmailJob(giftToken, s.clock.Now())
		if err != nil {
			return err
		}
		ev.Checkout.GiftJob = &j
	}
	out, err := s.billing.ApplyBillingEvent(r.Context(), *ev, s.cfg.Billing.Grace)
	if err != nil {
		return err
	}
	s.log.Info("stripe webhook", "event", ev.ID, "type", ev.Type, "member", out.MemberID,
		"duplicate", out.Duplicate, "stale", out.Stale, "request_id", requestID(r.Context()))
	if out.MemberID != 0 {
		s.forgetReader(out.MemberID)
	}
	if out.Gift != nil {
		s.jobAdded()
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, err = io.WriteString(w, `{"received":true}`+"\n")
	return err
}

// forgetReader drops every state this instance cached of a member, after
// a change that did not come through the member's own form post (a
// webhook, the return from checkout): their next page reads afresh.
func (s *Server) forgetReader(memberID int64) {
	s.sessions.forget(func(e sessionEntry) bool { return e.st != nil && e.st.Member.ID == memberID })
}

// forgetReaders drops every state this instance cached, after a change
// that may reach many members at once (an institution's seats).
func (s *Server) forgetReaders() {
	s.sessions.forget(func(sessionEntry) bool { return true })
}

// handleGiftCheckout starts the purchase of a gift: N months for an email
// address, paid once through Stripe Checkout, or at once in demo mode.
func (s *Server) handleGiftCheckout(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	if !s.billingOn() {
		return masthead.Errorf(masthead.ENOTFOUND, "Subscriptions are not set up on this site.")
	}
	months, _ := strconv.Atoi(r.PostFormValue("months"))
	if !masthead.ValidGiftMonths(months) {
		return s.renderPricing(w, r, "Choose a gift of 1, 3, 6 or 12 months.")
	}
	email, err := masthead.NormalizeEmail(r.PostFormValue("email"))
	if err != nil {
		return s.renderPricing(w, r, masthead.ErrorMessage(err))
	}
	ctx := r.Context()
	now := s.clock.Now()
	demo := s.payments == nil || r.PostFormValue("demo") != ""
	if demo {
		if !s.cfg.Billing.Demo {
			return errNotFound
		}
		token, hash := masthead.NewToken()
		j, err := giftEmailJob(token, now)
		if err != nil {
			return err
		}
		if _, err := s.billing.CreateGift(ctx, masthead.GiftInput{PurchaserID: m.ID, RecipientEmail: email,
			Months: months, TokenHash: hash, Paid: true, Now: now, Jobs: []masthead.Job{j}}); err != nil {
			return err
		}
		s.jobAdded()
		return redirect(w, "/pricing?msg=gift-sent")
	}
	plans, err := s.billing.Plans(ctx, true)
	if err != nil {
		return err
	}
	monthly := monthlyPlan(plans)
	if monthly == nil {
		return masthead.Errorf(masthead.ENOTFOUND, "Gifts need a monthly plan to price them.")
	}
	g, err := s.billing.CreateGift(ctx, masthead.GiftInput{PurchaserID: m.ID, RecipientEmail: email, Months: months, Now: now})
	if err != nil {
		return err
	}
	customer, err := s.customerOf(ctx, m)
	if err != nil {
		return err
	}
	sess, err := s.payments.Checkout(ctx, masthead.CheckoutRequest{
		MemberID: m.ID, Email: m.Email, CustomerID: customer, Gift: g,
		GiftAmount: monthly.Amount * int64(months), Currency: monthly.Currency,
		SuccessURL: s.abs("/pricing?msg=gift-sent"),
		CancelURL:  s.abs("/pricing?msg=canceled"),
	})
	if err != nil {
		return err
	}
	if err := s.billing.SetGiftSession(ctx, g.ID, sess.ID); err != nil {
		return err
	}
	s.log.Info("checkout started", "member", m.ID, "gift", g.ID, "session", sess.ID, "request_id", requestID(ctx))
	s.metrics.CheckoutStarted()
	return redirect(w, sess.URL)
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

// giftSubPage shows a gift to whoever follows its link, and redeems it.
type giftSubPage struct {
	base
	Gift     *masthead.Gift
	Token    string
	SignedIn bool
	LoginURL string
	Done     string
}

func (s *Server) giftByToken(r *http.Request) (*masthead.Gift, string, error) {
	token := r.PathValue("token")
	if s.billing == nil || token == "" || len(token) > 128 {
		return nil, "", errNotFound
	}
	g, err := s.billing.GiftByToken(r.Context(), masthead.HashToken(token))
	return g, token, err
}

func (s *Server) handleGiftPage(w http.ResponseWriter, r *http.Request) error {
	g, token, err := s.giftByToken(r)
	if err != nil {
		return err
	}
	v := giftSubPage{base: s.accountBase(r, "Your gift", "/gifts/redeem"), Gift: g, Token: token,
		SignedIn: member(r) != nil, LoginURL: "/login?next=" + url.QueryEscape("/gifts/redeem/"+token)}
	return s.render(w, "billing/gift", v)
}

// handleGiftRedeem grants the gift to the signed-in member, or, for a
// reader who is not signed in, to the member with the gift's address
// (registering it), who then gets a sign-in link there: following the
// gift link proves nothing about who holds the browser.
func (s *Server) handleGiftRedeem(w http.ResponseWriter, r *http.Request) error {
	g, token, err := s.giftByToken(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	now := s.clock.Now()
	if !g.RedeemedAt.IsZero() {
		// Before anything else, so a second try registers nobody.
		return masthead.Errorf(masthead.ECONFLICT, "This gift was already redeemed on %s.", g.RedeemedAt.In(s.cfg.Location).Format("2 January 2006"))
	}
	m := member(r)
	signedIn := m != nil
	if !signedIn {
		if s.members == nil {
			return errNotFound
		}
		if m, err = s.members.EnsureMember(ctx, g.RecipientEmail, masthead.RoleNone); err != nil {
			return err
		}
	}
	if _, err := s.billing.RedeemGift(ctx, masthead.HashToken(token), m.ID, now); err != nil {
		return err
	}
	s.forgetReader(m.ID)
	v := giftSubPage{base: s.accountBase(r, "Your gift", "/gifts/redeem"), Gift: g, SignedIn: signedIn}
	if signedIn {
		v.Done = fmt.Sprintf("Done: you have All-Access for %s. Enjoy your reading.", monthsText(g.Months))
	} else {
		v.Done = fmt.Sprintf("Done: %s has All-Access for %s. %s", g.RecipientEmail, monthsText(g.Months), s.giftRedeemedNote())
		if s.withinLimit(r, signInAddressKey(g.RecipientEmail), s.acct.cfg.SignInPerAddress, now) {
			// The gift is redeemed already: a link that could not be
			// queued is logged, and "Log in" sends another.
			if err := s.enqueueSignIn(ctx, g.RecipientEmail, "/", mail.PurposeSignIn, now); err != nil {
				s.logReaderError(r, "gift: queue sign-in link", err)
			}
		}
	}
	v.Gift.RedeemedAt = now
	return s.render(w, "billing/gift", v)
}

// billingPageNames are the billing pages under templates/billing/.
var billingPageNames = []string{"gift"}

// monthsText writes "1 month", "3 months".
func monthsText(n int) string {
	if n == 1 {
		return "1 month"
	}
	return strconv.Itoa(n) + " months"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
