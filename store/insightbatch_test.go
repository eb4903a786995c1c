package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestInsightBatchOfManyRows records one batch whose every table takes
// more rows than one statement holds (insightBatch, 200): views of 260
// articles over two days, 230 queries, 210 AI crawler keys and 225
// reads. Every count, running total, the totals per article, the site's
// days, the search and crawler counts and the histories must come out as
// the events' own sums, whatever statement each row fell in.
func TestInsightBatchOfManyRows(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{insightNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var arts []int64
		for i := range 15 {
			arts = append(arts, mustCreate(t, db, published(fmt.Sprintf("many-%d", i), day(1, 9))).ID)
		}
		var members []int64
		for i := range 15 {
			members = append(members, verifiedMember(t, db, fmt.Sprintf("many%d@example.com", i)).ID)
		}
		var (
			batch                     []masthead.InsightEvent
			hours, days, totals, site = map[countKey]int64{}, map[countKey]int64{}, map[countKey]int64{}, map[countKey]int64{}
			queries, crawls           = map[countKey]int64{}, map[countKey]int64{}
		)
		add := func(e masthead.InsightEvent) {
			batch = append(batch, e)
			at, n := e.At.UnixMicro(), max(e.Count, 1)
			switch e.Kind {
			case masthead.InsightSearch:
				queries[countKey{at - at%dayUS, e.Query, 0}] += n
			case masthead.InsightCrawler:
				crawls[countKey{at - at%hourUS, e.Family + "/" + e.Decision, 0}] += n
			case masthead.InsightRead:
			default:
				hours[countKey{at - at%hourUS, string(e.Kind), e.ArticleID}] += n
				days[countKey{at - at%dayUS, string(e.Kind), e.ArticleID}] += n
				totals[countKey{0, string(e.Kind), e.ArticleID}] += n
				site[countKey{at - at%dayUS, string(e.Kind), 0}] += n
			}
		}
		for i := range 260 {
			// The evening of the 10th and the morning of the 11th, so the
			// batch's second day's running totals start from its first's.
			at := day(10, 23).Add(time.Duration(i%120) * time.Minute)
			add(masthead.InsightEvent{Kind: masthead.InsightArticleView, ArticleID: 1000 + int64(i), At: at, Count: int64(1 + i%7)})
			add(masthead.InsightEvent{Kind: masthead.InsightWallView, ArticleID: 1000 + int64(i%130), At: at.Add(time.Hour)})
		}
		add(masthead.InsightEvent{Kind: masthead.InsightCheckout, ArticleID: arts[0], MemberID: members[0], At: day(11, 0)})
		for i := range 230 {
			add(masthead.InsightEvent{Kind: masthead.InsightSearch, Query: fmt.Sprintf("query %d", i%230), At: day(11, 0).Add(time.Duration(i) * time.Second)})
		}
		for i := range 210 {
			add(masthead.InsightEvent{Kind: masthead.InsightCrawler, Family: fmt.Sprintf("Bot%d", i), Decision: masthead.CrawlerGotFull, At: day(11, 0), Count: 2})
		}
		for i, m := range members {
			for j, a := range arts {
				add(masthead.InsightEvent{Kind: masthead.InsightRead, MemberID: m, ArticleID: a, At: day(11, 1).Add(time.Duration(i*15+j) * time.Second)})
			}
		}
		if err := db.RecordInsights(ctx, batch); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			what  string
			want  map[countKey]int64
			query string
			size  int64
		}{
			{"hours", hours, `SELECT hour, kind, article_id, n FROM insight_hours`, hourUS},
			{"days", days, `SELECT day, kind, article_id, n FROM insight_daily`, dayUS},
			{"totals", totals, `SELECT 0, kind, article_id, n FROM insight_totals`, dayUS},
			{"site's days", site, `SELECT day, kind, 0, n FROM insight_site_daily`, dayUS},
			{"queries", queries, `SELECT day, query, 0, searches FROM search_daily`, dayUS},
			{"crawlers", crawls, `SELECT hour, family || '/' || decision, 0, n FROM crawler_hours`, hourUS},
		} {
			if diff := cmp.Diff(c.want, readCounts(t, db, c.query, c.size)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.what, diff)
			}
		}
		// A running total is its day's count and the day's before.
		running := map[countKey]int64{}
		for k, n := range days {
			running[k] = n + days[countKey{k.at - dayUS, k.kind, k.articleID}]
		}
		if diff := cmp.Diff(running, readCounts(t, db, `SELECT day, kind, article_id, total FROM insight_daily`, dayUS)); diff != "" {
			t.Errorf("running totals (-want +got):\n%s", diff)
		}
		var read, raw int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM reading_history`).Scan(&read); err != nil || read != 225 {
			t.Errorf("histories hold %d reads, want 225 (%v)", read, err)
		}
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM insight_events`).Scan(&raw); err != nil || raw != 1 {
			t.Errorf("%d raw events kept, want the checkout (%v)", raw, err)
		}
	})
}
