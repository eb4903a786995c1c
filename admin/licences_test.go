package admin_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
)

// TestLicences: an admin makes a licence on the API keys page (the key
// shown once, stored hashed, its terms checked field by field), the list
// describes it, and the billing log comes back as CSV, per request and
// per day; editors get neither.
func TestLicences(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.APIKeys, d.Licences = f.db, f.db })
		ctx := context.Background()
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		editor := f.staff("editor@example.com", masthead.RoleEditor, "")
		form := func(kv ...string) url.Values {
			v := url.Values{"kind": {"licence"}, "name": {"AI Lab"}}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		f.run([]req{
			{name: "the form offers licences", url: "/admin/api-keys", cookie: adminC, wantStatus: 200,
				wantContains: []string{`value="licence"`, `name="terms"`, `<option value="gptbot">GPTBot (OpenAI)</option>`,
					`href="/admin/api-keys/usage.csv?per=day"`},
				wantNotContains: []string{`<option value="google-extended">`}},
			{name: "terms that do not parse", url: "/admin/api-keys", cookie: adminC, form: form("terms", "energy"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"topic:slug, column:slug or region:slug", `value="AI Lab"`, `value="energy"`}},
			{name: "a rate that is no number", url: "/admin/api-keys", cookie: adminC, form: form("per_minute", "many"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"A rate is a whole number"}},
			{name: "a last day passed", url: "/admin/api-keys", cookie: adminC, form: form("expires", "2025-05-19"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"would have ended already"}},
			{name: "a last day that is no date", url: "/admin/api-keys", cookie: adminC, form: form("expires", "next year"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"YYYY-MM-DD"}},
			{name: "a robots.txt-only family", url: "/admin/api-keys", cookie: adminC, form: form("family", "google-extended"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"sends its own user agent"}},
			{name: "editors may not export", url: "/admin/api-keys/usage.csv", cookie: editor, wantStatus: http.StatusForbidden},
			{name: "export with a bad day", url: "/admin/api-keys/usage.csv?from=May", cookie: adminC, wantStatus: http.StatusBadRequest},
		})

		w := f.do(req{url: "/admin/api-keys", cookie: adminC,
			form: form("contact", "deals@ai.example", "terms", "topic:energy column:the-long-view", "per_minute", "60",
				"per_hour", "1000", "expires", "2025-12-31", "family", "gptbot"),
			wantStatus: 200, wantContains: []string{"New key: AI Lab", "shown this once", "/articles/…",
				"Licence: topic:energy column:the-long-view; 60 a minute; 1000 an hour; for GPTBot only; last day 31 Dec 2025"}})
		secret := regexp.MustCompile(`mhc_[A-Za-z0-9_-]{43}`).FindString(w.Body.String())
		k, err := f.db.APIKeyByHash(ctx, masthead.HashToken(secret))
		if err != nil || !k.IsLicence() || k.Licence.Contact != "deals@ai.example" || k.Licence.PerHour != 1000 || k.Licence.Family != "gptbot" {
			t.Fatalf("stored licence: %+v, %v", k, err)
		}
		if !k.Licence.ExpiresAt.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, f.loc)) {
			t.Errorf("expires at %v: the licence runs to the end of its last day", k.Licence.ExpiresAt)
		}
		// Past its last day the list says it ended with that day.
		now := f.clock.Now()
		f.clock.Set(time.Date(2026, 1, 1, 0, 0, 0, 0, f.loc))
		f.do(req{url: "/admin/api-keys", cookie: f.staff("admin@example.com", masthead.RoleAdmin, ""), wantStatus: 200,
			wantContains: []string{"for GPTBot only; ended with 31 Dec 2025"}})
		f.clock.Set(now)

		for _, c := range []struct {
			article  int64
			decision string
			bytes    int64
		}{{7, masthead.LicenceFull, 4000}, {8, masthead.LicenceTeaser, 300}, {7, masthead.LicenceFull, 4000}} {
			if _, err := f.db.AdmitLicensed(ctx, k, c.article, c.decision, c.bytes); err != nil {
				t.Fatal(err)
			}
		}
		day := f.clock.Now().UTC().Format("2006-01-02")
		read := func(u string) [][]string {
			t.Helper()
			w := f.do(req{url: u, cookie: adminC, wantStatus: 200})
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("%s: Content-Type %q", u, ct)
			}
			recs, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v\n%s", u, err, w.Body.String())
			}
			return recs
		}
		recs := read("/admin/api-keys/usage.csv")
		if len(recs) != 4 || strings.Join(recs[0], ",") != "time,licence_id,licensee,article_id,article,decision,bytes" ||
			recs[1][2] != "AI Lab" || recs[1][3] != "7" || recs[1][5] != "full" || recs[1][6] != "4000" || recs[2][5] != "teaser" {
			t.Errorf("per request: %v", recs)
		}
		recs = read("/admin/api-keys/usage.csv?per=day&from=" + day + "&to=" + day)
		if len(recs) != 2 || strings.Join(recs[1][2:], ",") != "AI Lab,2,1,0,8300" || recs[1][0] != day {
			t.Errorf("per day: %v", recs)
		}
		if recs := read("/admin/api-keys/usage.csv?key=999"); len(recs) != 1 {
			t.Errorf("another licence's requests: %v", recs)
		}

		// A licensee's name that a spreadsheet would run as a formula is
		// written as text in both exports.
		w = f.do(req{url: "/admin/api-keys", cookie: adminC, form: form("name", "=HYPERLINK(\"https://evil.example\")"), wantStatus: 200})
		bad, err := f.db.APIKeyByHash(ctx, masthead.HashToken(regexp.MustCompile(`mhc_[A-Za-z0-9_-]{43}`).FindString(w.Body.String())))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.AdmitLicensed(ctx, bad, 7, masthead.LicenceFull, 10); err != nil {
			t.Fatal(err)
		}
		want := `'=HYPERLINK("https://evil.example")`
		for _, u := range []string{"/admin/api-keys/usage.csv?key=" + strconv.FormatInt(bad.ID, 10),
			"/admin/api-keys/usage.csv?per=day&key=" + strconv.FormatInt(bad.ID, 10) + "&from=" + day + "&to=" + day} {
			if recs := read(u); len(recs) != 2 || recs[1][2] != want {
				t.Errorf("%s: %v, want the licensee as %s", u, recs, want)
			}
		}

		// The log unreadable: the sums per day fail before a header is
		// set, so the answer is an error page; the rows per request fail
		// after it, and the file says at its end that it stopped.
		if _, err := f.db.SQL().ExecContext(ctx, `DROP TABLE licence_requests`); err != nil {
			t.Fatal(err)
		}
		w = f.do(req{url: "/admin/api-keys/usage.csv?per=day", cookie: adminC, wantStatus: http.StatusInternalServerError})
		if ct, cd := w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"); !strings.HasPrefix(ct, "text/html") || cd != "" {
			t.Errorf("per day, failed: Content-Type %q, Content-Disposition %q: want an error page", ct, cd)
		}
		w = f.do(req{url: "/admin/api-keys/usage.csv", cookie: adminC, wantStatus: 200})
		if body := w.Body.String(); !strings.HasPrefix(body, "time,licence_id,") || !strings.HasSuffix(body, "\n# export stopped: internal error\n") {
			t.Errorf("per request, failed: %q", body)
		}
	})
}

