package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"masthead"
)

// The publisher's dashboard (docs/insights.md): reader events arrive in
// batches from each instance's buffer (package insights) and are counted
// at once, in the batch's transaction, into hourly and daily totals per
// kind and article; the dashboard reads the daily totals, a few rows a
// day and article however many readers came. Only checkouts (which carry
// the member, for attribution) and registrations are also kept one row
// each, until the retention's end.

// dayMicros is one UTC day in microseconds; times are bucketed by integer
// division, which both engines do the same way on BIGINT.
const dayMicros = int64(24 * time.Hour / time.Microsecond)

// hourMicros is one hour in microseconds.
const hourMicros = int64(time.Hour / time.Microsecond)

// insightBatch bounds the rows of one multi-row INSERT.
const insightBatch = 200

// keptRaw reports whether events of kind k are also kept one row each:
// the kinds whose attribution needs the event itself.
func keptRaw(k masthead.InsightKind) bool {
	return k == masthead.InsightCheckout || k == masthead.InsightRegistration
}

// insightCount is one row of insight_daily.
type insightCount struct {
	at        int64 // the hour's or the day's first microsecond
	kind      masthead.InsightKind
	articleID int64
	n         int64
}

// splitEvents separates the events of a batch whose kind is taken (the
// searches, the crawlers' requests, the reads, each written to tables of
// their own) from the rest.
func splitEvents(evs []masthead.InsightEvent, taken func(masthead.InsightKind) bool) (rest, took []masthead.InsightEvent) {
	for _, e := range evs {
		if taken(e.Kind) {
			took = append(took, e)
		} else {
			rest = append(rest, e)
		}
	}
	return rest, took
}

func isKind(k masthead.InsightKind) func(masthead.InsightKind) bool {
	return func(e masthead.InsightKind) bool { return e == k }
}

// RecordInsights stores a batch of events in one transaction: their counts
// added to the hour and the day of each (kind, article), the events of
// the kinds kept raw as rows, and the reads in the members' reading
// histories (follows.go). Unknown kinds are refused before anything is
// written.
func (db *DB) RecordInsights(ctx context.Context, evs []masthead.InsightEvent) error {
	for _, e := range evs {
		if !e.Kind.Valid() {
			return masthead.Errorf(masthead.EINVALID, "insights: unknown event kind %q", e.Kind)
		}
	}
	w := prepareInsights(evs)
	if w.empty() {
		return nil
	}
	return db.write(ctx, func(t *tx) error { return w.write(ctx, t) })
}

// insightWrite is a batch made ready to write: its events added up by
// key, sorted and turned into rows before the transaction begins, so
// that the transaction, which on SQLite holds the one writer every
// request's write waits for, only runs its statements (docs/insights.md,
// "What a batch costs").
type insightWrite struct {
	queries, clicks [][]any // search_daily, search_clicks_daily
	crawlers        [][]any // crawler_hours
	reads           readRows
	hours           [][]any        // insight_hours
	days            []insightCount // insight_daily, by day
	totals, site    [][]any        // insight_totals, insight_site_daily
	raw             [][]any        // insight_events
}

// prepareInsights sorts a batch's events by where they are written and
// adds them up.
func prepareInsights(evs []masthead.InsightEvent) *insightWrite {
	evs, searches := splitEvents(evs, masthead.InsightKind.Search)
	evs, crawls := splitEvents(evs, isKind(masthead.InsightCrawler))
	evs, reads := splitEvents(evs, isKind(masthead.InsightRead))
	w := &insightWrite{crawlers: crawlerCounts(crawls), reads: readsOf(reads)}
	w.queries, w.clicks = searchCounts(searches)
	if len(evs) == 0 {
		return w
	}
	// A batch holds many events of one article and hour (the page
	// cache's counts, a popular article): each key is written once.
	hours := counts[insightKey]{}
	for _, e := range evs {
		hours.add(insightKey{bucket(micros(e.At), hourMicros), e.Kind, e.ArticleID}, max(e.Count, 1))
		if keptRaw(e.Kind) {
			w.raw = append(w.raw, []any{string(e.Kind), nullID(e.ArticleID), nullID(e.MemberID), max(e.Count, 1), micros(e.At)})
		}
	}
	w.hours = hours.rows(insightKey.values)
	w.days = sumInsights(evs, dayMicros)
	w.totals, w.site = dailyTotals(w.days), siteDaily(w.days)
	return w
}

