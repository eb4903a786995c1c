package admin

import (
	"context"
	"fmt"

	"masthead"
)

// The dashboard's AI crawler section (docs/licensing.md): every article
// request whose user agent claims an AI crawler family, by family and by
// what it got (full text, teaser, refused, 402, licensed, spoofed),
// counted per hour as the requests arrive.

// CrawlerTrafficStore sums the AI crawlers' hourly counts. *store.DB
// implements it.
type CrawlerTrafficStore interface {
	CrawlerTraffic(ctx context.Context, r masthead.InsightRange) ([]masthead.CrawlerTraffic, error)
}

// crawlerTrafficView is the section: one row a family, one column a
// decision, and the totals.
type crawlerTrafficView struct {
	Shown     bool
	Decisions []string
	Rows      []crawlerTrafficRow
	Totals    []int64
	Total     int64
}

type crawlerTrafficRow struct {
	Family string // the user agent's name, or "other"
	Counts []int64
	Total  int64
}

// crawlerSection reads the range's crawler traffic into v.
func (h *Handler) crawlerSection(ctx context.Context, rng masthead.InsightRange, v *dashboardView) error {
	if h.deps.Crawlers == nil {
		return nil
	}
	traffic, err := h.deps.Crawlers.CrawlerTraffic(ctx, rng)
	if err != nil {
		return fmt.Errorf("admin: dashboard: crawler traffic: %w", err)
	}
	c := crawlerTrafficView{Shown: true, Decisions: masthead.CrawlerDecisions, Totals: make([]int64, len(masthead.CrawlerDecisions))}
	for _, t := range traffic {
		row := crawlerTrafficRow{Family: crawlerName(t.Family), Total: t.Total}
		for i, d := range masthead.CrawlerDecisions {
			row.Counts = append(row.Counts, t.Counts[d])
			c.Totals[i] += t.Counts[d]
		}
		c.Total += t.Total
		c.Rows = append(c.Rows, row)
	}
	v.Crawlers = c
	return nil
}

// crawlerName is a family as staff know it: its user agent's token.
func crawlerName(family string) string {
	if c, ok := masthead.AICrawlerFamily(family); ok {
		return c.Agent
	}
	return family
}
