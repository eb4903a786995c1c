package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"masthead"
)

// Reading a range of days at the cost of a few rows per article
// (docs/insights.md, "Reading a range"). Beside each daily count the
// store keeps, in the batch's transaction:
//
//   - insight_daily.total, the running count of the row's kind and
//     article up to and including its day: the count over any range is
//     the total before its end less the total before its start, two
//     index seeks however many days the range holds;
//   - insight_totals, per kind and article, the count of every day with
//     the first and last day counted: the pairs a range can hold, and
//     the end of a range that reaches today without a seek;
//   - insight_site_daily, per day and kind, the count over all articles:
//     the funnel's few rows a day.

// rangeCount is the count of insight_totals row t's kind and article
// over the days [from, to): the last running total below to less the
// last one below from, each one seek on insight_daily_running. A range
// that ends after the last day counted takes the whole count, and one
// that starts at or before the first day subtracts nothing, without a
// seek. Its arguments are to, to, from, from.
const rangeCount = `(CASE WHEN t.last_day < ? THEN t.n
		ELSE COALESCE((SELECT d.total FROM insight_daily d
			WHERE d.kind = t.kind AND d.article_id = t.article_id AND d.day < ? ORDER BY d.day DESC LIMIT 1), 0) END
	- CASE WHEN t.first_day >= ? THEN 0
		ELSE COALESCE((SELECT d.total FROM insight_daily d
			WHERE d.kind = t.kind AND d.article_id = t.article_id AND d.day < ? ORDER BY d.day DESC LIMIT 1), 0) END)`

// inRange keeps the insight_totals rows t with a count in [from, to);
// its arguments are from, to.
const inRange = `t.last_day >= ? AND t.first_day < ?`

// rangeArgs are the arguments of rangeCount and then inRange.
func rangeArgs(from, to int64) []any { return []any{to, to, from, from, from, to} }

// addDays adds counts (sorted by day) to insight_daily with their
// running totals. A day's rows are written before the next day's, so a
// later day's running total finds the earlier one's.
func (t *tx) addDays(ctx context.Context, cs []insightCount) error {
	// Counts for a day before the newest one counted (a batch that
	// crosses midnight, a backfill) raise the running totals of the
	// article's later days. Usually there are none: the newest day, one
	// seek at the end of the primary key, says so for every day of the
	// batch (its own later days are written after).
	var newest sql.NullInt64
	if err := t.row(ctx, `SELECT MAX(day) FROM insight_daily`).Scan(&newest); err != nil {
		return fmt.Errorf("store: record insights: later days: %w", translate(err))
	}
	for rest := cs; len(rest) > 0; {
		n := 1
		for n < len(rest) && rest[n].at == rest[0].at {
			n++
		}
		if err := t.addDay(ctx, rest[:n], newest.Valid && newest.Int64 > rest[0].at); err != nil {
			return err
		}
		rest = rest[n:]
	}
	return nil
}

// addDayHead, addDayRow and addDayTail add one day's counts (the VALUES
// rows, typed so that PostgreSQL knows their columns) to insight_daily: a new row starts
// from the running total of the article's last day before it; an
// existing one adds to its own. (WHERE true: SQLite reads an upsert
// after a bare FROM as a join's ON.)
const (
	addDayHead = `WITH v (day, kind, article_id, n) AS (VALUES `
	addDayRow  = `(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT))`
	addDayTail = `) INSERT INTO insight_daily (day, kind, article_id, n, total)
		SELECT v.day, v.kind, v.article_id, v.n, v.n + COALESCE((SELECT d.total FROM insight_daily d
			WHERE d.kind = v.kind AND d.article_id = v.article_id AND d.day < v.day ORDER BY d.day DESC LIMIT 1), 0)
		FROM v WHERE true
		ON CONFLICT (day, kind, article_id) DO UPDATE SET n = insight_daily.n + excluded.n, total = insight_daily.total + excluded.n`
)

