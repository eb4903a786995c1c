package store

import (
	"context"
	"fmt"
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

// The daily counts of searches and of results opened by position.
var (
	searchDaily       = newCounterTable("search_daily", []string{"day", "query"}, []string{"searches", "zero"})
	searchClicksDaily = newCounterTable("search_clicks_daily", []string{"day", "position"}, []string{"n"})
)

// searchCounts adds up a batch's search events into the rows to add to
// search_daily and search_clicks_daily.
func searchCounts(evs []masthead.InsightEvent) (queries, clicks [][]any) {
	type dayQuery struct {
		day   int64
		query string
	}
	type dayPos struct {
		day int64
		pos int
	}
	qs, cs := counts[dayQuery]{}, counts[dayPos]{}
	for _, e := range evs {
		day := micros(e.At) / dayMicros * dayMicros
		n := max(e.Count, 1)
		switch e.Kind {
		case masthead.InsightSearch, masthead.InsightSearchZero:
			if e.Query == "" {
				continue
			}
			if e.Kind == masthead.InsightSearch {
				qs.add(dayQuery{day, e.Query}, n, 0)
			} else {
				qs.add(dayQuery{day, e.Query}, 0, n)
			}
		case masthead.InsightSearchClick:
			if e.Position < 1 {
				continue
			}
			cs.add(dayPos{day, min(e.Position, masthead.MaxSearchPosition)}, n)
		}
	}
	return qs.rows(func(k dayQuery) []any { return []any{k.day, k.query} }),
		cs.rows(func(k dayPos) []any { return []any{k.day, k.pos} })
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
