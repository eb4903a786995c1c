package http_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
)

// sentIssue stores a sent issue of the newsletter slug.
func sentIssue(t *testing.T, rs *readers, slug, subject string, sendAt time.Time) *masthead.Issue {
	t.Helper()
	ctx := context.Background()
	n, err := rs.db.Newsletter(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	is, err := rs.db.CreateIssue(ctx, &masthead.Issue{
		NewsletterID: n.ID, Subject: subject, Status: masthead.IssueSent, SendAt: sendAt,
		WindowStart: sendAt.Add(-24 * time.Hour), WindowEnd: sendAt,
		EditorsNote: "NOTE-" + subject + " good morning.",
		Radar:       "RADAR-" + subject + " the vote on Friday.",
		Articles: []masthead.IssueArticle{
			{ArticleID: 1, Slug: "rates-rise", Title: "HEADLINE-Rates rise", Dek: "DEK-the bank moved first", Authors: []string{"Ada Lovelace"},
				Kind: masthead.KindDaily, Access: masthead.AccessMetered, PublishedAt: sendAt.Add(-time.Hour)},
			{ArticleID: 2, Slug: "long-view", Title: "HEADLINE-The long view", Dek: "DEK-a decade of wheat",
				Kind: masthead.KindInDepth, Access: masthead.AccessSubscribers, PublishedAt: sendAt.Add(-2 * time.Hour)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return is
}

func withArchive(_ *mhttp.Config, d *mhttp.Deps) {
	d.NewsletterArchive = d.Articles.(mhttp.NewsletterArchive)
}

// TestNewsletterArchive checks who sees what of a sent issue: the
// subscribers-only newsletter shows others its note and headlines only,
// and no shared cache keeps a subscriber's page.
func TestNewsletterArchive(t *testing.T) {
	eachReaders(t, withArchive, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		day := time.Date(2025, 3, 13, 6, 0, 0, 0, time.UTC)
		daily := sentIssue(t, rs, masthead.NewsletterDaily, "Thursday", day)
		free := sentIssue(t, rs, masthead.NewsletterFree, "Free weekly", day.Add(-48*time.Hour))
		n, _ := rs.db.Newsletter(ctx, masthead.NewsletterDaily)
		if _, err := rs.db.CreateIssue(ctx, &masthead.Issue{NewsletterID: n.ID, Subject: "DRAFT-unsent", Status: masthead.IssueDraft,
			WindowStart: day, WindowEnd: day.Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		_, subCookie := rs.subscriber(t, "sub@example.com")
		_, readerCookie := rs.verified(t, "reader@example.com")
		dailyURL := "/newsletters/daily/" + strconv.FormatInt(daily.ID, 10)
		full := []string{"NOTE-Thursday", "HEADLINE-Rates rise", "HEADLINE-The long view", "DEK-the bank moved first", "RADAR-Thursday", "Ada Lovelace"}
		hidden := []string{"DEK-", "RADAR-", "Ada Lovelace"}

		res, body := rs.send(t, req{url: "/newsletters"})
		if res.StatusCode != 200 {
			t.Fatalf("/newsletters: %d", res.StatusCode)
		}
		mustContain(t, "newsletters", body, "The Daily Review", "The Weekly Review", "The free newsletter", `href="/newsletters/daily"`)

		res, body = rs.send(t, req{url: "/newsletters/daily"})
		if res.StatusCode != 200 {
			t.Fatalf("archive: %d", res.StatusCode)
		}
		mustContain(t, "archive", body, "Thursday", `href="`+dailyURL+`"`)
		mustNotContain(t, "archive", body, "DRAFT-unsent", "NOTE-", "DEK-")

		// Anonymous, twice (the second from the cache): the teaser.
		for i := range 2 {
			res, body = rs.send(t, req{url: dailyURL})
			if res.StatusCode != 200 {
				t.Fatalf("anonymous issue: %d", res.StatusCode)
			}
			mustContain(t, "anonymous issue", body, "NOTE-Thursday", "HEADLINE-Rates rise", "HEADLINE-The long view", "The full issue is for subscribers")
			mustNotContain(t, "anonymous issue", body, hidden...)
			if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "private") && i == 0 {
				t.Errorf("anonymous teaser is private: %q", cc)
			}
		}
		// A registered reader: still the teaser, and private.
		res, body = rs.send(t, req{url: dailyURL, cookies: []*http.Cookie{readerCookie}})
		mustContain(t, "reader's issue", body, "NOTE-Thursday", "The full issue is for subscribers")
		mustNotContain(t, "reader's issue", body, hidden...)
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
			t.Errorf("reader's page Cache-Control %q", cc)
		}
		// A subscriber: everything, privately; and the next anonymous
		// reader still gets the teaser.
		res, body = rs.send(t, req{url: dailyURL, cookies: []*http.Cookie{subCookie}})
		mustContain(t, "subscriber's issue", body, full...)
		mustNotContain(t, "subscriber's issue", body, "The full issue is for subscribers")
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
			t.Errorf("subscriber's page Cache-Control %q", cc)
		}
		if strings.Index(body, "HEADLINE-The long view") > strings.Index(body, "HEADLINE-Rates rise") {
			t.Error("the in-depth piece does not come first")
		}
		_, body = rs.send(t, req{url: dailyURL})
		mustNotContain(t, "anonymous after subscriber", body, hidden...)

		// By date, in the publication's time zone (UTC-5: 06:00 UTC on
		// the 13th is 01:00 on the 13th).
		res, body = rs.send(t, req{url: "/newsletters/daily/2025-03-13", cookies: []*http.Cookie{subCookie}})
		if res.StatusCode != 200 || !strings.Contains(body, "RADAR-Thursday") {
			t.Errorf("issue by date: %d", res.StatusCode)
		}

		// The free newsletter is open to all.
		_, body = rs.send(t, req{url: "/newsletters/free/" + strconv.FormatInt(free.ID, 10)})
		mustContain(t, "free issue", body, "DEK-the bank moved first", "RADAR-Free weekly")

		for _, u := range []string{"/newsletters/nope", "/newsletters/daily/999999", "/newsletters/free/" + strconv.FormatInt(daily.ID, 10),
			"/newsletters/daily/2025-03-12", "/newsletters/daily/yesterday", "/newsletters/daily?page=9"} {
			if res, _ := rs.send(t, req{url: u}); res.StatusCode != 404 {
				t.Errorf("%s: %d, want 404", u, res.StatusCode)
			}
		}
		// An issue not sent has no page.
		drafts, _ := rs.db.Issues(ctx, masthead.IssueFilter{Status: []masthead.IssueStatus{masthead.IssueDraft}})
		for _, d := range drafts {
			if res, _ := rs.send(t, req{url: "/newsletters/daily/" + strconv.FormatInt(d.ID, 10), cookies: []*http.Cookie{subCookie}}); res.StatusCode != 404 {
				t.Errorf("draft issue page: %d", res.StatusCode)
			}
		}
	})
}