func (w *insightWrite) empty() bool {
	return len(w.queries)+len(w.clicks)+len(w.crawlers)+len(w.reads.keys)+len(w.hours) == 0
}

// write runs the batch's statements, a dozen for a typical batch of
// every kind: each table's rows in one statement of up to insightBatch
// rows.
func (w *insightWrite) write(ctx context.Context, t *tx) error {
	for _, c := range []struct {
		tab  *counterTable
		rows [][]any
	}{{searchDaily, w.queries}, {searchClicksDaily, w.clicks}, {crawlerHours, w.crawlers}, {insightHours, w.hours}, {insightSiteDaily, w.site}} {
		if err := t.addCounts(ctx, c.tab, c.rows); err != nil {
			return err
		}
	}
	if err := t.recordReads(ctx, w.reads); err != nil {
		return err
	}
	if len(w.days) == 0 {
		return nil
	}
	err := t.execRows(ctx, `INSERT INTO insight_events (kind, article_id, member_id, n, at) VALUES `, "(?, ?, ?, ?, ?)", ``,
		len(w.raw), insightBatch, func(into []any, i int) []any { return append(into, w.raw[i]...) })
	if err != nil {
		return fmt.Errorf("store: record insights: %w", err)
	}
	if err := t.addInsightTotals(ctx, w.totals); err != nil {
		return err
	}
	// The running totals (insighttotals.go) read what is already counted
	// before adding to it: on PostgreSQL, batches of several instances
	// take turns, so none adds to a total another's uncommitted batch is
	// changing (SQLite's one writer already serialises them). The lock
	// is held from here to the commit, so it is taken last, for the
	// daily rows alone: everything above only adds to counts, in an
	// order that makes no difference.
	if t.p.d.lockName != "" {
		if _, err := t.exec(ctx, t.p.d.lockName, "insight-counts"); err != nil {
			return fmt.Errorf("store: record insights: lock: %w", translate(err))
		}
	}
	return t.addDays(ctx, w.days)
}

// insightKey is the key of insight_hours and insight_daily: the hour's
// or the day's first microsecond, the kind and the article (0: none).
type insightKey struct {
	at        int64
	kind      masthead.InsightKind
	articleID int64
}

func (k insightKey) values() []any { return []any{k.at, string(k.kind), k.articleID} }

// insightHours is the counts per hour, kind and article.
var insightHours = newCounterTable("insight_hours", []string{"hour", "kind", "article_id"}, []string{"n"})

// bucket returns the first microsecond of the bucket of size micros
// (an hour, a day) that at falls in.
func bucket(at, size int64) int64 { return at - ((at%size)+size)%size }

