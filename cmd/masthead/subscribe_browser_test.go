package main

// Subscribing without an account in a real Chromium, on the demo's TEST
// checkout, which follows the paid path's rules: from the wall of a
// subscribers-only article to the pricing page, a plan and an address,
// and back on the article in full, without ads, signed in as the new
// member. The journey counts the pages from the wall to the full text.

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead/store"
)

func TestBrowserAnonymousCheckout(t *testing.T) {
	onDemoSite(t, anonymousCheckoutJourney)
}

func anonymousCheckoutJourney(t *testing.T, b tab, inst *instance, db *store.DB) {
	ctx := context.Background()
	a := subscriberArticle(t, db)
	const email = "first.time@example.com"
	pages := 1

	// 1. The wall, with ads, for a reader nobody knows.
	b.open(inst.URL + articlePath(a))
	wantTeaser(t, b, a)
	wantAds(t, b, a.Slug, true)
	if b.exists("header .account__name") {
		t.Fatal("the reader is signed in before the journey")
	}

	// 2. Subscribe: the plans, each asking for an address.
	b.click(`main .wall a[href^="/pricing"]`)
	pages++
	if got := b.text("main"); !strings.Contains(got, "TEST MODE") || !strings.Contains(got, "All-Access monthly") {
		t.Fatalf("the pricing page does not show the labelled test checkout:\n%s", got)
	}
	form := `main form[action="/checkout/demo"]:has(input[name="plan"][value="monthly"])`
	if !b.exists(form + ` input[name="email"]`) {
		t.Fatal("the monthly plan's form asks for no address")
	}

	// 3. The address and the plan; back on the article in full.
	b.typeInto(form+` input[name="email"]`, email)
	b.click(form + ` button[type="submit"]`)
	pages++
	if loc := b.location(); loc.Path != articlePath(a) {
		t.Fatalf("after checkout the reader is on %s, want %s", loc, articlePath(a))
	}
	wantFull(t, b, a)
	wantAds(t, b, a.Slug, false)
	b.waitVisible("header .account__name")
	t.Logf("pages from the wall to the full text: %d (the wall, the plan and address, the article)", pages)

	m, err := db.MemberByEmail(ctx, email)
	if err != nil {
		t.Fatalf("no member made by the checkout: %v", err)
	}
	if ok, err := db.Entitled(ctx, m.ID, time.Now()); err != nil || !ok {
		t.Fatalf("after the test checkout the member holds no entitlement: %v", err)
	}

	// The return address replayed in a fresh browser signs nobody in.
	var ret string
	if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM checkouts WHERE member_id = `+strconv.FormatInt(m.ID, 10)).Scan(&ret); err != nil {
		t.Fatal(err)
	}
	other := tab{t: t, ctx: browser(t, chromiumPath(t))}
	other.open(inst.URL + "/checkout/return?checkout=" + ret + "&next=" + url.QueryEscape(articlePath(a)))
	if other.exists("header .account__name") {
		t.Fatal("the return address signed another browser in")
	}
	other.open(inst.URL + articlePath(a))
	wantTeaser(t, other, a)
}
