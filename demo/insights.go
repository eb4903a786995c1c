package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"masthead"
	"masthead/store"
)

// InsightWriter is the storage Insights needs. *store.DB implements it.
type InsightWriter interface {
	MemberWriter
	RecordInsights(ctx context.Context, evs []masthead.InsightEvent) error
	SyncSubscription(ctx context.Context, s masthead.Subscription, grace time.Duration) (bool, error)
}

// InsightDays is how far back Insights makes events.
const InsightDays = 60

// Insights fills the publisher's dashboard with made-up history, the same
// for a seed: article views, wall views, registrations, unlocks and
// checkouts on the given articles over the last InsightDays days; readers
// who verified; and subscriptions over the last year (a few ended), most of
// them following a checkout that started on an article. Members are
// demo-insights-N@example.com. Events are written as daily counts, as the
// page cache's hits are.
func Insights(ctx context.Context, w InsightWriter, articleIDs []int64, seed int64, now time.Time) error {
	if len(articleIDs) == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x696e7369676874))
	today := now.UTC().Truncate(24 * time.Hour)
	// A few articles draw most readers, as on any site.
	weight := func(i int) int { return 1 + 40/(1+i) }
	var evs []masthead.InsightEvent
	for d := InsightDays - 1; d >= 0; d-- {
		day := today.AddDate(0, 0, -d)
		busy := 1.0
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			busy = 0.6
		}
		for i, id := range articleIDs[:min(len(articleIDs), 40)] {
			views := int64(float64(weight(i)*(5+rng.IntN(20))) * busy)
			walls := views * int64(30+rng.IntN(30)) / 100
			regs := walls * int64(rng.IntN(6)) / 100
			at := day.Add(time.Duration(6+rng.IntN(14)) * time.Hour)
			for _, e := range []masthead.InsightEvent{
				{Kind: masthead.InsightArticleView, Count: views},
				{Kind: masthead.InsightWallView, Count: walls},
				{Kind: masthead.InsightRegistration, Count: regs},
				{Kind: masthead.InsightUnlock, Count: regs * int64(rng.IntN(3)) / 2},
			} {
				if e.Count > 0 && !at.After(now) {
					e.ArticleID, e.At = id, at
					evs = append(evs, e)
				}
			}
		}
	}

	// Readers: verified over the last InsightDays days, some of whom
	// subscribed; subscribers of earlier months besides.
	var ms []store.BulkMember
	const readers, earlier = 240, 160
	for i := range readers + earlier {
		back := time.Duration(rng.IntN(InsightDays*24)) * time.Hour
		if i >= readers {
			back = time.Duration(InsightDays*24+rng.IntN(300*24)) * time.Hour
		}
		ms = append(ms, store.BulkMember{Email: fmt.Sprintf("demo-insights-%d@example.com", i),
			Name: "Demo reader", Verified: true, Created: now.Add(-back)})
	}
	ids, err := w.InsertMembers(ctx, ms, demoConsentWording)
	if err != nil {
		return fmt.Errorf("demo insights: members: %w", err)
	}
	for i, mid := range ids {
		if i < readers && rng.IntN(3) != 0 {
			continue // a registered reader who has not subscribed
		}
		start := ms[i].Created.Add(time.Duration(1+rng.IntN(72)) * time.Hour)
		if start.After(now) {
			start = now.Add(-time.Minute)
		}
		s := masthead.Subscription{ID: fmt.Sprintf("sub_demo_insights_%d", i), MemberID: mid,
			CustomerID: fmt.Sprintf("cus_demo_insights_%d", i), Status: masthead.StatusActive,
			StartedAt: start, PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), Version: now}
		if rng.IntN(5) == 0 {
			// Paid for a while, then left.
			end := start.Add(time.Duration(30+rng.IntN(150)) * 24 * time.Hour)
			if end.Before(now) {
				s.Status, s.EndedAt, s.CanceledAt, s.PeriodEnd = masthead.StatusCanceled, end, end, end
			}
		}
		if _, err := w.SyncSubscription(ctx, s, 0); err != nil {
			return fmt.Errorf("demo insights: subscription: %w", err)
		}
		// Most checkouts start on an article's wall.
		ev := masthead.InsightEvent{Kind: masthead.InsightCheckout, MemberID: mid, At: start.Add(-2 * time.Minute)}
		if rng.IntN(4) != 0 {
			ev.ArticleID = articleIDs[rng.IntN(min(len(articleIDs), 40))]
		}
		evs = append(evs, ev)
	}
	if err := w.RecordInsights(ctx, evs); err != nil {
		return fmt.Errorf("demo insights: events: %w", err)
	}
	return nil
}
