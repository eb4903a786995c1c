package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	"masthead/jobs"
	"masthead/store"
	"masthead/store/storetest"
)

// TestScheduledArticlePublishedByItsJob: saving an article as scheduled
// queues its publication; the job does nothing before the time, publishes
// it at the time (status, history, search, version), and after a
// reschedule only the job of the new time publishes it. A scheduled
// article left without a job (an older database) gets one from the
// safety net, once.
func TestScheduledArticlePublishedByItsJob(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	clk := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		clk.Set(t0)
		ctx := context.Background()
		log := slog.New(slog.DiscardHandler)
		pool := jobs.New(db, jobs.Config{Clock: clk, Logger: log})
		handleScheduled(pool, db, log)
		handlePeriodic(pool, db, clk, 90*24*time.Hour, log)
		runDue := func(want int) {
			t.Helper()
			n, err := pool.RunDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Fatalf("ran %d jobs at %s, want %d", n, clk.Now().Format(time.Kitchen), want)
			}
		}
		status := func(id int64) masthead.Status {
			t.Helper()
			a, err := db.ArticleByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return a.Status
		}

		first, second := t0.Add(time.Hour), t0.Add(3*time.Hour)
		in := masthead.ArticleInput{Title: "Eclipse tonight", Slug: "eclipse", Status: masthead.StatusScheduled,
			PublishedAt: first, BodyMarkdown: "The moon passes.", By: masthead.ArticleActor{Via: masthead.ChangeViaAPI}}
		a, err := db.CreateArticle(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil { // saved again, same time: no second job
			t.Fatal(err)
		}
		runDue(0)
		clk.Set(first.Add(-time.Second))
		runDue(0)
		if s := status(a.ID); s != masthead.StatusScheduled {
			t.Fatalf("a second before its time: %s", s)
		}

		// Rescheduled before the first time: the first job runs and
		// finds nothing to do; the second publishes at its time.
		in.PublishedAt = second
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		clk.Set(first)
		runDue(1)
		if s := status(a.ID); s != masthead.StatusScheduled {
			t.Fatalf("published at the old time: %s", s)
		}
		v1, _ := db.ContentVersion(ctx)
		clk.Set(second)
		runDue(1)
		if s := status(a.ID); s != masthead.StatusPublished {
			t.Fatalf("at its new time: %s", s)
		}
		if v2, _ := db.ContentVersion(ctx); v2 <= v1 {
			t.Errorf("content version %d → %d", v1, v2)
		}
		h, err := db.ArticleHistory(ctx, a.ID, 0)
		if err != nil || len(h) == 0 || h[0].Via != masthead.ChangeViaSchedule {
			t.Errorf("history: %+v %v", h, err)
		}
		hits, err := db.Search(ctx, masthead.SearchQuery{Text: "eclipse", Now: clk.Now()})
		if err != nil || len(hits.Hits) != 1 {
			t.Errorf("search after publication: %+v %v", hits, err)
		}
		js, err := db.Jobs(ctx, masthead.JobFilter{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, j := range js {
			if j.Kind == masthead.JobPublishScheduled {
				n++
				if j.State != masthead.JobDone || j.Attempts != 1 {
					t.Errorf("job %s: %s after %d attempts (%s)", j.Key, j.State, j.Attempts, j.LastError)
				}
			}
		}
		if n != 2 {
			t.Errorf("%d publish jobs, want one per time saved (2)", n)
		}

		// A scheduled article whose job was dropped: the safety net
		// queues one, once, and it publishes the article.
		late := clk.Now().Add(time.Hour)
		b, err := db.CreateArticle(ctx, masthead.ArticleInput{Title: "Late", Slug: "late", Status: masthead.StatusScheduled, PublishedAt: late})
		if err != nil {
			t.Fatal(err)
		}
		js, _ = db.Jobs(ctx, masthead.JobFilter{State: masthead.JobPending, Kind: masthead.JobPublishScheduled})
		if len(js) != 1 {
			t.Fatalf("pending jobs: %+v", js)
		}
		if err := db.DiscardJob(ctx, js[0].ID); err != nil {
			t.Fatal(err)
		}
		if added, err := db.ScheduleMissingPublications(ctx); err != nil || added != 0 {
			t.Fatalf("a discarded job is staff's word: added %d %v", added, err)
		}
		if _, err := db.PruneJobs(ctx, clk.Now().Add(time.Hour)); err != nil { // as if it never was
			t.Fatal(err)
		}
		for range 2 {
			if err := scheduleMissingPublications(ctx, db, log); err != nil {
				t.Fatal(err)
			}
		}
		clk.Set(late)
		runDue(1)
		if s := status(b.ID); s != masthead.StatusPublished {
			t.Fatalf("the article the safety net queued: %s", s)
		}
	})
}
