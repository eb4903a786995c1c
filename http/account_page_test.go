package http_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"masthead"
	"masthead/billing/billingtest"
)

// TestAccountPageSubscription reads the account page of a Stripe
// subscriber: the plan's name and price, the renewal date, the customer
// portal, and the delete form set apart in its danger zone; once the
// subscription is cancelled at the period's end, the page says when it
// ends instead.
func TestAccountPageSubscription(t *testing.T) {
	mock := billingtest.StripeMock(t)
	billingSite(t, mock, false, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		if err := rs.db.SavePlan(ctx, masthead.Plan{Slug: "monthly", Name: "All-Access monthly", Interval: masthead.IntervalMonth,
			Amount: 1250, Currency: "usd", StripePriceID: "price_acct_monthly", Active: true, Position: 1}); err != nil {
			t.Fatal(err)
		}
		m, cookie := rs.verified(t, "subscriber@example.com")
		jar := []*http.Cookie{cookie}
		if err := rs.db.SetBillingCustomer(ctx, m.ID, "cus_acct"); err != nil {
			t.Fatal(err)
		}
		renews := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, time.UTC).AddDate(0, 0, 20)
		sub := masthead.Subscription{ID: "sub_acct", MemberID: m.ID, CustomerID: "cus_acct", PriceID: "price_acct_monthly",
			Status: masthead.StatusActive, StartedAt: now.AddDate(0, 0, -10), PeriodStart: now.AddDate(0, 0, -10), PeriodEnd: renews,
			Version: now.Add(-time.Hour)}
		if _, err := rs.db.SyncSubscription(ctx, sub, 3*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		_, body := rs.send(t, req{url: "/account", cookies: jar})
		mustContain(t, "subscriber's account", body,
			`id="subscription"`, "<strong>All-Access monthly</strong>", `<span class="plan-held__price">$12.50 a month</span>`,
			// The site's time zone is New York's: 09:00 UTC is 04:00 there.
			`Renews on <time datetime="2025-04-03T04:00:00-05:00">3 April 2025</time>.`,
			`action="/account/billing"`, "Manage in the customer portal",
			// The delete form, in its own danger zone, after everything else.
			`<section class="account-section danger-zone" id="danger-zone"`, `<form class="wall__form account-form" method="post" action="/account/delete">`,
			`name="confirm"`, `<button type="submit" class="button--danger">Delete my account</button>`)
		mustNotContain(t, "subscriber's account", body, "Demo", "You have no subscription")

		// Cancelled at the period's end: no renewal, an end date.
		sub.CancelAtPeriodEnd, sub.Version = true, now.Add(-time.Minute)
		if _, err := rs.db.SyncSubscription(ctx, sub, 3*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		_, body = rs.send(t, req{url: "/account", cookies: jar})
		mustContain(t, "cancelled subscription", body, "<strong>All-Access monthly</strong>",
			`Ends on <time datetime="2025-04-03T04:00:00-05:00">3 April 2025</time>; it will not renew.`)
		mustNotContain(t, "cancelled subscription", body, "Renews on")

		// A reader without a subscription is offered the plans, and the
		// danger zone all the same.
		_, other := rs.verified(t, "reader@example.com")
		_, body = rs.send(t, req{url: "/account", cookies: []*http.Cookie{other}})
		mustContain(t, "reader's account", body, "You have no subscription", `href="/pricing"`, `action="/account/delete"`)
		mustNotContain(t, "reader's account", body, "Manage in the customer portal", "Renews on")

		// A delete without the word comes back on the page, the
		// confirmation open, with the message beside the field.
		res, body := rs.send(t, req{url: "/account/delete", cookies: jar, form: url.Values{"confirm": {"yes"}}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("unconfirmed delete: %d", res.StatusCode)
		}
		mustContain(t, "unconfirmed delete", body, `<details class="danger-zone__confirm" open>`, `id="delete-error"`, "Type DELETE to confirm.")
	})
}

// TestAccountPageDemo checks that the demo's TEST checkout shows on the
// account page as a demo, with its plan, and no portal.
func TestAccountPageDemo(t *testing.T) {
	billingSite(t, "-", true, func(t *testing.T, rs *readers) {
		_, cookie := rs.verified(t, "demo@example.com")
		jar := []*http.Cookie{cookie}
		if res, _ := rs.send(t, req{url: "/checkout/demo", cookies: jar, form: url.Values{"plan": {"annual"}}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("demo checkout: %d", res.StatusCode)
		}
		_, body := rs.send(t, req{url: "/account", cookies: jar})
		mustContain(t, "demo account", body, "<strong>All-Access annual</strong>", "$90.00 a year",
			`<span class="badge badge--demo">Demo</span>`, "TEST checkout: no payment was taken")
		mustNotContain(t, "demo account", body, "Manage in the customer portal", "Renews on")
	})
}
