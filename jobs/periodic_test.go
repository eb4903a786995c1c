package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	"masthead/jobs"
	"masthead/store"
	"masthead/store/storetest"
)

var hourly = []jobs.Periodic{{Kind: "test-prune", Every: time.Hour, MaxAttempts: 3}}

func jobsOf(t *testing.T, db *store.DB) []masthead.Job {
	t.Helper()
	js, err := db.Jobs(context.Background(), masthead.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestPeriodicOneJobPerSlot: two instances scheduling the same hour, at
// once and again later in the hour, leave one job, which runs once; the
// hour stays done however often it is scheduled again, the next hour
// gets its own job, and done jobs go with the queue's pruning.
func TestPeriodicOneJobPerSlot(t *testing.T) {
	clk := clocktest.New(t0.Add(10 * time.Minute))
	storetest.EachWith(t, store.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		clk.Set(t0.Add(10 * time.Minute))
		ctx := context.Background()
		var wg sync.WaitGroup
		added := make([]int, 2)
		for i := range added {
			wg.Go(func() { added[i] = jobs.Schedule(ctx, db, hourly, clk.Now(), nil) })
		}
		wg.Wait()
		if added[0]+added[1] != 1 {
			t.Fatalf("two instances enqueued %v jobs for one slot, want 1 in all", added)
		}
		clk.Advance(30 * time.Minute)
		if n := jobs.Schedule(ctx, db, hourly, clk.Now(), nil); n != 0 {
			t.Fatalf("a later tick in the slot enqueued %d jobs", n)
		}
		j := onlyJob(t, db)
		if j.Kind != "test-prune" || j.Key != "2026-03-02T09:00:00Z" || j.MaxAttempts != 3 {
			t.Fatalf("the slot's job: %+v", j)
		}

		rec := newRecorder()
		a := jobs.New(db, jobs.Config{Clock: clk, Name: "a"})
		b := jobs.New(db, jobs.Config{Clock: clk, Name: "b"})
		a.Handle("test-prune", rec.run)
		b.Handle("test-prune", rec.run)
		mustRunDue(t, a, 1)
		mustRunDue(t, b, 0)
		if j = onlyJob(t, db); j.State != masthead.JobDone || rec.total() != 1 {
			t.Fatalf("after the run: %s, %d runs", j.State, rec.total())
		}

		// The slot has run: scheduling it again, from either instance,
		// adds nothing.
		clk.Advance(19 * time.Minute) // 09:59
		for range 3 {
			if n := jobs.Schedule(ctx, db, hourly, clk.Now(), nil); n != 0 {
				t.Fatalf("a done slot was enqueued again (%d)", n)
			}
		}
		mustRunDue(t, b, 0)

		clk.Advance(time.Minute) // 10:00, the next slot
		if n := jobs.Schedule(ctx, db, hourly, clk.Now(), nil); n != 1 {
			t.Fatalf("the next slot enqueued %d jobs, want 1", n)
		}
		mustRunDue(t, b, 1)
		js := jobsOf(t, db)
		if len(js) != 2 || js[0].Key != "2026-03-02T10:00:00Z" || js[0].State != masthead.JobDone || rec.total() != 2 {
			t.Fatalf("after the second slot: %+v, %d runs", js, rec.total())
		}

		// The pool prunes done jobs older than its Keep (a week by
		// default), periodic ones included.
		clk.Advance(7*24*time.Hour + time.Minute)
		if n, err := db.PruneJobs(ctx, clk.Now().Add(-7*24*time.Hour)); err != nil || n != 2 {
			t.Fatalf("pruned %d done periodic jobs (%v), want 2", n, err)
		}
	})
}

// TestPeriodicJobRetriedThenFailed: a periodic job whose handler fails is
// retried with backoff, fails for good after its attempts with the error
// for staff to see, and its slot is not enqueued again; the next slot
// is.
func TestPeriodicJobRetriedThenFailed(t *testing.T) {
	clk := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		clk.Set(t0)
		ctx := context.Background()
		rec := newRecorder()
		rec.fail = errors.New("database is locked")
		p := jobs.New(db, jobs.Config{Clock: clk, Backoff: time.Minute})
		p.Handle("test-prune", rec.run)

		if n := jobs.Schedule(ctx, db, hourly, clk.Now(), nil); n != 1 {
			t.Fatalf("enqueued %d", n)
		}
		mustRunDue(t, p, 1)
		if j := onlyJob(t, db); j.State != masthead.JobPending || j.Attempts != 1 || j.LastError != "database is locked" {
			t.Fatalf("after the first failure: %+v", j)
		}
		clk.Advance(time.Minute)
		mustRunDue(t, p, 1)
		clk.Advance(2 * time.Minute)
		mustRunDue(t, p, 1)
		j := onlyJob(t, db)
		if j.State != masthead.JobFailed || j.Attempts != 3 || j.LastError != "database is locked" || rec.total() != 3 {
			t.Fatalf("after the last attempt: %+v, %d runs", j, rec.total())
		}
		failed, err := db.Jobs(ctx, masthead.JobFilter{State: masthead.JobFailed})
		if err != nil || len(failed) != 1 || failed[0].ID != j.ID {
			t.Fatalf("failed jobs for staff: %+v %v", failed, err)
		}

		if n := jobs.Schedule(ctx, db, hourly, clk.Now(), nil); n != 0 {
			t.Fatalf("the failed slot was enqueued again (%d)", n)
		}
		clk.Set(t0.Add(time.Hour))
		rec.mu.Lock()
		rec.fail = nil
		rec.mu.Unlock()
		if n := jobs.Schedule(ctx, db, hourly, clk.Now(), nil); n != 1 {
			t.Fatalf("the next slot enqueued %d jobs, want 1", n)
		}
		mustRunDue(t, p, 1)
		if js := jobsOf(t, db); len(js) != 2 || js[0].State != masthead.JobDone || js[1].State != masthead.JobFailed {
			t.Fatalf("jobs after the next slot: %+v", js)
		}
	})
}

// TestSlotKey: slots are aligned on the epoch in UTC, whatever the time
// zone of the clock.
func TestSlotKey(t *testing.T) {
	p := jobs.Periodic{Kind: "k", Every: time.Hour}
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC), "2026-12-07T03:00:00Z"},
		{time.Date(2026, 12, 7, 3, 59, 59, 999, time.UTC), "2026-12-07T03:00:00Z"},
		{time.Date(2026, 12, 7, 4, 30, 0, 0, paris), "2026-12-07T03:00:00Z"},
	} {
		if got := p.SlotKey(tc.at); got != tc.want {
			t.Errorf("SlotKey(%v) = %q, want %q", tc.at, got, tc.want)
		}
	}
}
