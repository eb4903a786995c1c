package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"masthead"
	"masthead/jobs"
	"masthead/store"
)

// The hourly upkeep runs as periodic jobs on the durable queue: the
// leader enqueues one job of each kind per hour, keyed by the hour, and a
// worker on any instance runs it, retried on failure and listed at
// /admin/jobs.
const (
	jobPrune          = "prune"
	jobPruneWebhooks  = "prune-webhooks"
	jobRollupInsights = "rollup-insights"
	jobPruneLicences  = "prune-licences"

	// periodicAttempts bounds an hourly job's runs (backoff 30s, 1m, ...),
	// so a failing slot shows as failed well before the next one.
	periodicAttempts = 3
	// periodicTick is how often the leader makes sure the current slot
	// has its job: a new leader or a slot that just began waits at most
	// this long.
	periodicTick = time.Minute
)

// periodicJobs lists the upkeep the leader schedules: hourly, and with
// Stripe's keys set (stripe), the daily billing sync.
func periodicJobs(stripe bool) []jobs.Periodic {
	ps := []jobs.Periodic{
		{Kind: jobPrune, Every: time.Hour, MaxAttempts: periodicAttempts},
		{Kind: jobPruneWebhooks, Every: time.Hour, MaxAttempts: periodicAttempts},
		{Kind: jobRollupInsights, Every: time.Hour, MaxAttempts: periodicAttempts},
		{Kind: jobPruneLicences, Every: time.Hour, MaxAttempts: periodicAttempts},
		{Kind: jobScheduleArticles, Every: time.Hour, MaxAttempts: periodicAttempts},
		{Kind: jobRefreshRelated, Every: time.Hour, MaxAttempts: periodicAttempts},
	}
	if stripe {
		ps = append(ps, jobs.Periodic{Kind: masthead.JobBillingSync, Every: 24 * time.Hour, MaxAttempts: periodicAttempts})
	}
	return ps
}

// handlePeriodic gives the pool the handlers of the periodic kinds. Call
// it before the pool starts.
func handlePeriodic(pool *jobs.Pool, db *store.DB, clock masthead.Clock, insightsRetention time.Duration, log *slog.Logger) {
	handleRefreshRelated(pool, db, log)
	pool.Handle(jobPrune, func(ctx context.Context, _ masthead.Job) error {
		p, err := db.Prune(ctx, clock.Now())
		if err != nil {
			return fmt.Errorf("prune expired rows: %w", err)
		}
		if p != (store.Pruned{}) {
			log.Info("pruned expired rows", "sessions", p.Sessions, "signin_tokens", p.SignInTokens, "rate_limits", p.RateLimits,
				"erased_mailboxes", p.ErasedMailboxes, "checkouts", p.Checkouts)
		}
		return nil
	})
	pool.Handle(jobPruneWebhooks, func(ctx context.Context, _ masthead.Job) error {
		n, err := db.PruneWebhooks(ctx, clock.Now().Add(-webhookLogRetention))
		if err != nil {
			return fmt.Errorf("prune webhook deliveries: %w", err)
		}
		if n > 0 {
			log.Info("pruned webhook deliveries", "count", n)
		}
		return nil
	})
	pool.Handle(jobPruneLicences, func(ctx context.Context, _ masthead.Job) error {
		// The billing log keeps masthead.LicenceKeep; the crawlers' hourly
		// counts follow the insights' retention.
		n, err := db.PruneLicenceRequests(ctx, clock.Now())
		if err != nil {
			return fmt.Errorf("prune licensed requests: %w", err)
		}
		h, err := db.PruneCrawlerTraffic(ctx, clock.Now().Add(-insightsRetention))
		if err != nil {
			return fmt.Errorf("prune crawler traffic: %w", err)
		}
		if n > 0 || h > 0 {
			log.Info("pruned licensed requests and crawler counts", "requests", n, "hours", h)
		}
		return nil
	})
	pool.Handle(jobScheduleArticles, func(ctx context.Context, _ masthead.Job) error {
		return scheduleMissingPublications(ctx, db, log)
	})
	pool.Handle(jobRollupInsights, func(ctx context.Context, _ masthead.Job) error {
		r, err := db.RollupInsights(ctx, clock.Now().Add(-insightsRetention))
		if err != nil {
			return fmt.Errorf("roll up insights: %w", err)
		}
		if r.Events > 0 || r.Hours > 0 {
			log.Info("pruned insight events and hourly counts", "events", r.Events, "hours", r.Hours)
		}
		// Search counts are daily already; past the retention they go.
		n, err := db.PruneSearchStats(ctx, clock.Now().Add(-insightsRetention))
		if err != nil {
			return fmt.Errorf("prune search counts: %w", err)
		}
		if n > 0 {
			log.Info("pruned search counts", "rows", n)
		}
		return nil
	})
}

// schedulePeriodic enqueues the current slot's periodic jobs that are not
// there yet and wakes this instance's pool when it added one. Only the
// leader calls it.
func schedulePeriodic(ctx context.Context, db *store.DB, pool *jobs.Pool, ps []jobs.Periodic, clock masthead.Clock, log *slog.Logger) {
	if jobs.Schedule(ctx, db, ps, clock.Now(), log) > 0 {
		pool.Notify()
	}
}
