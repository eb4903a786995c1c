package store_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

var nlNow = time.Date(2026, 3, 6, 5, 0, 0, 0, time.UTC)

// seedReaders adds a mix of members: who gets the daily (subscribers
// only, on by default) and the free newsletter (opt-in) is known.
func seedReaders(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	past := nlNow.Add(-30 * 24 * time.Hour)
	ms := []store.BulkMember{
		{Email: "sub@example.com", Name: "Sub", Verified: true, Created: past, EntitledFrom: past},
		{Email: "sub-optout@example.com", Verified: true, Created: past, EntitledFrom: past,
			Newsletters: map[string]bool{"daily": false}},
		{Email: "sub-free@example.com", Verified: true, Created: past, EntitledFrom: past,
			Newsletters: map[string]bool{"free": true}},
		{Email: "lapsed@example.com", Verified: true, Created: past, EntitledFrom: past, EntitledUntil: nlNow.Add(-time.Hour),
			Newsletters: map[string]bool{"free": true}},
		{Email: "reader@example.com", Name: "Reader", Verified: true, Created: past, Newsletters: map[string]bool{"free": true}},
		{Email: "reader-no@example.com", Verified: true, Created: past},
		{Email: "unverified@example.com", Created: past, Newsletters: map[string]bool{"free": true}},
		{Email: "suppressed@example.com", Verified: true, Created: past, EntitledFrom: past, Newsletters: map[string]bool{"free": true}},
	}
	ids, err := db.InsertMembers(context.Background(), ms, "test consent")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for i, m := range ms {
		out[m.Email] = ids[i]
	}
	if err := db.Suppress(context.Background(), masthead.Suppression{Email: "suppressed@example.com",
		Reason: masthead.SuppressManual, CreatedAt: past}, ""); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustIssue(t *testing.T, db *store.DB, slug string, status masthead.IssueStatus) *masthead.Issue {
	t.Helper()
	n, err := db.Newsletter(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	is, err := db.CreateIssue(context.Background(), &masthead.Issue{
		NewsletterID: n.ID, Subject: "Issue of " + slug, WindowStart: nlNow.Add(-24 * time.Hour), WindowEnd: nlNow,
		Status: status, SendAt: nlNow,
		Articles: []masthead.IssueArticle{{ArticleID: 1, Slug: "a", Title: "A", Kind: masthead.KindDaily}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return is
}

func queuedEmails(t *testing.T, db *store.DB, issueID int64) map[string]masthead.Segment {
	t.Helper()
	ds, err := db.QueuedDeliveries(context.Background(), issueID, 0, nlNow, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]masthead.Segment{}
	for _, d := range ds {
		out[d.Email] = d.Segment
	}
	return out
}

func TestNewslettersSeeded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		all, err := db.Newsletters(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 {
			t.Fatalf("got %d newsletters, want 3", len(all))
		}
		d, err := db.Newsletter(ctx, masthead.NewsletterDaily)
		if err != nil {
			t.Fatal(err)
		}
		if d.Audience != masthead.AudienceSubscribers || d.Schedule.String() != "mon,tue,wed,thu,fri 06:00" || !d.DefaultOn {
			t.Errorf("daily = %+v", d)
		}
		d.Name, d.ReplyTo = "The Daily", "letters@example.com"
		if _, err := db.UpdateNewsletter(ctx, d); err != nil {
			t.Fatal(err)
		}
		d.FromAddress = "not an address"
		_, err = db.UpdateNewsletter(ctx, d)
		wantCode(t, err, masthead.EINVALID)
		got, _ := db.Newsletter(ctx, masthead.NewsletterDaily)
		if got.Name != "The Daily" || got.FromAddress != "" {
			t.Errorf("after updates: %+v", got)
		}
		if _, err := db.Newsletter(ctx, "nope"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("unknown newsletter: %v", err)
		}
	})
}

func TestClaimIssueQueuesRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedReaders(t, db)
		daily := mustIssue(t, db, masthead.NewsletterDaily, masthead.IssueScheduled)
		free := mustIssue(t, db, masthead.NewsletterFree, masthead.IssueScheduled)

		l, err := db.ClaimIssue(ctx, daily.ID, "a", nlNow.Add(time.Minute), nlNow, "example.com")
		if err != nil {
			t.Fatal(err)
		}
		if l.Issue.Status != masthead.IssueSending || l.Queued != 2 {
			t.Fatalf("daily claimed: status %s, queued %d", l.Issue.Status, l.Queued)
		}
		want := map[string]masthead.Segment{"sub@example.com": "subscriber", "sub-free@example.com": "subscriber"}
		if got := queuedEmails(t, db, daily.ID); !equalSegs(got, want) {
			t.Errorf("daily recipients = %v, want %v", got, want)
		}
		if _, err := db.ClaimIssue(ctx, free.ID, "a", nlNow.Add(time.Minute), nlNow, "example.com"); err != nil {
			t.Fatal(err)
		}
		want = map[string]masthead.Segment{"sub-free@example.com": "subscriber", "lapsed@example.com": "registered",
			"reader@example.com": "registered"}
		if got := queuedEmails(t, db, free.ID); !equalSegs(got, want) {
			t.Errorf("free recipients = %v, want %v", got, want)
		}

		// Another instance cannot take a live lease, but can take an
		// expired one; the first then loses it.
		_, err = db.ClaimIssue(ctx, daily.ID, "b", nlNow.Add(time.Minute), nlNow, "example.com")
		wantCode(t, err, masthead.ECONFLICT)
		later := nlNow.Add(2 * time.Minute)
		if _, err := db.ClaimIssue(ctx, daily.ID, "b", later.Add(time.Minute), later, "example.com"); err != nil {
			t.Fatal(err)
		}
		_, err = db.RenewIssueLease(ctx, daily.ID, "a", later.Add(time.Minute))
		wantCode(t, err, masthead.ECONFLICT)
		if st, err := db.RenewIssueLease(ctx, daily.ID, "b", later.Add(2*time.Minute)); err != nil || st != masthead.IssueSending {
			t.Fatalf("renew: %s %v", st, err)
		}

		// Marks: one sent, one refused for good and suppressed.
		ds, _ := db.QueuedDeliveries(ctx, daily.ID, 0, nlNow, 10)
		if err := db.MarkSent(ctx, daily.ID, []int64{ds[0].MemberID}, later); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkOutcomes(ctx, daily.ID, []masthead.DeliveryOutcome{{MemberID: ds[1].MemberID, Error: "550 no such user",
			Status: masthead.DeliveryFailed, Suppress: &masthead.Suppression{Email: ds[1].Email, Reason: masthead.SuppressFailure,
				Detail: "550", CreatedAt: later}}}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.Suppressed(ctx, ds[1].Email); !ok {
			t.Error("a 5xx did not suppress the address")
		}
		done, err := db.FinishIssue(ctx, daily.ID, "b", later)
		if err != nil || !done {
			t.Fatalf("finish: %v %v", done, err)
		}
		is, err := db.Issue(ctx, daily.ID)
		if err != nil {
			t.Fatal(err)
		}
		if is.Status != masthead.IssueSent || is.Counts != (masthead.DeliveryCounts{Total: 2, Sent: 1, Failed: 1}) {
			t.Errorf("finished issue: %s %+v", is.Status, is.Counts)
		}
		log, err := db.Deliveries(ctx, daily.ID, masthead.DeliveryFilter{})
		if err != nil || len(log) != 2 || log[0].MessageID == "" || log[0].SentAt.IsZero() && log[1].SentAt.IsZero() {
			t.Errorf("send log: %+v %v", log, err)
		}

		// A bounce reported later marks the sent delivery.
		sent := log[0]
		if sent.Status != masthead.DeliverySent {
			sent = log[1]
		}
		if err := db.Suppress(ctx, masthead.Suppression{Email: sent.Email, Reason: masthead.SuppressBounce, Detail: "5.1.1"},
			"<"+sent.MessageID+">"); err != nil {
			t.Fatal(err)
		}
		c, _ := db.IssueCounts(ctx, daily.ID)
		if c.Bounced != 1 || c.Sent != 0 {
			t.Errorf("after bounce: %+v", c)
		}
		sup, err := db.Suppressions(ctx, masthead.SuppressionFilter{Query: "SUB"})
		if err != nil || len(sup) != 2 {
			t.Errorf("suppressions: %+v %v", sup, err)
		}
		if err := db.LiftSuppression(ctx, sent.Email); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.LiftSuppression(ctx, sent.Email), masthead.ENOTFOUND)
	})
}

