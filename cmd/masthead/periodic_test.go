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

// TestPeriodicUpkeepRunsAsJobs: two instances schedule the hour's upkeep;
// one job of each kind is queued, each runs once, on whichever instance
// claims it, and its work is done: the expired session is gone while the
// live one stays.
func TestPeriodicUpkeepRunsAsJobs(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 3, 20, 0, 0, time.UTC)
	clk := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		clk.Set(t0)
		ctx := context.Background()
		log := slog.New(slog.DiscardHandler)
		m, err := db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone)
		if err != nil {
			t.Fatal(err)
		}
		_, expired := masthead.NewToken()
		_, live := masthead.NewToken()
		if err := db.CreateSession(ctx, m.ID, expired, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSession(ctx, m.ID, live, t0.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}

		var pools []*jobs.Pool
		for _, name := range []string{"one", "two"} {
			p := jobs.New(db, jobs.Config{Clock: clk, Name: name, Logger: log})
			handlePeriodic(p, db, clk, 90*24*time.Hour, log)
			pools = append(pools, p)
		}
		for _, p := range pools {
			schedulePeriodic(ctx, db, p, periodicJobs(false), clk, log)
			schedulePeriodic(ctx, db, p, periodicJobs(false), clk, log)
		}
		ran := 0
		for _, p := range pools {
			n, err := p.RunDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ran += n
		}
		js, err := db.Jobs(ctx, masthead.JobFilter{})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, j := range js {
			if j.Kind == masthead.JobRelateArticles {
				// What refresh-related queues after it, not a periodic
				// job: it ran in the same pass.
				if j.State == masthead.JobDone {
					ran--
				}
				continue
			}
			if j.State != masthead.JobDone || j.Attempts != 1 || j.Key != "2026-12-07T03:00:00Z" || kinds[j.Kind] {
				t.Errorf("job: %+v", j)
			}
			kinds[j.Kind] = true
		}
		if ran != 6 || len(kinds) != 6 || !kinds[jobPrune] || !kinds[jobPruneWebhooks] || !kinds[jobRollupInsights] || !kinds[jobScheduleArticles] || !kinds[jobRefreshRelated] || !kinds[jobPruneLicences] {
			t.Fatalf("ran %d jobs of kinds %v, want one each of prune, prune-webhooks, rollup-insights, prune-licences, schedule-articles and refresh-related", ran, kinds)
		}
		// The prune job took the expired session: nothing is left for a
		// prune now.
		if p, err := db.Prune(ctx, clk.Now()); err != nil || p.Sessions != 0 {
			t.Errorf("sessions left for a prune after the job: %+v %v", p, err)
		}
		if _, err := db.SessionMember(ctx, live); err != nil {
			t.Errorf("the live session: %v", err)
		}
	})
}
