package main

import (
	"os"
	"regexp"
	"testing"

	"masthead/store/storetest"
)

// staffLinkRE finds the one-time staff sign-in link serve --demo prints.
var staffLinkRE = regexp.MustCompile(`Sign in to the staff area as admin@example\.com[^\n]*\n\s+(\S+)`)

// chartsJS describes every chart on the page as the browser drew it:
// its id, its rendered size, and how many bars of non-zero width or
// height and line points it holds.
const chartsJS = `[...document.querySelectorAll('svg.chart')].map(s => {
	const r = s.getBoundingClientRect();
	const bars = [...s.querySelectorAll('rect.bar')].filter(b => b.getBBox().width > 0 && b.getBBox().height > 0).length;
	const points = [...s.querySelectorAll('polyline')].reduce((n, p) => n + p.points.numberOfItems, 0);
	return {id: s.id, width: r.width, height: r.height, bars: bars, points: points,
		title: (s.querySelector('title') || {}).textContent || ''};
})`

type drawnChart struct {
	ID     string  `json:"id"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Bars   int     `json:"bars"`
	Points int     `json:"points"`
	Title  string  `json:"title"`
}

// TestBrowserDashboard signs in to the demo's staff area in Chromium and
// checks that the dashboard's SVG charts are drawn from the demo's data:
// each has a size on screen, a title, and bars or line points.
func TestBrowserDashboard(t *testing.T) {
	browserCtx := browser(t, chromiumPath(t))
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			// Chromium opens spare connections ahead of need; the server
			// counts one that never sent a request as idle only once it
			// is five seconds old, so stopping takes up to that long.
			inst := startServe(t, "--db", storetest.DSN(t, engine), "--demo", "--demo-articles", "60", "--shutdown-grace", "15s")
			b := openTab(t, browserCtx)
			signInStaff(t, b, inst)
			if h := b.text("main h1"); h != "Dashboard" {
				t.Fatalf("after signing in: %q, want the dashboard", h)
			}
			charts := eval[[]drawnChart](b, chartsJS)
			want := map[string]string{ // id → what it must show: bars or points
				"chart-funnel": "bars", "chart-daily": "points", "chart-subscribers": "points",
				"chart-mrr": "bars", "chart-churn": "bars", "chart-reads": "bars",
			}
			seen := map[string]bool{}
			for _, c := range charts {
				seen[c.ID] = true
				if c.Width < 100 || c.Height < 50 || c.Title == "" {
					t.Errorf("chart %s drawn %.0f×%.0f with title %q", c.ID, c.Width, c.Height, c.Title)
				}
				switch want[c.ID] {
				case "bars":
					if c.Bars == 0 {
						t.Errorf("chart %s has no bars: %s", c.ID, eval[string](b, `document.getElementById('`+c.ID+`').outerHTML.slice(0, 1500)`))
					}
				case "points":
					if c.Points < 2 {
						t.Errorf("chart %s has %d points", c.ID, c.Points)
					}
				}
			}
			for id := range want {
				if !seen[id] {
					t.Errorf("no chart %s on the dashboard; got %+v", id, charts)
				}
			}
			// Every chart has its numbers as a table too.
			if n := eval[int](b, `document.querySelectorAll('main table').length`); n < 5 {
				t.Errorf("%d tables on the dashboard, want one beside each chart", n)
			}
			if engine == "sqlite" {
				b.screenshot("dashboard.png", os.Getenv("MASTHEAD_DASHBOARD_SHOT"))
			}
		})
	}
}