func equalSegs(a, b map[string]masthead.Segment) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestIssueStatusTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		is := mustIssue(t, db, masthead.NewsletterWeekly, masthead.IssueDraft)
		empty := []masthead.IssueArticle{}
		subj := "New subject"
		is, err := db.UpdateIssue(ctx, is.ID, masthead.IssueUpdate{Subject: &subj, Articles: &empty}, nlNow)
		if err != nil || is.Subject != subj || len(is.Articles) != 0 {
			t.Fatalf("update: %+v %v", is, err)
		}
		_, err = db.SetIssueStatus(ctx, is.ID, masthead.IssueStatusChange{To: masthead.IssueScheduled, Now: nlNow})
		wantCode(t, err, masthead.EINVALID) // empty needs force
		is, err = db.SetIssueStatus(ctx, is.ID, masthead.IssueStatusChange{To: masthead.IssueScheduled, Force: true, Now: nlNow})
		if err != nil || is.Status != masthead.IssueScheduled || !is.SendAt.Equal(nlNow) || !is.Force {
			t.Fatalf("schedule: %+v %v", is, err)
		}
		_, err = db.SetIssueStatus(ctx, is.ID, masthead.IssueStatusChange{To: masthead.IssuePaused, Now: nlNow})
		wantCode(t, err, masthead.ECONFLICT)
		_, err = db.SetIssueStatus(ctx, is.ID, masthead.IssueStatusChange{To: masthead.IssueSending, Now: nlNow})
		wantCode(t, err, masthead.ECONFLICT) // only the sender starts an issue
		if _, err := db.ClaimIssue(ctx, is.ID, "x", nlNow.Add(time.Minute), nlNow, "example.com"); err != nil {
			t.Fatal(err)
		}
		if is, err = db.SetIssueStatus(ctx, is.ID, masthead.IssueStatusChange{To: masthead.IssuePaused, Now: nlNow}); err != nil {
			t.Fatal(err)
		}
		if st, _ := db.RenewIssueLease(ctx, is.ID, "x", nlNow.Add(time.Minute)); st != masthead.IssuePaused {
			t.Errorf("sender sees %s, want paused", st)
		}
		_, err = db.UpdateIssue(ctx, is.ID, masthead.IssueUpdate{Subject: &subj}, nlNow)
		wantCode(t, err, masthead.ECONFLICT)
		if is, err = db.SetIssueStatus(ctx, is.ID, masthead.IssueStatusChange{To: masthead.IssueSending, Now: nlNow}); err != nil {
			t.Fatal(err)
		}
		if is, err = db.SetIssueStatus(ctx, is.ID, masthead.IssueStatusChange{To: masthead.IssueCancelled, Now: nlNow}); err != nil || is.FinishedAt.IsZero() {
			t.Fatal(is, err)
		}
		// One issue per newsletter and window.
		n, _ := db.Newsletter(ctx, masthead.NewsletterWeekly)
		_, err = db.CreateIssue(ctx, &masthead.Issue{NewsletterID: n.ID, Subject: "again", WindowStart: nlNow.Add(-24 * time.Hour), WindowEnd: nlNow})
		wantCode(t, err, masthead.ECONFLICT)
	})
}

func TestNewsletterChoices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids := seedReaders(t, db)
		cs, err := db.NewsletterChoices(ctx, ids["reader@example.com"], nlNow)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][2]bool{}
		for _, c := range cs {
			got[c.Newsletter.Slug] = [2]bool{c.Eligible, c.Subscribed}
		}
		want := map[string][2]bool{"daily": {false, true}, "weekly": {false, true}, "free": {true, true}}
		if len(got) != 3 || got["daily"] != want["daily"] || got["free"] != want["free"] {
			t.Errorf("choices = %v, want %v", got, want)
		}
		if err := db.SetNewsletterChoice(ctx, ids["reader@example.com"], "free", false, "unsubscribe link", nlNow); err != nil {
			t.Fatal(err)
		}
		cs, _ = db.NewsletterChoices(ctx, ids["reader@example.com"], nlNow)
		for _, c := range cs {
			if c.Newsletter.Slug == "free" && c.Subscribed {
				t.Error("still subscribed after withdrawing")
			}
		}
		wantCode(t, db.SetNewsletterChoice(ctx, 1, "nope", true, "x", nlNow), masthead.ENOTFOUND)
	})
}
