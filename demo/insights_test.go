package demo_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/demo"
	"masthead/store"
	"masthead/store/storetest"
)

// TestInsights seeds the dashboard's history twice with one seed: the
// numbers are the same both times, and every step of the funnel, the
// subscribers and the most read list have something to show.
func TestInsights(t *testing.T) {
	var first []masthead.FunnelPoint
	for run := range 2 {
		db := storetest.Open(t, "sqlite", store.Options{})
		ctx := context.Background()
		if err := demo.Seed(ctx, db, 30, 3, now, nil); err != nil {
			t.Fatal(err)
		}
		list, _, err := db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: now, Limit: 40, Bare: true})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, a := range list {
			ids = append(ids, a.ID)
		}
		if err := demo.Insights(ctx, db, ids, 3, now); err != nil {
			t.Fatal(err)
		}
		rng := masthead.InsightRange{From: now.AddDate(0, 0, -demo.InsightDays), To: now.AddDate(0, 0, 1)}
		funnel, err := db.InsightFunnel(ctx, rng, true)
		if err != nil {
			t.Fatal(err)
		}
		var sum masthead.FunnelPoint
		for _, p := range funnel {
			sum.WallViews += p.WallViews
			sum.Registrations += p.Registrations
			sum.Verified += p.Verified
			sum.Unlocks += p.Unlocks
			sum.Checkouts += p.Checkouts
			sum.Subscriptions += p.Subscriptions
		}
		if sum.WallViews == 0 || sum.Registrations == 0 || sum.Verified == 0 || sum.Unlocks == 0 || sum.Checkouts == 0 || sum.Subscriptions == 0 {
			t.Errorf("a funnel step is empty: %+v", sum)
		}
		top, err := db.InsightTopArticles(ctx, rng, 10)
		if err != nil || len(top) != 10 {
			t.Errorf("most read = %d articles, %v; want 10", len(top), err)
		}
		months, err := db.InsightSubscribers(ctx, masthead.InsightRange{From: now.AddDate(-1, 0, 0), To: now}, store.StepMonth)
		if err != nil || months[len(months)-1].Active == 0 || len(months[len(months)-1].MRR) == 0 {
			t.Errorf("subscribers by month: %+v, %v", months, err)
		}
		if run == 0 {
			first = funnel
		} else if diff := cmp.Diff(first, funnel); diff != "" {
			t.Errorf("same seed, another history (-first +second):\n%s", diff)
		}
	}
}
