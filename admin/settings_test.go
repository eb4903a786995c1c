package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"masthead"
	"masthead/admin"
)

func TestSettingsPage(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		// The name in force, as the reader site would keep it: read again
		// when a save says the settings changed, never by a page.
		var name atomic.Value
		name.Store("")
		saves := 0
		f.with(func(d *admin.Deps) {
			d.Settings = f.db
			d.SiteName = func() string { return name.Load().(string) }
			d.SettingsChanged = func(ctx context.Context) {
				saves++
				if s, err := f.db.Settings(ctx); err == nil {
					name.Store(s.Name)
				}
			}
		})
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		editor := f.staff("editor@example.com", masthead.RoleEditor, "")
		f.create(masthead.ArticleInput{Title: "Long read", BodyMarkdown: strings.Repeat("Word after word. ", 200)})
		good := url.Values{"name": {"The Harbour Gazette"}, "accent": {"#0a5c36"}, "footer_links": {"About | /about\nContact | /contact"},
			"meter_credits": {"0"}, "meter_period": {"week"}, "teaser_words": {"20"}}
		f.run([]req{
			{name: "editors may not", url: "/admin/settings", cookie: editor, wantStatus: http.StatusForbidden},
			{name: "page", url: "/admin/settings", cookie: adminC, wantStatus: 200, wantContains: []string{"Site settings", `name="teaser_words"`}},
			{name: "refused, as typed", url: "/admin/settings", cookie: adminC,
				form: url.Values{"name": {"Kept"}, "accent": {"green"}, "footer_links": {"About /about"}, "meter_credits": {"many"},
					"teaser_words": {"5"}, "logo_url": {"https://elsewhere.example/logo.png"}},
				wantStatus: http.StatusBadRequest,
				wantContains: []string{`value="Kept"`, `value="green"`, "six hexadecimal digits", "Label | address", "Credits must be a whole number",
					"from 20 to 1000 words", "a path of this site"}},
			{name: "saved, teasers cut again", url: "/admin/settings", cookie: adminC, form: good,
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/settings?msg=recut&n=1"},
			{name: "shown", url: "/admin/settings", cookie: adminC, wantStatus: 200,
				wantContains: []string{`value="The Harbour Gazette"`, "About | /about", `<option value="week" selected>`, `value="0"`}},
			{name: "the staff header names it", url: "/admin/articles", cookie: editor, wantStatus: 200,
				wantContains: []string{`<a class="brand" href="/admin/">The Harbour Gazette · staff</a>`}},
		})
		if saves != 1 {
			t.Errorf("the settings were said to change %d times, want once (by the one save)", saves)
		}
		s, err := f.db.Settings(context.Background())
		if err != nil || s.MeterCredits == nil || *s.MeterCredits != 0 || s.TeaserWords != 20 || len(s.FooterLinks) != 2 {
			t.Errorf("saved settings %+v, %v", s, err)
		}
	})
}

// TestSettingsAICrawlers: each AI crawler family's policy is chosen on
// the settings page, saved and shown selected; a policy that is not one
// comes back with its message.
func TestSettingsAICrawlers(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.Settings = f.db })
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		f.run([]req{
			{name: "every family, at the teaser", url: "/admin/settings", cookie: adminC, wantStatus: 200,
				wantContains: []string{`<select id="ai_gptbot" name="ai_gptbot">`, "Google-Extended", "Applebot-Extended", "CCBot",
					`<option value="teaser" selected>Teaser only</option>`}},
			{name: "a policy that is none", url: "/admin/settings", cookie: adminC, form: url.Values{"ai_gptbot": {"sometimes"}},
				wantStatus: http.StatusBadRequest, wantContains: []string{"full text, teaser only, refused, or refused with a price"}},
			{name: "saved", url: "/admin/settings", cookie: adminC,
				form:       url.Values{"ai_gptbot": {"refuse"}, "ai_claudebot": {"full"}, "ai_ccbot": {"teaser"}},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/settings?msg=saved"},
			{name: "shown", url: "/admin/settings", cookie: adminC, wantStatus: 200,
				wantContains: []string{`<option value="refuse" selected>Refused</option>`, `<option value="full" selected>Full text</option>`}},
		})
		s, err := f.db.Settings(context.Background())
		if err != nil || s.AIPolicy("gptbot") != masthead.CrawlerRefuse || s.AIPolicy("claudebot") != masthead.CrawlerFull ||
			s.AIPolicy("perplexitybot") != masthead.CrawlerTeaser {
			t.Errorf("saved settings %+v, %v", s.AICrawlers, err)
		}
	})
}

// TestPreviewBudgetInForce: the editor's preview marks the teaser's end
// with the budget in force: a budget saved in the settings moves the
// mark at once, in the live preview and the form's Preview button alike,
// though the staff area was started with another.
func TestPreviewBudgetInForce(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.Settings = f.db })
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		// Twenty paragraphs of thirty words: the teaser ends after a
		// whole paragraph, at the budget.
		para := strings.TrimSpace(strings.Repeat("word ", 30))
		body := strings.TrimSpace(strings.Repeat(para+"\n\n", 20))
		f.do(req{name: "the budget started with", url: "/admin/preview", cookie: adminC, form: url.Values{"body": {body}},
			wantStatus: 200, wantContains: []string{"readers without access see the first 150 words"}})
		f.do(req{name: "budget changed", url: "/admin/settings", cookie: adminC, form: url.Values{"teaser_words": {"60"}},
			wantStatus: http.StatusSeeOther})
		f.do(req{name: "live preview follows", url: "/admin/preview", cookie: adminC, form: url.Values{"body": {body}},
			wantStatus: 200, wantContains: []string{"readers without access see the first 60 words"},
			wantNotContains: []string{"first 150 words"}})
		f.do(req{name: "Preview button follows", url: "/admin/articles/new", cookie: adminC,
			form: articleForm("preview", "title", "Long", "body", body), wantStatus: 200,
			wantContains: []string{"readers without access see the first 60 words"}})
		f.do(req{name: "budget emptied", url: "/admin/settings", cookie: adminC, form: url.Values{"teaser_words": {""}},
			wantStatus: http.StatusSeeOther})
		f.do(req{name: "back to the instance's", url: "/admin/preview", cookie: adminC, form: url.Values{"body": {body}},
			wantStatus: 200, wantContains: []string{"readers without access see the first 150 words"}})
	})
}

// TestSettingsSearchRecency: how much search favours recent articles is
// chosen from a list, saved and shown selected; a value not in the list
// comes back with its message.
func TestSettingsSearchRecency(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.Settings = f.db })
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		f.run([]req{
			{name: "not set", url: "/admin/settings", cookie: adminC, wantStatus: 200,
				wantContains: []string{`<select id="search_recency" name="search_recency"`, `<option value="" selected>Not set (a little)</option>`}},
			{name: "a level that is none", url: "/admin/settings", cookie: adminC, form: url.Values{"search_recency": {"always"}},
				wantStatus: http.StatusBadRequest, wantContains: []string{"favours recent articles from the list", `aria-invalid="true"`}},
			{name: "saved", url: "/admin/settings", cookie: adminC, form: url.Values{"search_recency": {"strong"}},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/settings?msg=saved"},
			{name: "shown", url: "/admin/settings", cookie: adminC, wantStatus: 200,
				wantContains: []string{`<option value="strong" selected>Strongly`}},
		})
		s, err := f.db.Settings(context.Background())
		if err != nil || s.SearchRecency != masthead.RecencyStrong {
			t.Errorf("saved recency %q, %v", s.SearchRecency, err)
		}
	})
}