// addDay adds one day's counts, one per (kind, article), to insight_daily;
// later says whether days after it are counted already.
func (t *tx) addDay(ctx context.Context, cs []insightCount, later bool) error {
	day := cs[0].at
	if later {
		for _, c := range cs {
			if _, err := t.exec(ctx, `UPDATE insight_daily SET total = total + ? WHERE kind = ? AND article_id = ? AND day > ?`,
				c.n, string(c.kind), c.articleID, day); err != nil {
				return fmt.Errorf("store: record insights: later days: %w", translate(err))
			}
		}
	}
	err := t.execRows(ctx, addDayHead, addDayRow, addDayTail, len(cs), insightBatch, func(into []any, i int) []any {
		return append(into, cs[i].at, string(cs[i].kind), cs[i].articleID, cs[i].n)
	})
	if err != nil {
		return fmt.Errorf("store: record insights: insight_daily: %w", err)
	}
	return nil
}

// dailyTotals adds up daily counts per kind and article into the rows to
// add to insight_totals: the count, and the first and last day counted.
func dailyTotals(cs []insightCount) [][]any {
	type key struct {
		kind      masthead.InsightKind
		articleID int64
	}
	type total struct {
		key
		n, first, last int64
	}
	sums := map[key]*total{}
	for _, c := range cs {
		k := key{c.kind, c.articleID}
		s := sums[k]
		if s == nil {
			s = &total{key: k, first: c.at, last: c.at}
			sums[k] = s
		}
		s.n += c.n
		s.first, s.last = min(s.first, c.at), max(s.last, c.at)
	}
	rows := make([][]any, 0, len(sums))
	for _, s := range sums {
		rows = append(rows, []any{string(s.kind), s.articleID, s.n, s.first, s.last})
	}
	// A fixed order, as counts.rows gives the other tables.
	slices.SortFunc(rows, func(a, b []any) int { return compareValues(a[:2], b[:2]) })
	return rows
}

// addInsightTotals adds rows (from dailyTotals) to insight_totals,
// widening the first and last day counted.
func (t *tx) addInsightTotals(ctx context.Context, rows [][]any) error {
	err := t.execRows(ctx, `INSERT INTO insight_totals (kind, article_id, n, first_day, last_day) VALUES `, "(?, ?, ?, ?, ?)",
		` ON CONFLICT (kind, article_id) DO UPDATE SET n = insight_totals.n + excluded.n,
			first_day = CASE WHEN excluded.first_day < insight_totals.first_day THEN excluded.first_day ELSE insight_totals.first_day END,
			last_day = CASE WHEN excluded.last_day > insight_totals.last_day THEN excluded.last_day ELSE insight_totals.last_day END`,
		len(rows), insightBatch, func(into []any, i int) []any { return append(into, rows[i]...) })
	if err != nil {
		return fmt.Errorf("store: record insights: insight_totals: %w", err)
	}
	return nil
}

// insightSiteDaily is the counts per day and kind over all articles.
var insightSiteDaily = newCounterTable("insight_site_daily", []string{"day", "kind"}, []string{"n"})

// siteDaily adds up daily counts over their articles into the rows to
// add to insight_site_daily: a batch spans a day or two, so a handful.
func siteDaily(cs []insightCount) [][]any {
	type key struct {
		day  int64
		kind masthead.InsightKind
	}
	sums := counts[key]{}
	for _, c := range cs {
		sums.add(key{c.at, c.kind}, c.n)
	}
	return sums.rows(func(k key) []any { return []any{k.day, string(k.kind)} })
}

// InsightArticles returns the dashboard's tables that go article by
// article over the range, from one pass over the counts: conversions by
// article, column and topic (at most limit rows each) and the most read
// articles (at most top).
func (db *DB) InsightArticles(ctx context.Context, r masthead.InsightRange, limit, top int) (masthead.InsightArticles, error) {
	if limit <= 0 {
		limit = 20
	}
	if top <= 0 {
		top = 10
	}
	return db.insightArticles(ctx, r, "all", limit, top)
}

