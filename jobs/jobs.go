// Package jobs runs the durable queue's work: a pool of workers claims due
// jobs from the store under a lease, runs the handler registered for each
// job's kind, and records the outcome; a failure is retried with
// exponential backoff until the job's attempts run out, when it is failed
// with its error for staff to see (/admin/jobs).
//
// Any number of pools may share one database: claims skip the rows
// another pool holds, and a pool that dies leaves its jobs to be claimed
// again when their lease ends. A pool claims only the kinds it has
// handlers for, so an instance without a mailer leaves mail to one that
// has it.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"masthead"
)

// Queue is what the pool needs of the store.
type Queue interface {
	ClaimJobs(ctx context.Context, worker string, kinds []string, now time.Time, lease time.Duration, limit int) ([]masthead.Job, error)
	CompleteJob(ctx context.Context, id int64, worker string) error
	FailJob(ctx context.Context, id int64, worker, msg string, retryAt time.Time, final bool) error
	SnoozeJob(ctx context.Context, id int64, worker string, at time.Time, payload []byte) error
	PruneJobs(ctx context.Context, before time.Time) (int64, error)
}

// Config tunes a pool. Zero values mean the defaults.
type Config struct {
	// Workers bounds the jobs run at once (default 4).
	Workers int
	// Poll is how often the pool looks for due jobs when nothing woke it
	// (default 1s). Notify wakes it at once.
	Poll time.Duration
	// Lease is how long a claimed job is the pool's (default 5m); a job
	// runs with a deadline a little shorter, so it ends before another
	// pool may take it.
	Lease time.Duration
	// Backoff is the wait after a job's first failure, doubled after each
	// further one up to MaxBackoff (defaults 30s and 1h).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Keep is how long done and discarded jobs stay visible (default 7
	// days).
	Keep time.Duration
	// Name identifies the pool in the jobs it holds (default host, pid
	// and a random suffix).
	Name   string
	Clock  masthead.Clock
	Logger *slog.Logger
	// Failed, if set, is told the kind of every failed attempt (a
	// metric).
	Failed func(kind string)
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	def(&c.Poll, time.Second)
	def(&c.Lease, 5*time.Minute)
	def(&c.Backoff, 30*time.Second)
	def(&c.MaxBackoff, time.Hour)
	def(&c.Keep, 7*24*time.Hour)
	if c.Name == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		rand.Read(b)
		c.Name = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if c.Clock == nil {
		c.Clock = masthead.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Pool runs jobs. Register handlers with Handle, then Start it; Stop ends
// it.
type Pool struct {
	q        Queue
	cfg      Config
	handlers map[string]masthead.JobFunc
	// backoffs holds the kinds that retry on a schedule of their own.
	backoffs map[string][]time.Duration

	wake    chan struct{}
	slots   chan struct{} // one token per job running
	running sync.WaitGroup
	// claimMu makes a claim and the start of its jobs one step, so
	// RunDue beside a started pool never misses a job just claimed.
	claimMu sync.Mutex

	// jobCtx is the context jobs run in: Stop cancels it only when its
	// own deadline passes before the running jobs end.
	jobCtx    context.Context
	cancelJob context.CancelFunc
	stop      context.CancelFunc
	done      chan struct{}
	lastPrune time.Time
}

// New returns a pool over q.
func New(q Queue, cfg Config) *Pool {
	cfg.defaults()
	p := &Pool{
		q:        q,
		cfg:      cfg,
		handlers: map[string]masthead.JobFunc{},
		backoffs: map[string][]time.Duration{},
		wake:     make(chan struct{}, 1),
		slots:    make(chan struct{}, cfg.Workers),
	}
	p.jobCtx, p.cancelJob = context.WithCancel(context.Background())
	return p
}

// Handle registers the handler of a kind. Call it before Start.
func (p *Pool) Handle(kind string, fn masthead.JobFunc) { p.handlers[kind] = fn }

// Backoff gives kind a retry schedule of its own in place of the pool's
// doubling: the wait after its n-th failed attempt is steps[n-1], the
// last step repeating. Outgoing webhooks use it, keeping the hours over
// which receivers are used to being retried. Call it before Start.
func (p *Pool) Backoff(kind string, steps ...time.Duration) {
	if len(steps) > 0 {
		p.backoffs[kind] = steps
	}
}

// Kinds lists the kinds the pool runs.
func (p *Pool) Kinds() []string { return slices.Sorted(maps.Keys(p.handlers)) }

// Notify wakes the pool to look for due jobs now, as after this instance
// enqueued one. It never blocks.
func (p *Pool) Notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Start runs the pool until Stop.
func (p *Pool) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	p.stop, p.done = cancel, make(chan struct{})
	go p.loop(ctx)
}

// Stop stops claiming, then waits for the jobs running to end. If ctx
// ends first, their contexts are cancelled (they fail and are retried
// later) and Stop returns once they have returned; the pool runs no job
// after that.
func (p *Pool) Stop(ctx context.Context) error {
	if p.stop == nil {
		return nil
	}
	p.stop()
	<-p.done
	idle := make(chan struct{})
	go func() { p.running.Wait(); close(idle) }()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		p.cancelJob()
		<-idle
		return fmt.Errorf("jobs: stop: %w", ctx.Err())
	}
}

