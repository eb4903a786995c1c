package admin_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
	"masthead/store"
)

// TestDashboard renders the dashboard over a recorded history and reads
// its CSV downloads back: editors and admins see it, authors get the
// article list at /admin/ and are refused the CSVs.
func TestDashboard(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.with(func(d *admin.Deps) { d.Insights = f.db })
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		editor := f.staff("editor@example.com", masthead.RoleEditor, "")
		author := f.staff("author@example.com", masthead.RoleAuthor, "sam")
		yesterday := t0.Truncate(24*time.Hour).AddDate(0, 0, -1)
		a := f.create(masthead.ArticleInput{Title: "Budget talks collapse", AuthorSlugs: []string{"sam"}, TopicSlugs: []string{"economy"},
			Status: masthead.StatusPublished, PublishedAt: yesterday.AddDate(0, 0, -3)})
		b := f.create(masthead.ArticleInput{Title: "=cmd|' /C calc'!A0", AuthorSlugs: []string{"sam"},
			Status: masthead.StatusPublished, PublishedAt: yesterday.AddDate(0, 0, -3)})
		ids, err := f.db.InsertMembers(ctx, []store.BulkMember{{Email: "reader@example.com", Verified: true, Created: yesterday.Add(9 * time.Hour)}}, "test")
		if err != nil {
			t.Fatal(err)
		}
		at := yesterday.Add(10 * time.Hour)
		if err := f.db.RecordInsights(ctx, []masthead.InsightEvent{
			{Kind: masthead.InsightArticleView, ArticleID: a.ID, At: at, Count: 40},
			{Kind: masthead.InsightWallView, ArticleID: a.ID, At: at, Count: 25},
			{Kind: masthead.InsightRegistration, ArticleID: a.ID, At: at, Count: 3},
			{Kind: masthead.InsightArticleView, ArticleID: b.ID, At: at, Count: 7},
			{Kind: masthead.InsightCheckout, ArticleID: a.ID, MemberID: ids[0], At: at},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.SyncSubscription(ctx, masthead.Subscription{ID: "sub_1", MemberID: ids[0], Status: masthead.StatusActive,
			StartedAt: at.Add(time.Minute), Version: t0}, 0); err != nil {
			t.Fatal(err)
		}

		f.run([]req{
			{name: "admin dashboard", url: "/admin/", cookie: adminC, wantStatus: 200, wantContains: []string{
				"<h1>Dashboard</h1>", `id="chart-funnel"`, `id="chart-daily"`, `id="chart-subscribers"`, `id="chart-mrr"`,
				`id="chart-churn"`, `id="chart-newsletters"`, `id="chart-reads"`, "<title id=\"chart-funnel-t\">Funnel, last 30 days</title>",
				"Wall views 25, registrations 3, verified 1, unlocks 0, checkouts started 1, subscriptions 1.",
				`<rect class="bar"`, `<polyline class="line s1"`, "Budget talks collapse", `<td class="num">40</td>`,
				"0 subscription(s) in this range started from elsewhere", `<dd class="figure__value">$9.00</dd>`,
				`href="/admin/insights/funnel-daily.csv?days=30"`, `aria-current="page">Dashboard`}},
			{name: "a week", url: "/admin/?days=7", cookie: adminC, wantStatus: 200, wantContains: []string{"Funnel, last 7 days"}},
			{name: "an odd range falls back", url: "/admin/?days=13", cookie: adminC, wantStatus: 200, wantContains: []string{"Funnel, last 30 days"}},
			{name: "editor dashboard", url: "/admin/", cookie: editor, wantStatus: 200, wantContains: []string{`id="chart-funnel"`}},
			{name: "author gets the list", url: "/admin/", cookie: author, wantStatus: 200,
				wantContains: []string{"Budget talks collapse"}, wantNotContains: []string{`id="chart-funnel"`, ">Dashboard</a>"}},
			{name: "article list moved", url: "/admin/articles", cookie: adminC, wantStatus: 200,
				wantContains: []string{"Budget talks collapse", `aria-current="page">Articles`}, wantNotContains: []string{`id="chart-funnel"`}},
			{name: "author csv", url: "/admin/insights/funnel-daily.csv", cookie: author, wantStatus: http.StatusForbidden},
			{name: "anonymous csv", url: "/admin/insights/funnel-daily.csv", wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "unknown csv", url: "/admin/insights/secrets.csv", cookie: adminC, wantStatus: http.StatusNotFound},
			{name: "not csv", url: "/admin/insights/funnel-daily", cookie: adminC, wantStatus: http.StatusNotFound},
		})

		day := yesterday.Format(time.DateOnly)
		for _, c := range []struct {
			file string
			want [][]string // rows that must appear
		}{
			{"funnel-daily.csv", [][]string{
				{"start", "wall_views", "registrations", "verified", "unlocks", "checkouts_started", "subscriptions"},
				{day, "25", "3", "1", "0", "1", "1"}}},
			{"conversions-article.csv", [][]string{
				{"slug", "name", "views", "wall_views", "registrations", "subscriptions"},
				{a.Slug, "Budget talks collapse", "40", "25", "3", "1"},
				// A title that reads as a formula is defused.
				{b.Slug, "'=cmd|' /C calc'!A0", "7", "0", "0", "0"},
				{"", "(unattributed)", "", "", "", "0"}}},
			{"conversions-topic.csv", [][]string{{"economy", "Economy", "40", "25", "3", "1"}}},
			{"most-read.csv", [][]string{{a.Slug, "Budget talks collapse", "40"}}},
			{"revenue.csv", [][]string{{t0.Format("2006-01"), "0", "1", "1", "0", "0.0000", "9.00"}}},
		} {
			w := f.do(req{url: "/admin/insights/" + c.file + "?days=7", cookie: adminC, wantStatus: 200})
			if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", c.file, ct)
			}
			recs, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", c.file, err)
			}
			for _, want := range c.want {
				found := false
				for _, rec := range recs {
					if strings.Join(rec, "\x00") == strings.Join(want, "\x00") {
						found = true
					}
				}
				if !found {
					t.Errorf("%s lacks row %q; got %q", c.file, want, recs)
				}
			}
		}
	})
}
