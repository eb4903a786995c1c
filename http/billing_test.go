package http_test

// Billing through the whole site, on both engines: Stripe webhooks signed
// exactly as Stripe signs them (in order, replayed, reversed, forged,
// stale, malformed), checkout and the portal against stripe-mock, the
// demo's test checkout, and gifts from purchase to redemption.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/billing"
	"masthead/billing/billingtest"
	mhttp "masthead/http"
	"masthead/mail/mailtest"
)

const testWhsec = "whsec_masthead_test"

// billingSite runs fn with a readers site whose billing uses Stripe at
// apiURL ("" for a client that must make no call).
func billingSite(t *testing.T, apiURL string, demo bool, fn func(t *testing.T, rs *readers)) {
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.Billing = mhttp.BillingConfig{Grace: 3 * 24 * time.Hour, Demo: demo}
		d.Billing = d.Meter.(masthead.BillingService)
		if apiURL != "-" {
			client, err := billing.New(billing.Config{SecretKey: "sk_test_1", WebhookSecret: testWhsec, APIURL: apiURL})
			if err != nil {
				t.Fatal(err)
			}
			d.Payments = client
		}
	}, fn)
}

// webhook posts a Stripe event signed at signedAt with secret.
func (rs *readers) webhook(t *testing.T, body []byte, secret string, signedAt time.Time) (*http.Response, string) {
	t.Helper()
	return rs.rawPost(t, "/stripe/webhook", body, http.Header{"Stripe-Signature": {billing.Sign(body, secret, signedAt)}})
}