// articleCounts is one article's counts over a range.
type articleCounts struct {
	id                            int64
	slug, title, colSlug, colName string
	views, walls, regs, subs      int64
	hasColumn                     bool
}

// insightArticles computes the conversion tables named by by (ByArticle,
// ByColumn, ByTopic, "all" or "" for none) with at most limit rows, and
// the top most read articles when top > 0.
func (db *DB) insightArticles(ctx context.Context, r masthead.InsightRange, by string, limit, top int) (masthead.InsightArticles, error) {
	var out masthead.InsightArticles
	from, to := dayRange(r)
	kinds := `'article_view'`
	if by != "" {
		kinds = `'article_view', 'wall_view', 'registration'`
	}
	// Each (kind, article) counted in the range costs a row of
	// insight_totals and at most two seeks (rangeCount); the subscriptions
	// are those that started in it, each given its article as before. The
	// per-article rows are then joined to the articles once.
	args := append(rangeArgs(from, to), from, to)
	rs, err := db.r.query(ctx, `WITH w AS (
			SELECT t.article_id, t.kind, `+rangeCount+` AS n FROM insight_totals t
			WHERE t.kind IN (`+kinds+`) AND t.article_id <> 0 AND `+inRange+`
			UNION ALL
			SELECT COALESCE(i.article_id, `+checkoutArticle+`, 0), 'subscription', 1
			FROM subscriptions s LEFT JOIN insight_subscriptions i ON i.subscription_id = s.id
			WHERE s.started_at >= ? AND s.started_at < ?),
		per AS (SELECT article_id,
				SUM(CASE WHEN kind = 'article_view' THEN n ELSE 0 END) AS v,
				SUM(CASE WHEN kind = 'wall_view' THEN n ELSE 0 END) AS w,
				SUM(CASE WHEN kind = 'registration' THEN n ELSE 0 END) AS g,
				SUM(CASE WHEN kind = 'subscription' THEN n ELSE 0 END) AS s
			FROM w GROUP BY article_id)
		SELECT per.article_id, per.v, per.w, per.g, per.s, a.slug, a.title, c.slug, c.name
		FROM per LEFT JOIN articles a ON a.id = per.article_id LEFT JOIN columns c ON c.id = a.column_id`, args...)
	if err != nil {
		return out, fmt.Errorf("store: insight articles: %w", err)
	}
	var arts []*articleCounts
	for rs.Next() {
		var (
			a                             articleCounts
			slug, title, colSlug, colName sql.NullString
		)
		if err := rs.Scan(&a.id, &a.views, &a.walls, &a.regs, &a.subs, &slug, &title, &colSlug, &colName); err != nil {
			rs.Close()
			return out, fmt.Errorf("store: insight articles: %w", err)
		}
		if a.id == 0 {
			out.Unattributed += a.subs
			continue
		}
		// An article deleted since keeps its counts, but has no row to
		// show; nor does one whose counts all fall outside the range.
		if !slug.Valid || a.views+a.walls+a.regs+a.subs == 0 {
			continue
		}
		a.slug, a.title, a.colSlug, a.colName, a.hasColumn = slug.String, title.String, colSlug.String, colName.String, colSlug.Valid
		arts = append(arts, &a)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return out, fmt.Errorf("store: insight articles: %w", err)
	}
	if by == ByArticle || by == "all" {
		var rows []masthead.Conversion
		for _, a := range arts {
			rows = append(rows, masthead.Conversion{Key: a.slug, Name: a.title, Views: a.views, WallViews: a.walls,
				Registrations: a.regs, Subscriptions: a.subs})
		}
		out.ByArticle = bestConverting(rows, limit)
	}
	if by == ByColumn || by == "all" {
		out.ByColumn = bestConverting(groupConversions(arts, func(a *articleCounts, add func(key, name string)) {
			if a.hasColumn {
				add(a.colSlug, a.colName)
			}
		}), limit)
	}
	if by == ByTopic || by == "all" {
		topics, err := db.topicsOf(ctx, arts)
		if err != nil {
			return out, err
		}
		out.ByTopic = bestConverting(groupConversions(arts, func(a *articleCounts, add func(key, name string)) {
			for _, t := range topics[a.id] {
				add(t.slug, t.name)
			}
		}), limit)
	}
	if top > 0 {
		for _, a := range arts {
			if a.views > 0 {
				out.MostRead = append(out.MostRead, masthead.ArticleReads{Slug: a.slug, Title: a.title, Views: a.views})
			}
		}
		slices.SortFunc(out.MostRead, func(a, b masthead.ArticleReads) int {
			if c := cmp.Compare(b.Views, a.Views); c != 0 {
				return c
			}
			return strings.Compare(a.Slug, b.Slug)
		})
		out.MostRead = out.MostRead[:min(len(out.MostRead), top)]
	}
	return out, nil
}

