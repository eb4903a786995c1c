package store_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// countKey is one day's (or hour's) count of a kind for an article.
type countKey struct {
	at        int64
	kind      string
	articleID int64
}

// readCounts sums a table's counts by (bucket, kind, article), buckets of
// size micros.
func readCounts(t *testing.T, db *store.DB, query string, size int64) map[countKey]int64 {
	t.Helper()
	rows, err := db.SQL().Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[countKey]int64{}
	for rows.Next() {
		var (
			k countKey
			n int64
		)
		if err := rows.Scan(&k.at, &k.kind, &k.articleID, &n); err != nil {
			t.Fatal(err)
		}
		k.at -= k.at % size
		out[k] += n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

const (
	hourUS = int64(time.Hour / time.Microsecond)
	dayUS  = 24 * hourUS
)

// TestInsightCountsAsEventsArrive records a random stream of events in
// many batches and checks that the hourly and daily counts, and every
// dashboard query read from them, answer what the events themselves say:
// per day and kind, per article, most read; and that only checkouts and
// registrations are kept as rows.
func TestInsightCountsAsEventsArrive(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{insightNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ids []int64
		for _, slug := range []string{"count-a", "count-b", "count-c", "count-d"} {
			ids = append(ids, mustCreate(t, db, published(slug, day(1, 9))).ID)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		kinds := []masthead.InsightKind{masthead.InsightArticleView, masthead.InsightWallView, masthead.InsightRegistration,
			masthead.InsightUnlock, masthead.InsightCheckout}
		want := map[countKey]int64{} // by hour
		wantDay := map[countKey]int64{}
		raw := 0
		start := day(10, 0)
		for range 40 {
			var batch []masthead.InsightEvent
			for range 25 + rng.IntN(50) {
				e := masthead.InsightEvent{Kind: kinds[rng.IntN(len(kinds))], At: start.Add(time.Duration(rng.Int64N(int64(10 * 24 * time.Hour))))}
				if rng.IntN(8) > 0 { // some name no article
					e.ArticleID = ids[rng.IntN(len(ids))]
				}
				if rng.IntN(3) == 0 {
					e.Count = 1 + rng.Int64N(500) // the page cache's counts
				}
				batch = append(batch, e)
				at := e.At.UnixMicro()
				n := max(e.Count, 1)
				want[countKey{at - at%hourUS, string(e.Kind), e.ArticleID}] += n
				wantDay[countKey{at - at%dayUS, string(e.Kind), e.ArticleID}] += n
				if e.Kind == masthead.InsightCheckout || e.Kind == masthead.InsightRegistration {
					raw++
				}
			}
			if err := db.RecordInsights(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(want, readCounts(t, db, `SELECT hour, kind, article_id, n FROM insight_hours`, hourUS)); diff != "" {
			t.Errorf("hours (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantDay, readCounts(t, db, `SELECT day, kind, article_id, n FROM insight_daily`, dayUS)); diff != "" {
			t.Errorf("days (-want +got):\n%s", diff)
		}
		var rows, others int
		if err := db.SQL().QueryRow(`SELECT COUNT(*), COUNT(CASE WHEN kind NOT IN ('checkout', 'registration') THEN 1 END) FROM insight_events`).Scan(&rows, &others); err != nil {
			t.Fatal(err)
		}
		if rows != raw || others != 0 {
			t.Errorf("insight_events holds %d rows (%d of other kinds), want the %d checkouts and registrations alone", rows, others, raw)
		}
		checkAnswers(t, db, wantDay, ids, masthead.InsightRange{From: day(9, 0), To: day(21, 0)})
		checkAnswers(t, db, wantDay, ids, masthead.InsightRange{From: day(12, 0), To: day(15, 0)})
	})
}

// checkAnswers compares the dashboard's funnel, most read and conversions
// over r with the daily counts want.
func checkAnswers(t *testing.T, db *store.DB, want map[countKey]int64, ids []int64, r masthead.InsightRange) {
	t.Helper()
	ctx := context.Background()
	from, to := r.From.UnixMicro(), r.To.UnixMicro()
	perDay := map[int64]masthead.FunnelPoint{}
	views := map[int64]int64{}
	walls := map[int64]int64{}
	regs := map[int64]int64{}
	for k, n := range want {
		if k.at < from || k.at >= to {
			continue
		}
		p := perDay[k.at]
		switch masthead.InsightKind(k.kind) {
		case masthead.InsightWallView:
			p.WallViews += n
			walls[k.articleID] += n
		case masthead.InsightRegistration:
			p.Registrations += n
			regs[k.articleID] += n
		case masthead.InsightUnlock:
			p.Unlocks += n
		case masthead.InsightCheckout:
			p.Checkouts += n
		case masthead.InsightArticleView:
			views[k.articleID] += n
		}
		perDay[k.at] = p
	}
	funnel, err := db.InsightFunnel(ctx, r, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range funnel {
		w := perDay[p.Start.UnixMicro()]
		w.Start = p.Start
		if diff := cmp.Diff(w, p); diff != "" {
			t.Errorf("funnel on %s (-want +got):\n%s", p.Start.Format(time.DateOnly), diff)
		}
	}
	top, err := db.InsightTopArticles(ctx, r, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, a := range top {
		got[a.Slug] = a.Views
	}
	wantTop := map[string]int64{}
	conv, _, err := db.InsightConversions(ctx, r, store.ByArticle, 10)
	if err != nil {
		t.Fatal(err)
	}
	gotConv := map[string][3]int64{}
	for _, c := range conv {
		gotConv[c.Key] = [3]int64{c.Views, c.WallViews, c.Registrations}
	}
	wantConv := map[string][3]int64{}
	for i, id := range ids {
		slug := []string{"count-a", "count-b", "count-c", "count-d"}[i]
		if views[id] > 0 {
			wantTop[slug] = views[id]
		}
		if views[id]+walls[id]+regs[id] > 0 {
			wantConv[slug] = [3]int64{views[id], walls[id], regs[id]}
		}
	}
	if diff := cmp.Diff(wantTop, got); diff != "" {
		t.Errorf("most read (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantConv, gotConv); diff != "" {
		t.Errorf("conversions (-want +got):\n%s", diff)
	}
}

// TestInsightHoursMigration makes the state before migration 0044 (every
// event a row, older days folded into insight_daily, one day split
// between the two) and runs the migration again: the days read after it
// are what the rows and the folded days said together before, the hours
// are the rows' hours, and only checkouts and registrations stay rows.
func TestInsightHoursMigration(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{insightNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreate(t, db, published("migrate-a", day(1, 9)))
		b := mustCreate(t, db, published("migrate-b", day(1, 9)))
		// The state before 0044 is also before 0054, which 0044 is
		// followed by again below.
		for _, q := range []string{`DROP TABLE insight_site_daily`, `DROP TABLE insight_totals`, `DROP INDEX insight_daily_running`,
			`ALTER TABLE insight_daily DROP COLUMN total`, `DROP TABLE insight_hours`} {
			if err := db.ExecForTest(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		// Folded by an earlier rollup: the 10th and the morning of the 11th.
		for _, r := range []struct {
			day       time.Time
			kind      string
			articleID int64
			n         int64
		}{
			{day(10, 0), "article_view", a.ID, 1000}, {day(10, 0), "wall_view", a.ID, 400}, {day(10, 0), "checkout", 0, 2},
			{day(11, 0), "article_view", a.ID, 50}, {day(11, 0), "registration", b.ID, 3},
		} {
			if err := db.ExecForTest(ctx, `INSERT INTO insight_daily (day, kind, article_id, n) VALUES (?, ?, ?, ?)`,
				r.day.UnixMicro(), r.kind, r.articleID, r.n); err != nil {
				t.Fatal(err)
			}
		}
		// Raw rows, as every batch wrote them: the rest of the 11th, the 12th.
		type ev struct {
			at                     time.Time
			kind                   string
			articleID, memberID, n int64
		}
		evs := []ev{
			{day(11, 14), "article_view", a.ID, 0, 7}, {day(11, 14), "article_view", a.ID, 0, 1}, {day(11, 15), "wall_view", a.ID, 0, 5},
			{day(11, 16), "registration", b.ID, 0, 1}, {day(12, 9), "article_view", b.ID, 0, 30}, {day(12, 9), "unlock", b.ID, 0, 1},
			{day(12, 10), "checkout", a.ID, 0, 1}, {day(12, 11), "article_view", 0, 0, 4},
		}
		for _, e := range evs {
			var article any
			if e.articleID != 0 {
				article = e.articleID
			}
			if err := db.ExecForTest(ctx, `INSERT INTO insight_events (kind, article_id, member_id, n, at) VALUES (?, ?, NULL, ?, ?)`,
				e.kind, article, e.n, e.at.UnixMicro()); err != nil {
				t.Fatal(err)
			}
		}
		// What the dashboard read before: the rows and the folded days
		// together (the query it ran until 0044).
		before := readCounts(t, db, `SELECT (at / 86400000000) * 86400000000, kind, COALESCE(article_id, 0), n FROM insight_events
			UNION ALL SELECT day, kind, article_id, n FROM insight_daily`, dayUS)
		wantHours := map[countKey]int64{}
		for _, e := range evs {
			wantHours[countKey{e.at.UnixMicro() - e.at.UnixMicro()%hourUS, e.kind, e.articleID}] += e.n
		}

		// 0070 drops the index 0044 makes again: the days keep their
		// primary key and the running totals' index alone.
		for _, m := range []int{44, 54, 70} {
			if err := db.RunMigrationAgain(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		indexes := `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'insight_daily' AND sql IS NOT NULL ORDER BY name`
		if db.Engine() == "postgres" {
			indexes = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'insight_daily'
				AND indexname <> 'insight_daily_pkey' ORDER BY indexname`
		}
		if diff := cmp.Diff([]string{"insight_daily_running"}, rowsOf(t, db, indexes)); diff != "" {
			t.Errorf("indexes of insight_daily after 0070 (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before, readCounts(t, db, `SELECT day, kind, article_id, n FROM insight_daily`, dayUS)); diff != "" {
			t.Errorf("days after the migration (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff(wantHours, readCounts(t, db, `SELECT hour, kind, article_id, n FROM insight_hours`, hourUS)); diff != "" {
			t.Errorf("hours after the migration (-want +got):\n%s", diff)
		}
		var kinds []string
		rows, err := db.SQL().Query(`SELECT kind FROM insight_events ORDER BY at`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			kinds = append(kinds, k)
		}
		rows.Close()
		if diff := cmp.Diff([]string{"registration", "checkout"}, kinds); diff != "" {
			t.Errorf("rows kept (-want +got):\n%s", diff)
		}
		// The dashboard's answers: the 11th counts what was folded and
		// what was still rows.
		funnel, err := db.InsightFunnel(ctx, masthead.InsightRange{From: day(10, 0), To: day(13, 0)}, false)
		if err != nil {
			t.Fatal(err)
		}
		got := [][4]int64{}
		for _, p := range funnel {
			got = append(got, [4]int64{p.WallViews, p.Registrations, p.Unlocks, p.Checkouts})
		}
		if diff := cmp.Diff([][4]int64{{400, 0, 0, 2}, {5, 4, 0, 0}, {0, 0, 1, 1}}, got); diff != "" {
			t.Errorf("funnel after the migration (-want +got):\n%s", diff)
		}
		top, err := db.InsightTopArticles(ctx, masthead.InsightRange{From: day(10, 0), To: day(13, 0)}, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(top) != 2 || top[0].Slug != "migrate-a" || top[0].Views != 1058 || top[1].Views != 30 {
			t.Errorf("most read after the migration: %+v, want migrate-a 1058, migrate-b 30", top)
		}
	})
}
