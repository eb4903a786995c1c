package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	"masthead/jobs"
	"masthead/store"
	"masthead/store/storetest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// recorder is a handler that counts the runs of each job and fails while
// fail is set.
type recorder struct {
	mu   sync.Mutex
	runs map[int64]int
	fail error
}

func newRecorder() *recorder { return &recorder{runs: map[int64]int{}} }

func (r *recorder) run(ctx context.Context, j masthead.Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs[j.ID]++
	return r.fail
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.runs {
		n += c
	}
	return n
}

func mustJob(t *testing.T, kind string, v any) masthead.Job {
	t.Helper()
	j, err := masthead.NewJob(kind, v)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func mustRunDue(t *testing.T, p *jobs.Pool, want int) {
	t.Helper()
	n, err := p.RunDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("RunDue ran %d jobs, want %d", n, want)
	}
}

func onlyJob(t *testing.T, db *store.DB) masthead.Job {
	t.Helper()
	js, err := db.Jobs(context.Background(), masthead.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(js) != 1 {
		t.Fatalf("%d jobs, want 1: %+v", len(js), js)
	}
	return js[0]
}

// TestRolledBackJobNeverRuns: a job belongs to the transaction of the
// change that enqueues it. A registration that fails after its job was
// written leaves neither member nor job; one that commits leaves both,
// and its job runs.
func TestRolledBackJobNeverRuns(t *testing.T) {
	clk := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rec := newRecorder()
		p := jobs.New(db, jobs.Config{Clock: clk})
		p.Handle(masthead.JobSignInEmail, rec.run)
		p.Handle(masthead.JobWebhookDelivery, rec.run)
		// The member a registration creates is a member.created event,
		// whose delivery is a job of the same transaction.
		if _, err := db.CreateWebhookEndpoint(ctx, masthead.WebhookEndpointInput{URL: "https://hooks.example.com/in",
			Events: []masthead.WebhookEventType{masthead.EventMemberCreated}}, "whsec_rollback"); err != nil {
			t.Fatal(err)
		}

		good := mustJob(t, masthead.JobSignInEmail, masthead.SignInEmail{Email: "gone@example.com"})
		bad := masthead.Job{Kind: ""} // refused when written, after good
		_, _, err := db.Register(ctx, masthead.Registration{Email: "gone@example.com", ArticleID: 1,
			DeviceHash: []byte("device-1"), PeriodStart: t0, Now: t0, Jobs: []masthead.Job{good, bad}})
		if masthead.ErrorCode(err) != masthead.EINVALID {
			t.Fatalf("registration with a bad job: %v, want invalid", err)
		}
		if _, err := db.MemberByEmail(ctx, "gone@example.com"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Fatalf("member of the rolled-back registration: %v", err)
		}
		mustRunDue(t, p, 0)
		if n := rec.total(); n != 0 {
			t.Fatalf("a job of a rolled-back transaction ran %d times", n)
		}
		// Neither its sign-in email nor its member.created delivery.
		if counts, err := db.JobCounts(ctx); err != nil || len(counts) != 0 {
			t.Fatalf("jobs after the rollback: %v %v", counts, err)
		}

		// The same gift, committed: its job is there and runs once.
		if _, err := db.CreateGift(ctx, masthead.GiftInput{RecipientEmail: "kept@example.com", Months: 1,
			TokenHash: []byte("hash"), Paid: true, Now: t0,
			Jobs: []masthead.Job{mustJob(t, masthead.JobSignInEmail, masthead.SignInEmail{Email: "kept@example.com"})}}); err != nil {
			t.Fatal(err)
		}
		// and a gift whose second job is refused leaves nothing.
		if _, err := db.CreateGift(ctx, masthead.GiftInput{RecipientEmail: "lost@example.com", Months: 1,
			TokenHash: []byte("hash2"), Paid: true, Now: t0,
			Jobs: []masthead.Job{mustJob(t, masthead.JobSignInEmail, masthead.SignInEmail{Email: "lost@example.com"}), bad}}); err == nil {
			t.Fatal("a gift with a bad job was stored")
		}
		mustRunDue(t, p, 1)
		j := onlyJob(t, db)
		if j.State != masthead.JobDone || rec.runs[j.ID] != 1 {
			t.Errorf("the committed job: %s after %d runs", j.State, rec.runs[j.ID])
		}
	})
}

