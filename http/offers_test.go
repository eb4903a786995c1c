package http_test

// The pricing page's cards, the price on the walls, the header's
// Subscribe, and offers from their page through Stripe checkout (against
// stripe-mock, every request it gets recorded) to the signed webhook that
// counts their redemptions, on both engines.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/billing"
	"masthead/billing/billingtest"
	mhttp "masthead/http"
)

// headerSubscribe is the header's Subscribe button (the footer's link
// and the walls' carry other markup).
const headerSubscribe = `<a class="button button--small" href="/pricing">Subscribe</a>`

// stripeRecorder passes requests to Stripe (stripe-mock) and keeps the
// form body of each, by path.
type stripeRecorder struct {
	mu     sync.Mutex
	bodies map[string][]url.Values
}

func (rec *stripeRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := rec.keep(r); err != nil {
		return nil, err
	}
	return http.DefaultTransport.RoundTrip(r)
}

// keep records r's form body under its path, leaving the body readable.
func (rec *stripeRecorder) keep(r *http.Request) error {
	if r.Body == nil {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	form, _ := url.ParseQuery(string(b))
	rec.mu.Lock()
	rec.bodies[r.URL.Path] = append(rec.bodies[r.URL.Path], form)
	rec.mu.Unlock()
	return nil
}

func (rec *stripeRecorder) last(path string) url.Values {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if bs := rec.bodies[path]; len(bs) > 0 {
		return bs[len(bs)-1]
	}
	return nil
}

func (rec *stripeRecorder) count(path string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.bodies[path])
}

// offerSite runs fn with a readers site whose billing uses stripe-mock
// through rec (mock "" for a client that must make no call), and whose
// offers are the store's.
func offerSite(t *testing.T, mock string, rec *stripeRecorder, fn func(t *testing.T, rs *readers, client *billing.Client)) {
	var client *billing.Client
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.Billing = mhttp.BillingConfig{Grace: 3 * 24 * time.Hour}
		d.Billing = d.Meter.(masthead.BillingService)
		d.Offers = d.Meter.(masthead.OfferService)
		cfg := billing.Config{SecretKey: "sk_test_1", WebhookSecret: testWhsec, APIURL: mock}
		if rec != nil {
			cfg.HTTPClient = &http.Client{Transport: rec, Timeout: 30 * time.Second}
		}
		var err error
		if client, err = billing.New(cfg); err != nil {
			t.Fatal(err)
		}
		d.Payments = client
	}, func(t *testing.T, rs *readers) {
		fn(t, rs, client)
	})
}

func TestPricingCards(t *testing.T) {
	billingSite(t, "", false, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		_, body := rs.send(t, req{url: "/pricing?next=/articles/subscribers-only"})
		mustContain(t, "anonymous pricing", body,
			`<h2 class="plan__name">All-Access monthly</h2>`, "<strong>$9.00</strong>", "a month",
			"<strong>$90.00</strong>", "a year", "Save 17 %", "$7.50 a month, billed once a year",
			`action="/checkout"`, `name="plan" value="monthly"`, `name="plan" value="annual"`,
			`name="next" value="/articles/subscribers-only"`, `name="email"`, "Already a subscriber?",
			"Can I cancel at any time?", "customer portal", "as a gift", "institutions", headerSubscribe)
		mustNotContain(t, "anonymous pricing", body, `name="offer"`, "Free for the first")

		// A trial, another currency, a price in the thousands.
		monthly, _ := rs.db.Plan(ctx, "monthly")
		monthly.TrialDays = 14
		annual, _ := rs.db.Plan(ctx, "annual")
		annual.Currency = "eur"
		patron := masthead.Plan{Slug: "patron", Name: "Patron", Interval: masthead.IntervalYear, Amount: 123450,
			Currency: "usd", Active: true, Position: 3}
		for _, p := range []masthead.Plan{*monthly, *annual, patron} {
			if err := rs.db.SavePlan(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		_, cookie := rs.verified(t, "reader@example.com")
		_, body = rs.send(t, req{url: "/pricing", cookies: []*http.Cookie{cookie}})
		mustContain(t, "pricing", body, "Free for the first 14 days.", "<strong>€90.00</strong>", "€7.50 a month",
			"<strong>$1,234.50</strong>", "$102.88 a month", headerSubscribe)
		mustNotContain(t, "pricing", body, "Save 17 %", `id="email-monthly"`)
		// The patron plan costs more than twelve months: no saving.
		if strings.Count(body, "plan__badge") != 0 {
			t.Error("a saving shown where there is none")
		}
	})
}

func TestPricingLocale(t *testing.T) {
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.Billing = mhttp.BillingConfig{Demo: true}
		c.Locale = "de-DE"
		d.Billing = d.Meter.(masthead.BillingService)
	}, func(t *testing.T, rs *readers) {
		_, body := rs.send(t, req{url: "/pricing"})
		mustContain(t, "pricing in de-DE", body, "<strong>9,00\u00a0$</strong>", "<strong>90,00\u00a0$</strong>")
		_, body = rs.send(t, req{url: "/articles/subscribers-only"})
		mustContain(t, "wall in de-DE", body, "All-Access from 7,50\u00a0$ a month.")
	})
}

