package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestInsightHeadline reads the dashboard's first figures from known
// subscriptions in two currencies: two MRR figures, never one sum; a
// yearly plan counting a twelfth; the change in paying subscribers and
// the churn of those paying at the range's start.
func TestInsightHeadline(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{insightNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, p := range []masthead.Plan{
			{Slug: "monthly", Name: "All-Access monthly", Interval: masthead.IntervalMonth, Amount: 900, Currency: "usd", StripePriceID: "price_usd_m", Active: true},
			{Slug: "annual", Name: "All-Access annual", Interval: masthead.IntervalYear, Amount: 9600, Currency: "usd", StripePriceID: "price_usd_y", Active: true},
			{Slug: "monthly-eur", Name: "All-Access monatlich", Interval: masthead.IntervalMonth, Amount: 1000, Currency: "eur", StripePriceID: "price_eur_m", Active: true},
		} {
			if err := db.SavePlan(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		var members []store.BulkMember
		for i := range 7 {
			members = append(members, store.BulkMember{Email: "payer" + string(rune('a'+i)) + "@example.com", Verified: true, Created: day(1, 0)})
		}
		ids, err := db.InsertMembers(ctx, members, "test")
		if err != nil {
			t.Fatal(err)
		}
		// The range is the 30 days up to insightNow (May 20): from April 21.
		long := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		ended := func(at time.Time) time.Time { return at }
		for i, s := range []masthead.Subscription{
			{PriceID: "price_usd_m", Status: masthead.StatusActive, StartedAt: long},                                     // paying throughout
			{PriceID: "price_usd_y", Status: masthead.StatusActive, StartedAt: long},                                     // 96.00 a year: 8.00 a month
			{PriceID: "price_eur_m", Status: masthead.StatusActive, StartedAt: long},                                     // paying throughout, in euros
			{PriceID: "price_usd_m", Status: masthead.StatusCanceled, StartedAt: long, EndedAt: ended(day(5, 0))},        // churned
			{PriceID: "price_eur_m", Status: masthead.StatusActive, StartedAt: day(10, 0)},                               // new in the range
			{PriceID: "price_eur_m", Status: masthead.StatusCanceled, StartedAt: day(11, 0), EndedAt: ended(day(12, 0))}, // came and went
			{PriceID: "price_usd_m", Status: masthead.StatusIncomplete, StartedAt: day(12, 0)},                           // never paid
		} {
			s.ID = "sub_h" + string(rune('a'+i))
			s.MemberID = ids[i]
			s.Version = insightNow
			if !s.EndedAt.IsZero() {
				s.CanceledAt = s.EndedAt
			}
			if _, err := db.SyncSubscription(ctx, s, 0); err != nil {
				t.Fatal(err)
			}
		}
		to := insightNow.Truncate(24*time.Hour).AddDate(0, 0, 1)
		h, err := db.InsightHeadline(ctx, masthead.InsightRange{From: to.AddDate(0, 0, -30), To: to}, insightNow)
		if err != nil {
			t.Fatal(err)
		}
		want := masthead.InsightHeadline{
			Paying: 4, PayingStart: 4, Started: 2, Ended: 1,
			MRR: []masthead.Money{{Currency: "eur", Amount: 2000}, {Currency: "usd", Amount: 1700}},
		}
		if diff := cmp.Diff(want, h); diff != "" {
			t.Errorf("headline (-want +got):\n%s", diff)
		}
		if h.Change() != 0 || h.Churn() != 0.25 {
			t.Errorf("change %d, churn %v; want 0 and 0.25", h.Change(), h.Churn())
		}
		// Over a week (from May 14) the two that started before are the base.
		h, err = db.InsightHeadline(ctx, masthead.InsightRange{From: to.AddDate(0, 0, -7), To: to}, insightNow)
		if err != nil {
			t.Fatal(err)
		}
		if h.PayingStart != 4 || h.Paying != 4 || h.Ended != 0 || h.Churn() != 0 {
			t.Errorf("a week: %+v", h)
		}
	})
}

// usd is an MRR of amount in US dollars alone.
func usd(amount int64) []masthead.Money { return []masthead.Money{{Currency: "usd", Amount: amount}} }
