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

// AI crawler traffic (masthead.InsightCrawler): the crawler events of an
// insights batch are summed per hour, family and decision and added to
// crawler_hours in the batch's transaction; the dashboard sums the hours
// of its window, a few rows an hour however many requests came.

// recordCrawlerHours adds a batch of crawler events to the hourly counts,
// each key once, in a fixed order (as addInsightCounts does).
func (t *tx) recordCrawlerHours(ctx context.Context, evs []masthead.InsightEvent) error {
	type key struct {
		hour             int64
		family, decision string
	}
	sums := map[key]int64{}
	for _, e := range evs {
		if e.Family == "" || e.Decision == "" {
			continue
		}
		at := micros(e.At)
		at -= ((at % hourMicros) + hourMicros) % hourMicros
		sums[key{at, e.Family, e.Decision}] += max(e.Count, 1)
	}
	keys := make([]key, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.hour, b.hour), strings.Compare(a.family, b.family), strings.Compare(a.decision, b.decision))
	})
	for len(keys) > 0 {
		n := min(len(keys), insightBatch)
		var q strings.Builder
		q.WriteString(`INSERT INTO crawler_hours (hour, family, decision, n) VALUES `)
		args := make([]any, 0, n*4)
		for i, k := range keys[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?)")
			args = append(args, k.hour, k.family, k.decision, sums[k])
		}
		q.WriteString(` ON CONFLICT (hour, family, decision) DO UPDATE SET n = crawler_hours.n + excluded.n`)
		if _, err := t.ExecContext(ctx, t.p.d.q(q.String()), args...); err != nil {
			return fmt.Errorf("store: record crawler traffic: %w", translate(err))
		}
		keys = keys[n:]
	}
	return nil
}

// CrawlerTraffic sums the AI crawlers' requests over r by family and
// decision, the busiest family first.
func (db *DB) CrawlerTraffic(ctx context.Context, r masthead.InsightRange) ([]masthead.CrawlerTraffic, error) {
	rows, err := db.r.query(ctx, `SELECT family, decision, SUM(n) FROM crawler_hours
		WHERE hour >= ? AND hour < ? GROUP BY family, decision`, micros(r.From), micros(r.To))
	if err != nil {
		return nil, fmt.Errorf("store: crawler traffic: %w", err)
	}
	defer rows.Close()
	by := map[string]*masthead.CrawlerTraffic{}
	for rows.Next() {
		var family, decision string
		var n int64
		if err := rows.Scan(&family, &decision, &n); err != nil {
			return nil, fmt.Errorf("store: crawler traffic: %w", err)
		}
		c := by[family]
		if c == nil {
			c = &masthead.CrawlerTraffic{Family: family, Counts: map[string]int64{}}
			by[family] = c
		}
		c.Counts[decision] += n
		c.Total += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: crawler traffic: %w", err)
	}
	out := make([]masthead.CrawlerTraffic, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b masthead.CrawlerTraffic) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), strings.Compare(a.Family, b.Family))
	})
	return out, nil
}

// PruneCrawlerTraffic deletes the hourly crawler counts before before,
// and returns how many rows went.
func (db *DB) PruneCrawlerTraffic(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `DELETE FROM crawler_hours WHERE hour < ?`, micros(before))
		if err != nil {
			return fmt.Errorf("store: prune crawler traffic: %w", translate(err))
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