func TestWallPriceAndHeader(t *testing.T) {
	billingSite(t, "", false, func(t *testing.T, rs *readers) {
		_, body := rs.send(t, req{url: "/articles/subscribers-only"})
		mustContain(t, "anonymous wall", body, "All-Access from $7.50 a month.", "Already a subscriber?",
			`Already a subscriber? <a href="/login?next=`, headerSubscribe)
		_, body = rs.send(t, req{url: "/articles/metered-feature"})
		mustContain(t, "anonymous metered wall", body, "Keep reading for free", "All-Access from $7.50 a month.", "Already a subscriber?")

		_, cookie := rs.verified(t, "reader@example.com")
		_, body = rs.send(t, req{url: "/articles/subscribers-only", cookies: []*http.Cookie{cookie}})
		mustContain(t, "signed-in non-subscriber", body, "This article is for subscribers", "All-Access from $7.50 a month.", headerSubscribe)
		_, body = rs.send(t, req{url: "/", cookies: []*http.Cookie{cookie}})
		mustContain(t, "home, signed in", body, headerSubscribe)

		_, subCookie := rs.subscriber(t, "sub@example.com")
		_, body = rs.send(t, req{url: "/articles/subscribers-only", cookies: []*http.Cookie{subCookie}})
		mustContain(t, "subscriber", body, subscribersClosing)
		mustNotContain(t, "subscriber", body, headerSubscribe, "All-Access from")
		_, body = rs.send(t, req{url: "/", cookies: []*http.Cookie{subCookie}})
		mustNotContain(t, "home, subscriber", body, headerSubscribe)
	})
	// Without billing the walls name no price.
	billingSite(t, "-", false, func(t *testing.T, rs *readers) {
		_, body := rs.send(t, req{url: "/articles/subscribers-only"})
		mustContain(t, "wall without billing", body, "This article is for subscribers", "Already a subscriber?")
		mustNotContain(t, "wall without billing", body, "All-Access from")
	})
}

// checkoutCompleted is a signed checkout.session.completed of session
// for member, made with offer.
func checkoutCompleted(eventID, session string, member int64, offer string, at time.Time) []byte {
	obj := billingtest.CheckoutSession(session, strconv.FormatInt(member, 10), "cus_"+session, "sub_"+session, "", "paid")
	obj["metadata"].(map[string]string)["masthead_offer"] = offer
	return billingtest.Event(eventID, masthead.EventCheckoutCompleted, at, obj)
}