// TestDashboardCrawlers: the dashboard's AI crawler table, by family and
// decision, over the dashboard's window.
func TestDashboardCrawlers(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.Insights, d.Crawlers = f.db, f.db })
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		at := f.clock.Now().Add(-time.Hour)
		ev := func(family, decision string, n int64, at time.Time) masthead.InsightEvent {
			return masthead.InsightEvent{Kind: masthead.InsightCrawler, Family: family, Decision: decision, Count: n, At: at}
		}
		if err := f.db.RecordInsights(context.Background(), []masthead.InsightEvent{
			ev("gptbot", masthead.CrawlerGotPrice, 12, at), ev("gptbot", masthead.CrawlerGotLicensed, 30, at),
			ev("claudebot", masthead.CrawlerGotSpoofed, 4, at),
			// Outside a week's window.
			ev("claudebot", masthead.CrawlerGotRefused, 9, at.AddDate(0, 0, -20)),
		}); err != nil {
			t.Fatal(err)
		}
		f.run([]req{
			{name: "thirty days", url: "/admin/", cookie: adminC, wantStatus: 200, wantContains: []string{
				`<h2 id="h-crawlers">AI crawlers</h2>`,
				`<th scope="col" class="num">full</th><th scope="col" class="num">teaser</th><th scope="col" class="num">refused</th><th scope="col" class="num">price</th><th scope="col" class="num">licensed</th><th scope="col" class="num">spoofed</th>`,
				`<tr><th scope="row">GPTBot</th><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">12</td><td class="num">30</td><td class="num">0</td><td class="num">42</td></tr>`,
				`<tr><th scope="row">ClaudeBot</th><td class="num">0</td><td class="num">0</td><td class="num">9</td><td class="num">0</td><td class="num">0</td><td class="num">4</td><td class="num">13</td></tr>`,
				`<td class="num">55</td></tr></tfoot>`}},
			{name: "a week", url: "/admin/?days=7", cookie: adminC, wantStatus: 200, wantContains: []string{
				`<tr><th scope="row">ClaudeBot</th><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">4</td><td class="num">4</td></tr>`}},
		})
	})
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.Insights, d.Crawlers = f.db, f.db })
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		f.run([]req{{name: "none yet", url: "/admin/", cookie: adminC, wantStatus: 200,
			wantContains: []string{"No AI crawler asked for an article in this range."}}})
	})
}
