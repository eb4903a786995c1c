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

// insightNow is a Wednesday; the week starts on Monday the 18th.
var insightNow = time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)

func day(d int, hour int) time.Time { return time.Date(2026, 5, d, hour, 0, 0, 0, time.UTC) }

// insightFixture records a small history: two articles, three verified
// readers, a subscription from article A's checkout, one from nowhere,
// and one that ended in May.
func insightFixture(t *testing.T, db *store.DB) (a, b *masthead.Article) {
	t.Helper()
	ctx := context.Background()
	a = mustCreate(t, db, published("insight-a", day(1, 9)))
	b = mustCreate(t, db, published("insight-b", day(2, 9)))
	ids, err := db.InsertMembers(ctx, []store.BulkMember{
		{Email: "r1@example.com", Verified: true, Created: day(18, 8)},
		{Email: "r2@example.com", Verified: true, Created: day(18, 9)},
		{Email: "r3@example.com", Verified: true, Created: day(19, 9)},
		{Email: "old@example.com", Verified: true, Created: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)},
	}, "test")
	if err != nil {
		t.Fatal(err)
	}
	evs := []masthead.InsightEvent{
		{Kind: masthead.InsightArticleView, ArticleID: a.ID, At: day(18, 10), Count: 10},
		{Kind: masthead.InsightWallView, ArticleID: a.ID, At: day(18, 10), Count: 4},
		{Kind: masthead.InsightRegistration, ArticleID: a.ID, At: day(18, 10)},
		{Kind: masthead.InsightRegistration, ArticleID: a.ID, At: day(18, 11)},
		{Kind: masthead.InsightArticleView, ArticleID: b.ID, At: day(18, 12), Count: 3},
		{Kind: masthead.InsightUnlock, ArticleID: b.ID, At: day(18, 12)},
		{Kind: masthead.InsightCheckout, ArticleID: a.ID, MemberID: ids[0], At: day(18, 13)},
		{Kind: masthead.InsightCheckout, MemberID: ids[1], At: day(19, 13)},
	}
	if err := db.RecordInsights(ctx, evs); err != nil {
		t.Fatal(err)
	}
	for _, s := range []masthead.Subscription{
		{ID: "sub_1", MemberID: ids[0], Status: masthead.StatusActive, StartedAt: day(18, 14), Version: insightNow},
		{ID: "sub_2", MemberID: ids[1], Status: masthead.StatusActive, StartedAt: day(19, 14), Version: insightNow},
		{ID: "sub_3", MemberID: ids[3], Status: masthead.StatusCanceled, StartedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			EndedAt: day(5, 0), CanceledAt: day(5, 0), Version: insightNow},
	} {
		if _, err := db.SyncSubscription(ctx, s, 0); err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

// checkInsights asserts what the fixture's history reads as; it must
// read the same before and after a rollup.
func checkInsights(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	week := masthead.InsightRange{From: day(14, 0), To: day(21, 0)}
	daily, err := db.InsightFunnel(ctx, week, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(daily) != 7 {
		t.Fatalf("daily funnel has %d points, want 7 (zeros included)", len(daily))
	}
	want := []masthead.FunnelPoint{
		{Start: day(18, 0), WallViews: 4, Registrations: 2, Verified: 2, Unlocks: 1, Checkouts: 1, Subscriptions: 1},
		{Start: day(19, 0), Verified: 1, Checkouts: 1, Subscriptions: 1},
		{Start: day(20, 0)},
	}
	if diff := cmp.Diff(want, daily[4:]); diff != "" {
		t.Errorf("daily funnel (-want +got):\n%s", diff)
	}
	weekly, err := db.InsightFunnel(ctx, week, true)
	if err != nil {
		t.Fatal(err)
	}
	wantWeeks := []masthead.FunnelPoint{
		{Start: day(11, 0)},
		{Start: day(18, 0), WallViews: 4, Registrations: 2, Verified: 3, Unlocks: 1, Checkouts: 2, Subscriptions: 2},
	}
	if diff := cmp.Diff(wantWeeks, weekly); diff != "" {
		t.Errorf("weekly funnel (-want +got):\n%s", diff)
	}

	for _, c := range []struct {
		by   string
		want []masthead.Conversion
	}{
		{store.ByArticle, []masthead.Conversion{
			{Key: "insight-a", Name: "Title of insight-a", Views: 10, WallViews: 4, Registrations: 2, Subscriptions: 1},
			{Key: "insight-b", Name: "Title of insight-b", Views: 3}}},
		{store.ByColumn, []masthead.Conversion{
			{Key: "the-long-view", Name: "The Long View", Views: 13, WallViews: 4, Registrations: 2, Subscriptions: 1}}},
		{store.ByTopic, []masthead.Conversion{
			{Key: "energy", Name: "Energy", Views: 13, WallViews: 4, Registrations: 2, Subscriptions: 1}}},
	} {
		got, un, err := db.InsightConversions(ctx, week, c.by, 10)
		if err != nil {
			t.Fatal(err)
		}
		if un != 1 {
			t.Errorf("by %s: unattributed = %d, want 1 (sub_2's checkout named no article)", c.by, un)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("by %s (-want +got):\n%s", c.by, diff)
		}
	}

	top, err := db.InsightTopArticles(ctx, week, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]masthead.ArticleReads{{Slug: "insight-a", Title: "Title of insight-a", Views: 10},
		{Slug: "insight-b", Title: "Title of insight-b", Views: 3}}, top); diff != "" {
		t.Errorf("most read (-want +got):\n%s", diff)
	}

	months, err := db.InsightSubscribers(ctx, masthead.InsightRange{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: day(21, 0)}, store.StepMonth)
	if err != nil {
		t.Fatal(err)
	}
	// Plans are the migration's: monthly 9.00, annual 90.00; a price
	// matching none counts as the monthly plan.
	wantMonths := []masthead.SubscriberPoint{
		{At: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Active: 1, MRR: usd(900), Started: 1, ActiveStart: 1},
		{At: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Active: 1, MRR: usd(900), ActiveStart: 1},
		{At: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), Active: 2, MRR: usd(1800), Started: 2, Ended: 1, ActiveStart: 1},
	}
	if diff := cmp.Diff(wantMonths, months); diff != "" {
		t.Errorf("subscribers by month (-want +got):\n%s", diff)
	}
	if got := months[2].Churn(); got != 1 {
		t.Errorf("May churn = %v, want 1 (one of one active at its start ended)", got)
	}
}