// rawPost posts body as JSON, as Stripe does: no cookie, no Origin.
func (rs *readers) rawPost(t *testing.T, target string, body []byte, header http.Header) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	rs.h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (rs *readers) countEvents(t *testing.T) int {
	t.Helper()
	var n int
	if err := rs.db.SQL().QueryRow(`SELECT COUNT(*) FROM billing_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// reads reports whether the member with cookie c reads the
// subscribers-only article in full.
func (rs *readers) reads(t *testing.T, c *http.Cookie) bool {
	t.Helper()
	res, body := rs.send(t, req{url: "/articles/subscribers-only", cookies: []*http.Cookie{c}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("article: status %d", res.StatusCode)
	}
	return strings.Contains(body, subscribersClosing)
}

func TestStripeWebhooks(t *testing.T) {
	billingSite(t, "", false, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		m, cookie := rs.verified(t, "payer@example.com")
		member := strconv.FormatInt(m.ID, 10)
		t0 := rs.clock.Now()
		period := billingtest.Sub{ID: "sub_1", Customer: "cus_1", MemberID: member,
			Start: t0.Add(-time.Minute), PeriodStart: t0.Add(-time.Minute), PeriodEnd: t0.AddDate(0, 1, 0)}
		with := func(status string, mod ...func(*billingtest.Sub)) map[string]any {
			s := period
			s.Status = status
			for _, f := range mod {
				f(&s)
			}
			return billingtest.Subscription(s)
		}
		post := func(body []byte, wantStatus int) {
			t.Helper()
			res, out := rs.webhook(t, body, testWhsec, rs.clock.Now())
			if res.StatusCode != wantStatus {
				t.Fatalf("webhook: status %d, want %d: %s", res.StatusCode, wantStatus, out)
			}
		}

		// The reader is on the teaser; this instance caches that.
		if rs.reads(t, cookie) {
			t.Fatal("reads in full before subscribing")
		}
		// In order: checkout completed, subscription created, invoice paid.
		post(billingtest.Event("evt_co", masthead.EventCheckoutCompleted, t0,
			billingtest.CheckoutSession("cs_1", member, "cus_1", "sub_1", "", "paid")), 200)
		if id, err := rs.db.BillingCustomer(ctx, m.ID); err != nil || id != "cus_1" {
			t.Fatalf("customer after checkout: %q, %v", id, err)
		}
		created := billingtest.Event("evt_created", masthead.EventSubscriptionCreated, t0, with("active"))
		post(created, 200)
		post(billingtest.Event("evt_paid", masthead.EventInvoicePaid, t0, billingtest.Invoice("in_1", "cus_1", "sub_1", "paid")), 200)
		// At once, with the session cache's 5 s not yet over.
		if !rs.reads(t, cookie) {
			t.Fatal("active subscription: still on the teaser")
		}
		// Payment fails at the next renewal: past_due keeps access for
		// the grace period.
		renewal := t0.AddDate(0, 1, 0)
		rs.clock.Set(renewal.Add(time.Hour))
		pastDue := billingtest.Event("evt_pastdue", masthead.EventSubscriptionUpdated, renewal, with("past_due", func(s *billingtest.Sub) {
			s.PeriodStart, s.PeriodEnd = renewal, renewal.AddDate(0, 1, 0)
		}))
		post(pastDue, 200)
		post(billingtest.Event("evt_failed", masthead.EventInvoicePaymentFailed, renewal, billingtest.Invoice("in_2", "cus_1", "sub_1", "open")), 200)
		if !rs.reads(t, cookie) {
			t.Fatal("past_due within grace: on the teaser")
		}
		// Replayed, the older "created" changes nothing: 200, no new row.
		n := rs.countEvents(t)
		post(created, 200)
		if rs.countEvents(t) != n {
			t.Fatal("a replayed event was recorded twice")
		}
		rs.clock.Set(renewal.Add(3*24*time.Hour + time.Minute))
		if rs.reads(t, cookie) {
			t.Fatal("past_due after grace: still reads in full")
		}
		// Cancelled for non-payment: no access.
		post(billingtest.Event("evt_deleted", masthead.EventSubscriptionDeleted, rs.clock.Now(), with("canceled", func(s *billingtest.Sub) {
			s.PeriodStart, s.PeriodEnd = renewal, renewal.AddDate(0, 1, 0)
			s.CanceledAt, s.EndedAt, s.CancellationReason = rs.clock.Now(), rs.clock.Now(), "payment_failed"
		})), 200)
		if rs.reads(t, cookie) {
			t.Fatal("canceled for non-payment: reads in full")
		}

		// Reversed, for a second reader: deleted (cancelled at period end,
		// still paid), then updated, then created.
		rs.clock.Set(t0)
		m2, cookie2 := rs.verified(t, "reverse@example.com")
		member2 := strconv.FormatInt(m2.ID, 10)
		sub2 := func(status string, cancelAtEnd bool) map[string]any {
			s := period
			s.ID, s.Customer, s.MemberID, s.Status, s.CancelAtPeriodEnd = "sub_2", "cus_2", member2, status, cancelAtEnd
			if status == "canceled" {
				s.CanceledAt, s.EndedAt, s.PeriodEnd = t0.Add(10*time.Minute), t0.Add(10*time.Minute), t0.Add(10*time.Minute)
			}
			return billingtest.Subscription(s)
		}
		post(billingtest.Event("evt_2_deleted", masthead.EventSubscriptionDeleted, t0.Add(10*time.Minute), sub2("canceled", false)), 200)
		post(billingtest.Event("evt_2_updated", masthead.EventSubscriptionUpdated, t0.Add(5*time.Minute), sub2("active", true)), 200)
		post(billingtest.Event("evt_2_created", masthead.EventSubscriptionCreated, t0, sub2("active", false)), 200)
		if !rs.reads(t, cookie2) {
			t.Fatal("reversed: the paid period before cancellation should read in full")
		}
		rs.clock.Set(t0.Add(11 * time.Minute))
		if rs.reads(t, cookie2) {
			t.Fatal("reversed: an older active state outlived the cancellation")
		}
		subs, err := rs.db.MemberSubscriptions(ctx, m2.ID)
		if err != nil || len(subs) != 1 || subs[0].Status != masthead.StatusCanceled {
			t.Fatalf("reversed: stored %+v, %v; want canceled", subs, err)
		}
	})
}

func TestStripeWebhooksRefused(t *testing.T) {
	billingSite(t, "", false, func(t *testing.T, rs *readers) {
		m, cookie := rs.verified(t, "target@example.com")
		t0 := rs.clock.Now()
		body := billingtest.Event("evt_forged", masthead.EventSubscriptionCreated, t0, billingtest.Subscription(billingtest.Sub{
			ID: "sub_f", Customer: "cus_f", Status: "active", MemberID: strconv.FormatInt(m.ID, 10),
			Start: t0, PeriodStart: t0, PeriodEnd: t0.AddDate(1, 0, 0)}))
		tests := []struct {
			name     string
			body     []byte
			secret   string
			signedAt time.Time
		}{
			{"forged", body, "whsec_attacker", t0},
			{"stale", body, testWhsec, t0.Add(-10 * time.Minute)},
			{"malformed", []byte(`{"id": "evt_x", "type": `), testWhsec, t0},
			{"wrong object", []byte(`{"id":"evt_y","type":"customer.subscription.created","created":1,"data":{"object":[1,2]}}`), testWhsec, t0},
		}
		for _, tt := range tests {
			res, out := rs.webhook(t, tt.body, tt.secret, tt.signedAt)
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			json.Unmarshal([]byte(out), &e)
			if res.StatusCode != http.StatusBadRequest || e.Error.Code != masthead.EINVALID {
				t.Errorf("%s: status %d, body %s; want 400 invalid", tt.name, res.StatusCode, out)
			}
		}
		// Unsigned, and signed with the right secret over other bytes.
		res, _ := rs.rawPost(t, "/stripe/webhook", body, nil)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("unsigned: status %d", res.StatusCode)
		}
		if n := rs.countEvents(t); n != 0 {
			t.Fatalf("%d events recorded from refused webhooks", n)
		}
		if rs.reads(t, cookie) {
			t.Fatal("a refused webhook granted access")
		}
	})
}

func TestCheckoutAndPortal(t *testing.T) {
	mock := billingtest.StripeMock(t)
	billingSite(t, mock, false, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		m, cookie := rs.verified(t, "buyer@example.com")
		jar := []*http.Cookie{cookie}

		res, body := rs.send(t, req{url: "/pricing?next=/articles/subscribers-only", cookies: jar})
		mustContain(t, "pricing", body, "All-Access monthly", "<strong>$9.00</strong> <span class=\"plan__per\">a month", "<strong>$90.00</strong> <span class=\"plan__per\">a year", "Save 17 %", `action="/checkout"`,
			`name="next" value="/articles/subscribers-only"`)
		mustNotContain(t, "pricing", body, "TEST", "not set up")
		if res.StatusCode != 200 {
			t.Fatalf("pricing: %d", res.StatusCode)
		}
		res, body = rs.send(t, req{url: "/checkout", cookies: jar,
			form: url.Values{"plan": {"monthly"}, "next": {"/articles/subscribers-only"}}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://") {
			t.Fatalf("checkout: %d to %q: %s", res.StatusCode, res.Header.Get("Location"), body)
		}
		cust, err := rs.db.BillingCustomer(ctx, m.ID)
		if err != nil || !strings.HasPrefix(cust, "cus_") {
			t.Fatalf("customer: %q, %v", cust, err)
		}
		// Returning from Stripe lands on the article.
		res, _ = rs.send(t, req{url: "/checkout/return?next=%2Farticles%2Fsubscribers-only&session_id=cs_test_1", cookies: jar})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/articles/subscribers-only" {
			t.Fatalf("return: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		_, body = rs.send(t, req{url: "/account", cookies: jar})
		mustContain(t, "account", body, `action="/account/billing"`, "Manage in the customer portal")
		// An open redirect is not on offer.
		res, _ = rs.send(t, req{url: "/checkout/return?next=https://evil.example/&session_id=cs_test_1", cookies: jar})
		if loc := res.Header.Get("Location"); loc != "/account" {
			t.Fatalf("return to another site: Location %q", loc)
		}
		// Unknown plan; signed out.
		res, _ = rs.send(t, req{url: "/checkout", cookies: jar, form: url.Values{"plan": {"weekly"}}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("unknown plan: %d", res.StatusCode)
		}
		// Signed out without an address: the pricing page again, asking
		// for one.
		res, body = rs.send(t, req{url: "/checkout", form: url.Values{"plan": {"monthly"}}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Enter your email address") {
			t.Fatalf("signed out without an address: %d", res.StatusCode)
		}

		// The portal, for a member with a customer; a clear message for
		// one without.
		res, _ = rs.send(t, req{url: "/account/billing", cookies: jar, form: url.Values{}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://") {
			t.Fatalf("portal: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		sub, subCookie := rs.subscriber(t, "already@example.com")
		res, body = rs.send(t, req{url: "/account/billing", cookies: []*http.Cookie{subCookie}, form: url.Values{}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, "no paid subscription") {
			t.Fatalf("portal without customer: %d", res.StatusCode)
		}
		// A member who already subscribes: a clear message, nothing made.
		res, body = rs.send(t, req{url: "/checkout", cookies: []*http.Cookie{subCookie}, form: url.Values{"plan": {"monthly"}}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, "already have All-Access") {
			t.Fatalf("checkout by a subscriber: %d\n%s", res.StatusCode, body)
		}
		if _, err := rs.db.BillingCustomer(ctx, sub.ID); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Fatalf("a customer was created for a subscriber: %v", err)
		}
		_, body = rs.send(t, req{url: "/pricing", cookies: []*http.Cookie{subCookie}})
		mustContain(t, "pricing for a subscriber", body, "You already have All-Access")
	})
}

func TestDemoCheckout(t *testing.T) {
	billingSite(t, "-", true, func(t *testing.T, rs *readers) {
		_, cookie := rs.verified(t, "demo@example.com")
		jar := []*http.Cookie{cookie}
		_, body := rs.send(t, req{url: "/pricing"})
		mustContain(t, "anonymous pricing", body, "TEST MODE", "Already a subscriber? <a href=\"/login?next=%2Fpricing\">Log in</a>", `name="email"`, `action="/checkout/demo"`)
		_, body = rs.send(t, req{url: "/pricing?next=/articles/subscribers-only", cookies: jar})
		mustContain(t, "pricing", body, "TEST MODE", `action="/checkout/demo"`, "TEST checkout (no payment)")
		if rs.reads(t, cookie) {
			t.Fatal("reads before the test checkout")
		}
		res, _ := rs.send(t, req{url: "/checkout/demo", cookies: jar,
			form: url.Values{"plan": {"annual"}, "next": {"/articles/subscribers-only"}}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/articles/subscribers-only" {
			t.Fatalf("demo checkout: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		if !rs.reads(t, cookie) {
			t.Fatal("after the test checkout: still on the teaser")
		}
		res, _ = rs.send(t, req{url: "/checkout/demo", cookies: jar, form: url.Values{"plan": {"annual"}}})
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("second demo checkout: %d", res.StatusCode)
		}
		// Stripe's checkout is not set up here.
		res, _ = rs.send(t, req{url: "/checkout", cookies: jar, form: url.Values{"plan": {"annual"}}})
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("stripe checkout without keys: %d", res.StatusCode)
		}
	})
	// Off unless demo mode is on.
	billingSite(t, "-", false, func(t *testing.T, rs *readers) {
		_, cookie := rs.verified(t, "nodemo@example.com")
		res, _ := rs.send(t, req{url: "/checkout/demo", cookies: []*http.Cookie{cookie}, form: url.Values{"plan": {"annual"}}})
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("demo checkout outside demo mode: %d", res.StatusCode)
		}
		_, body := rs.send(t, req{url: "/pricing", cookies: []*http.Cookie{cookie}})
		mustContain(t, "pricing", body, "Subscriptions are not set up")
		mustNotContain(t, "pricing", body, "TEST")
	})
}

// giftLink waits for the gift email to addr and returns its path.
func giftLink(t *testing.T, rs *readers, addr string) string {
	t.Helper()
	msg := rs.smtp.WaitFor(t, addr, mailWait)
	link := mailtest.FirstLink(msg.Text)
	if !strings.HasPrefix(link, "https://news.example/gifts/redeem/") {
		t.Fatalf("gift email: link %q\n%s", link, msg.Text)
	}
	return strings.TrimPrefix(link, "https://news.example")
}

func TestGiftSubscriptions(t *testing.T) {
	mock := billingtest.StripeMock(t)
	billingSite(t, mock, false, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		buyer, cookie := rs.verified(t, "giver@example.com")
		jar := []*http.Cookie{cookie}
		res, body := rs.send(t, req{url: "/gifts/checkout", cookies: jar, form: url.Values{"email": {"not an address"}, "months": {"3"}}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad address: %d", res.StatusCode)
		}
		res, _ = rs.send(t, req{url: "/gifts/checkout", cookies: jar, form: url.Values{"email": {"friend@example.com"}, "months": {"2"}}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("2 months: %d", res.StatusCode)
		}
		res, body = rs.send(t, req{url: "/gifts/checkout", cookies: jar, form: url.Values{"email": {"friend@example.com"}, "months": {"3"}}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://") {
			t.Fatalf("gift checkout: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
		}
		var giftID int64
		if err := rs.db.SQL().QueryRow(`SELECT id FROM gift_subscriptions WHERE recipient_email = 'friend@example.com'`).Scan(&giftID); err != nil {
			t.Fatal(err)
		}
		// Stripe reports the payment; the recipient gets the link, once.
		paid := billingtest.Event("evt_gift", masthead.EventCheckoutCompleted, rs.clock.Now(), billingtest.CheckoutSession(
			"cs_gift", strconv.FormatInt(buyer.ID, 10), "cus_x", "", strconv.FormatInt(giftID, 10), "paid"))
		if res, out := rs.webhook(t, paid, testWhsec, rs.clock.Now()); res.StatusCode != 200 {
			t.Fatalf("gift webhook: %d %s", res.StatusCode, out)
		}
		link := giftLink(t, rs, "friend@example.com")
		if res, _ := rs.webhook(t, paid, testWhsec, rs.clock.Now()); res.StatusCode != 200 {
			t.Fatal("replayed gift webhook refused")
		}
		_, body = rs.send(t, req{url: link})
		mustContain(t, "gift page", body, "3 months of All-Access", "Redeem my gift")

		// Redeemed by a signed-in member.
		friend, friendCookie := rs.verified(t, "someone.else@example.com")
		if rs.reads(t, friendCookie) {
			t.Fatal("reads before redeeming")
		}
		res, body = rs.send(t, req{url: link, cookies: []*http.Cookie{friendCookie}, form: url.Values{}})
		if res.StatusCode != 200 || !strings.Contains(body, "you have All-Access for 3 months") {
			t.Fatalf("redeem: %d\n%s", res.StatusCode, body)
		}
		if !rs.reads(t, friendCookie) {
			t.Fatal("redeemed gift: still on the teaser")
		}
		// Twice: a clear message, nothing changes.
		other, otherCookie := rs.verified(t, "third@example.com")
		res, body = rs.send(t, req{url: link, cookies: []*http.Cookie{otherCookie}, form: url.Values{}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, "already redeemed") {
			t.Fatalf("second redeem: %d\n%s", res.StatusCode, body)
		}
		if ok, _ := rs.db.Entitled(ctx, other.ID, rs.clock.Now()); ok {
			t.Fatal("second redeem granted access")
		}
		_ = friend
		res, _ = rs.send(t, req{url: "/gifts/redeem/not-a-token"})
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown token: %d", res.StatusCode)
		}
	})
}

func TestDemoGiftRedeemedSignedOut(t *testing.T) {
	billingSite(t, "-", true, func(t *testing.T, rs *readers) {
		_, cookie := rs.verified(t, "giver@example.com")
		res, _ := rs.send(t, req{url: "/gifts/checkout", cookies: []*http.Cookie{cookie},
			form: url.Values{"email": {"new.reader@example.com"}, "months": {"1"}, "demo": {"1"}}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/pricing?msg=gift-sent" {
			t.Fatalf("demo gift: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		link := giftLink(t, rs, "new.reader@example.com")
		// Redeemed without signing in: it goes to the gift's address,
		// which gets a sign-in link.
		res, body := rs.send(t, req{url: link, form: url.Values{}})
		if res.StatusCode != 200 || !strings.Contains(body, "new.reader@example.com has All-Access for 1 month.") {
			t.Fatalf("redeem signed out: %d\n%s", res.StatusCode, body)
		}
		// A second try, signed out too, is refused and registers nobody.
		res, body = rs.send(t, req{url: link, form: url.Values{}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, "already redeemed") {
			t.Fatalf("second redeem signed out: %d\n%s", res.StatusCode, body)
		}
		signin := signInLink(t, rs, "new.reader@example.com")
		if signin == "" {
			t.Fatal("no sign-in link")
		}
		m, err := rs.db.MemberByEmail(context.Background(), "new.reader@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := rs.db.Entitled(context.Background(), m.ID, rs.clock.Now()); !ok {
			t.Fatal("the gift's address is not entitled")
		}
	})
}
