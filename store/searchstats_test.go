package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestSearchStats: search events add to their day's counts, batch after
// batch; a range reads its days only; a click past the deepest position
// counts there; the days before a cut-off are pruned.
func TestSearchStats(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day1, day2 := t0.Add(-24*time.Hour), t0
		search := func(q string, at time.Time, zero bool) []masthead.InsightEvent {
			evs := []masthead.InsightEvent{{Kind: masthead.InsightSearch, Query: q, At: at}}
			if zero {
				evs = append(evs, masthead.InsightEvent{Kind: masthead.InsightSearchZero, Query: q, At: at})
			}
			return evs
		}
		var batch []masthead.InsightEvent
		batch = append(batch, search("copper", day1, false)...)
		batch = append(batch, search("copper", day2, false)...)
		batch = append(batch, search("coper", day2, true)...)
		batch = append(batch, masthead.InsightEvent{Kind: masthead.InsightArticleView, ArticleID: 0, At: day2})
		batch = append(batch,
			masthead.InsightEvent{Kind: masthead.InsightSearchClick, Position: 2, At: day2, Count: 4},
			masthead.InsightEvent{Kind: masthead.InsightSearchClick, Position: 500, At: day2})
		if err := db.RecordInsights(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordInsights(ctx, search("copper", day2.Add(time.Hour), false)); err != nil {
			t.Fatal(err)
		}

		st, err := db.SearchStats(ctx, masthead.InsightRange{From: day2, To: day2.AddDate(0, 0, 1)}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if st.Searches != 3 || st.Zero != 1 || st.Clicks != 5 {
			t.Errorf("day 2 totals: %+v", st)
		}
		if !slices.Equal(st.Top, []masthead.QueryCount{{Query: "copper", Searches: 2}, {Query: "coper", Searches: 1, Zero: 1}}) || len(st.NoResults) != 1 {
			t.Errorf("day 2 queries: %+v / %+v", st.Top, st.NoResults)
		}
		if n := len(st.Positions); n != masthead.MaxSearchPosition || st.Positions[1].Clicks != 4 || st.Positions[n-1].Clicks != 1 {
			t.Errorf("positions: %d, %+v", n, st.Positions[:3])
		}
		if st, _ := db.SearchStats(ctx, masthead.InsightRange{From: day1, To: day2.AddDate(0, 0, 1)}, 10); st.Searches != 4 {
			t.Errorf("two days: %d searches, want 4", st.Searches)
		}

		if n, err := db.PruneSearchStats(ctx, day2); err != nil || n != 1 {
			t.Errorf("pruned %d rows (%v), want day 1's one", n, err)
		}
		if st, _ := db.SearchStats(ctx, masthead.InsightRange{From: day1, To: day2.AddDate(0, 0, 1)}, 10); st.Searches != 3 {
			t.Errorf("after the prune: %d searches, want 3", st.Searches)
		}
	})
}
