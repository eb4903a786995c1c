package admin_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"masthead"
	"masthead/admin"
	"masthead/mail"
	"masthead/newsletter"
)

// TestNoEmailBanner: without an SMTP server every staff page says email
// cannot be sent and names the setting; with one, or with the demo's
// outbox, no page says so; the public sign-in page never does.
func TestNoEmailBanner(t *testing.T) {
	const banner = "Email cannot be sent"
	for _, c := range []struct {
		mode masthead.EmailMode
		want bool
	}{{masthead.EmailNone, true}, {masthead.EmailSMTP, false}, {masthead.EmailOutbox, false}} {
		t.Run(string(c.mode), func(t *testing.T) {
			each(t, func(t *testing.T, f *fixture) {
				f.h = admin.New(admin.Config{SiteName: "The Test Review", BaseURL: "http://example.test", Email: c.mode},
					admin.Deps{Articles: f.db, Taxonomy: f.db, Members: f.db, Clock: f.clock, Location: f.loc, Newsletters: f.db})
				editor := f.staff("ed@example.test", masthead.RoleEditor, "")
				author := f.staff("au@example.test", masthead.RoleAuthor, "jane-doe")
				for _, r := range []req{
					{name: "articles", url: "/admin/articles", cookie: editor},
					{name: "new article", url: "/admin/articles/new", cookie: author},
					{name: "newsletters", url: "/admin/newsletters", cookie: editor},
				} {
					r.wantStatus = http.StatusOK
					if c.want {
						r.wantContains = []string{banner, "--smtp-url", "MASTHEAD_SMTP_URL", "sign-in links", "newsletters"}
					} else {
						r.wantNotContains = []string{banner}
					}
					f.do(r)
				}
				f.do(req{name: "public sign-in page", url: "/admin/login", wantStatus: http.StatusOK, wantNotContains: []string{banner}})
			})
		})
	}
}

// eachComposer is eachDesk with "Compose now" wired to a real engine
// (without a transport: it composes, it sends nothing).
func eachComposer(t *testing.T, fn func(t *testing.T, f *fixture)) {
	each(t, func(t *testing.T, f *fixture) {
		site := newsletter.Site{Name: "The Test Review", BaseURL: "http://example.test",
			From: "The Test Review <news@example.test>", Location: f.loc, Secret: []byte("unsubscribe-secret")}
		engine := newsletter.New(f.db, nil, site, newsletter.Config{Clock: f.clock})
		f.h = admin.New(admin.Config{SiteName: "The Test Review", BaseURL: "http://example.test"}, admin.Deps{
			Articles: f.db, Taxonomy: f.db, Members: f.db, Clock: f.clock, Location: f.loc,
			Newsletters: f.db, Entitlements: f.db, NewsletterSite: site, Composer: engine,
			Mailer: mail.NewOutbox(5, slog.New(slog.DiscardHandler)),
		})
		fn(t, f)
	})
}