// groupConversions adds the articles' counts up under the keys each
// names (none, one column, several topics), in order of first appearance.
func groupConversions(arts []*articleCounts, keys func(a *articleCounts, add func(key, name string))) []masthead.Conversion {
	var rows []masthead.Conversion
	at := map[string]int{}
	for _, a := range arts {
		keys(a, func(key, name string) {
			i, ok := at[key]
			if !ok {
				i = len(rows)
				at[key] = i
				rows = append(rows, masthead.Conversion{Key: key, Name: name})
			}
			c := &rows[i]
			c.Views += a.views
			c.WallViews += a.walls
			c.Registrations += a.regs
			c.Subscriptions += a.subs
		})
	}
	return rows
}

// bestConverting sorts rows by subscriptions, then registrations, wall
// views and views, most first, then by key, and keeps the first limit.
func bestConverting(rows []masthead.Conversion, limit int) []masthead.Conversion {
	slices.SortFunc(rows, func(a, b masthead.Conversion) int {
		for _, c := range [][2]int64{{a.Subscriptions, b.Subscriptions}, {a.Registrations, b.Registrations},
			{a.WallViews, b.WallViews}, {a.Views, b.Views}} {
			if c[0] != c[1] {
				return cmp.Compare(c[1], c[0])
			}
		}
		return strings.Compare(a.Key, b.Key)
	})
	return rows[:min(len(rows), limit)]
}

type topicName struct{ slug, name string }

// topicsOf returns the topics of the articles, by article id, reading
// article_topics for those articles alone.
func (db *DB) topicsOf(ctx context.Context, arts []*articleCounts) (map[int64][]topicName, error) {
	// Always topicChunk ids, the last repeated to fill the list: one
	// statement, prepared once.
	const topicChunk = 250
	query := `SELECT at.article_id, t.slug, t.name FROM article_topics at JOIN topics t ON t.id = at.topic_id
		WHERE at.article_id IN (` + strings.Repeat("?, ", topicChunk-1) + `?)`
	out := map[int64][]topicName{}
	for len(arts) > 0 {
		n := min(len(arts), topicChunk)
		args := make([]any, topicChunk)
		for i := range args {
			args[i] = arts[min(i, n-1)].id
		}
		rs, err := db.r.query(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("store: insight articles: topics: %w", err)
		}
		for rs.Next() {
			var (
				id int64
				t  topicName
			)
			if err := rs.Scan(&id, &t.slug, &t.name); err != nil {
				rs.Close()
				return nil, fmt.Errorf("store: insight articles: topics: %w", err)
			}
			out[id] = append(out[id], t)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("store: insight articles: topics: %w", err)
		}
		arts = arts[n:]
	}
	return out, nil
}
