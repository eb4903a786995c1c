package newsletter_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	"masthead/jobs"
	"masthead/newsletter"
	"masthead/store"
	"masthead/store/storetest"
)

// tick does at now what the leader and the queue's workers do: it
// enqueues the compose jobs due (once per slot), then runs every job due,
// composing and, past an issue's cut-off, skipping it.
func tick(t *testing.T, db *store.DB, e *newsletter.Engine, clk *clocktest.Clock, now time.Time) {
	t.Helper()
	ctx := context.Background()
	clk.Set(now)
	nls, err := db.Newsletters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nls {
		for _, j := range e.ComposeJobs(n, now) {
			if _, err := db.EnqueueJobOnce(ctx, j); err != nil {
				t.Fatal(err)
			}
		}
	}
	p := jobs.New(db, jobs.Config{Clock: clk})
	p.Handle(masthead.JobNewsletterCompose, e.RunCompose)
	p.Handle(masthead.JobNewsletterSend, e.RunSend)
	if _, err := p.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestComposeJobsComposeOnceAndRespectCutoff: the compose job of a slot
// is due at its draft time and composes once however often it is
// scheduled; the send job of an issue whose cut-off passed skips it.
func TestComposeJobsComposeOnceAndRespectCutoff(t *testing.T) {
	clk := clocktest.New(time.Now())
	storetest.EachWith(t, store.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// The Weekly Review goes out on Fridays at 14:00 UTC; its draft
		// lead is four hours. Friday 6 March 2026.
		slot := time.Date(2026, 3, 6, 14, 0, 0, 0, time.UTC)
		for i, in := range []masthead.ArticleInput{
			{Slug: "old", Title: "Before the window", Kind: masthead.KindDaily, PublishedAt: slot.Add(-8 * 24 * time.Hour)},
			{Slug: "monday", Title: "Monday's analysis", Kind: masthead.KindDaily, PublishedAt: slot.Add(-4 * 24 * time.Hour)},
			{Slug: "deep", Title: "The deep dive", Dek: "At length", Kind: masthead.KindInDepth, Access: masthead.AccessSubscribers,
				PublishedAt: slot.Add(-5 * 24 * time.Hour), AuthorSlugs: []string{"ana"}, Names: map[string]string{"ana": "Ana Silva"}},
			{Slug: "thursday", Title: "Thursday's briefing", Kind: masthead.KindBriefing, PublishedAt: slot.Add(-24 * time.Hour)},
			{Slug: "later", Title: "After the slot", Kind: masthead.KindDaily, Status: masthead.StatusScheduled, PublishedAt: slot.Add(10 * 24 * time.Hour)},
		} {
			if in.Status == "" {
				in.Status = masthead.StatusPublished
			}
			in.BodyMarkdown = "Body " + strings.Repeat("word ", i+1)
			if _, err := db.CreateArticle(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		cfg := fastConfig()
		cfg.Clock = clk
		e := newsletter.New(db, nil, testSite, cfg)
		// Before the draft time: nothing.
		tick(t, db, e, clk, slot.Add(-5*time.Hour))
		weekly, _ := db.Newsletter(ctx, masthead.NewsletterWeekly)
		list := func() []*masthead.Issue {
			is, err := db.Issues(ctx, masthead.IssueFilter{NewsletterID: &weekly.ID})
			if err != nil {
				t.Fatal(err)
			}
			return is
		}
		if n := len(list()); n != 0 {
			t.Fatalf("%d issues before the draft time", n)
		}
		// At the draft time, twice (as two instances would): one issue.
		for range 2 {
			tick(t, db, e, clk, slot.Add(-3*time.Hour))
		}
		issues := list()
		if len(issues) != 1 {
			t.Fatalf("%d issues, want 1", len(issues))
		}
		is := issues[0]
		var slugs []string
		for _, a := range is.Articles {
			slugs = append(slugs, a.Slug)
		}
		if got := strings.Join(slugs, ","); got != "deep,thursday,monday" {
			t.Errorf("articles %s, want deep,thursday,monday (in-depth first, then newest first)", got)
		}
		if is.Status != masthead.IssueScheduled || !is.SendAt.Equal(slot) || is.Subject != "The Weekly Review: The deep dive" {
			t.Errorf("issue %s at %s: %q", is.Status, is.SendAt, is.Subject)
		}
		if is.Articles[0].Authors[0] != "Ana Silva" || is.Articles[0].Dek != "At length" {
			t.Errorf("article snapshot %+v", is.Articles[0])
		}
		// The server was down past the cut-off (12 hours): not sent.
		tick(t, db, e, clk, slot.Add(13*time.Hour))
		got, _ := db.Issue(ctx, is.ID)
		if got.Status != masthead.IssueSkipped || !strings.Contains(got.StatusNote, "could not start") {
			t.Errorf("after the cut-off: %s %q", got.Status, got.StatusNote)
		}
		// The Daily Review of Monday 9 March has an empty window
		// (nothing since Friday 06:00): composed as skipped.
		daily, _ := db.Newsletter(ctx, masthead.NewsletterDaily)
		mon := time.Date(2026, 3, 9, 6, 0, 0, 0, time.UTC)
		tick(t, db, e, clk, mon.Add(-time.Hour))
		ds, _ := db.Issues(ctx, masthead.IssueFilter{NewsletterID: &daily.ID})
		if len(ds) != 1 || ds[0].Status != masthead.IssueSkipped || !strings.Contains(ds[0].StatusNote, "Nothing was published") {
			t.Fatalf("empty daily: %+v", ds)
		}
		if !ds[0].WindowStart.Equal(time.Date(2026, 3, 6, 6, 0, 0, 0, time.UTC)) {
			t.Errorf("Monday's window starts %s, want Friday 06:00", ds[0].WindowStart)
		}
	})
}

func TestValidateTemplateNamesTheLine(t *testing.T) {
	if err := newsletter.ValidateTemplate(""); err != nil {
		t.Errorf("empty template: %v", err)
	}
	if err := newsletter.ValidateTemplate(newsletter.DefaultTemplate); err != nil {
		t.Errorf("built-in template: %v", err)
	}
	for src, want := range map[string]string{
		"<p>ok</p>\n<p>{{.Subject</p>\n":         "Line 2:",
		"<p>\n\n{{range .Articles}}{{.Title}}\n": "Line 4: unexpected EOF",
		"<p>{{.NoSuchField}}</p>":                "NoSuchField",
	} {
		err := newsletter.ValidateTemplate(src)
		if masthead.ErrorCode(err) != masthead.EINVALID || !strings.Contains(masthead.ErrorMessage(err), want) {
			t.Errorf("%q: %v, want invalid with %q", src, err, want)
		}
	}
}

func TestPreviewEscapesAndSplices(t *testing.T) {
	n := &masthead.Newsletter{ID: 1, Slug: "free", Name: "The free newsletter", Schedule: masthead.Schedule{Days: []time.Weekday{2}}}
	is := &masthead.Issue{ID: 7, Subject: "Ünïcode subject", SendAt: time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC),
		EditorsNote: ".A line that starts with a dot", Articles: []masthead.IssueArticle{{Slug: "a", Title: "A <b>title</b>", Kind: masthead.KindDaily}}}
	rc := newsletter.Recipient{MemberID: 42, Email: "x@example.com", Name: `Zoë <script>alert(1)</script>`, Segment: masthead.SegmentRegistered}
	e, err := newsletter.Preview(n, is, rc, testSite)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.HTML, "<script>") || !strings.Contains(e.HTML, "Hello Zoë &lt;script&gt;") {
		t.Errorf("name not escaped in HTML")
	}
	if !strings.Contains(e.Text, "Hello Zoë <script>alert(1)</script>,") {
		t.Errorf("name altered in text")
	}
	if !strings.Contains(e.HTML, "A &lt;b&gt;title&lt;/b&gt;") {
		t.Errorf("title not escaped")
	}
	tok := newsletter.UnsubscribeToken(testSite.Secret, 42, "free", 7)
	if !strings.Contains(e.Headers["List-Unsubscribe"], tok) || !strings.Contains(e.Text, tok) {
		t.Errorf("unsubscribe token missing")
	}
	id, slug, issue, err := newsletter.ParseUnsubscribeToken(testSite.Secret, tok)
	if err != nil || id != 42 || slug != "free" || issue != 7 {
		t.Errorf("token round trip: %d %q %d %v", id, slug, issue, err)
	}
	if strings.Contains(e.Headers["List-Unsubscribe"], "&i=") {
		t.Errorf("issue outside the token: %s", e.Headers["List-Unsubscribe"])
	}
}

