package http

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"masthead"
	"masthead/reading"
)

// Billing on the reader site: checkout (Stripe, or the demo's test
// checkout), the return from Stripe, the Customer Portal and gift
// subscriptions, whose use cases are reading.Service's, and the Stripe
// webhook. Whatever the path, access comes from an entitlement row the
// store writes; these handlers read the forms, build the addresses the
// provider returns to, and answer.

// maxWebhookBody bounds a webhook's body; Stripe's events are a few KB.
const maxWebhookBody = 1 << 20

// billingOn reports whether anything can be bought: Stripe is set up, or
// demo mode offers its test checkout.
func (s *Server) billingOn() bool { return s.reading.BillingOn() }

// parseCheckoutForm reads a checkout form.
func parseCheckoutForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	return nil
}

// handleCheckout sends a signed-in reader to Stripe Checkout for a plan,
// creating their Stripe customer the first time.
func (s *Server) handleCheckout(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if s.payments == nil {
		return masthead.Errorf(masthead.ENOTFOUND, "Subscriptions are not set up on this site.")
	}
	if err := parseCheckoutForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	next := cmpOr(safeNext(r.PostFormValue("next")), "/account")
	sess, p, err := s.reading.StartCheckout(ctx, m, reading.Checkout{
		Plan:  r.PostFormValue("plan"),
		Offer: r.PostFormValue("offer"),
		// Stripe fills in {CHECKOUT_SESSION_ID}; it must stay unescaped.
		SuccessURL: s.abs("/checkout/return?next=" + url.QueryEscape(next) + "&session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:  s.abs("/pricing?msg=canceled&next=" + url.QueryEscape(next)),
		Now:        s.clock.Now(),
	})
	if offer := r.PostFormValue("offer"); offer != "" && masthead.ErrorCode(err) == masthead.EINVALID {
		// A refused offer comes back on its page, with the message.
		r.SetPathValue("slug", offer)
		return s.renderOffer(w, r, masthead.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	s.log.Info("checkout started", "member", m.ID, "plan", p.Slug, "session", sess.ID, "request_id", requestID(ctx))
	s.metrics.CheckoutStarted()
	s.recordCheckout(ctx, m.ID, next)
	return redirect(w, sess.URL)
}

// handleDemoCheckout is the demo's TEST checkout: a subscription without
// payment, as an entitlement of source demo. It exists only in demo mode.
func (s *Server) handleDemoCheckout(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if !s.cfg.Billing.Demo || s.entitled == nil {
		return errNotFound
	}
	if err := parseCheckoutForm(r); err != nil {
		return err
	}
	p, err := s.reading.DemoCheckout(r.Context(), m, r.PostFormValue("plan"), s.clock.Now())
	if err != nil {
		return err
	}
	s.log.Info("checkout started", "member", m.ID, "plan", p.Slug, "demo", true, "request_id", requestID(r.Context()))
	s.metrics.CheckoutStarted()
	s.recordCheckout(r.Context(), m.ID, safeNext(r.PostFormValue("next")))
	return redirect(w, cmpOr(safeNext(r.PostFormValue("next")), "/account"))
}

// handleCheckoutReturn is where Stripe sends the reader after paying. The
// session is read back so the reader is a subscriber at once
// (reading.Service.FinishCheckout); what this instance cached of the
// reader is forgotten, and they return to the article they came from.
func (s *Server) handleCheckoutReturn(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	next := cmpOr(safeNext(r.URL.Query().Get("next")), "/account")
	if err := s.reading.FinishCheckout(r.Context(), m, r.URL.Query().Get("session_id"), s.clock.Now()); err != nil {
		return err
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
	u, err := s.reading.BillingPortal(r.Context(), m, s.abs("/account"))
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
	if ev.Checkout != nil && ev.Checkout.GiftID != 0 {
		token, hash := masthead.NewToken()
		ev.Checkout.GiftTokenHash = hash
		j, err := reading.GiftEmailJob(token, s.clock.Now())
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
// address, paid once through Stripe Checkout, or at once in demo mode
// (reading.Service.BuyGift). A number of months not offered, or a bad
// address, comes back on the pricing page.
func (s *Server) handleGiftCheckout(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if err := parseCheckoutForm(r); err != nil {
		return err
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
	sess, g, err := s.reading.BuyGift(ctx, m, reading.GiftPurchase{
		Email: email, Months: months, Demo: r.PostFormValue("demo") != "",
		SuccessURL: s.abs("/pricing?msg=gift-sent"), CancelURL: s.abs("/pricing?msg=canceled"),
		Now: s.clock.Now(),
	})
	if err != nil {
		return err
	}
	if sess == nil {
		// The demo's gift: paid at once, its email on the queue.
		return redirect(w, "/pricing?msg=gift-sent")
	}
	s.log.Info("checkout started", "member", m.ID, "gift", g.ID, "session", sess.ID, "request_id", requestID(ctx))
	s.metrics.CheckoutStarted()
	return redirect(w, sess.URL)
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

func (s *Server) handleGiftPage(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	g, err := s.reading.Gift(r.Context(), token)
	if err != nil {
		return err
	}
	v := giftSubPage{base: s.accountBase(r, "Your gift", "/gifts/redeem"), Gift: g, Token: token,
		SignedIn: member(r) != nil, LoginURL: "/login?next=" + url.QueryEscape("/gifts/redeem/"+token)}
	return s.render(w, "billing/gift", v)
}

// handleGiftRedeem grants the gift to the signed-in member, or, for a
// reader who is not signed in, to the member with the gift's address
// (registering it), who then gets a sign-in link there
// (reading.Service.RedeemGift).
func (s *Server) handleGiftRedeem(w http.ResponseWriter, r *http.Request) error {
	m := member(r)
	done, err := s.reading.RedeemGift(r.Context(), r.PathValue("token"), m, s.clock.Now())
	if err != nil {
		return err
	}
	s.forgetReader(done.Entitlement.MemberID)
	g := done.Gift
	v := giftSubPage{base: s.accountBase(r, "Your gift", "/gifts/redeem"), Gift: g, SignedIn: m != nil}
	if m != nil {
		v.Done = fmt.Sprintf("Done: you have All-Access for %s. Enjoy your reading.", monthsText(g.Months))
	} else {
		v.Done = fmt.Sprintf("Done: %s has All-Access for %s. %s", g.RecipientEmail, monthsText(g.Months), s.giftRedeemedNote())
	}
	return s.render(w, "billing/gift", v)
}

// billingPageNames are the billing pages under templates/billing/.
var billingPageNames = []string{"gift", "offer"}

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