// issuesOf lists the issues of a newsletter.
func (f *fixture) issuesOf(slug string) []*masthead.Issue {
	f.t.Helper()
	ctx := context.Background()
	n, err := f.db.Newsletter(ctx, slug)
	if err != nil {
		f.t.Fatal(err)
	}
	is, err := f.db.Issues(ctx, masthead.IssueFilter{NewsletterID: &n.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	return is
}

// TestComposeNow: the desk's "Compose now" composes the next issue of a
// newsletter at once, from what its window holds, and lands on it; a
// second press makes no second issue for the window. Authors, cross-site
// posts and turned-off newsletters get nothing.
func TestComposeNow(t *testing.T) {
	eachComposer(t, func(t *testing.T, f *fixture) {
		editor := f.staff("ed@example.test", masthead.RoleEditor, "")
		author := f.staff("au@example.test", masthead.RoleAuthor, "")
		// t0 is a Tuesday, 12:00 in Berlin: the daily's next send is
		// Wednesday 06:00, its window from Tuesday 06:00.
		a := f.published("Harbour strike ends")
		f.do(req{name: "desk offers it", url: "/admin/newsletters", cookie: editor, wantStatus: http.StatusOK,
			wantContains: []string{`action="/admin/newsletters/daily/compose"`, "Compose now"}})

		f.do(req{name: "author", url: "/admin/newsletters/daily/compose", cookie: author, form: url.Values{}, wantStatus: http.StatusForbidden})
		f.do(req{name: "cross-site", url: "/admin/newsletters/daily/compose", cookie: editor, form: url.Values{},
			headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: http.StatusForbidden})
		if n := len(f.issuesOf("daily")); n != 0 {
			t.Fatalf("refused presses made %d issues", n)
		}

		w := f.do(req{name: "compose", url: "/admin/newsletters/daily/compose", cookie: editor, form: url.Values{},
			wantStatus: http.StatusSeeOther, wantLocation: "/admin/issues/"})
		loc := w.Header().Get("Location")
		if !strings.HasSuffix(loc, "?msg=composed") {
			t.Errorf("Location %q, want the new issue with msg=composed", loc)
		}
		issues := f.issuesOf("daily")
		if len(issues) != 1 {
			t.Fatalf("%d issues after compose, want 1", len(issues))
		}
		is := issues[0]
		if is.Status != masthead.IssueScheduled || len(is.Articles) != 1 || is.Articles[0].ArticleID != a.ID {
			t.Errorf("composed issue: status %s, articles %+v", is.Status, is.Articles)
		}
		if want := "2025-05-21 06:00"; is.SendAt.In(f.loc).Format("2006-01-02 15:04") != want {
			t.Errorf("send at %s, want %s Berlin", is.SendAt.In(f.loc), want)
		}
		f.do(req{name: "lands on it", url: strings.TrimSuffix(loc, "?msg=composed") + "?msg=composed", cookie: editor,
			wantStatus: http.StatusOK, wantContains: []string{"Issue composed", "Harbour strike ends"}})

		w = f.do(req{name: "second press", url: "/admin/newsletters/daily/compose", cookie: editor, form: url.Values{},
			wantStatus: http.StatusSeeOther})
		if got, want := w.Header().Get("Location"), strings.TrimSuffix(loc, "?msg=composed")+"?msg=already-composed"; got != want {
			t.Errorf("second press: Location %q, want %q", got, want)
		}
		if n := len(f.issuesOf("daily")); n != 1 {
			t.Errorf("%d issues after a second press, want 1", n)
		}

		// A newsletter that is off is not composed.
		ctx := context.Background()
		wk, err := f.db.Newsletter(ctx, "weekly")
		if err != nil {
			t.Fatal(err)
		}
		wk.Enabled = false
		if _, err := f.db.UpdateNewsletter(ctx, wk); err != nil {
			t.Fatal(err)
		}
		f.do(req{name: "turned off", url: "/admin/newsletters/weekly/compose", cookie: editor, form: url.Values{},
			wantStatus: http.StatusBadRequest, wantContains: []string{"turned off"}})
		if n := len(f.issuesOf("weekly")); n != 0 {
			t.Errorf("a turned-off newsletter got %d issues", n)
		}
	})
}

// TestComposeNowNeedsAnEngine: without a composer the desk shows no
// button and the route is not there.
func TestComposeNowNeedsAnEngine(t *testing.T) {
	eachDesk(t, func(t *testing.T, f *fixture, _ *outbox) {
		editor := f.staff("ed@example.test", masthead.RoleEditor, "")
		f.do(req{name: "no button", url: "/admin/newsletters", cookie: editor, wantStatus: http.StatusOK,
			wantNotContains: []string{"Compose now"}})
		f.do(req{name: "no route", url: "/admin/newsletters/daily/compose", cookie: editor, form: url.Values{},
			wantStatus: http.StatusNotFound})
	})
}