func (p *Pool) loop(ctx context.Context) {
	defer close(p.done)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.wake:
		}
		if _, err := p.claimAndStart(ctx); err != nil && ctx.Err() == nil {
			p.cfg.Logger.Error("jobs: claim", "err", err)
		}
		p.prune(ctx)
		t.Reset(p.cfg.Poll)
	}
}

// claimAndStart claims as many due jobs as there are free workers and
// starts them.
func (p *Pool) claimAndStart(ctx context.Context) (int, error) {
	p.claimMu.Lock()
	defer p.claimMu.Unlock()
	free := cap(p.slots) - len(p.slots)
	if free == 0 || len(p.handlers) == 0 {
		return 0, nil
	}
	jobs, err := p.q.ClaimJobs(ctx, p.cfg.Name, p.Kinds(), p.cfg.Clock.Now(), p.cfg.Lease, free)
	if err != nil {
		return 0, err
	}
	for _, j := range jobs {
		p.slots <- struct{}{}
		p.running.Add(1)
		go func() {
			defer p.running.Done()
			p.run(j)
			<-p.slots
			// A worker came free: there may be more due.
			p.Notify()
		}()
	}
	return len(jobs), nil
}

// RunDue claims and runs due jobs, waiting for each batch, until none is
// due and none is running; it returns how many it claimed. Tests use it
// to let a started pool finish what is due.
func (p *Pool) RunDue(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := p.claimAndStart(ctx)
		p.running.Wait()
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// run runs one claimed job and records how it ended. The outcome is
// written even if the job's context was cancelled.
func (p *Pool) run(j masthead.Job) {
	log := p.cfg.Logger.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	ctx, cancel := context.WithTimeout(p.jobCtx, p.cfg.Lease*9/10)
	err := p.call(ctx, j)
	cancel()
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if err == nil {
		if err := p.q.CompleteJob(wctx, j.ID, p.cfg.Name); err != nil {
			log.Error("jobs: complete", "err", err)
		}
		return
	}
	if snooze := (*masthead.JobSnooze)(nil); errors.As(err, &snooze) {
		if err := p.q.SnoozeJob(wctx, j.ID, p.cfg.Name, snooze.At, snooze.Payload); err != nil {
			log.Error("jobs: snooze", "err", err)
		}
		return
	}
	if p.cfg.Failed != nil {
		p.cfg.Failed(j.Kind)
	}
	final := masthead.ErrorCode(err) == masthead.EINVALID
	retryAt := p.cfg.Clock.Now().Add(p.backoff(j.Kind, j.Attempts))
	if final || j.Attempts >= j.MaxAttempts {
		log.Error("jobs: failed for good", "err", err)
	} else {
		log.Warn("jobs: failed, will retry", "err", err, "retry_at", retryAt)
	}
	if err := p.q.FailJob(wctx, j.ID, p.cfg.Name, err.Error(), retryAt, final); err != nil {
		log.Error("jobs: record failure", "err", err)
	}
}

// call runs the job's handler, turning a panic into an error.
func (p *Pool) call(ctx context.Context, j masthead.Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("jobs: %s handler panicked: %v", j.Kind, r)
			p.cfg.Logger.Error("jobs: panic", "job", j.ID, "kind", j.Kind, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	h, ok := p.handlers[j.Kind]
	if !ok {
		return errors.New("jobs: no handler for " + j.Kind)
	}
	return h(ctx, j)
}

// backoff is the wait after the attempt-th failed run of a job of kind:
// its own schedule's step, or Backoff doubled per earlier failure, at
// most MaxBackoff.
func (p *Pool) backoff(kind string, attempt int) time.Duration {
	if steps := p.backoffs[kind]; len(steps) > 0 {
		return steps[min(max(attempt, 1), len(steps))-1]
	}
	d := p.cfg.Backoff
	for i := 1; i < attempt && d < p.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, p.cfg.MaxBackoff)
}

// prune deletes old finished jobs about once an hour.
func (p *Pool) prune(ctx context.Context) {
	now := p.cfg.Clock.Now()
	if now.Sub(p.lastPrune) < time.Hour {
		return
	}
	p.lastPrune = now
	if n, err := p.q.PruneJobs(ctx, now.Add(-p.cfg.Keep)); err != nil {
		p.cfg.Logger.Error("jobs: prune", "err", err)
	} else if n > 0 {
		p.cfg.Logger.Info("jobs: pruned", "jobs", n)
	}
}
