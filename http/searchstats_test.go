package http_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/insights"
	"masthead/store"
	"masthead/store/storetest"
)

// TestSearchAnalytics: a search counts once, by its normalised text,
// whatever its pages and spelling of case; one that finds nothing counts
// as such, and the alternatives it is offered do not count; results link
// with their position, and opening the third counts at 3, from the page
// cache too. Nothing stored names the reader.
func TestSearchAnalytics(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rec := insights.New(db, insights.Options{Interval: time.Hour, Clock: fixedClock{now}})
		defer rec.Close()
		s := newSite(t, db, func(_ *mhttp.Config, d *mhttp.Deps) { d.Search, d.Insights = db, rec })

		_, body := s.get(t, "/search?q=filler")
		var positions []int
		for _, m := range regexp.MustCompile(`href="/articles/filler-\d+\?from=search&amp;pos=(\d+)"`).FindAllStringSubmatch(body, -1) {
			n, _ := strconv.Atoi(m[1])
			positions = append(positions, n)
		}
		if !slices.Equal(positions, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
			t.Errorf("result links' positions: %v", positions)
		}
		_, body = s.get(t, "/search?q=filler&page=2")
		if !regexp.MustCompile(`\?from=search&amp;pos=11"`).MatchString(body) {
			t.Errorf("page 2 does not start at position 11")
		}
		s.get(t, "/search?q=FILLER")
		s.get(t, "/search.json?q=zzqqxx&topic=filler")

		// The third result opened: rendered, from the cache, and by a
		// signed-in reader.
		for _, h := range []http.Header{nil, nil, cookie(s.reader)} {
			if res := s.do(t, http.MethodGet, "/articles/free-daily?from=search&pos=3", nil, h); res.StatusCode != http.StatusOK {
				t.Fatalf("article from search: %d", res.StatusCode)
			}
		}
		// Not from a search, or a position that is none: not counted.
		s.get(t, "/articles/free-daily")
		s.get(t, "/articles/free-daily?from=search&pos=x")
		s.get(t, "/articles/free-daily?from=home&pos=2")

		rec.Flush()
		st, err := db.SearchStats(ctx, masthead.InsightRange{From: now, To: now.AddDate(0, 0, 1)}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if st.Searches != 3 || st.Zero != 1 || st.Clicks != 3 {
			t.Errorf("totals: %d searches, %d found nothing, %d opened; want 3, 1, 3", st.Searches, st.Zero, st.Clicks)
		}
		if len(st.Top) != 2 || st.Top[0] != (masthead.QueryCount{Query: "filler", Searches: 2}) ||
			st.Top[1] != (masthead.QueryCount{Query: "zzqqxx", Searches: 1, Zero: 1}) {
			t.Errorf("top queries: %+v", st.Top)
		}
		if len(st.NoResults) != 1 || st.NoResults[0].Query != "zzqqxx" {
			t.Errorf("queries that found nothing: %+v", st.NoResults)
		}
		if !slices.Equal(st.Positions, []masthead.PositionClicks{{Position: 1}, {Position: 2}, {Position: 3, Clicks: 3}}) {
			t.Errorf("clicks by position: %+v", st.Positions)
		}

		// What is stored: a day, the query and counts; no raw event, no
		// member, no address.
		for table, want := range map[string][]string{
			"search_daily":        {"day", "query", "searches", "zero"},
			"search_clicks_daily": {"day", "position", "n"},
		} {
			rows, err := db.SQL().QueryContext(ctx, `SELECT * FROM `+table)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			rows.Close()
			if !slices.Equal(cols, want) {
				t.Errorf("%s holds %v, want %v", table, cols, want)
			}
		}
		var raw, members int
		if err := db.SQL().QueryRowContext(ctx, `SELECT
				(SELECT COUNT(*) FROM insight_events WHERE kind LIKE 'search%'),
				(SELECT COUNT(*) FROM insight_events WHERE member_id IS NOT NULL)`).Scan(&raw, &members); err != nil {
			t.Fatal(err)
		}
		if raw != 0 || members != 0 {
			t.Errorf("raw search events %d, events with a member %d; want none", raw, members)
		}
	})
}
