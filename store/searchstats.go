package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"masthead"
)

// Search analytics (docs/insights.md, "What readers search for"). Search
// events arrive with the dashboard's other events, in the batches of each
// instance's buffer (package insights), and are added at once to the
// counts of their day: one row per day and query, one per day and
// position clicked. No raw event is kept, so there is nothing to roll
// up; the rows past the insights retention are deleted by the hourly
// rollup (PruneSearchStats).

// recordSearches adds a batch of search events to the daily counts.
func (t *tx) recordSearches(ctx context.Context, evs []masthead.InsightEvent) error {
	type dayQuery struct {
		day   int64
		query string
	}
	type dayPos struct {
		day int64
		pos int
	}
	queries := map[dayQuery][2]int64{}
	clicks := map[dayPos]int64{}
	for _, e := range evs {
		day := micros(e.At) / dayMicros * dayMicros
		n := max(e.Count, 1)
		switch e.Kind {
		case masthead.InsightSearch, masthead.InsightSearchZero:
			if e.Query == "" {
				continue
			}
			k := dayQuery{day, e.Query}
			c := queries[k]
			if e.Kind == masthead.InsightSearch {
				c[0] += n
			} else {
				c[1] += n
			}
			queries[k] = c
		case masthead.InsightSearchClick:
			if e.Position < 1 {
				continue
			}
			clicks[dayPos{day, min(e.Position, masthead.MaxSearchPosition)}] += n
		}
	}
	// In a fixed order, so that two instances' batches lock rows in the
	// same order on PostgreSQL.
	qs := make([]dayQuery, 0, len(queries))
	for k := range queries {
		qs = append(qs, k)
	}
	sort.Slice(qs, func(i, j int) bool {
		if qs[i].day != qs[j].day {
			return qs[i].day < qs[j].day
		}
		return qs[i].query < qs[j].query
	})
	for _, k := range qs {
		c := queries[k]
		if _, err := t.exec(ctx, `INSERT INTO search_daily (day, query, searches, zero) VALUES (?, ?, ?, ?)
			ON CONFLICT (day, query) DO UPDATE SET searches = search_daily.searches + excluded.searches,
				zero = search_daily.zero + excluded.zero`, k.day, k.query, c[0], c[1]); err != nil {
			return fmt.Errorf("store: record searches: %w", err)
		}
	}
	ps := make([]dayPos, 0, len(clicks))
	for k := range clicks {
		ps = append(ps, k)
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].day != ps[j].day {
			return ps[i].day < ps[j].day
		}
		return ps[i].pos < ps[j].pos
	})
	for _, k := range ps {
		if _, err := t.exec(ctx, `INSERT INTO search_clicks_daily (day, position, n) VALUES (?, ?, ?)
			ON CONFLICT (day, position) DO UPDATE SET n = search_clicks_daily.n + excluded.n`, k.day, k.pos, clicks[k]); err != nil {
			return fmt.Errorf("store: record search clicks: %w", err)
		}
	}
	return nil
}

// SearchStats returns what readers searched for over the range: totals,
// the limit queries searched most, the limit searched most that found
// nothing, and the results opened by position.
func (db *DB) SearchStats(ctx context.Context, r masthead.InsightRange, limit int) (masthead.SearchStats, error) {
	var st masthead.SearchStats
	if limit <= 0 {
		limit = 20
	}
	from, to := dayRange(r)
	if err := db.r.row(ctx, `SELECT COALESCE(SUM(searches), 0), COALESCE(SUM(zero), 0) FROM search_daily WHERE day >= ? AND day < ?`,
		from, to).Scan(&st.Searches, &st.Zero); err != nil {
		return st, fmt.Errorf("store: search stats: %w", err)
	}
	for _, q := range []struct {
		into *[]masthead.QueryCount
		cond string
		by   string
	}{
		{&st.Top, ``, `2 DESC`},
		{&st.NoResults, ` HAVING SUM(zero) > 0`, `3 DESC, 2 DESC`},
	} {
		rows, err := db.r.query(ctx, `SELECT query, SUM(searches), SUM(zero) FROM search_daily WHERE day >= ? AND day < ?
			GROUP BY query`+q.cond+` ORDER BY `+q.by+`, 1 LIMIT ?`, from, to, limit)
		if err != nil {
			return st, fmt.Errorf("store: search stats: %w", err)
		}
		for rows.Next() {
			var c masthead.QueryCount
			if err := rows.Scan(&c.Query, &c.Searches, &c.Zero); err != nil {
				rows.Close()
				return st, fmt.Errorf("store: search stats: %w", err)
			}
			*q.into = append(*q.into, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return st, fmt.Errorf("store: search stats: %w", err)
		}
	}
	rows, err := db.r.query(ctx, `SELECT position, SUM(n) FROM search_clicks_daily WHERE day >= ? AND day < ?
		GROUP BY position ORDER BY position`, from, to)
	if err != nil {
		return st, fmt.Errorf("store: search clicks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p masthead.PositionClicks
		if err := rows.Scan(&p.Position, &p.Clicks); err != nil {
			return st, fmt.Errorf("store: search clicks: %w", err)
		}
		// Every position up to the deepest, zeros included.
		for n := len(st.Positions) + 1; n < p.Position; n++ {
			st.Positions = append(st.Positions, masthead.PositionClicks{Position: n})
		}
		st.Positions = append(st.Positions, p)
		st.Clicks += p.Clicks
	}
	return st, rows.Err()
}

// PruneSearchStats deletes the search counts of the days before the given
// time, as the rollup does with raw events past the retention.
func (db *DB) PruneSearchStats(ctx context.Context, before time.Time) (int64, error) {
	b := micros(before.UTC().Truncate(24 * time.Hour))
	var n int64
	err := db.write(ctx, func(t *tx) error {
		n = 0
		for _, table := range []string{"search_daily", "search_clicks_daily"} {
			res, err := t.exec(ctx, `DELETE FROM `+table+` WHERE day < ?`, b)
			if err != nil {
				return fmt.Errorf("store: prune search stats: %w", err)
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	return n, err
}
