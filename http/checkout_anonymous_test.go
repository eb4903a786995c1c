package http_test

// Subscribing without an account, through the whole site on both
// engines: the Checkout Session made at stripe-mock (recorded on its way
// there) with the address and the plan, Stripe's signed webhooks in
// either order, the browser that paid signed in on its return and no
// other, an existing member's address never signed in by a payment, and
// the welcome email once.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/billing/billingtest"
	mhttp "masthead/http"
)

// recordStripe puts a recorder of every request's form in front of
// stripe-mock, for a site that is handed its address rather than a
// client.
func recordStripe(t *testing.T, mock string) (*stripeRecorder, string) {
	t.Helper()
	target, err := url.Parse(mock)
	if err != nil {
		t.Fatal(err)
	}
	rec := &stripeRecorder{bodies: map[string][]url.Values{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := rec.keep(r); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

// session returns the form of the last Checkout Session created.
func (rec *stripeRecorder) session(t *testing.T) url.Values {
	t.Helper()
	form := rec.last("/v1/checkout/sessions")
	if form == nil {
		t.Fatal("no Checkout Session was created")
	}
	return form
}

// cookieNamed returns the cookie of res named name, or nil.
func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name && c.Value != "" {
			return c
		}
	}
	return nil
}

// drainJobs waits until the queue holds no pending or running email.
func (rs *readers) drainJobs(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(mailWait)
	for {
		var n int
		if err := rs.db.SQL().QueryRow(`SELECT COUNT(*) FROM jobs WHERE state IN ('pending', 'running')
			AND kind IN ('signin-email', 'welcome-email', 'gift-email')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			var kind, state, lastErr string
			rs.db.SQL().QueryRow(`SELECT kind, state, last_error FROM jobs WHERE state IN ('pending', 'running')
				AND kind IN ('signin-email', 'welcome-email', 'gift-email')`).Scan(&kind, &state, &lastErr)
			t.Fatalf("%d jobs still waiting: %s %s %s", n, kind, state, lastErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// completedSession is the checkout.session.completed object Stripe sends
// for an anonymous checkout: the site's checkout id in the metadata, the
// payer's address in the customer details, no member.
func completedSession(session string, checkoutID int64, customer, subscription, email string) map[string]any {
	return map[string]any{
		"id": session, "object": "checkout.session", "mode": "subscription", "status": "complete",
		"customer": customer, "subscription": subscription, "payment_status": "paid",
		"customer_details": map[string]any{"email": email},
		"metadata":         map[string]string{"masthead_checkout_id": strconv.FormatInt(checkoutID, 10)},
	}
}

// anonymousSubscription is the subscription Stripe makes for it.
func anonymousSubscription(id, customer string, checkoutID int64, start time.Time) map[string]any {
	s := billingtest.Subscription(billingtest.Sub{ID: id, Customer: customer, Status: "active",
		Start: start, PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0)})
	s["metadata"] = map[string]string{"masthead_checkout_id": strconv.FormatInt(checkoutID, 10)}
	return s
}

func TestAnonymousCheckout(t *testing.T) {
	mock := billingtest.StripeMock(t)
	rec, api := recordStripe(t, mock)
	billingSite(t, api, false, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		const article = "/articles/subscribers-only"

		// The pricing page asks a reader who is not signed in for their
		// address beside each plan.
		_, body := rs.send(t, req{url: "/pricing?next=" + url.QueryEscape(article)})
		mustContain(t, "anonymous pricing", body, `action="/checkout"`, `name="email"`, `value="`+article+`"`)

		// A bad address comes back on the form with its message.
		res, body := rs.send(t, req{url: "/checkout", form: url.Values{"plan": {"monthly"}, "email": {"not an address"}, "next": {article}}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `value="not an address"`) {
			t.Fatalf("bad address: %d", res.StatusCode)
		}

		// 1. Plan and address: to Stripe, with a nonce in this browser.
		const email = "new.reader@example.com"
		res, body = rs.send(t, req{url: "/checkout", form: url.Values{"plan": {"monthly"}, "email": {email}, "next": {article}}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://") {
			t.Fatalf("checkout: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
		}
		nonce := cookieNamed(res, mhttp.CheckoutCookie)
		if nonce == nil || !nonce.HttpOnly || nonce.Path != "/checkout" {
			t.Fatalf("checkout nonce cookie: %+v", nonce)
		}
		var (
			checkoutID int64
			session    string
		)
		if err := rs.db.SQL().QueryRow(`SELECT id, session_id FROM checkouts WHERE email = '`+email+`'`).Scan(&checkoutID, &session); err != nil {
			t.Fatal(err)
		}
		form := rec.session(t)
		for k, want := range map[string]string{
			"customer_email": email, "mode": "subscription",
			"line_items[0][price_data][unit_amount]":            "900",
			"line_items[0][price_data][recurring][interval]":    "month",
			"metadata[masthead_checkout_id]":                    strconv.FormatInt(checkoutID, 10),
			"subscription_data[metadata][masthead_checkout_id]": strconv.FormatInt(checkoutID, 10),
		} {
			if got := form.Get(k); got != want {
				t.Errorf("Checkout Session %s = %q, want %q", k, got, want)
			}
		}
		if form.Get("customer") != "" || form.Get("client_reference_id") != "" {
			t.Errorf("an anonymous Checkout Session names a customer or member: %v", form)
		}
		if _, err := rs.db.MemberByEmail(ctx, email); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Fatalf("a member exists before the payment: %v", err)
		}
		ret := "/checkout/return?checkout=" + strconv.FormatInt(checkoutID, 10) + "&next=" + url.QueryEscape(article) + "&session_id=" + session

		// Back before Stripe confirms (stripe-mock's session is unpaid):
		// nothing is granted, nobody signed in.
		res, body = rs.send(t, req{url: ret, cookies: []*http.Cookie{nonce}})
		if res.StatusCode != 200 || !strings.Contains(body, "Confirming your payment") || cookieNamed(res, mhttp.SessionCookie) != nil {
			t.Fatalf("return before the payment: %d\n%s", res.StatusCode, body)
		}

		// 2. Stripe's events, the subscription's first: it waits (503,
		// Stripe retries) until the checkout's completion makes the
		// member.
		t0 := rs.clock.Now()
		created := billingtest.Event("evt_anon_sub", masthead.EventSubscriptionCreated, t0,
			anonymousSubscription("sub_anon", "cus_anon", checkoutID, t0))
		if res, out := rs.webhook(t, created, testWhsec, t0); res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("subscription before its checkout: %d %s", res.StatusCode, out)
		}
		completed := billingtest.Event("evt_anon_co", masthead.EventCheckoutCompleted, t0,
			completedSession(session, checkoutID, "cus_anon", "sub_anon", email))
		if res, out := rs.webhook(t, completed, testWhsec, t0); res.StatusCode != 200 {
			t.Fatalf("checkout completed: %d %s", res.StatusCode, out)
		}
		if res, out := rs.webhook(t, created, testWhsec, t0); res.StatusCode != 200 {
			t.Fatalf("subscription retried: %d %s", res.StatusCode, out)
		}
		m, err := rs.db.MemberByEmail(ctx, email)
		if err != nil {
			t.Fatalf("no member made from the payment: %v", err)
		}
		if ok, err := rs.db.Entitled(ctx, m.ID, rs.clock.Now()); err != nil || !ok {
			t.Fatalf("no entitlement after the webhooks: %v", err)
		}

		// The return URL in another browser (no nonce, or its own):
		// not signed in.
		otherNonce, _ := masthead.NewToken()
		for _, jar := range [][]*http.Cookie{nil, {{Name: mhttp.CheckoutCookie, Value: otherNonce}}} {
			res, body = rs.send(t, req{url: ret, cookies: jar})
			if res.StatusCode != 200 || cookieNamed(res, mhttp.SessionCookie) != nil || !strings.Contains(body, "sign in") {
				t.Fatalf("the return replayed elsewhere: %d, cookies %v\n%s", res.StatusCode, res.Cookies(), body)
			}
		}

		// 3. The browser that paid: signed in, back on the article, in
		// full and without ads.
		res, _ = rs.send(t, req{url: ret, cookies: []*http.Cookie{nonce}})
		sess := cookieNamed(res, mhttp.SessionCookie)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != article || sess == nil {
			t.Fatalf("return of the paying browser: %d to %q, session %v", res.StatusCode, res.Header.Get("Location"), sess)
		}
		res, body = rs.send(t, req{url: article, cookies: []*http.Cookie{sess}})
		if res.StatusCode != 200 || !strings.Contains(body, subscribersClosing) || strings.Contains(body, `class="ad `) {
			t.Fatalf("the article after paying: %d, full %v, ads %v", res.StatusCode,
				strings.Contains(body, subscribersClosing), strings.Contains(body, `class="ad `))
		}
		// The nonce works once.
		res, _ = rs.send(t, req{url: ret, cookies: []*http.Cookie{nonce}})
		if cookieNamed(res, mhttp.SessionCookie) != nil {
			t.Fatal("the nonce signed a browser in twice")
		}

		// The welcome email, once, with the receipt's link.
		msg := rs.smtp.WaitFor(t, email, mailWait)
		if !strings.Contains(msg.Text, "All-Access monthly") || !strings.Contains(msg.Text, "https://news.example/account") {
			t.Fatalf("welcome email:\n%s", msg.Text)
		}
		replay := billingtest.Event("evt_anon_co_again", masthead.EventCheckoutCompleted, t0,
			completedSession(session, checkoutID, "cus_anon", "sub_anon", email))
		if res, out := rs.webhook(t, replay, testWhsec, t0); res.StatusCode != 200 {
			t.Fatalf("the completion reported again: %d %s", res.StatusCode, out)
		}
		rs.drainJobs(t)
		if n := rs.smtp.Received(email); n != 1 {
			t.Fatalf("%d emails to the new subscriber, want the welcome once", n)
		}
	})
}

