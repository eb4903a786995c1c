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

// CheckoutCookie holds the nonce of the checkout a browser without a
// session started: only the browser holding it can be signed in by that
// checkout on its return (reading.Service.ReturnFromCheckout). It is
// scoped to /checkout, so no other page ever receives it.
const CheckoutCookie = "masthead_checkout"

// checkoutPerIP bounds the checkouts readers who are not signed in
// start from one client network per rate window (and four times as many
// from its wider network, netlimit.go): each makes a row here and a
// session at Stripe.
const checkoutPerIP = 20

// checkoutNonce gives the browser a new checkout nonce and returns its
// hash, for the checkout about to be recorded.
func (s *Server) checkoutNonce(w http.ResponseWriter, r *http.Request) []byte {
	token, hash := masthead.NewToken()
	http.SetCookie(w, &http.Cookie{Name: CheckoutCookie, Value: token, Path: "/checkout",
		MaxAge: 24 * 60 * 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(r)})
	return hash
}

// checkoutNonceHash returns the hash of the browser's checkout nonce, or
// nil.
func checkoutNonceHash(r *http.Request) []byte {
	if c, err := r.Cookie(CheckoutCookie); err == nil && c.Value != "" && len(c.Value) <= 200 {
		return masthead.HashToken(c.Value)
	}
	return nil
}

// checkoutEmail reads the address of a reader who is not signed in,
// within the limit of their network. ok false means the answer was
// written: the pricing page again with the message, or 429.
func (s *Server) checkoutEmail(w http.ResponseWriter, r *http.Request) (email string, ok bool, err error) {
	typed := r.PostFormValue("email")
	if len(typed) > 320 {
		typed = typed[:320]
	}
	email, verr := masthead.NormalizeEmail(typed)
	if verr != nil {
		msg := "Enter your email address: your subscription and your receipt go there."
		if typed != "" {
			msg = masthead.ErrorMessage(verr)
		}
		return "", false, s.renderPricing(w, r, msg)
	}
	if !s.withinNetworkLimit(r, "checkout", checkoutPerIP, s.clock.Now()) {
		return "", false, s.tooMany(w, r, "Too many checkouts from your network just now. Please try again in an hour.")
	}
	return email, true, nil
}

// checkoutReturnURL is where a checkout returns the reader to: the
// return handler, naming the checkout and the path to end on.
func checkoutReturnURL(id int64, next string) string {
	return "/checkout/return?checkout=" + strconv.FormatInt(id, 10) + "&next=" + url.QueryEscape(next)
}

