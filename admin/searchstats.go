package admin

import (
	"context"
	"fmt"
	"html/template"
	"strconv"

	"masthead"
)

// The dashboard's search section (docs/insights.md, "What readers search
// for"): the queries searched most, those that found nothing (what the
// library lacks, or what its tags do not call by that name), and the
// results opened by where they stood. The counts name no reader.

// searchRows bounds the tables of queries on the page; the CSVs hold
// more.
const searchRows = 15

// searchView is the section's numbers and chart.
type searchView struct {
	masthead.SearchStats
	ZeroShare    string // of searches, as a percentage
	ClickThrough string // results opened per search, as a percentage
	Chart        template.HTML
}

// searchSection reads the search numbers of the range into v.
func (h *Handler) searchSection(ctx context.Context, rng masthead.InsightRange, v *dashboardView) error {
	st, err := h.deps.Insights.SearchStats(ctx, rng, searchRows)
	if err != nil {
		return fmt.Errorf("admin: dashboard: %w", err)
	}
	v.Search = searchView{SearchStats: st, ZeroShare: percent(st.Zero, st.Searches), ClickThrough: percent(st.Clicks, st.Searches)}
	var labels []string
	var values []float64
	for _, p := range st.Positions {
		labels = append(labels, strconv.Itoa(p.Position))
		values = append(values, float64(p.Clicks))
	}
	v.Search.Chart = barChart("chart-search-clicks", "Results opened by position",
		"How many results were opened at each position of the search results; the table below has the numbers.", labels, values, "")
	return nil
}

// percent is n of total as a percentage with one decimal, or "–".
func percent(n, total int64) string {
	if total == 0 {
		return "–"
	}
	return strconv.FormatFloat(roundTo(100*float64(n)/float64(total), 1), 'f', 1, 64) + " %"
}

// searchCSV writes the records of searches.csv and search-clicks.csv.
func (h *Handler) searchCSV(ctx context.Context, name string, rng masthead.InsightRange) ([][]string, error) {
	st, err := h.deps.Insights.SearchStats(ctx, rng, 10_000)
	if err != nil {
		return nil, err
	}
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	var recs [][]string
	if name == "search-clicks" {
		recs = append(recs, []string{"position", "clicks"})
		for _, p := range st.Positions {
			recs = append(recs, []string{strconv.Itoa(p.Position), i(p.Clicks)})
		}
		return recs, nil
	}
	recs = append(recs, []string{"query", "searches", "no_results"})
	for _, q := range st.Top {
		recs = append(recs, []string{q.Query, i(q.Searches), i(q.Zero)})
	}
	return recs, nil
}
