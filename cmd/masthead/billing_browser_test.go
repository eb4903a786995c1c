package main

// The subscription journey in a real Chromium, on the demo's TEST
// checkout: the wall's "Subscribe" leads to the pricing page, the test
// checkout grants All-Access, and the reader is back on the article they
// came from, in full and without ads.

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/billing"
	"masthead/billing/billingtest"
	"masthead/store"
	"masthead/store/storetest"
)

func TestBrowserDemoCheckout(t *testing.T) {
	onDemoSite(t, demoCheckoutJourney)
}

// onDemoSite runs journey on each engine: a demo site of 40 articles, a
// store handle on its database, and a browser of its own (cookies are
// not kept apart by port, so a shared profile would carry one engine's
// session into the next).
func onDemoSite(t *testing.T, journey func(t *testing.T, b tab, inst *instance, db *store.DB)) {
	path := chromiumPath(t)
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "40")
			db := siteStore(t, dsn, store.Options{})
			b := tab{t: t, ctx: browser(t, path)}
			journey(t, b, inst, db)
		})
	}
}

func demoCheckoutJourney(t *testing.T, b tab, inst *instance, db *store.DB) {
	ctx := context.Background()
	a := subscriberArticle(t, db)
	const email = "subscriber-to-be@example.com"

	// Signed in through a one-time link, as the emailed one would do.
	token, hash := masthead.NewToken()
	if err := db.CreateSignInToken(ctx, email, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b.open(inst.URL + "/signin?token=" + token + "&next=" + url.QueryEscape(articlePath(a)))
	b.click(`main form[action="/signin"] button[type="submit"]`)
	b.waitVisible("header .account__name")

	// 1. The wall, with ads, and its Subscribe link returning here.
	b.open(inst.URL + articlePath(a))
	wantTeaser(t, b, a)
	wantAds(t, b, a.Slug, true)
	href := eval[string](b, `document.querySelector('main .wall a[href^="/pricing"]')?.getAttribute('href') ?? ''`)
	if u, err := url.Parse(href); href == "" || err != nil || u.Query().Get("next") != articlePath(a) {
		t.Fatalf("the wall's Subscribe link is %q, want /pricing returning to %s", href, articlePath(a))
	}

	// 2. The pricing page: the plans, labelled as a test.
	b.click(`main .wall a[href^="/pricing"]`)
	if got := b.text("main"); !strings.Contains(got, "TEST MODE") || !strings.Contains(got, "All-Access monthly") {
		t.Fatalf("the pricing page does not show the labelled test checkout:\n%s", got)
	}

	// 3. The test checkout, and straight back to the article in full.
	b.click(`main form[action="/checkout/demo"] button[type="submit"]`)
	if loc := b.location(); loc.Path != articlePath(a) {
		t.Errorf("after checkout the reader is on %s, want %s", loc, articlePath(a))
	}
	wantFull(t, b, a)
	wantAds(t, b, a.Slug, false)

	m, err := db.MemberByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := db.Entitled(ctx, m.ID, time.Now()); err != nil || !ok {
		t.Fatalf("after the test checkout the member holds no entitlement: %v", err)
	}
	// A second checkout is refused with a clear message.
	b.open(inst.URL + "/pricing")
	if got := b.text("main"); !strings.Contains(got, "You already have All-Access") {
		t.Errorf("the pricing page of a subscriber says:\n%s", got)
	}
}

// subscriberArticle returns a live subscribers-only article of the demo
// whose teaser stops before its ending.
func subscriberArticle(t *testing.T, db *store.DB) *masthead.Article {
	t.Helper()
	ctx := context.Background()
	subs := masthead.AccessSubscribers
	list, _, err := db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: time.Now(), Access: &subs, Limit: 100, Bare: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		a, err := db.Article(ctx, l.Slug)
		if err != nil {
			t.Fatal(err)
		}
		ending := lastWords(a.BodyHTML)
		if ending != "" && !strings.Contains(squash(textOf(a.TeaserHTML)), ending) && len(paragraphs(a.BodyHTML)) >= 5 {
			return a
		}
	}
	t.Fatal("the demo library has no live subscribers-only article fit for the journey")
	return nil
}

// TestBillingSync runs `masthead billing sync` against stripe-mock: every
// subscription listed is read, and usage errors change nothing.
func TestBillingSync(t *testing.T) {
	mock := billingtest.StripeMock(t)
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			ctx := context.Background()
			// A member whose customer is the one stripe-mock's
			// subscriptions belong to.
			client, err := billing.New(billing.Config{SecretKey: "sk_test_1", WebhookSecret: "whsec_1", APIURL: mock})
			if err != nil {
				t.Fatal(err)
			}
			var customer string
			if err := client.Subscriptions(ctx, time.Now(), func(s masthead.Subscription) error {
				customer = s.CustomerID
				return nil
			}); err != nil || customer == "" {
				t.Fatalf("stripe-mock subscriptions: customer %q, %v", customer, err)
			}
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			m, err := db.EnsureMember(ctx, "synced@example.com", masthead.RoleNone)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.SetBillingCustomer(ctx, m.ID, customer); err != nil {
				t.Fatal(err)
			}
			out, errOut, err := runMain(t, "billing", "sync", "--db", dsn,
				"--stripe-secret-key", "sk_test_1", "--stripe-webhook-secret", "whsec_1", "--stripe-api-url", mock)
			if err != nil || !strings.Contains(out, "subscriptions from Stripe: 1 stored") {
				t.Fatalf("billing sync: %v\nstdout: %s\nstderr: %s", err, out, errOut)
			}
			subs, err := db.MemberSubscriptions(ctx, m.ID)
			if err != nil || len(subs) != 1 {
				t.Fatalf("after sync the member has subscriptions %+v, %v", subs, err)
			}
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM entitlements WHERE subscription_id IS NOT NULL`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("entitlements of synced subscriptions: %d, %v", n, err)
			}
			if _, _, err := runMain(t, "billing", "sync", "--db", dsn); err == nil || !strings.Contains(err.Error(), "--stripe-secret-key") {
				t.Fatalf("billing sync without keys: %v", err)
			}
			if _, _, err := runMain(t, "billing", "--db", dsn); err == nil {
				t.Fatal("billing without a subcommand: no error")
			}
		})
	}
}
