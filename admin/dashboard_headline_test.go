package admin_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
	"masthead/store"
)

// TestDashboardHeadline reads the dashboard's first figures from a known
// history: paying subscribers and their change, one MRR figure per
// currency (never their sum), churn, the funnel's conversion step by
// step as percentages, and every count with its thousands separators,
// right-aligned.
func TestDashboardHeadline(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.with(func(d *admin.Deps) { d.Insights, d.Offers = f.db, f.db })
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		for _, p := range []masthead.Plan{
			{Slug: "monthly", Name: "All-Access monthly", Interval: masthead.IntervalMonth, Amount: 900, Currency: "usd", StripePriceID: "price_usd_m", Active: true},
			{Slug: "annual", Name: "All-Access annual", Interval: masthead.IntervalYear, Amount: 9600, Currency: "usd", StripePriceID: "price_usd_y", Active: true},
			{Slug: "chf", Name: "All-Access Schweiz", Interval: masthead.IntervalMonth, Amount: 125000, Currency: "chf", StripePriceID: "price_chf_m", Active: true},
		} {
			if err := f.db.SavePlan(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		yesterday := t0.Truncate(24*time.Hour).AddDate(0, 0, -1)
		a := f.create(masthead.ArticleInput{Title: "Budget talks collapse", Status: masthead.StatusPublished, PublishedAt: yesterday.AddDate(0, 0, -3)})
		var bulk []store.BulkMember
		for i := range 6 {
			bulk = append(bulk, store.BulkMember{Email: fmt.Sprintf("payer%d@example.com", i), Created: yesterday.AddDate(0, -3, 0)})
		}
		ids, err := f.db.InsertMembers(ctx, bulk, "test")
		if err != nil {
			t.Fatal(err)
		}
		long := t0.AddDate(0, -2, 0)
		for i, s := range []masthead.Subscription{
			{PriceID: "price_usd_m", StartedAt: long},
			{PriceID: "price_usd_y", StartedAt: long},
			{PriceID: "price_chf_m", StartedAt: long},
			{PriceID: "price_usd_m", StartedAt: long, EndedAt: yesterday},
			{PriceID: "price_chf_m", StartedAt: yesterday.Add(time.Hour)},
		} {
			s.ID, s.MemberID, s.Version, s.Status = fmt.Sprintf("sub_%d", i), ids[i], t0, masthead.StatusActive
			if !s.EndedAt.IsZero() {
				s.Status, s.CanceledAt = masthead.StatusCanceled, s.EndedAt
			}
			if _, err := f.db.SyncSubscription(ctx, s, 0); err != nil {
				t.Fatal(err)
			}
		}
		at := yesterday.Add(10 * time.Hour)
		if err := f.db.RecordInsights(ctx, []masthead.InsightEvent{
			{Kind: masthead.InsightArticleView, ArticleID: a.ID, At: at, Count: 2_345_678},
			{Kind: masthead.InsightWallView, ArticleID: a.ID, At: at, Count: 12_000},
			{Kind: masthead.InsightRegistration, ArticleID: a.ID, At: at, Count: 1_500},
			{Kind: masthead.InsightUnlock, ArticleID: a.ID, At: at, Count: 300},
			{Kind: masthead.InsightCheckout, ArticleID: a.ID, MemberID: ids[4], At: at, Count: 4},
		}); err != nil {
			t.Fatal(err)
		}
		// An offer, taken once: its redemptions are on the dashboard.
		if _, err := f.db.SaveOffer(ctx, masthead.Offer{Slug: "spring", Name: "Spring sale", Plan: "monthly",
			Kind: masthead.OfferPercent, PercentOff: 50, Months: 3, Active: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.ApplyBillingEvent(ctx, masthead.BillingEvent{ID: "evt_offer", Type: masthead.EventCheckoutCompleted,
			Created: at, Checkout: &masthead.CheckoutResult{SessionID: "cs_offer", MemberID: ids[5],
				CustomerID: "cus_offer", Paid: true, Offer: "spring"}}, time.Hour); err != nil {
			t.Fatal(err)
		}
		f.run([]req{{name: "headline", url: "/admin/", cookie: adminC, wantStatus: 200, wantContains: []string{
			`<tr><th scope="row"><a href="/admin/offers/`, `">Spring sale</a></th><td>50 % off for 3 months</td><td>running</td><td class="num">1</td></tr>`,
			// Four paying now (one left, one joined): no change over 30 days.
			"<dt>Paying subscribers</dt>\n      <dd class=\"figure__value\">4</dd>",
			"0 in 30 days (4 at the start; 1 started, 1 ended)",
			// 2 × CHF 1,250.00, and $9.00 + $8.00 (a twelfth of $96.00),
			// written as the pricing page writes them.
			"<dd class=\"figure__value\">CHF\u00a02,500.00</dd>", `<dd class="figure__value">$17.00</dd>`,
			"one figure per currency",
			// One of the four paying at the start left.
			`<dd class="figure__value">25.0 %</dd>`,
			// 12,000 wall views → 1,500 registrations (12.5 %) → 0 verified
			// → 300 unlocks → 4 checkouts → 1 paid (25.0 % of checkouts).
			`<tr><th scope="row">Wall views</th><td class="num">12,000</td><td class="num">—</td><td class="num">—</td></tr>`,
			`<tr><th scope="row">Registrations</th><td class="num">1,500</td><td class="num">12.5 %</td><td class="num">12.5 %</td></tr>`,
			`<tr><th scope="row">Unlocks</th><td class="num">300</td><td class="num">—</td><td class="num">2.5 %</td></tr>`,
			`<tr><th scope="row">Checkouts started</th><td class="num">4</td><td class="num">1.3 %</td><td class="num">0.0 %</td></tr>`,
			`<tr><th scope="row">Paid subscriptions</th><td class="num">1</td><td class="num">25.0 %</td><td class="num">0.0 %</td></tr>`,
			// The most read table, with separators and aligned right.
			`<td class="num">2,345,678</td>`,
		}, wantNotContains: []string{
			// The two currencies are never added up.
			"2,517.00", "2517",
		}}})
	})
}