func TestInsightsRecordAndQuery(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{insightNow}}, func(t *testing.T, db *store.DB) {
		insightFixture(t, db)
		checkInsights(t, db)

		// A batch with an unknown kind is refused whole.
		ctx := context.Background()
		err := db.RecordInsights(ctx, []masthead.InsightEvent{
			{Kind: masthead.InsightArticleView, ArticleID: 1, At: day(18, 1)},
			{Kind: "page_view", At: day(18, 1)},
		})
		if masthead.ErrorCode(err) != masthead.EINVALID {
			t.Fatalf("unknown kind: err = %v, want invalid", err)
		}
		checkInsights(t, db)
		if _, _, err := db.InsightConversions(ctx, masthead.InsightRange{From: day(1, 0), To: day(2, 0)}, "author", 5); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("unknown grouping: err = %v, want invalid", err)
		}
		nl, err := db.InsightNewsletters(ctx, masthead.InsightRange{From: day(1, 0), To: day(21, 0)})
		if err != nil || len(nl) != 0 {
			t.Errorf("newsletters with none sent = %v, %v; want none", nl, err)
		}
	})
}

// TestInsightsRollup applies the retention: the dashboard reads the
// same, the raw rows and the hours before the cut are gone, a second
// rollup over the same time changes nothing, and a subscription keeps the
// article its (now deleted) checkout came from.
func TestInsightsRollup(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{insightNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insightFixture(t, db)
		r, err := db.RollupInsights(ctx, day(19, 0))
		if err != nil {
			t.Fatal(err)
		}
		// Before the 19th: two registrations and a checkout kept raw, and
		// seven hours of (kind, article) counts.
		if r.Events != 3 || r.Hours != 7 {
			t.Errorf("rollup deleted %d events and %d hours, want the 3 raw rows and the 7 hours before the 19th", r.Events, r.Hours)
		}
		checkInsights(t, db)
		var left int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM insight_events`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 1 {
			t.Errorf("%d raw events left, want 1 (the 19th's checkout)", left)
		}
		r, err = db.RollupInsights(ctx, day(19, 0))
		if err != nil || r.Events != 0 || r.Hours != 0 {
			t.Fatalf("second rollup = %+v, %v; want nothing to do", r, err)
		}
		checkInsights(t, db)
		// Everything rolled up: still the same numbers.
		if _, err := db.RollupInsights(ctx, insightNow); err != nil {
			t.Fatal(err)
		}
		checkInsights(t, db)
	})
}
