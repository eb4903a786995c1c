package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"math"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/jobs"
	"masthead/metrics"
	"masthead/store"
)

// jobSettings tune this instance's share of the durable queue (package
// jobs): the emails a request promises wait in the database until a
// worker on some instance sends them.
type jobSettings struct {
	Workers int
	Poll    time.Duration
	Backoff time.Duration
	// AlertInterval is the slot of instant alerts (docs/curator.md).
	AlertInterval time.Duration
}

func (o *jobSettings) jobFlags(fs *flag.FlagSet) {
	fs.IntVar(&o.Workers, "job-workers", 4, "jobs (queued emails, webhook deliveries, newsletter sends, scheduled articles, upkeep) this instance runs at once; 0 runs none here, leaving them to other instances")
	fs.DurationVar(&o.Poll, "job-poll", time.Second, "how often idle workers look for due jobs (a job this instance queues wakes them at once)")
	fs.DurationVar(&o.AlertInterval, "alert-interval", 5*time.Minute, "instant alerts of what readers follow go out at the end of each slot this long, one email a reader for every article of the slot")
	fs.DurationVar(&o.Backoff, "job-backoff", 30*time.Second, "wait after a job's first failure, doubled after each further one up to an hour; a job fails for good after 8 attempts")
}

func (o *jobSettings) validate() error {
	if o.AlertInterval < 0 {
		return errors.New("--alert-interval must not be negative")
	}
	if o.Workers < 0 || o.Poll <= 0 || o.Backoff <= 0 {
		return errors.New("--job-workers must not be negative; --job-poll and --job-backoff must be positive")
	}
	return nil
}

// newJobPool returns this instance's worker pool, not yet started: the
// site needs its Notify before the pool can have the site's handlers.
func newJobPool(cfg *Config, db *store.DB, mets *metrics.Metrics, clock masthead.Clock, log *slog.Logger) *jobs.Pool {
	// The queue's depth, read at each scrape.
	for _, st := range []masthead.JobState{masthead.JobPending, masthead.JobFailed} {
		mets.GaugeFunc("jobs_"+string(st), "Jobs in the queue that are "+string(st)+".", func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			counts, err := db.JobCounts(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(counts[st])
		})
	}
	return jobs.New(db, jobs.Config{Workers: max(cfg.Jobs.Workers, 1), Poll: cfg.Jobs.Poll, Backoff: cfg.Jobs.Backoff,
		Clock: clock, Logger: log, Failed: mets.JobFailed})
}

// startJobs gives the pool the site's handlers and starts it, unless
// --job-workers is 0. Mail jobs are handled only when the instance can
// send mail (SMTP, or the demo's outbox): without it they wait, for an
// instance that can or for the setting. The returned stop ends the pool,
// letting the jobs running finish within grace; serve calls it after the
// HTTP server stopped and before the database closes.
func startJobs(cfg *Config, pool *jobs.Pool, site *mhttp.Server, canMail bool, log *slog.Logger) (stop func(grace time.Duration)) {
	if cfg.Jobs.Workers == 0 {
		log.Info("jobs: no workers on this instance (--job-workers 0)")
		return func(time.Duration) {}
	}
	if canMail {
		for kind, fn := range site.JobHandlers() {
			pool.Handle(kind, fn)
		}
	} else {
		log.Warn("jobs: emails wait in the queue until an SMTP server is set (MASTHEAD_SMTP_URL)")
	}
	pool.Start()
	return func(grace time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if err := pool.Stop(ctx); err != nil {
			log.Warn("jobs: stopped before every running job ended; they will run again", "err", err)
		}
	}
}
