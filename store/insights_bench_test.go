package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"masthead"
	"masthead/demo"
	"masthead/store"
	"masthead/store/storetest"
)

// BenchmarkInsightDashboard loads 90 days of a million article views a
// day as the counts the store keeps (hours and days per kind and article)
// over 2,000 articles, all read every day with a popularity that follows
// Zipf's law and moves from day to day, and times the queries of
// /admin/?days=90 on each engine: the funnel per day and per week,
// conversions by article, column and topic, and the most read.
//
// Beside it, BenchmarkInsightDashboardRaw times the same questions asked
// the way the dashboard asked them before the counts (a row per view in
// insight_events), on one day of rows, for the figure to scale by 90.
//
//	go test ./store -run '^$' -bench InsightDashboard -benchtime 5x -timeout 60m
//
// MASTHEAD_BENCH_INSIGHT_DAYS changes the 90 days loaded and
// MASTHEAD_BENCH_INSIGHT_RANGE the dashboard's range (90 days; a range
// shorter than the days loaded starts after the first day, where each
// article's count takes a seek); MASTHEAD_BENCH_INSIGHT_HOURS=0 leaves
// the hourly table empty (the dashboard does not read it). Beside the
// wall time per dashboard it reports the process's CPU time, which on
// SQLite is the queries' own whatever else the machine runs.
func BenchmarkInsightDashboard(b *testing.B) {
	days := envInt("MASTHEAD_BENCH_INSIGHT_DAYS", 90)
	rangeDays := envInt("MASTHEAD_BENCH_INSIGHT_RANGE", 90)
	for _, engine := range benchEngines() {
		b.Run(engine, func(b *testing.B) {
			now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
			db := storetest.Open(b, engine, store.Options{Clock: &fixedClock{now}})
			ids := benchArticles(b, db, now)
			start := time.Now()
			hours, dayRows := loadInsightCounts(b, db, engine, ids, now, days, os.Getenv("MASTHEAD_BENCH_INSIGHT_HOURS") != "0")
			b.Logf("%s: loaded %d hourly and %d daily rows (%d days × %d articles) in %s", engine, hours, dayRows, days,
				len(ids), time.Since(start).Round(time.Second))
			if os.Getenv("MASTHEAD_BENCH_INSIGHT_MIGRATE") != "" {
				migrateInsightTotals(b, db, engine)
			}
			to := now.Truncate(24*time.Hour).AddDate(0, 0, 1)
			r := masthead.InsightRange{From: to.AddDate(0, 0, -rangeDays), To: to}
			var (
				total int64
				laps  []string
			)
			cpu := cpuTime()
			for b.Loop() {
				total, laps = dashboardQueries(b, db, r)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/dashboard")
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/dashboard")
			b.Logf("%s: %d views over the range; the last run: %s; load average %s", engine, total,
				strings.Join(laps, ", "), loadAverage())
		})
	}
}

// migrateInsightTotals takes the loaded counts back to before migration
// 0054 and times it, for the upgrade's cost (docs/operations.md).
func migrateInsightTotals(b *testing.B, db *store.DB, engine string) {
	b.Helper()
	ctx := context.Background()
	for _, q := range []string{`DROP TABLE insight_site_daily`, `DROP TABLE insight_totals`, `DROP INDEX insight_daily_running`,
		`ALTER TABLE insight_daily DROP COLUMN total`} {
		if err := db.ExecForTest(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	start, cpu := time.Now(), cpuTime()
	if err := db.RunMigrationAgain(ctx, 54); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: migration 0054 took %s (%s of this process's CPU); load average %s", engine, time.Since(start).Round(time.Millisecond),
		(cpuTime() - cpu).Round(time.Millisecond), loadAverage())
	q := `ANALYZE`
	if engine == "postgres" {
		q = `VACUUM ANALYZE` // as after the load
	}
	if _, err := db.SQL().ExecContext(ctx, q); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkInsightDashboardRaw is the dashboard's questions over a day
// of a million views stored as they were before the counts: every view a
// row of insight_events, read through the union of the rows and the
// daily totals. Its time scales with the rows, so 90 days take about 90
// times as long.
func BenchmarkInsightDashboardRaw(b *testing.B) {
	for _, engine := range benchEngines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
			db := storetest.Open(b, engine, store.Options{Clock: &fixedClock{now}})
			ids := benchArticles(b, db, now)
			start := time.Now()
			rows := loadRawViews(b, db, ids, now)
			b.Logf("%s: loaded %d raw rows (one day) in %s", engine, rows, time.Since(start).Round(time.Second))
			to := now.Truncate(24*time.Hour).AddDate(0, 0, 1)
			from, until := to.AddDate(0, 0, -90).UnixMicro(), to.UnixMicro()
			q := rawDashboardQueries(engine)
			for b.Loop() {
				for _, s := range q {
					var n int
					rs, err := db.SQL().QueryContext(ctx, s, from, until, from, until)
					if err != nil {
						b.Fatal(err)
					}
					for rs.Next() {
						n++
					}
					rs.Close()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/dashboard-1day")
			b.Logf("%s: load average %s", engine, loadAverage())
		})
	}
}

func benchEngines() []string {
	engines := []string{"sqlite"}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, "postgres")
	}
	return engines
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage is the first figure of /proc/loadavg, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// benchArticles makes the demo's 2,000 articles, with their columns and
// topics, and returns their ids.
func benchArticles(b *testing.B, db *store.DB, now time.Time) []int64 {
	b.Helper()
	return benchArticlesN(b, db, now, 2000)
}

// benchArticlesN makes the demo's first n articles and returns their ids.
func benchArticlesN(b *testing.B, db *store.DB, now time.Time, n int) []int64 {
	b.Helper()
	ctx := context.Background()
	if err := demo.Seed(ctx, db, n, 1, now, nil); err != nil {
		b.Fatal(err)
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT id FROM articles ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// dashboardQueries runs what /admin/?days=N asks of the counts and
// returns the views counted, so the work cannot be skipped, and how long
// each query took.
func dashboardQueries(b *testing.B, db *store.DB, r masthead.InsightRange) (int64, []string) {
	ctx := context.Background()
	var laps []string
	t := time.Now()
	lap := func(what string) {
		laps = append(laps, fmt.Sprintf("%s %s", what, time.Since(t).Round(time.Millisecond)))
		t = time.Now()
	}
	if _, err := db.InsightFunnel(ctx, r, false); err != nil {
		b.Fatal(err)
	}
	lap("funnel per day")
	if _, err := db.InsightFunnel(ctx, r, true); err != nil {
		b.Fatal(err)
	}
	lap("per week")
	// The three conversion tables and the most read, in one pass as the
	// dashboard asks them.
	arts, err := db.InsightArticles(ctx, r, 15, 10)
	if err != nil {
		b.Fatal(err)
	}
	lap("conversions and most read")
	var n int64
	for _, a := range arts.MostRead {
		n += a.Views
	}
	return n, laps
}

// hourShare is the share of a day's reading in each UTC hour: quiet at
// night, busiest in the morning and the evening.
var hourShare = func() [24]float64 {
	w := [24]float64{1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 3.5, 3.2, 2.8, 2.6, 2.9, 2.7, 2.4, 2.3, 2.4, 2.8, 3.3, 3.6, 3.4, 2.8, 2.0, 1.4}
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}()

// dailyViews is how many views the article ranked r (from 0) of n gets
// on a day of total views: Zipf's law, s = 1.
func dailyViews(r, n int, total float64) float64 {
	h := 0.0
	for i := 1; i <= n; i++ {
		h += 1 / float64(i)
	}
	return total / (float64(r+1) * h)
}

// kindShares are the other kinds as shares of the views.
var kindShares = []struct {
	kind  string
	share float64
}{{"article_view", 1}, {"wall_view", 0.35}, {"registration", 0.0035}, {"unlock", 0.005}, {"checkout", 0.0005}}

// loadInsightCounts writes days of counts for the articles, in bulk
// statements of literal values (the figures are made here, nothing is
// read from outside). It returns the hourly and daily rows written.
func loadInsightCounts(b *testing.B, db *store.DB, engine string, ids []int64, now time.Time, days int, withHours bool) (hours, dayRows int) {
	b.Helper()
	ctx := context.Background()
	n := len(ids)
	views := make([]float64, n)
	for r := range n {
		views[r] = dailyViews(r, n, 1_000_000)
	}
	today := now.Truncate(24 * time.Hour)
	hourBuf := newValuesWriter(b, db, `INSERT INTO insight_hours (hour, kind, article_id, n) VALUES `)
	dayBuf := newValuesWriter(b, db, `INSERT INTO insight_daily (day, kind, article_id, n, total) VALUES `)
	// What the store keeps beside the days (insighttotals.go): the
	// running totals, the totals per kind and article, the site's days.
	type pair struct {
		kind string
		id   int64
	}
	type runTotal struct{ n, first, last int64 }
	totals := map[pair]*runTotal{}
	var pairs []pair
	site := map[pair]int64{} // by (kind, day)
	var siteKeys []pair
	for d := days - 1; d >= 0; d-- {
		day := today.AddDate(0, 0, -d)
		for i, id := range ids {
			// Popularity moves: each day the ranks turn by 37 places.
			v := views[(i+d*37)%n]
			for _, k := range kindShares {
				want := v * k.share
				var total int64
				acc := 0.0
				for h := range 24 {
					// Carry the fractions, so small counts land in some
					// hours and the day's total is kept.
					next := acc + want*hourShare[h]
					c := int64(next) - int64(acc)
					acc = next
					if c == 0 {
						continue
					}
					total += c
					if withHours {
						hourBuf.add(day.Add(time.Duration(h)*time.Hour).UnixMicro(), k.kind, id, c)
						hours++
					}
				}
				if total > 0 {
					at := day.UnixMicro()
					p := pair{k.kind, id}
					t := totals[p]
					if t == nil {
						t = &runTotal{first: at}
						totals[p] = t
						pairs = append(pairs, p)
					}
					t.n += total
					t.last = at
					dayBuf.addf("(%d,'%s',%d,%d,%d)", at, k.kind, id, total, t.n)
					dayRows++
					sk := pair{k.kind, at}
					if _, ok := site[sk]; !ok {
						siteKeys = append(siteKeys, sk)
					}
					site[sk] += total
				}
			}
		}
	}
	hourBuf.flush()
	dayBuf.flush()
	totalBuf := newValuesWriter(b, db, `INSERT INTO insight_totals (kind, article_id, n, first_day, last_day) VALUES `)
	for _, p := range pairs {
		t := totals[p]
		totalBuf.addf("('%s',%d,%d,%d,%d)", p.kind, p.id, t.n, t.first, t.last)
	}
	totalBuf.flush()
	siteBuf := newValuesWriter(b, db, `INSERT INTO insight_site_daily (day, kind, n) VALUES `)
	for _, k := range siteKeys {
		siteBuf.addf("(%d,'%s',%d)", k.id, k.kind, site[k])
	}
	siteBuf.flush()
	if _, err := db.SQL().ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	if engine == "postgres" {
		// PostgreSQL marks freshly written pages all-visible only when
		// vacuumed, and index-only scans need that; autovacuum would do
		// it in its own time.
		if _, err := db.SQL().ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	return hours, dayRows
}

// valuesWriter gathers rows of four integers-or-text into multi-row
// INSERTs of literal values, written in one transaction each.
type valuesWriter struct {
	b      *testing.B
	db     *store.DB
	prefix string
	sb     strings.Builder
	rows   int
}

func newValuesWriter(b *testing.B, db *store.DB, prefix string) *valuesWriter {
	return &valuesWriter{b: b, db: db, prefix: prefix}
}

func (w *valuesWriter) add(at int64, kind string, id, n int64) {
	w.addf("(%d,'%s',%d,%d)", at, kind, id, n)
}

// addf adds a row written by format.
func (w *valuesWriter) addf(format string, args ...any) {
	if w.rows == 0 {
		w.sb.WriteString(w.prefix)
	} else {
		w.sb.WriteString(",")
	}
	fmt.Fprintf(&w.sb, format, args...)
	w.rows++
	if w.rows == 20_000 {
		w.flush()
	}
}

func (w *valuesWriter) flush() {
	if w.rows == 0 {
		return
	}
	if _, err := w.db.SQL().Exec(w.sb.String()); err != nil {
		w.b.Fatal(err)
	}
	w.sb.Reset()
	w.rows = 0
}

// loadRawViews writes one day (yesterday) of a million views as the store
// kept them before the counts: a row per view, the other kinds in their
// shares. It returns the rows written.
func loadRawViews(b *testing.B, db *store.DB, ids []int64, now time.Time) int {
	b.Helper()
	n := len(ids)
	day := now.Truncate(24*time.Hour).AddDate(0, 0, -1)
	w := newValuesWriter(b, db, `INSERT INTO insight_events (at, kind, article_id, n) VALUES `)
	rows := 0
	for i, id := range ids {
		v := dailyViews(i, n, 1_000_000)
		for _, k := range kindShares {
			c := int(v * k.share)
			for j := range c {
				// Spread over the day, a microsecond apart at least.
				at := day.UnixMicro() + int64(j)*(86_400_000_000/int64(c+1)) + int64(i)
				w.add(at, k.kind, id, 1)
				rows++
			}
		}
	}
	w.flush()
	if _, err := db.SQL().Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return rows
}

// rawDashboardQueries are the dashboard's questions as it asked them
// before the counts (the union of raw rows and daily totals), each taking
// the range twice. The subscriptions' part of the conversions, which did
// not change, is left out.
func rawDashboardQueries(engine string) []string {
	ev := `WITH ev AS (
	SELECT (at / 86400000000) * 86400000000 AS day, kind, COALESCE(article_id, 0) AS article_id, n
	FROM insight_events WHERE at >= ? AND at < ?
	UNION ALL
	SELECT day, kind, article_id, n FROM insight_daily WHERE day >= ? AND day < ?)`
	per := `, per AS (SELECT article_id,
			SUM(CASE WHEN kind = 'article_view' THEN n ELSE 0 END) AS v,
			SUM(CASE WHEN kind = 'wall_view' THEN n ELSE 0 END) AS w,
			SUM(CASE WHEN kind = 'registration' THEN n ELSE 0 END) AS g
		FROM ev WHERE article_id <> 0 GROUP BY article_id)`
	qs := []string{
		// The funnel, per day and (the same query again) per week.
		ev + ` SELECT day, kind, SUM(n) FROM ev GROUP BY day, kind`,
		ev + ` SELECT day, kind, SUM(n) FROM ev GROUP BY day, kind`,
		ev + per + ` SELECT a.slug, a.title, per.v, per.w, per.g FROM per JOIN articles a ON a.id = per.article_id ORDER BY 5 DESC, 4 DESC, 3 DESC LIMIT 15`,
		ev + per + ` SELECT c.slug, SUM(per.v), SUM(per.w), SUM(per.g) FROM per JOIN articles a ON a.id = per.article_id JOIN columns c ON c.id = a.column_id GROUP BY c.slug ORDER BY 4 DESC LIMIT 15`,
		ev + per + ` SELECT t.slug, SUM(per.v), SUM(per.w), SUM(per.g) FROM per JOIN article_topics at ON at.article_id = per.article_id JOIN topics t ON t.id = at.topic_id GROUP BY t.slug ORDER BY 4 DESC LIMIT 15`,
		ev + ` SELECT a.slug, a.title, SUM(ev.n) FROM ev JOIN articles a ON a.id = ev.article_id WHERE ev.kind = 'article_view' GROUP BY a.slug, a.title ORDER BY 3 DESC LIMIT 10`,
	}
	if engine == "postgres" {
		for i, q := range qs {
			var sb strings.Builder
			k := 0
			for _, c := range q {
				if c == '?' {
					k++
					fmt.Fprintf(&sb, "$%d", k)
					continue
				}
				sb.WriteRune(c)
			}
			qs[i] = sb.String()
		}
	}
	return qs
}