// TestFailingJobBacksOffThenFails: a job whose handler keeps failing is
// tried again after 1, then 2 minutes (the backoff doubling), fails for
// good at its last attempt with the handler's error, and runs again only
// when staff retry it.
func TestFailingJobBacksOffThenFails(t *testing.T) {
	clk := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		clk.Set(t0)
		ctx := context.Background()
		rec := newRecorder()
		rec.fail = errors.New("550 mailbox unavailable")
		p := jobs.New(db, jobs.Config{Clock: clk, Backoff: time.Minute})
		p.Handle("test-mail", rec.run)

		j := mustJob(t, "test-mail", map[string]string{"to": "a@example.com"})
		j.MaxAttempts = 3
		if err := db.EnqueueJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		mustRunDue(t, p, 1)
		got := onlyJob(t, db)
		if got.State != masthead.JobPending || got.Attempts != 1 || !got.RunAt.Equal(t0.Add(time.Minute)) ||
			got.LastError != "550 mailbox unavailable" || got.LockedBy != "" {
			t.Fatalf("after the first failure: %+v", got)
		}
		clk.Advance(59 * time.Second)
		mustRunDue(t, p, 0) // not due yet
		clk.Advance(time.Second)
		mustRunDue(t, p, 1)
		if got = onlyJob(t, db); got.State != masthead.JobPending || got.Attempts != 2 || !got.RunAt.Equal(clk.Now().Add(2*time.Minute)) {
			t.Fatalf("after the second failure: %+v", got)
		}
		clk.Advance(2 * time.Minute)
		mustRunDue(t, p, 1)
		if got = onlyJob(t, db); got.State != masthead.JobFailed || got.Attempts != 3 || got.LastError != "550 mailbox unavailable" {
			t.Fatalf("after the last attempt: %+v", got)
		}
		clk.Advance(24 * time.Hour)
		mustRunDue(t, p, 0) // failed jobs wait for staff

		// Retry now: due at once, with a fresh round of attempts.
		rec.mu.Lock()
		rec.fail = nil
		rec.mu.Unlock()
		if err := db.RetryJob(ctx, got.ID); err != nil {
			t.Fatal(err)
		}
		mustRunDue(t, p, 1)
		if got = onlyJob(t, db); got.State != masthead.JobDone || string(got.Payload) != "{}" || rec.runs[got.ID] != 4 {
			t.Fatalf("after retry now: %+v, %d runs", got, rec.runs[got.ID])
		}
		if err := db.RetryJob(ctx, got.ID); masthead.ErrorCode(err) != masthead.ECONFLICT {
			t.Errorf("retrying a done job: %v, want conflict", err)
		}

		// An invalid job fails at once; discarding it blanks it.
		bad := masthead.Job{Kind: "test-mail", Payload: []byte(`{"to":"b@example.com"}`)}
		if err := db.EnqueueJob(ctx, bad); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		rec.fail = masthead.Errorf(masthead.EINVALID, "no such address")
		rec.mu.Unlock()
		mustRunDue(t, p, 1)
		failed, err := db.Jobs(ctx, masthead.JobFilter{State: masthead.JobFailed})
		if err != nil || len(failed) != 1 || failed[0].Attempts != 1 {
			t.Fatalf("failed jobs: %+v %v", failed, err)
		}
		if err := db.DiscardJob(ctx, failed[0].ID); err != nil {
			t.Fatal(err)
		}
		if d, err := db.Job(ctx, failed[0].ID); err != nil || d.State != masthead.JobDiscarded || string(d.Payload) != "{}" {
			t.Errorf("discarded job: %+v %v", d, err)
		}
	})
}