// handleCheckout sends a reader to Stripe Checkout for a plan: a
// signed-in member (their Stripe customer made the first time), or a
// reader who is not signed in with the address they typed, which Stripe
// is handed as its customer's (reading.Service.StartCheckout).
func (s *Server) handleCheckout(w http.ResponseWriter, r *http.Request) error {
	if s.payments == nil {
		return masthead.Errorf(masthead.ENOTFOUND, "Subscriptions are not set up on this site.")
	}
	if err := parseCheckoutForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	m := member(r)
	next := cmpOr(safeNext(r.PostFormValue("next")), "/account")
	in := reading.Checkout{
		Plan:  r.PostFormValue("plan"),
		Offer: r.PostFormValue("offer"),
		Next:  next,
		// Stripe fills in {CHECKOUT_SESSION_ID}; it must stay unescaped.
		ReturnURL: func(id int64) string { return s.abs(checkoutReturnURL(id, next) + "&session_id={CHECKOUT_SESSION_ID}") },
		CancelURL: s.abs("/pricing?msg=canceled&next=" + url.QueryEscape(next)),
		Now:       s.clock.Now(),
	}
	if m == nil {
		email, ok, err := s.checkoutEmail(w, r)
		if !ok {
			return err
		}
		in.Email, in.NonceHash = email, s.checkoutNonce(w, r)
	}
	sess, p, err := s.reading.StartCheckout(ctx, m, in)
	if in.Offer != "" && masthead.ErrorCode(err) == masthead.EINVALID {
		// A refused offer comes back on its page, with the message.
		r.SetPathValue("slug", in.Offer)
		return s.renderOffer(w, r, masthead.ErrorMessage(err))
	}
	if m == nil && masthead.ErrorCode(err) == masthead.EINVALID {
		return s.renderPricing(w, r, masthead.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	var memberID int64
	if m != nil {
		memberID = m.ID
	}
	s.log.Info("checkout started", "member", memberID, "plan", p.Slug, "session", sess.ID, "request_id", requestID(ctx))
	s.metrics.CheckoutStarted()
	s.recordCheckout(ctx, memberID, next)
	return redirect(w, sess.URL)
}

// handleDemoCheckout is the demo's TEST checkout: a subscription without
// payment, as an entitlement of source demo. It exists only in demo mode.
// A signed-in member goes straight back to their article; a reader who
// gave an address returns through /checkout/return like a paying one.
func (s *Server) handleDemoCheckout(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.Billing.Demo || s.entitled == nil {
		return errNotFound
	}
	if err := parseCheckoutForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	m := member(r)
	next := cmpOr(safeNext(r.PostFormValue("next")), "/account")
	in := reading.DemoPurchase{Plan: r.PostFormValue("plan"), Next: next, Now: s.clock.Now()}
	if m == nil {
		email, ok, err := s.checkoutEmail(w, r)
		if !ok {
			return err
		}
		in.Email, in.NonceHash = email, s.checkoutNonce(w, r)
	}
	co, p, err := s.reading.DemoCheckout(ctx, m, in)
	if m == nil && masthead.ErrorCode(err) == masthead.EINVALID {
		return s.renderPricing(w, r, masthead.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	s.log.Info("checkout started", "member", co.MemberID, "plan", p.Slug, "demo", true, "request_id", requestID(ctx))
	s.metrics.CheckoutStarted()
	s.recordCheckout(ctx, co.MemberID, next)
	if m != nil {
		s.forgetReader(m.ID)
		return redirect(w, next)
	}
	return redirect(w, checkoutReturnURL(co.ID, next))
}

// handleCheckoutReturn is where Stripe (or the demo's checkout) sends the
// reader after paying. The checkout is completed if the webhook has not
// done it yet (reading.Service.ReturnFromCheckout); the browser is signed
// in only when the checkout made a new member and this browser holds its
// nonce. What this instance cached of the member is forgotten, and the
// reader returns to the article they came from.
func (s *Server) handleCheckoutReturn(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	next := cmpOr(safeNext(q.Get("next")), "/account")
	m := member(r)
	id, _ := strconv.ParseInt(q.Get("checkout"), 10, 64)
	if id == 0 {
		// A return address from before checkouts were recorded.
		if m == nil {
			return redirect(w, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
		}
		if err := s.reading.FinishCheckout(r.Context(), m, q.Get("session_id"), s.clock.Now()); err != nil {
			return err
		}
		s.forgetReader(m.ID)
		return redirect(w, next)
	}
	out, err := s.reading.ReturnFromCheckout(r.Context(), reading.CheckoutReturn{
		CheckoutID: id, SessionID: q.Get("session_id"), NonceHash: checkoutNonceHash(r),
		Member: m, OldSession: sessionHash(r), Now: s.clock.Now(),
	})
	if err != nil {
		return err
	}
	if out.Checkout.MemberID != 0 {
		s.forgetReader(out.Checkout.MemberID)
	}
	notice := func(heading, msg string) *noticePage {
		v := &noticePage{base: s.accountBase(r, heading, "/checkout/return"), Heading: heading, Message: msg}
		v.Canonical = ""
		return v
	}
	switch {
	case out.Session != nil:
		s.setSession(w, r, out.Session)
		http.SetCookie(w, &http.Cookie{Name: CheckoutCookie, Path: "/checkout", MaxAge: -1,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(r)})
		return redirect(w, next)
	case out.Pending && m != nil:
		// The webhook will make the subscription; the member is signed
		// in and sees it on their next page.
		return redirect(w, next)
	case out.Pending:
		v := notice("Confirming your payment", "Stripe has not confirmed your payment to us yet. This usually takes a few seconds.")
		v.Link, v.LinkText = r.URL.RequestURI(), "Check again"
		return s.render(w, "notice", v)
	case m != nil && m.ID == out.Checkout.MemberID:
		return redirect(w, next)
	case out.Elsewhere:
		v := notice("Thank you", "Your payment is recorded on the account of the address you gave, which existed already. "+
			"We have emailed a sign-in link there: follow it to read, on any device.")
		v.Link, v.LinkText = next, "Back to the article"
		return s.render(w, "notice", v)
	default:
		v := notice("Thank you", "Your payment is recorded. To read on this browser, sign in with the address you paid with: "+
			"we email you a link.")
		v.NewLink, v.Next = true, next
		return s.render(w, "notice", v)
	}
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
	if err := s.reading.PrepareCheckoutEvent(r.Context(), ev, s.clock.Now()); err != nil {
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
	if out.Gift != nil || (out.Checkout != nil && out.Checkout.Completed) {
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
// address (recipient; the form of a signed-in buyer may name it email),
// paid once through Stripe Checkout, or at once in demo mode
// (reading.Service.BuyGift). A buyer who is not signed in gives their
// own address as email. A number of months not offered, or a bad
// address, comes back on the pricing page.
func (s *Server) handleGiftCheckout(w http.ResponseWriter, r *http.Request) error {
	if err := parseCheckoutForm(r); err != nil {
		return err
	}
	if !s.billingOn() {
		return masthead.Errorf(masthead.ENOTFOUND, "Subscriptions are not set up on this site.")
	}
	m := member(r)
	months, _ := strconv.Atoi(r.PostFormValue("months"))
	if !masthead.ValidGiftMonths(months) {
		return s.renderPricing(w, r, "Choose a gift of 1, 3, 6 or 12 months.")
	}
	recipient := r.PostFormValue("recipient")
	if recipient == "" && m != nil {
		recipient = r.PostFormValue("email")
	}
	email, err := masthead.NormalizeEmail(recipient)
	if err != nil {
		return s.renderPricing(w, r, masthead.ErrorMessage(err))
	}
	ctx := r.Context()
	const next = "/pricing?msg=gift-sent"
	in := reading.GiftPurchase{
		Email: email, Months: months, Demo: r.PostFormValue("demo") != "", Next: next,
		ReturnURL: func(id int64) string { return s.abs(checkoutReturnURL(id, next) + "&session_id={CHECKOUT_SESSION_ID}") },
		CancelURL: s.abs("/pricing?msg=canceled"),
		Now:       s.clock.Now(),
	}
	if m == nil {
		buyer, ok, err := s.checkoutEmail(w, r)
		if !ok {
			return err
		}
		in.BuyerEmail, in.NonceHash = buyer, s.checkoutNonce(w, r)
	}
	out, err := s.reading.BuyGift(ctx, m, in)
	if masthead.ErrorCode(err) == masthead.EINVALID {
		return s.renderPricing(w, r, masthead.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	if out.Session == nil {
		// The demo's gift: paid at once, its email on the queue.
		if out.Checkout != nil {
			return redirect(w, checkoutReturnURL(out.Checkout.ID, next))
		}
		return redirect(w, next)
	}
	var memberID int64
	if m != nil {
		memberID = m.ID
	}
	s.log.Info("checkout started", "member", memberID, "gift", out.Gift.ID, "session", out.Session.ID, "request_id", requestID(ctx))
	s.metrics.CheckoutStarted()
	return redirect(w, out.Session.URL)
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