func TestOfferCheckout(t *testing.T) {
	mock := billingtest.StripeMock(t)
	rec := &stripeRecorder{bodies: map[string][]url.Values{}}
	offerSite(t, mock, rec, func(t *testing.T, rs *readers, client *billing.Client) {
		ctx := context.Background()
		t0 := rs.clock.Now()
		spring := masthead.Offer{Slug: "spring", Name: "Spring sale", Plan: "monthly", Kind: masthead.OfferPercent,
			PercentOff: 50, Months: 3, Active: true, Featured: true, MaxRedemptions: 2, EndsAt: t0.AddDate(0, 1, 0)}
		coupon, err := client.CreateCoupon(ctx, spring, "usd", t0)
		if err != nil {
			t.Fatal(err)
		}
		spring.CouponID = coupon
		if _, err := rs.db.SaveOffer(ctx, spring); err != nil {
			t.Fatal(err)
		}
		trial := masthead.Offer{Slug: "try-it", Name: "Try it", Plan: "annual", Kind: masthead.OfferTrial, TrialDays: 30, Active: true}
		if _, err := rs.db.SaveOffer(ctx, trial); err != nil {
			t.Fatal(err)
		}

		// The offer's page, and the featured offer on the pricing page
		// and the walls.
		_, body := rs.send(t, req{url: "/offers/spring?next=/articles/subscribers-only"})
		mustContain(t, "offer page", body, "<h1>Spring sale</h1>", "50 % off for 3 months", "<del>$9.00</del> <strong>$4.50</strong>",
			"then $9.00 a month", `name="offer" value="spring"`, `name="plan" value="monthly"`, `name="email"`,
			`name="next" value="/articles/subscribers-only"`)
		mustNotContain(t, "offer page", body, `name="plan" value="annual"`)
		_, body = rs.send(t, req{url: "/pricing"})
		mustContain(t, "pricing with an offer", body, "<strong>Spring sale</strong>", `href="/offers/spring"`, `name="offer" value="spring"`)
		_, body = rs.send(t, req{url: "/articles/subscribers-only"})
		mustContain(t, "wall with an offer", body, "All-Access from $7.50 a month.", `<a href="/offers/spring">Spring sale: 50 % off for 3 months</a>`)

		// Checkout with the offer: the session carries its coupon and slug.
		m, cookie := rs.verified(t, "taker@example.com")
		jar := []*http.Cookie{cookie}
		res, out := rs.send(t, req{url: "/checkout", cookies: jar, form: url.Values{"plan": {"monthly"}, "offer": {"spring"},
			"next": {"/articles/subscribers-only"}}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://") {
			t.Fatalf("checkout with the offer: %d\n%s", res.StatusCode, out)
		}
		f := rec.last("/v1/checkout/sessions")
		if f.Get("discounts[0][coupon]") != coupon || f.Get("metadata[masthead_offer]") != "spring" ||
			f.Get("line_items[0][price_data][unit_amount]") != "900" {
			t.Fatalf("checkout session request: %v", f)
		}
		// A trial offer: the trial's days, no coupon.
		res, out = rs.send(t, req{url: "/checkout", cookies: jar, form: url.Values{"plan": {"annual"}, "offer": {"try-it"}}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("checkout with the trial: %d\n%s", res.StatusCode, out)
		}
		if f = rec.last("/v1/checkout/sessions"); f.Get("subscription_data[trial_period_days]") != "30" || f.Has("discounts[0][coupon]") {
			t.Fatalf("trial session request: %v", f)
		}
		// An offer for another plan, or none that exists: refused, no
		// session made.
		sessions := rec.count("/v1/checkout/sessions")
		res, out = rs.send(t, req{url: "/checkout", cookies: jar, form: url.Values{"plan": {"annual"}, "offer": {"spring"}}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(out, "for another plan") || !strings.Contains(out, "<h1>Spring sale</h1>") {
			t.Fatalf("offer on another plan: %d\n%s", res.StatusCode, out)
		}
		res, _ = rs.send(t, req{url: "/checkout", cookies: jar, form: url.Values{"plan": {"monthly"}, "offer": {"nothing"}}})
		if res.StatusCode == http.StatusSeeOther {
			t.Fatal("an unknown offer reached checkout")
		}
		if n := rec.count("/v1/checkout/sessions"); n != sessions {
			t.Fatalf("refused offers made %d sessions", n-sessions)
		}

		// Stripe reports the checkout: one redemption, however often.
		redemptions := func() int {
			t.Helper()
			o, err := rs.db.Offer(ctx, "spring")
			if err != nil {
				t.Fatal(err)
			}
			return o.Redemptions
		}
		done := checkoutCompleted("evt_offer_1", "cs_offer_1", m.ID, "spring", rs.clock.Now())
		for i := 0; i < 2; i++ {
			if res, out := rs.webhook(t, done, testWhsec, rs.clock.Now()); res.StatusCode != 200 {
				t.Fatalf("webhook: %d %s", res.StatusCode, out)
			}
		}
		if n := redemptions(); n != 1 {
			t.Fatalf("after the webhook and its replay: %d redemptions", n)
		}
		// A forged event counts nothing.
		forged := checkoutCompleted("evt_forged", "cs_forged", m.ID, "spring", rs.clock.Now())
		if res, _ := rs.webhook(t, forged, "whsec_attacker", rs.clock.Now()); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("forged webhook: %d", res.StatusCode)
		}
		// The second checkout takes the last redemption.
		other, _ := rs.verified(t, "second@example.com")
		rs.webhook(t, checkoutCompleted("evt_offer_2", "cs_offer_2", other.ID, "spring", rs.clock.Now()), testWhsec, rs.clock.Now())
		if n := redemptions(); n != 2 {
			t.Fatalf("after two checkouts: %d", n)
		}

		// Exhausted: the page says so and shows the normal plans; a
		// checkout with it is refused.
		_, body = rs.send(t, req{url: "/offers/spring"})
		mustContain(t, "exhausted offer", body, "taken up in full", `name="plan" value="monthly"`, `name="plan" value="annual"`)
		mustNotContain(t, "exhausted offer", body, `name="offer"`, "$4.50")
		res, out = rs.send(t, req{url: "/checkout", cookies: jar, form: url.Values{"plan": {"monthly"}, "offer": {"spring"}}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(out, "taken up in full") {
			t.Fatalf("checkout with an exhausted offer: %d\n%s", res.StatusCode, out)
		}
		_, body = rs.send(t, req{url: "/pricing"})
		mustNotContain(t, "pricing with an exhausted offer", body, `name="offer"`, "Spring sale")

		// Expired and switched off.
		rs.clock.Set(t0.AddDate(0, 2, 0))
		_, body = rs.send(t, req{url: "/offers/try-it"})
		mustContain(t, "running trial", body, "30 days free", `name="offer" value="try-it"`)
		late := trial
		late.Slug, late.EndsAt = "ended", t0.AddDate(0, 1, 0)
		if _, err := rs.db.SaveOffer(ctx, late); err != nil {
			t.Fatal(err)
		}
		_, body = rs.send(t, req{url: "/offers/ended"})
		mustContain(t, "expired offer", body, "This offer has ended", `name="plan" value="annual"`)
		mustNotContain(t, "expired offer", body, `name="offer"`)
		res, out = rs.send(t, req{url: "/checkout", cookies: jar, form: url.Values{"plan": {"annual"}, "offer": {"ended"}}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(out, "has ended") {
			t.Fatalf("checkout with an expired offer: %d\n%s", res.StatusCode, out)
		}
		off, _ := rs.db.Offer(ctx, "try-it")
		off.Active = false
		if _, err := rs.db.SaveOffer(ctx, *off); err != nil {
			t.Fatal(err)
		}
		_, body = rs.send(t, req{url: "/offers/try-it"})
		mustContain(t, "inactive offer", body, "This offer is not available")
		res, _ = rs.send(t, req{url: "/offers/no-such-offer"})
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown offer: %d", res.StatusCode)
		}
	})
}
