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
// article and enqueues the related job in its transaction; any instance's
// pool computes what waits. The hourly refresh-related job does the same
// for anything a save queued while a run was ending, and counts the
// library's words again when it has changed by a tenth.
const (
	jobRefreshRelated = "refresh-related"

	// relatedRunFor bounds one run, well inside the job's lease; what is
	// left waits for the job enqueued again.
	relatedRunFor = 4 * time.Minute
)

// handleRelated gives the pool the handlers of related reading.
func handleRelated(pool *jobs.Pool, db *store.DB, log *slog.Logger) {
	run := func(ctx context.Context, _ masthead.Job) error {
		ctx, cancel := context.WithTimeout(ctx, relatedRunFor)
		defer cancel()
		r, err := db.RelateArticles(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			// Work remains: queue the job again and let others run.
			log.Info("related reading: more to compute", "articles", r.Articles, "rebuilt", r.Rebuilt)
			return db.EnqueueJob(context.WithoutCancel(ctx), masthead.Job{Kind: masthead.JobRelated, Key: "pending", MaxAttempts: 3})
		}
		if err != nil {
			return fmt.Errorf("related reading: %w", err)
		}
		if r.Rebuilt || r.Articles > 0 {
			log.Info("related reading computed", "articles", r.Articles, "rebuilt", r.Rebuilt)
		}
		return nil
	}
	pool.Handle(masthead.JobRelated, run)
	pool.Handle(jobRefreshRelated, run)
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