// TestUnsubscribeTokenSignsTheIssue: the issue an unsubscription counts
// against is inside the signature; moving a token to another member,
// newsletter or issue, or dropping its issue, breaks it.
func TestUnsubscribeTokenSignsTheIssue(t *testing.T) {
	secret := testSite.Secret
	withIssue := newsletter.UnsubscribeToken(secret, 42, "free", 7)
	mac := withIssue[strings.LastIndexByte(withIssue, '.')+1:]
	noIssue := newsletter.UnsubscribeToken(secret, 42, "free", 0)
	if strings.Count(noIssue, ".") != 2 || strings.Count(withIssue, ".") != 3 {
		t.Fatalf("tokens %q, %q", noIssue, withIssue)
	}
	for _, c := range []struct {
		token string
		issue int64
	}{{withIssue, 7}, {noIssue, 0}} {
		id, slug, issue, err := newsletter.ParseUnsubscribeToken(secret, c.token)
		if err != nil || id != 42 || slug != "free" || issue != c.issue {
			t.Errorf("%q: %d %q %d %v", c.token, id, slug, issue, err)
		}
	}
	noIssueMAC := noIssue[strings.LastIndexByte(noIssue, '.')+1:]
	for _, forged := range []string{
		"42.free.8." + mac,        // another issue
		"42.free.07." + mac,       // the same issue, spelt otherwise
		"42.free.+7." + mac,       //
		"42.free.-7." + mac,       //
		"42.free." + mac,          // the issue dropped
		"42.free.7." + noIssueMAC, // an issue added to a token without
		"43.free.7." + mac,        // another member
		"42.daily.7." + mac,       // another newsletter
		withIssue + "x", withIssue[:len(withIssue)-2] + "AA",
		"42.free.7.8." + mac, "", "42.free", "42.free.7",
	} {
		if _, _, _, err := newsletter.ParseUnsubscribeToken(secret, forged); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("forged token %q accepted", forged)
		}
	}
	if _, _, _, err := newsletter.ParseUnsubscribeToken([]byte("another secret"), withIssue); masthead.ErrorCode(err) != masthead.EINVALID {
		t.Error("token accepted under another secret")
	}
}