// TestLeaseLostJobRunsAgain: a worker that dies holding a job leaves it
// to another once the lease ends, and cannot finish it afterwards.
func TestLeaseLostJobRunsAgain(t *testing.T) {
	clk := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		clk.Set(t0)
		ctx := context.Background()
		if err := db.EnqueueJob(ctx, mustJob(t, "test-mail", nil)); err != nil {
			t.Fatal(err)
		}
		claimed, err := db.ClaimJobs(ctx, "dead-worker", []string{"test-mail"}, clk.Now(), time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		rec := newRecorder()
		p := jobs.New(db, jobs.Config{Clock: clk, Lease: time.Minute})
		p.Handle("test-mail", rec.run)
		mustRunDue(t, p, 0) // leased
		clk.Advance(time.Minute)
		mustRunDue(t, p, 1)
		if err := db.CompleteJob(ctx, claimed[0].ID, "dead-worker"); err != nil {
			t.Fatal(err)
		}
		if got := onlyJob(t, db); got.State != masthead.JobDone || got.Attempts != 2 {
			t.Errorf("after the lease ran out: %+v", got)
		}
	})
}

// TestJobKeyDeduplicates: a second job with the key of one still to run
// is left out; once it ran, the key is free again.
func TestJobKeyDeduplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j := mustJob(t, "test-mail", nil)
		j.Key = "digest:2026-03-02"
		for range 2 {
			if err := db.EnqueueJob(ctx, j); err != nil {
				t.Fatal(err)
			}
		}
		rec := newRecorder()
		p := jobs.New(db, jobs.Config{})
		p.Handle("test-mail", rec.run)
		mustRunDue(t, p, 1)
		if err := db.EnqueueJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		mustRunDue(t, p, 1)
		if n := rec.total(); n != 2 {
			t.Errorf("%d runs, want 2", n)
		}
	})
}

// TestThreeInstancesRunEachJobOnce: three pools, each with its own
// connections to one database, as three instances of the site have, run
// every job exactly once.
func TestThreeInstancesRunEachJobOnce(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			ctx := context.Background()
			var dbs []*store.DB
			for range 3 {
				db, err := store.Open(ctx, dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs = append(dbs, db)
			}
			const n = 300
			for i := range n {
				if err := dbs[i%3].EnqueueJob(ctx, mustJob(t, "test-mail", map[string]int{"i": i})); err != nil {
					t.Fatal(err)
				}
			}
			rec := newRecorder()
			perPool := make([]int, 3)
			var mu sync.Mutex
			var pools []*jobs.Pool
			for i, db := range dbs {
				p := jobs.New(db, jobs.Config{Workers: 4, Poll: 5 * time.Millisecond, Name: fmt.Sprint("instance-", i)})
				p.Handle("test-mail", func(ctx context.Context, j masthead.Job) error {
					mu.Lock()
					perPool[i]++
					mu.Unlock()
					return rec.run(ctx, j)
				})
				pools = append(pools, p)
			}
			for _, p := range pools {
				p.Start()
			}
			deadline := time.Now().Add(time.Minute)
			for {
				counts, err := dbs[0].JobCounts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if counts[masthead.JobDone] == n {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("jobs not done within a minute: %v", counts)
				}
				time.Sleep(10 * time.Millisecond)
			}
			for _, p := range pools {
				if err := p.Stop(ctx); err != nil {
					t.Fatal(err)
				}
			}
			var twice []string
			for id, c := range rec.runs {
				if c != 1 {
					twice = append(twice, fmt.Sprintf("job %d ran %d times", id, c))
				}
			}
			if len(rec.runs) != n || len(twice) > 0 {
				t.Errorf("%d jobs ran, want %d; %s", len(rec.runs), n, strings.Join(twice, ", "))
			}
			t.Logf("%s: jobs run per instance %v", engine, perPool)
		})
	}
}