// TestAnonymousCheckoutExistingAddress: a payment for an address that
// belongs to a member attaches the subscription to that member and
// emails them a sign-in link; the browser that paid is not signed in.
func TestAnonymousCheckoutExistingAddress(t *testing.T) {
	mock := billingtest.StripeMock(t)
	billingSite(t, mock, false, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		const article = "/articles/subscribers-only"
		owner, _ := rs.verified(t, "owner@example.com")
		res, _ := rs.send(t, req{url: "/checkout", form: url.Values{"plan": {"annual"}, "email": {"Owner@Example.com"}, "next": {article}}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("checkout: %d", res.StatusCode)
		}
		nonce := cookieNamed(res, mhttp.CheckoutCookie)
		var (
			checkoutID int64
			session    string
		)
		if err := rs.db.SQL().QueryRow(`SELECT id, session_id FROM checkouts WHERE email = 'owner@example.com'`).Scan(&checkoutID, &session); err != nil {
			t.Fatal(err)
		}
		t0 := rs.clock.Now()
		for _, ev := range [][]byte{
			billingtest.Event("evt_own_co", masthead.EventCheckoutCompleted, t0, completedSession(session, checkoutID, "cus_own", "sub_own", "owner@example.com")),
			billingtest.Event("evt_own_sub", masthead.EventSubscriptionCreated, t0, anonymousSubscription("sub_own", "cus_own", checkoutID, t0)),
		} {
			if res, out := rs.webhook(t, ev, testWhsec, t0); res.StatusCode != 200 {
				t.Fatalf("webhook: %d %s", res.StatusCode, out)
			}
		}
		if ok, err := rs.db.Entitled(ctx, owner.ID, rs.clock.Now()); err != nil || !ok {
			t.Fatalf("the subscription is not the owner's: %v", err)
		}
		var members int
		if err := rs.db.SQL().QueryRow(`SELECT COUNT(*) FROM members WHERE mailbox_key = '` + masthead.MailboxKey("owner@example.com") + `'`).Scan(&members); err != nil || members != 1 {
			t.Fatalf("%d members of the owner's mailbox, %v", members, err)
		}
		ret := "/checkout/return?checkout=" + strconv.FormatInt(checkoutID, 10) + "&next=" + url.QueryEscape(article) + "&session_id=" + session
		res, body := rs.send(t, req{url: ret, cookies: []*http.Cookie{nonce}})
		if res.StatusCode != 200 || cookieNamed(res, mhttp.SessionCookie) != nil || !strings.Contains(body, "emailed a sign-in link") {
			t.Fatalf("the paying browser on an existing account's payment: %d\n%s", res.StatusCode, body)
		}
		// The owner gets the sign-in link (and their welcome).
		deadline := time.Now().Add(mailWait)
		for {
			var signin bool
			for _, m := range rs.smtp.Messages() {
				if m.To == "owner@example.com" && strings.Contains(m.Text, "/signin?token=") {
					signin = true
				}
			}
			if signin {
				break
			}
			if time.Now().After(deadline) {
				raw, _ := json.Marshal(rs.smtp.Messages())
				t.Fatalf("no sign-in link to the owner: %s", raw)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestAnonymousGift: a buyer who is not signed in gives their own
// address with the recipient's; the demo's gift is paid at once, the
// recipient gets the redeem link, the buyer becomes a new member signed
// in on the browser that bought (and is the gift's purchaser), and no
// welcome email goes out for a gift. Through Stripe, the session is made
// for the buyer's address.
func TestAnonymousGift(t *testing.T) {
	billingSite(t, "-", true, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		// Without their own address the form comes back.
		res, body := rs.send(t, req{url: "/gifts/checkout", form: url.Values{"recipient": {"friend@example.com"}, "months": {"3"}, "demo": {"1"}}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Enter your email address") {
			t.Fatalf("gift without the buyer's address: %d", res.StatusCode)
		}
		res, _ = rs.send(t, req{url: "/gifts/checkout", form: url.Values{"recipient": {"friend@example.com"},
			"email": {"buyer@example.com"}, "months": {"3"}, "demo": {"1"}}})
		loc := res.Header.Get("Location")
		nonce := cookieNamed(res, mhttp.CheckoutCookie)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/checkout/return?checkout=") || nonce == nil {
			t.Fatalf("demo gift: %d to %q, nonce %v", res.StatusCode, loc, nonce)
		}
		res, _ = rs.send(t, req{url: loc, cookies: []*http.Cookie{nonce}})
		sess := cookieNamed(res, mhttp.SessionCookie)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/pricing?msg=gift-sent" || sess == nil {
			t.Fatalf("return of the buyer: %d to %q, session %v", res.StatusCode, res.Header.Get("Location"), sess)
		}
		giftLink(t, rs, "friend@example.com")
		buyer, err := rs.db.MemberByEmail(ctx, "buyer@example.com")
		if err != nil {
			t.Fatal(err)
		}
		var purchaser int64
		if err := rs.db.SQL().QueryRow(`SELECT purchaser_id FROM gift_subscriptions WHERE recipient_email = 'friend@example.com'`).Scan(&purchaser); err != nil || purchaser != buyer.ID {
			t.Fatalf("gift purchaser %d, want the buyer %d (%v)", purchaser, buyer.ID, err)
		}
		_, body = rs.send(t, req{url: "/account", cookies: []*http.Cookie{sess}})
		mustContain(t, "the buyer's account", body, "buyer@example.com")
		rs.drainJobs(t)
		if n := rs.smtp.Received("buyer@example.com"); n != 0 {
			t.Fatalf("%d emails to the gift's buyer, want none", n)
		}
	})
	mock := billingtest.StripeMock(t)
	rec, api := recordStripe(t, mock)
	billingSite(t, api, false, func(t *testing.T, rs *readers) {
		res, _ := rs.send(t, req{url: "/gifts/checkout", form: url.Values{"recipient": {"friend@example.com"},
			"email": {"buyer@example.com"}, "months": {"6"}}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://") {
			t.Fatalf("gift checkout: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		form := rec.session(t)
		if form.Get("customer_email") != "buyer@example.com" || form.Get("mode") != "payment" ||
			form.Get("metadata[masthead_checkout_id]") == "" || form.Get("metadata[masthead_gift_id]") == "" {
			t.Fatalf("gift Checkout Session: %v", form)
		}
	})
}

// TestRegisteredCheckoutAsksNoAddress: a signed-in reader's checkout
// hands Stripe their customer, not an address typed again.
func TestRegisteredCheckoutAsksNoAddress(t *testing.T) {
	mock := billingtest.StripeMock(t)
	rec, api := recordStripe(t, mock)
	billingSite(t, api, false, func(t *testing.T, rs *readers) {
		_, cookie := rs.verified(t, "member@example.com")
		_, body := rs.send(t, req{url: "/pricing", cookies: []*http.Cookie{cookie}})
		mustContain(t, "pricing", body, `action="/checkout"`)
		mustNotContain(t, "pricing", body, `id="email-monthly"`)
		res, _ := rs.send(t, req{url: "/checkout", cookies: []*http.Cookie{cookie}, form: url.Values{"plan": {"monthly"}, "next": {"/articles/subscribers-only"}}})
		if res.StatusCode != http.StatusSeeOther || cookieNamed(res, mhttp.CheckoutCookie) != nil {
			t.Fatalf("checkout: %d, cookies %v", res.StatusCode, res.Cookies())
		}
		form := rec.session(t)
		if !strings.HasPrefix(form.Get("customer"), "cus_") || form.Get("customer_email") != "" ||
			form.Get("client_reference_id") == "" || form.Get("metadata[masthead_checkout_id]") == "" {
			t.Fatalf("Checkout Session of a registered reader: %v", form)
		}
	})
}
