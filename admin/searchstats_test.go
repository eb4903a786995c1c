package admin_test

import (
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
)

// TestDashboardSearch: the dashboard shows what readers searched for, the
// searches that found nothing and the results opened by position, and
// the CSVs hold the same numbers; a query that looks like a formula is
// defused in the CSV and escaped on the page.
func TestDashboardSearch(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.with(func(d *admin.Deps) { d.Insights = f.db })
		editor := f.staff("editor@example.com", masthead.RoleEditor, "")
		author := f.staff("author@example.com", masthead.RoleAuthor, "sam")
		at := t0.Truncate(24*time.Hour).AddDate(0, 0, -1).Add(10 * time.Hour)
		if err := f.db.RecordInsights(ctx, []masthead.InsightEvent{
			{Kind: masthead.InsightSearch, Query: "budget talks", At: at, Count: 6},
			{Kind: masthead.InsightSearch, Query: "=cmd <b>", At: at, Count: 2},
			{Kind: masthead.InsightSearchZero, Query: "=cmd <b>", At: at, Count: 2},
			{Kind: masthead.InsightSearchClick, Position: 1, At: at, Count: 3},
			{Kind: masthead.InsightSearchClick, Position: 3, At: at},
		}); err != nil {
			t.Fatal(err)
		}
		f.run([]req{
			{name: "search section", url: "/admin/", cookie: editor, wantStatus: 200, wantContains: []string{
				"What readers search for", "8 searches; 2 found nothing (25.0 %); 4 results opened (50.0 %",
				`id="chart-search-clicks"`, `<a href="/search?q=budget%20talks">budget talks</a></th><td class="num">6</td><td class="num">0</td>`,
				"=cmd &lt;b&gt;</a></th><td class=\"num\">2</td>", "<tr><th scope=\"row\">2</th><td class=\"num\">0</td></tr>",
				`href="/admin/insights/searches.csv?days=30"`},
				wantNotContains: []string{"<b>"}},
			{name: "author", url: "/admin/insights/searches.csv", cookie: author, wantStatus: 403},
		})
		for file, want := range map[string][][]string{
			"searches.csv":      {{"query", "searches", "no_results"}, {"budget talks", "6", "0"}, {"'=cmd <b>", "2", "2"}},
			"search-clicks.csv": {{"position", "clicks"}, {"1", "3"}, {"2", "0"}, {"3", "1"}},
		} {
			w := f.do(req{url: "/admin/insights/" + file, cookie: editor, wantStatus: 200})
			recs, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
			if err != nil || !slices.EqualFunc(recs, want, slices.Equal) {
				t.Errorf("%s: %q (%v), want %q", file, recs, err, want)
			}
		}
	})
}