// TestStopWaitsForRunningJobs: Stop lets a running job finish and record
// its outcome; a Stop whose context ends first cancels the job, which is
// then due again rather than lost.
func TestStopWaitsForRunningJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		started, release := make(chan struct{}), make(chan struct{})
		p := jobs.New(db, jobs.Config{Poll: 10 * time.Millisecond})
		p.Handle("slow", func(ctx context.Context, j masthead.Job) error {
			close(started)
			<-release
			return nil
		})
		if err := db.EnqueueJob(ctx, mustJob(t, "slow", nil)); err != nil {
			t.Fatal(err)
		}
		p.Start()
		<-started
		stopped := make(chan error, 1)
		go func() { stopped <- p.Stop(ctx) }()
		close(release)
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		if got := onlyJob(t, db); got.State != masthead.JobDone {
			t.Fatalf("after Stop: %s", got.State)
		}

		// A job that would not end: Stop's context ends, the job's is
		// cancelled, and the job is pending again.
		started = make(chan struct{})
		q := jobs.New(db, jobs.Config{Poll: 10 * time.Millisecond})
		q.Handle("stuck", func(ctx context.Context, j masthead.Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		if err := db.EnqueueJob(ctx, mustJob(t, "stuck", nil)); err != nil {
			t.Fatal(err)
		}
		q.Start()
		<-started
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := q.Stop(cancelled); !errors.Is(err, context.Canceled) {
			t.Fatalf("Stop past its context: %v", err)
		}
		js, err := db.Jobs(ctx, masthead.JobFilter{State: masthead.JobPending})
		if err != nil || len(js) != 1 || js[0].Kind != "stuck" || js[0].Attempts != 1 || js[0].LastError == "" {
			t.Fatalf("the cancelled job: %+v %v", js, err)
		}
	})
}

// TestSnoozeAndKindBackoff: a job that snoozes runs again at the time it
// asked for, its attempts untouched; a kind with a retry schedule of its
// own is retried on it rather than on the pool's doubling.
func TestSnoozeAndKindBackoff(t *testing.T) {
	clk := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		clk.Set(t0)
		ctx := context.Background()
		p := jobs.New(db, jobs.Config{Clock: clk, Backoff: time.Minute})
		runs := 0
		p.Handle("test-snooze", func(ctx context.Context, j masthead.Job) error {
			runs++
			if runs < 3 {
				return masthead.SnoozeJob(clk.Now().Add(10 * time.Minute))
			}
			return nil
		})
		if err := db.EnqueueJob(ctx, mustJob(t, "test-snooze", struct{}{})); err != nil {
			t.Fatal(err)
		}
		mustRunDue(t, p, 1)
		j := onlyJob(t, db)
		if j.State != masthead.JobPending || j.Attempts != 0 || !j.RunAt.Equal(t0.Add(10*time.Minute)) || j.LastError != "" {
			t.Fatalf("snoozed: %+v", j)
		}
		clk.Set(t0.Add(10*time.Minute - time.Second))
		mustRunDue(t, p, 0)
		clk.Set(t0.Add(10 * time.Minute))
		mustRunDue(t, p, 1)
		clk.Set(t0.Add(20 * time.Minute))
		mustRunDue(t, p, 1)
		if j := onlyJob(t, db); j.State != masthead.JobDone || j.Attempts != 1 || runs != 3 {
			t.Fatalf("after three runs: %+v, %d runs", j, runs)
		}

		// Its own schedule: 5 s, then 2 h (repeating).
		clk.Set(t0)
		p.Handle("test-own-backoff", func(context.Context, masthead.Job) error { return errors.New("down") })
		p.Backoff("test-own-backoff", 5*time.Second, 2*time.Hour)
		if err := db.EnqueueJob(ctx, mustJob(t, "test-own-backoff", struct{}{})); err != nil {
			t.Fatal(err)
		}
		for i, at := range []time.Duration{0, 5 * time.Second, 5*time.Second + 2*time.Hour, 5*time.Second + 4*time.Hour} {
			clk.Set(t0.Add(at - time.Second))
			if i > 0 {
				mustRunDue(t, p, 0)
			}
			clk.Set(t0.Add(at))
			mustRunDue(t, p, 1)
		}
	})
}