// sumInsights adds up the events by (bucket, kind, article), buckets of
// size micros, in a stable order (PostgreSQL refuses a multi-row upsert
// that names one key twice, and a fixed order keeps concurrent batches
// from locking keys in opposite orders).
func sumInsights(evs []masthead.InsightEvent, size int64) []insightCount {
	sums := map[insightKey]int64{}
	for _, e := range evs {
		sums[insightKey{bucket(micros(e.At), size), e.Kind, e.ArticleID}] += max(e.Count, 1)
	}
	out := make([]insightCount, 0, len(sums))
	for k, n := range sums {
		out = append(out, insightCount{at: k.at, kind: k.kind, articleID: k.articleID, n: n})
	}
	slices.SortFunc(out, func(a, b insightCount) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.kind), string(b.kind)); c != 0 {
			return c
		}
		return cmp.Compare(a.articleID, b.articleID)
	})
	return out
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// RollupInsights applies the retention at before, in one transaction:
// subscriptions that started before it are attributed first, while their
// checkout events still exist, so the dashboard keeps their article; then
// the hourly counts and the raw events before it are deleted. The daily
// counts, written with the events, stay.
func (db *DB) RollupInsights(ctx context.Context, before time.Time) (masthead.InsightRollup, error) {
	var r masthead.InsightRollup
	b := micros(before)
	err := db.write(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO insight_subscriptions (subscription_id, article_id, started_at)
			SELECT s.id, `+checkoutArticle+`, s.started_at
			FROM subscriptions s WHERE s.started_at IS NOT NULL AND s.started_at < ?
			ON CONFLICT (subscription_id) DO NOTHING`, b); err != nil {
			return fmt.Errorf("store: roll up insights: attribute: %w", err)
		}
		// Only whole hours go: an hour's row counts events up to its end.
		res, err := t.exec(ctx, `DELETE FROM insight_hours WHERE hour < ?`, b-hourMicros+1)
		if err != nil {
			return fmt.Errorf("store: roll up insights: hours: %w", err)
		}
		r.Hours, _ = res.RowsAffected()
		res, err = t.exec(ctx, `DELETE FROM insight_events WHERE at < ?`, b)
		if err != nil {
			return fmt.Errorf("store: roll up insights: delete: %w", err)
		}
		r.Events, _ = res.RowsAffected()
		return nil
	})
	return r, err
}

// checkoutArticle is the article of subscription s: the one its member's
// last checkout before it started came back to.
const checkoutArticle = `(SELECT e.article_id FROM insight_events e
	WHERE e.member_id = s.member_id AND e.kind = 'checkout' AND e.at <= s.started_at AND e.article_id IS NOT NULL
	ORDER BY e.at DESC LIMIT 1)`

// dayRange returns the range as whole UTC days in microseconds.
func dayRange(r masthead.InsightRange) (from, to int64) {
	from = micros(r.From.UTC().Truncate(24 * time.Hour))
	to = micros(r.To.UTC().Truncate(24 * time.Hour))
	if to <= from {
		to = from + dayMicros
	}
	return from, to
}

// InsightFunnel returns the funnel per day, or per week (starting on
// Mondays) when weekly is set, for every day or week of the range, zeros
// included.
func (db *DB) InsightFunnel(ctx context.Context, r masthead.InsightRange, weekly bool) ([]masthead.FunnelPoint, error) {
	from, to := dayRange(r)
	days := map[int64]*masthead.FunnelPoint{}
	var order []int64
	for d := from; d < to; d += dayMicros {
		days[d] = &masthead.FunnelPoint{Start: time.UnixMicro(d).UTC()}
		order = append(order, d)
	}
	add := func(query string, args []any, set func(p *masthead.FunnelPoint, kind string, n int64)) error {
		rows, err := db.r.query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store: insight funnel: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				day  int64
				kind string
				n    int64
			)
			if err := rows.Scan(&day, &kind, &n); err != nil {
				return fmt.Errorf("store: insight funnel: %w", err)
			}
			if p := days[day]; p != nil {
				set(p, kind, n)
			}
		}
		return rows.Err()
	}
	// The site's counts per day and kind: four rows a day, whatever the
	// number of articles read.
	if err := add(`SELECT day, kind, n FROM insight_site_daily
		WHERE day >= ? AND day < ? AND kind IN ('wall_view', 'registration', 'unlock', 'checkout')`,
		[]any{from, to}, func(p *masthead.FunnelPoint, kind string, n int64) {
			switch masthead.InsightKind(kind) {
			case masthead.InsightWallView:
				p.WallViews += n
			case masthead.InsightRegistration:
				p.Registrations += n
			case masthead.InsightUnlock:
				p.Unlocks += n
			case masthead.InsightCheckout:
				p.Checkouts += n
			}
		}); err != nil {
		return nil, err
	}
	// Staff are members too, but never readers in the funnel.
	if err := add(`SELECT (verified_at / 86400000000) * 86400000000, 'verified', COUNT(*) FROM members
		WHERE verified_at >= ? AND verified_at < ? AND role = '' GROUP BY (verified_at / 86400000000) * 86400000000`,
		[]any{from, to}, func(p *masthead.FunnelPoint, _ string, n int64) { p.Verified += n }); err != nil {
		return nil, err
	}
	if err := add(`SELECT (started_at / 86400000000) * 86400000000, 'subscription', COUNT(*) FROM subscriptions
		WHERE started_at >= ? AND started_at < ? GROUP BY (started_at / 86400000000) * 86400000000`,
		[]any{from, to}, func(p *masthead.FunnelPoint, _ string, n int64) { p.Subscriptions += n }); err != nil {
		return nil, err
	}
	out := make([]masthead.FunnelPoint, 0, len(order))
	for _, d := range order {
		p := *days[d]
		if weekly {
			start := weekStart(p.Start)
			if n := len(out); n > 0 && out[n-1].Start.Equal(start) {
				w := &out[n-1]
				w.WallViews += p.WallViews
				w.Registrations += p.Registrations
				w.Verified += p.Verified
				w.Unlocks += p.Unlocks
				w.Checkouts += p.Checkouts
				w.Subscriptions += p.Subscriptions
				continue
			}
			p.Start = start
		}
		out = append(out, p)
	}
	return out, nil
}

// weekStart is the Monday of t's week, at midnight UTC.
func weekStart(t time.Time) time.Time {
	t = t.UTC().Truncate(24 * time.Hour)
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

// Conversion groupings for InsightConversions.
const (
	ByArticle = "article"
	ByColumn  = "column"
	ByTopic   = "topic"
)

// InsightConversions returns, per article, column or topic (by), the
// views, wall views and registrations from its wall over the range, and
// the subscriptions that started in the range whose checkout came from
// it, best converting first, at most limit rows. unattributed counts the
// subscriptions whose checkout named no article (from the pricing or
// account page, or before events were recorded). An article in several
// topics counts in each. The dashboard, which shows all three and the
// most read, asks InsightArticles once instead.
func (db *DB) InsightConversions(ctx context.Context, r masthead.InsightRange, by string, limit int) (rows []masthead.Conversion, unattributed int64, err error) {
	if by != ByArticle && by != ByColumn && by != ByTopic {
		return nil, 0, masthead.Errorf(masthead.EINVALID, "insights: unknown grouping %q", by)
	}
	if limit <= 0 {
		limit = 20
	}
	a, err := db.insightArticles(ctx, r, by, limit, 0)
	if err != nil {
		return nil, 0, err
	}
	switch by {
	case ByColumn:
		rows = a.ByColumn
	case ByTopic:
		rows = a.ByTopic
	default:
		rows = a.ByArticle
	}
	return rows, a.Unattributed, nil
}

// InsightTopArticles returns the most read articles over the range.
func (db *DB) InsightTopArticles(ctx context.Context, r masthead.InsightRange, limit int) ([]masthead.ArticleReads, error) {
	if limit <= 0 {
		limit = 10
	}
	a, err := db.insightArticles(ctx, r, "", 0, limit)
	return a.MostRead, err
}

// Steps of InsightSubscribers.
const (
	StepDay   = "day"
	StepWeek  = "week"
	StepMonth = "month"
)

// InsightSubscribers returns, for each day, week or month (step) of the
// range, the subscriptions active at its end with their monthly recurring
// revenue, those that started and ended in it, and those active at its
// start (churn is Ended / ActiveStart). A subscription is active from
// started_at until ended_at; incomplete ones never are. Its monthly amount
// is its plan's (matched by Stripe Price id; a yearly price counts a
// twelfth), or the cheapest monthly plan's when the price matches none.
func (db *DB) InsightSubscribers(ctx context.Context, r masthead.InsightRange, step string) ([]masthead.SubscriberPoint, error) {
	from, to := dayRange(r)
	monthly, err := db.monthlyAmounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: insight subscribers: %w", err)
	}
	rs, err := db.r.query(ctx, `SELECT s.started_at, s.ended_at, s.price_id
		FROM subscriptions s
		WHERE s.started_at IS NOT NULL AND s.started_at < ? AND (s.ended_at IS NULL OR s.ended_at >= ?)
			AND s.status NOT IN ('incomplete', 'incomplete_expired')`, to, from)
	if err != nil {
		return nil, fmt.Errorf("store: insight subscribers: %w", err)
	}
	defer rs.Close()
	type sub struct {
		start, end int64
		amount     masthead.Money
	}
	var subs []sub
	for rs.Next() {
		var (
			s     sub
			end   = new(int64)
			price string
		)
		if err := rs.Scan(&s.start, &end, &price); err != nil {
			return nil, fmt.Errorf("store: insight subscribers: %w", err)
		}
		s.amount = monthly.of(price)
		s.end = -1
		if end != nil {
			s.end = *end
		}
		subs = append(subs, s)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: insight subscribers: %w", err)
	}
	active := func(s sub, t int64) bool { return s.start <= t && (s.end < 0 || s.end > t) }
	var out []masthead.SubscriberPoint
	start := time.UnixMicro(from).UTC()
	switch step {
	case StepWeek:
		start = weekStart(start)
	case StepMonth:
		start = time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	for t := start; micros(t) < to; {
		var next time.Time
		switch step {
		case StepWeek:
			next = t.AddDate(0, 0, 7)
		case StepMonth:
			next = t.AddDate(0, 1, 0)
		default:
			next = t.AddDate(0, 0, 1)
		}
		a, b := micros(t), micros(next)
		p := masthead.SubscriberPoint{At: t}
		for _, s := range subs {
			if active(s, a) {
				p.ActiveStart++
			}
			if active(s, b-1) {
				p.Active++
				p.MRR = addMoney(p.MRR, s.amount)
			}
			if s.start >= a && s.start < b {
				p.Started++
			}
			if s.end >= a && s.end < b {
				p.Ended++
			}
		}
		sortMoney(p.MRR)
		out = append(out, p)
		t = next
	}
	return out, nil
}

// InsightNewsletters returns the delivery of the issues whose sending
// started in the range, oldest first: sent, bounced and unsubscribed
// through the issue's link.
func (db *DB) InsightNewsletters(ctx context.Context, r masthead.InsightRange) ([]masthead.NewsletterPoint, error) {
	from, to := dayRange(r)
	rs, err := db.r.query(ctx, `SELECT i.id, n.name, i.subject, COALESCE(i.started_at, i.send_at, i.created_at), i.n_sent, i.n_bounced, i.n_unsubscribed
		FROM newsletter_issues i JOIN newsletters n ON n.id = i.newsletter_id
		WHERE i.status IN ('sending', 'paused', 'sent') AND COALESCE(i.started_at, i.send_at, i.created_at) >= ?
			AND COALESCE(i.started_at, i.send_at, i.created_at) < ?
		ORDER BY 4, 1`, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: insight newsletters: %w", err)
	}
	defer rs.Close()
	var out []masthead.NewsletterPoint
	for rs.Next() {
		var (
			p  masthead.NewsletterPoint
			at int64
		)
		if err := rs.Scan(&p.IssueID, &p.Newsletter, &p.Subject, &at, &p.Sent, &p.Bounced, &p.Unsubscribed); err != nil {
			return nil, fmt.Errorf("store: insight newsletters: %w", err)
		}
		p.SentAt = time.UnixMicro(at).UTC()
		out = append(out, p)
	}
	return out, rs.Err()
}

// InsightHeadline returns the dashboard's first figures over the range
// from r.From until now: the paid subscriptions active at each end, those
// that started in it, those of the start's that ended in it, and the
// monthly recurring revenue now per currency. Subscriptions count as in
// InsightSubscribers; each takes its plan's currency (matched by Stripe
// Price id, else the cheapest monthly plan's), and currencies are never
// added together.
func (db *DB) InsightHeadline(ctx context.Context, r masthead.InsightRange, now time.Time) (masthead.InsightHeadline, error) {
	var h masthead.InsightHeadline
	from, at := micros(r.From.UTC().Truncate(24*time.Hour)), micros(now)
	monthly, err := db.monthlyAmounts(ctx)
	if err != nil {
		return h, fmt.Errorf("store: insight headline: %w", err)
	}
	rs, err := db.r.query(ctx, `SELECT s.started_at, s.ended_at, s.price_id FROM subscriptions s
		WHERE s.started_at IS NOT NULL AND s.started_at <= ? AND (s.ended_at IS NULL OR s.ended_at > ?)
			AND s.status NOT IN ('incomplete', 'incomplete_expired')`, at, from)
	if err != nil {
		return h, fmt.Errorf("store: insight headline: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var (
			start int64
			end   *int64
			price string
		)
		if err := rs.Scan(&start, &end, &price); err != nil {
			return h, fmt.Errorf("store: insight headline: %w", err)
		}
		atStart := start <= from
		ended := end != nil && *end <= at
		if atStart {
			h.PayingStart++
			if ended {
				h.Ended++
			}
		} else {
			h.Started++
		}
		if ended {
			continue
		}
		h.Paying++
		h.MRR = addMoney(h.MRR, monthly.of(price))
	}
	if err := rs.Err(); err != nil {
		return h, fmt.Errorf("store: insight headline: %w", err)
	}
	sortMoney(h.MRR)
	return h, nil
}

// monthlyPrices maps a Stripe Price id to the monthly amount it brings in
// (a yearly price a twelfth), with the cheapest monthly plan's for a price
// that matches no plan. The plans table is a handful of rows, read once
// per query rather than joined per subscription.
type monthlyPrices struct {
	byPrice  map[string]masthead.Money
	fallback masthead.Money
}

func (m monthlyPrices) of(price string) masthead.Money {
	if v, ok := m.byPrice[price]; ok && price != "" {
		return v
	}
	return m.fallback
}

func (db *DB) monthlyAmounts(ctx context.Context) (monthlyPrices, error) {
	plans, err := db.Plans(ctx, false)
	if err != nil {
		return monthlyPrices{}, err
	}
	m := monthlyPrices{byPrice: map[string]masthead.Money{}}
	for _, p := range plans {
		v := masthead.Money{Currency: p.Currency, Amount: p.Amount}
		if p.Interval == masthead.IntervalYear {
			v.Amount /= 12
		} else if m.fallback.Currency == "" || p.Amount < m.fallback.Amount {
			m.fallback = v
		}
		if _, ok := m.byPrice[p.StripePriceID]; !ok && p.StripePriceID != "" {
			m.byPrice[p.StripePriceID] = v
		}
	}
	return m, nil
}

// addMoney adds v to the amount of its currency in ms; an amount without
// a currency (no plan at all) adds nothing.
func addMoney(ms []masthead.Money, v masthead.Money) []masthead.Money {
	if v.Currency == "" {
		return ms
	}
	for i := range ms {
		if ms[i].Currency == v.Currency {
			ms[i].Amount += v.Amount
			return ms
		}
	}
	return append(ms, v)
}

// sortMoney puts the largest amount first; equal ones by currency, so the
// order is stable.
func sortMoney(ms []masthead.Money) {
	slices.SortFunc(ms, func(a, b masthead.Money) int {
		if a.Amount != b.Amount {
			return cmp.Compare(b.Amount, a.Amount)
		}
		return strings.Compare(a.Currency, b.Currency)
	})
}