// FuzzParseUnsubscribeToken: whatever the input, parsing does not panic,
// and a token it accepts is exactly the one UnsubscribeToken writes for
// what it names — there is one spelling of each link.
func FuzzParseUnsubscribeToken(f *testing.F) {
	secret := testSite.Secret
	f.Add(newsletter.UnsubscribeToken(secret, 42, "free", 7))
	f.Add(newsletter.UnsubscribeToken(secret, 1, "daily-review", 0))
	f.Add(newsletter.UnsubscribeToken(secret, 9223372036854775807, "weekly", 9223372036854775807))
	f.Add("42.free.07.AAAA")
	f.Add("..")
	f.Add("-1.free.1.AA")
	f.Fuzz(func(t *testing.T, token string) {
		id, slug, issue, err := newsletter.ParseUnsubscribeToken(secret, token)
		if err != nil {
			if masthead.ErrorCode(err) != masthead.EINVALID {
				t.Fatalf("%q: %v, want invalid", token, err)
			}
			return
		}
		if id <= 0 || issue < 0 || !masthead.ValidSlug(slug) {
			t.Fatalf("%q: accepted %d %q %d", token, id, slug, issue)
		}
		if want := newsletter.UnsubscribeToken(secret, id, slug, issue); strings.TrimSpace(token) != want {
			t.Fatalf("%q accepted, but the token for what it names is %q", token, want)
		}
	})
}
