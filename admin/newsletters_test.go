package admin_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
	"masthead/mail"
	"masthead/newsletter"
	"masthead/store"
)

// outbox is the development outbox: a real Mailer that checks each
// message as the SMTP one does, and keeps it.
type outbox struct{ *mail.Outbox }

func (o outbox) emails() []masthead.Email {
	var out []masthead.Email
	for _, m := range o.Messages() {
		out = append(out, m.Email)
	}
	return out
}

// eachDesk is each with the newsletter desk turned on.
func eachDesk(t *testing.T, fn func(t *testing.T, f *fixture, mail *outbox)) {
	each(t, func(t *testing.T, f *fixture) {
		mail := &outbox{mail.NewOutbox(20, slog.New(slog.DiscardHandler))}
		f.h = admin.New(admin.Config{SiteName: "The Test Review", BaseURL: "http://example.test"}, admin.Deps{
			Articles: f.db, Taxonomy: f.db, Members: f.db, Clock: f.clock, Location: f.loc,
			Newsletters: f.db, Entitlements: f.db, Mailer: mail.Outbox,
			NewsletterSite: newsletter.Site{Name: "The Test Review", BaseURL: "http://example.test",
				From: "The Test Review <news@example.test>", Location: f.loc, Secret: []byte("unsubscribe-secret")},
		})
		fn(t, f, mail)
	})
}

var issueSeq atomic.Int64

// issueOf creates an issue of the daily newsletter holding arts.
func (f *fixture) issueOf(subject string, status masthead.IssueStatus, arts ...*masthead.Article) *masthead.Issue {
	f.t.Helper()
	ctx := context.Background()
	n, err := f.db.Newsletter(ctx, masthead.NewsletterDaily)
	if err != nil {
		f.t.Fatal(err)
	}
	// Issues are unique per window: each gets its own.
	start := t0.Add(-24*time.Hour - time.Duration(issueSeq.Add(1))*time.Minute)
	is := &masthead.Issue{NewsletterID: n.ID, Subject: subject, Status: status, SendAt: t0.Add(2 * time.Hour),
		WindowStart: start, WindowEnd: t0}
	for _, a := range arts {
		is.Articles = append(is.Articles, masthead.IssueArticle{ArticleID: a.ID, Slug: a.Slug, Title: a.Title,
			Kind: a.Kind, Access: a.Access, PublishedAt: a.PublishedAt})
	}
	is, err = f.db.CreateIssue(ctx, is)
	if err != nil {
		f.t.Fatal(err)
	}
	return is
}

func (f *fixture) published(title string) *masthead.Article {
	f.t.Helper()
	return f.create(masthead.ArticleInput{Title: title, BodyMarkdown: "Body of " + title, AuthorSlugs: []string{"zoe"},
		Status: masthead.StatusPublished, PublishedAt: t0.Add(-time.Hour), Access: masthead.AccessMetered, Kind: masthead.KindDaily})
}

