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

// crawlerHours is the AI crawlers' requests per hour, family and
// decision.
var crawlerHours = newCounterTable("crawler_hours", []string{"hour", "family", "decision"}, []string{"n"})

// crawlerCounts adds up a batch's crawler events into the rows to add to
// crawler_hours.
func crawlerCounts(evs []masthead.InsightEvent) [][]any {
	type key struct {
		hour             int64
		family, decision string
	}
	sums := counts[key]{}
	for _, e := range evs {
		if e.Family == "" || e.Decision == "" {
			continue
		}
		sums.add(key{bucket(micros(e.At), hourMicros), e.Family, e.Decision}, max(e.Count, 1))
	}
	return sums.rows(func(k key) []any { return []any{k.hour, k.family, k.decision} })
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
	return db.deleteRows(ctx, "prune crawler traffic", `DELETE FROM crawler_hours WHERE hour < ?`, micros(before))
}
