package newsletter_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	"masthead/jobs"
	"masthead/mail/mailtest"
	"masthead/newsletter"
	"masthead/store"
	"masthead/store/storetest"
)

// TestSendJobWaitsForRetryThenFinishes: the issue's send job sends to
// everyone it can, then, with one recipient told to retry in about an
// hour, waits for that retry (snoozed: no attempt spent, no worker held)
// and finishes the issue when it runs again; each recipient gets one
// copy.
func TestSendJobWaitsForRetryThenFinishes(t *testing.T) {
	clk := clocktest.New(time.Now())
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t, mailtest.Discard())
		emails := readers(t, db, 5, "j")
		is := scheduleIssue(t, db) // scheduled now: its job is due
		clk.Set(time.Now())
		cfg := fastConfig()
		cfg.Concurrency = 1
		cfg.RetryBase = time.Hour
		cfg.Clock = clk
		srv.FailNext(1, 451)
		e := newsletter.New(db, openSMTP(t, srv, 1), testSite, cfg)
		p := jobs.New(db, jobs.Config{Clock: clk})
		p.Handle(masthead.JobNewsletterSend, e.RunSend)

		if _, err := p.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := db.Issue(ctx, is.ID)
		if err != nil || got.Status != masthead.IssueSending || got.Counts.Sent != 4 || got.Counts.Queued != 1 {
			t.Fatalf("after the first run: %+v %v", got, err)
		}
		js, err := db.Jobs(ctx, masthead.JobFilter{})
		if err != nil || len(js) != 1 {
			t.Fatalf("jobs: %+v %v", js, err)
		}
		j := js[0]
		if j.State != masthead.JobPending || j.Attempts != 0 || j.RunAt.Before(clk.Now().Add(40*time.Minute)) {
			t.Fatalf("the send's job while a retry waits: %+v", j)
		}

		clk.Set(j.RunAt)
		if _, err := p.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		got, err = db.Issue(ctx, is.ID)
		if err != nil || got.Status != masthead.IssueSent || got.Counts.Sent != 5 {
			t.Fatalf("after the retry: %+v %v", got, err)
		}
		if j, err := db.Job(ctx, j.ID); err != nil || j.State != masthead.JobDone || j.Attempts != 1 {
			t.Errorf("the send's job: %+v %v", j, err)
		}
		for _, a := range emails {
			if n := srv.Received(a); n != 1 {
				t.Errorf("%s received %d copies, want 1", a, n)
			}
		}
	})
}