func (f *fixture) loadIssue(id int64) *masthead.Issue {
	f.t.Helper()
	is, err := f.db.Issue(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return is
}

func issueURL(id int64, rest string) string {
	return "/admin/issues/" + strconv.FormatInt(id, 10) + rest
}

func TestNewsletterDeskRoles(t *testing.T) {
	eachDesk(t, func(t *testing.T, f *fixture, mail *outbox) {
		author := f.staff("ann@example.com", masthead.RoleAuthor, "ann")
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		adm := f.staff("root@example.com", masthead.RoleAdmin, "")
		is := f.issueOf("Tuesday's review", masthead.IssueDraft, f.published("Rates rise"))
		if err := f.db.Suppress(context.Background(), masthead.Suppression{Email: "gone@example.com", Reason: masthead.SuppressBounce}, ""); err != nil {
			t.Fatal(err)
		}
		f.run([]req{
			{name: "author: list", url: "/admin/newsletters", cookie: author, wantStatus: 403},
			{name: "author: settings", url: "/admin/newsletters/daily", cookie: author, wantStatus: 403},
			{name: "author: save settings", url: "/admin/newsletters/daily", cookie: author, wantStatus: 403,
				form: url.Values{"name": {"Hijacked"}}},
			{name: "author: issue", url: issueURL(is.ID, ""), cookie: author, wantStatus: 403, wantNotContains: []string{"Tuesday"}},
			{name: "author: send", url: issueURL(is.ID, "/status"), cookie: author, form: url.Values{"action": {"send"}}, wantStatus: 403},
			{name: "author: test", url: issueURL(is.ID, "/test"), cookie: author, form: url.Values{}, wantStatus: 403},
			{name: "author: suppressions", url: "/admin/suppressions", cookie: author, wantStatus: 403},
			{name: "author: lift", url: "/admin/suppressions/lift", cookie: author, form: url.Values{"email": {"gone@example.com"}}, wantStatus: 403},
			{name: "author: no desk link", url: "/admin/", cookie: author, wantNotContains: []string{`href="/admin/newsletters"`}},
			{name: "signed out", url: "/admin/newsletters", wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "editor: list", url: "/admin/newsletters", cookie: editor, wantStatus: 200,
				wantContains: []string{"The Daily Review", "The Weekly Review", "The free newsletter", "Tuesday&#39;s review", `href="/admin/issues/`}},
			{name: "editor: desk link", url: "/admin/", cookie: editor, wantContains: []string{`href="/admin/newsletters"`}},
			{name: "admin: list", url: "/admin/newsletters", cookie: adm, wantStatus: 200},
			{name: "admin: suppressions", url: "/admin/suppressions", cookie: adm, wantStatus: 200, wantContains: []string{"gone@example.com"}},
			{name: "no such issue", url: "/admin/issues/999999", cookie: editor, wantStatus: 404},
			{name: "cross-site send", url: issueURL(is.ID, "/status"), cookie: editor, form: url.Values{"action": {"send"}},
				headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: 403},
		})
		if got := f.loadIssue(is.ID); got.Status != masthead.IssueDraft {
			t.Errorf("refused requests changed the issue to %s", got.Status)
		}
		if ok, _ := f.db.Suppressed(context.Background(), "gone@example.com"); !ok {
			t.Error("an author lifted a suppression")
		}
		if n, _ := f.db.Newsletter(context.Background(), "daily"); n.Name != "The Daily Review" {
			t.Errorf("an author renamed the newsletter to %q", n.Name)
		}
	})
}

// settingsForm is the daily newsletter's settings form with changes.
func settingsForm(kv ...string) url.Values {
	v := url.Values{"name": {"The Daily Review"}, "description": {"Our take."}, "audience": {"subscribers"},
		"schedule": {"mon-fri 06:00"}, "from_name": {"The Review"}, "from_address": {"daily@example.com"},
		"reply_to": {""}, "template": {""}, "draft_lead": {"2h"}, "cutoff": {"3h"}, "enabled": {"on"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestNewsletterSettings(t *testing.T) {
	eachDesk(t, func(t *testing.T, f *fixture, mail *outbox) {
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		f.run([]req{
			{name: "form", url: "/admin/newsletters/daily", cookie: editor, wantStatus: 200,
				wantContains: []string{`value="The Daily Review"`, `value="mon,tue,wed,thu,fri 06:00"`, `value="2h"`, `value="3h"`}},
			{name: "bad sender", url: "/admin/newsletters/daily", cookie: editor, wantStatus: http.StatusUnprocessableEntity,
				form:         settingsForm("from_address", "not an address", "from_name", "Kept Name"),
				wantContains: []string{"Enter a valid sender address", `value="Kept Name"`, `value="not an address"`}},
			{name: "bad schedule", url: "/admin/newsletters/daily", cookie: editor, wantStatus: http.StatusUnprocessableEntity,
				form: settingsForm("schedule", "someday"), wantContains: []string{"is not valid"}},
			{name: "bad duration", url: "/admin/newsletters/daily", cookie: editor, wantStatus: http.StatusUnprocessableEntity,
				form: settingsForm("draft_lead", "soon"), wantContains: []string{"Write a duration"}},
			{name: "malformed template", url: "/admin/newsletters/daily", cookie: editor, wantStatus: http.StatusUnprocessableEntity,
				form:         settingsForm("template", "<html>\n<body>\n<h1>{{.Subject}</h1>\n</body>"),
				wantContains: []string{"Line 3", "{{.Subject}&lt;/h1&gt;"}},
			{name: "no such newsletter", url: "/admin/newsletters/nope", cookie: editor, wantStatus: 404},
		})
		if n, _ := f.db.Newsletter(context.Background(), "daily"); n.FromAddress != "" || n.FromName != "" {
			t.Fatalf("refused forms changed the sender to %q <%s>", n.FromName, n.FromAddress)
		}
		tmpl := "<html><body><h1>{{.Subject}}</h1>{{range .Articles}}<p>{{.Title}}</p>{{end}}</body></html>"
		f.do(req{name: "save", url: "/admin/newsletters/daily", cookie: editor, wantStatus: http.StatusSeeOther,
			wantLocation: "/admin/newsletters/daily?msg=newsletter-saved",
			form:         settingsForm("schedule", "mon-fri 06:30", "template", tmpl, "reply_to", "desk@example.com")})
		n, err := f.db.Newsletter(context.Background(), "daily")
		if err != nil {
			t.Fatal(err)
		}
		if n.FromAddress != "daily@example.com" || n.FromName != "The Review" || n.ReplyTo != "desk@example.com" ||
			n.Schedule.Minute != 30 || n.Template != tmpl || n.DraftLead != 2*time.Hour || !n.Enabled {
			t.Errorf("saved newsletter: %+v", n)
		}
		f.do(req{name: "saved flash", url: "/admin/newsletters/daily?msg=newsletter-saved", cookie: editor,
			wantContains: []string{"Newsletter settings saved."}})
	})
}

func TestIssueEditing(t *testing.T) {
	eachDesk(t, func(t *testing.T, f *fixture, mail *outbox) {
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		a1, a2, a3 := f.published("Rates rise"), f.published("Wheat prices fall"), f.published("Election called")
		draft := f.create(masthead.ArticleInput{Title: "Unfinished piece", BodyMarkdown: "x", AuthorSlugs: []string{"zoe"}})
		is := f.issueOf("Tuesday's review", masthead.IssueScheduled, a1, a2)

		f.run([]req{
			{name: "page", url: issueURL(is.ID, ""), cookie: editor, wantStatus: 200,
				wantContains: []string{"Tuesday&#39;s review", "Rates rise", "Wheat prices fall", ">Send now</button>", ">Hold as draft</button>",
					"Preview as a member", "Send a test to ed@example.com"}},
			{name: "save content", url: issueURL(is.ID, ""), cookie: editor, wantStatus: http.StatusSeeOther,
				form: url.Values{"subject": {"Wednesday's review"}, "editors_note": {"Good morning.\r\n\r\nBusy day."}, "radar": {"The vote on Friday."}}},
			{name: "empty subject", url: issueURL(is.ID, ""), cookie: editor, wantStatus: http.StatusUnprocessableEntity,
				form: url.Values{"subject": {""}, "editors_note": {"Kept note"}, "radar": {""}}, wantContains: []string{"one-line subject", "Kept note"}},
			{name: "add by slug", url: issueURL(is.ID, "/articles"), cookie: editor, wantStatus: http.StatusSeeOther,
				form: url.Values{"op": {"add"}, "slug": {"https://news.example/articles/" + a3.Slug}}},
			{name: "add unknown", url: issueURL(is.ID, "/articles"), cookie: editor, wantStatus: http.StatusUnprocessableEntity,
				form: url.Values{"op": {"add"}, "slug": {"no-such-piece"}}, wantContains: []string{"There is no article &#34;no-such-piece&#34;"}},
			{name: "add unpublished", url: issueURL(is.ID, "/articles"), cookie: editor, wantStatus: http.StatusUnprocessableEntity,
				form: url.Values{"op": {"add"}, "slug": {draft.Slug}}, wantContains: []string{"is not published"}},
			{name: "move up", url: issueURL(is.ID, "/articles"), cookie: editor, wantStatus: http.StatusSeeOther,
				form: url.Values{"op": {"up"}, "slug": {a3.Slug}}},
			{name: "remove", url: issueURL(is.ID, "/articles"), cookie: editor, wantStatus: http.StatusSeeOther,
				form: url.Values{"op": {"remove"}, "slug": {a1.Slug}}},
			{name: "search", url: issueURL(is.ID, "?q=rates"), cookie: editor, wantStatus: 200,
				wantContains: []string{`name="slug" value="` + a1.Slug + `"><button type="submit" name="op" value="add">`}},
		})
		got := f.loadIssue(is.ID)
		var slugs []string
		for _, a := range got.Articles {
			slugs = append(slugs, a.Slug)
		}
		if strings.Join(slugs, ",") != a3.Slug+","+a2.Slug {
			t.Errorf("articles after edits: %v", slugs)
		}
		if got.Subject != "Wednesday's review" || got.EditorsNote != "Good morning.\n\nBusy day." || got.Radar != "The vote on Friday." {
			t.Errorf("content after edits: %q %q %q", got.Subject, got.EditorsNote, got.Radar)
		}
	})
}

func TestIssueSending(t *testing.T) {
	eachDesk(t, func(t *testing.T, f *fixture, mail *outbox) {
		ctx := context.Background()
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		empty := f.issueOf("Nothing today", masthead.IssueSkipped)
		f.run([]req{
			{name: "empty page asks", url: issueURL(empty.ID, ""), cookie: editor, wantStatus: 200,
				wantContains: []string{`name="confirm_empty"`}},
			{name: "empty without confirm", url: issueURL(empty.ID, "/status"), cookie: editor, form: url.Values{"action": {"send"}},
				wantStatus: http.StatusUnprocessableEntity, wantContains: []string{"Tick the box to send it anyway"}},
		})
		if st := f.loadIssue(empty.ID).Status; st != masthead.IssueSkipped {
			t.Fatalf("unconfirmed empty issue went to %s", st)
		}
		f.do(req{name: "empty confirmed", url: issueURL(empty.ID, "/status"), cookie: editor,
			form: url.Values{"action": {"send"}, "confirm_empty": {"yes"}}, wantStatus: http.StatusSeeOther})
		if got := f.loadIssue(empty.ID); got.Status != masthead.IssueScheduled || !got.Force {
			t.Fatalf("confirmed empty issue: %s force=%v", got.Status, got.Force)
		}

		is := f.issueOf("Tuesday's review", masthead.IssueDraft, f.published("Rates rise"))
		f.run([]req{
			{name: "schedule in the past", url: issueURL(is.ID, "/status"), cookie: editor,
				form:       url.Values{"action": {"schedule"}, "send_at": {"2025-05-01T06:00"}},
				wantStatus: http.StatusUnprocessableEntity, wantContains: []string{"Choose a time in the future", `value="2025-05-01T06:00"`}},
			{name: "schedule garbage", url: issueURL(is.ID, "/status"), cookie: editor,
				form: url.Values{"action": {"schedule"}, "send_at": {"tomorrow"}}, wantStatus: http.StatusUnprocessableEntity},
			{name: "schedule", url: issueURL(is.ID, "/status"), cookie: editor,
				form: url.Values{"action": {"schedule"}, "send_at": {"2025-05-21T06:00"}}, wantStatus: http.StatusSeeOther,
				wantLocation: issueURL(is.ID, "?msg=scheduled")},
			{name: "pause a scheduled issue", url: issueURL(is.ID, "/status"), cookie: editor,
				form: url.Values{"action": {"pause"}}, wantStatus: http.StatusConflict},
		})
		got := f.loadIssue(is.ID)
		want := time.Date(2025, 5, 21, 6, 0, 0, 0, f.loc)
		if got.Status != masthead.IssueScheduled || !got.SendAt.Equal(want) {
			t.Fatalf("scheduled: %s at %v, want %v", got.Status, got.SendAt, want)
		}

		// Start sending as the engine does, then pause, resume, watch.
		past := t0.Add(-30 * 24 * time.Hour)
		if _, err := f.db.InsertMembers(ctx, []store.BulkMember{
			{Email: "sub1@example.com", Verified: true, Created: past, EntitledFrom: past},
			{Email: "sub2@example.com", Verified: true, Created: past, EntitledFrom: past},
		}, "test"); err != nil {
			t.Fatal(err)
		}
		f.do(req{name: "send now", url: issueURL(is.ID, "/status"), cookie: editor, form: url.Values{"action": {"send"}},
			wantStatus: http.StatusSeeOther, wantLocation: issueURL(is.ID, "?msg=sending")})
		if got := f.loadIssue(is.ID); got.Status != masthead.IssueScheduled || !got.SendAt.Equal(t0) {
			t.Fatalf("send now: %s at %v", got.Status, got.SendAt)
		}
		if _, err := f.db.ClaimIssue(ctx, is.ID, "test", t0.Add(time.Minute), t0, "example.test"); err != nil {
			t.Fatal(err)
		}
		queued, _ := f.db.QueuedDeliveries(ctx, is.ID, 0, t0, 10)
		if len(queued) != 2 {
			t.Fatalf("queued %d", len(queued))
		}
		if err := f.db.MarkSent(ctx, is.ID, []int64{queued[0].MemberID}, t0); err != nil {
			t.Fatal(err)
		}
		w := f.do(req{name: "progress", url: issueURL(is.ID, ""), cookie: editor, wantStatus: 200,
			wantContains:    []string{`<progress max="100" value="50"`, "2 recipients: 1 queued, 1 sent", ">Pause</button>", "Send log"},
			wantNotContains: []string{">Send now</button>", `name="subject"`}})
		if w.Header().Get("Refresh") == "" {
			t.Error("a sending issue's page does not refresh itself")
		}
		f.run([]req{
			{name: "send log", url: issueURL(is.ID, "/deliveries"), cookie: editor, wantStatus: 200,
				wantContains: []string{"sub1@example.com", "sub2@example.com", "status-sent", "status-queued"}},
			{name: "send log filtered", url: issueURL(is.ID, "/deliveries?status=queued"), cookie: editor, wantStatus: 200,
				wantContains: []string{queued[1].Email}, wantNotContains: []string{queued[0].Email}},
			{name: "pause", url: issueURL(is.ID, "/status"), cookie: editor, form: url.Values{"action": {"pause"}}, wantStatus: http.StatusSeeOther},
		})
		if st := f.loadIssue(is.ID).Status; st != masthead.IssuePaused {
			t.Fatalf("after pause: %s", st)
		}
		f.do(req{name: "resume", url: issueURL(is.ID, "/status"), cookie: editor, form: url.Values{"action": {"resume"}}, wantStatus: http.StatusSeeOther})
		f.do(req{name: "cancel", url: issueURL(is.ID, "/status"), cookie: editor, form: url.Values{"action": {"cancel"}}, wantStatus: http.StatusSeeOther})
		if st := f.loadIssue(is.ID).Status; st != masthead.IssueCancelled {
			t.Fatalf("after cancel: %s", st)
		}
		if len(mail.emails()) != 0 {
			t.Errorf("status changes sent %d emails through the transactional mailer", len(mail.emails()))
		}
	})
}

func TestIssuePreviewAndTest(t *testing.T) {
	eachDesk(t, func(t *testing.T, f *fixture, mail *outbox) {
		ctx := context.Background()
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		is := f.issueOf("Tuesday's review", masthead.IssueDraft, f.published("Rates rise"))
		reader, err := f.db.EnsureMember(ctx, "reader@example.org", "")
		if err != nil {
			t.Fatal(err)
		}
		sub, err := f.db.EnsureMember(ctx, "sub@example.org", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: sub.ID, Source: masthead.EntitlementComplimentary,
			StartsAt: t0.Add(-time.Hour), EndsAt: t0.Add(30 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		_ = reader
		f.run([]req{
			{name: "as registered reader", url: issueURL(is.ID, "/preview?email=Reader@Example.org"), cookie: editor, wantStatus: 200,
				wantContains: []string{"reader@example.org (registered)", "Subscribe for full access", "List-Unsubscribe", "Rates rise"}},
			{name: "as subscriber", url: issueURL(is.ID, "/preview?email=sub@example.org"), cookie: editor, wantStatus: 200,
				wantContains: []string{"sub@example.org (subscriber)", "Rates rise"}, wantNotContains: []string{"Subscribe for full access"}},
			{name: "as sample subscriber", url: issueURL(is.ID, "/preview?segment=subscriber"), cookie: editor, wantStatus: 200,
				wantContains: []string{"(subscriber)"}},
			{name: "unknown member", url: issueURL(is.ID, "/preview?email=nobody@example.org"), cookie: editor,
				wantStatus: http.StatusUnprocessableEntity, wantContains: []string{"No member has the address nobody@example.org"}},
			{name: "html part", url: issueURL(is.ID, "/preview.html?email=sub@example.org"), cookie: editor, wantStatus: 200,
				wantContains: []string{"Rates rise", "<html"}},
		})
		w := f.do(req{url: issueURL(is.ID, "/preview.html?segment=registered"), cookie: editor})
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Errorf("HTML preview CSP %q is not sandboxed", csp)
		}

		f.do(req{name: "send test", url: issueURL(is.ID, "/test"), cookie: editor, form: url.Values{}, wantStatus: http.StatusSeeOther,
			wantLocation: issueURL(is.ID, "?msg=test-sent")})
		sent := mail.emails()
		if len(sent) != 1 || sent[0].To != "ed@example.com" || !strings.HasPrefix(sent[0].Subject, "[Test] ") ||
			sent[0].HTML == "" || sent[0].Text == "" {
			t.Fatalf("test email: %+v", sent)
		}
		if got := f.loadIssue(is.ID); got.Status != masthead.IssueDraft || got.Counts.Total != 0 {
			t.Errorf("the test touched the issue: %s %+v", got.Status, got.Counts)
		}
	})
}

func TestSuppressionDesk(t *testing.T) {
	eachDesk(t, func(t *testing.T, f *fixture, mail *outbox) {
		ctx := context.Background()
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		for _, s := range []masthead.Suppression{
			{Email: "gone@example.com", Reason: masthead.SuppressBounce, Detail: "550 5.1.1 user unknown"},
			{Email: "angry@example.org", Reason: masthead.SuppressComplaint, Detail: "abuse"},
		} {
			if err := f.db.Suppress(ctx, s, ""); err != nil {
				t.Fatal(err)
			}
		}
		f.run([]req{
			{name: "list", url: "/admin/suppressions", cookie: editor, wantStatus: 200,
				wantContains: []string{"gone@example.com", "550 5.1.1 user unknown", "angry@example.org", "complaint"}},
			{name: "search", url: "/admin/suppressions?q=ANGRY", cookie: editor, wantStatus: 200,
				wantContains: []string{"angry@example.org"}, wantNotContains: []string{"gone@example.com"}},
			{name: "confirm", url: "/admin/suppressions/lift?email=gone@example.com", cookie: editor, wantStatus: 200,
				wantContains: []string{"Lift the suppression of gone@example.com?", `value="gone@example.com"`, "550 5.1.1"}},
			{name: "confirm unknown", url: "/admin/suppressions/lift?email=nobody@example.com", cookie: editor, wantStatus: 404},
		})
		if ok, _ := f.db.Suppressed(ctx, "gone@example.com"); !ok {
			t.Fatal("the confirmation page lifted the suppression")
		}
		f.do(req{name: "lift", url: "/admin/suppressions/lift", cookie: editor, form: url.Values{"email": {"gone@example.com"}},
			wantStatus: http.StatusSeeOther, wantLocation: "/admin/suppressions?msg=lifted"})
		if ok, _ := f.db.Suppressed(ctx, "gone@example.com"); ok {
			t.Fatal("lift did not lift")
		}
		f.run([]req{
			{name: "lift again", url: "/admin/suppressions/lift", cookie: editor, form: url.Values{"email": {"gone@example.com"}}, wantStatus: 404},
			{name: "after", url: "/admin/suppressions?msg=lifted", cookie: editor, wantStatus: 200,
				wantContains: []string{"Suppression lifted", "angry@example.org"}, wantNotContains: []string{"gone@example.com"}},
		})
	})
}

// TestSendLogPages pages through a send log longer than one page by
// member id, with the filter kept on every page.
func TestSendLogPages(t *testing.T) {
	eachDesk(t, func(t *testing.T, f *fixture, mail *outbox) {
		ctx := context.Background()
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		past := t0.Add(-30 * 24 * time.Hour)
		var ms []store.BulkMember
		for i := range 60 {
			ms = append(ms, store.BulkMember{Email: "sub" + strconv.Itoa(100+i) + "@example.com", Verified: true, Created: past, EntitledFrom: past})
		}
		if _, err := f.db.InsertMembers(ctx, ms, "test"); err != nil {
			t.Fatal(err)
		}
		is := f.issueOf("Tuesday's review", masthead.IssueScheduled, f.published("Rates rise"))
		if _, err := f.db.ClaimIssue(ctx, is.ID, "test", t0.Add(time.Minute), t0, "example.test"); err != nil {
			t.Fatal(err)
		}
		w := f.do(req{name: "first page", url: issueURL(is.ID, "/deliveries?status=queued"), cookie: editor, wantStatus: 200,
			wantContains: []string{"sub100@example.com", "sub149@example.com", `rel="next"`}, wantNotContains: []string{"sub150@example.com"}})
		body := w.Body.String()
		i := strings.Index(body, `href="/admin/issues/`+strconv.FormatInt(is.ID, 10)+`/deliveries?after=`)
		if i < 0 {
			t.Fatal("no link to the next page")
		}
		next := body[i+len(`href="`):]
		next = strings.ReplaceAll(next[:strings.IndexByte(next, '"')], "&amp;", "&")
		if !strings.Contains(next, "status=queued") {
			t.Errorf("next page %q drops the filter", next)
		}
		f.do(req{name: "second page", url: next, cookie: editor, wantStatus: 200,
			wantContains:    []string{"sub150@example.com", "sub159@example.com", "← First"},
			wantNotContains: []string{"sub149@example.com", `rel="next"`}})
	})
}
