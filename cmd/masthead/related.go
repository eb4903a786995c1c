package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"masthead"
	"masthead/importer"
	"masthead/jobs"
	"masthead/store"
)

// Related reading (docs/search.md, "Related reading"): a save queues its
// article in related_pending and, unless one waits already, a
// relate-articles job, both in its transaction, like the webhooks'
// deliveries; any instance's workers compute what waits. The hourly
// refresh-related job counts the library's words again when the library
// has changed by a tenth, which queues every article.
const (
	jobRefreshRelated = "refresh-related"

	// relatedRunFor bounds one run of the job, so that a library queued
	// whole is computed over many runs, each well inside the job's lease,
	// and shutdown never waits long.
	relatedRunFor = 30 * time.Second
)

// handleRelated gives the pool the handler of the job a save queues
// (handlePeriodic registers the hourly refresh, handleRefreshRelated).
// Call it before the pool starts.
func handleRelated(pool *jobs.Pool, db *store.DB, clock masthead.Clock, log *slog.Logger) {
	pool.Handle(masthead.JobRelateArticles, func(ctx context.Context, _ masthead.Job) error {
		// A recount of the whole library, when due, is one piece of work
		// (its words are written last), bounded by the job's lease rather
		// than by a run: cut at a run's end, it would start again each run.
		if _, err := db.RefreshRelated(ctx); err != nil {
			return fmt.Errorf("related reading: %w", err)
		}
		run, cancel := context.WithTimeout(ctx, relatedRunFor)
		defer cancel()
		r, err := db.RelateArticles(run)
		if r.Rebuilt || r.Articles > 0 {
			log.Info("related reading computed", "articles", r.Articles, "rebuilt", r.Rebuilt)
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			// More waits, or the instance is stopping: the job runs
			// again from where this run left off.
			return masthead.SnoozeJob(clock.Now())
		}
		if err != nil {
			return fmt.Errorf("related reading: %w", err)
		}
		return nil
	})
}

// handleRefreshRelated gives the pool the handler of the hourly
// refresh-related job.
func handleRefreshRelated(pool *jobs.Pool, db *store.DB, log *slog.Logger) {
	pool.Handle(jobRefreshRelated, func(ctx context.Context, _ masthead.Job) error {
		rebuilt, err := db.RefreshRelated(ctx)
		if err != nil {
			return fmt.Errorf("refresh related reading: %w", err)
		}
		if rebuilt {
			log.Info("related reading: the library's words counted again; every article queued")
		}
		// Whatever waits, the rows of a recount or of a save that came
		// as the last job finished, gets its job (none is added while
		// one is pending).
		if err := db.EnqueueJob(ctx, masthead.Job{Kind: masthead.JobRelateArticles, Key: "library"}); err != nil {
			return fmt.Errorf("refresh related reading: %w", err)
		}
		return nil
	})
}

// runRelated is `masthead related --rebuild`: it counts the words of the
// whole library and computes every article's related reading, for a
// library that had articles before related reading existed. A server may
// keep running; its pages show the lists as they are written.
func runRelated(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs := dbFlags("related", stderr)
	rebuild := fs.Bool("rebuild", false, "count the library's words again and compute every article's related reading")
	db, err := cfg.open(ctx, fs, args, stderr, func() error {
		if !*rebuild {
			return fmt.Errorf("related: nothing to do without --rebuild")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	var bar *importer.Progress
	err = db.RebuildRelated(ctx, func(done, total int) {
		if bar == nil {
			bar = importer.NewProgress(stderr, total, "counting words")
		}
		bar.Update(done, total)
	})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	r, err := db.RelateArticles(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Computed the related reading of %d articles in %s.\n", r.Articles, time.Since(start).Round(time.Millisecond))
	return nil
}
