package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"masthead"
	"masthead/importer"
	"masthead/jobs"
	"masthead/store"
)

// runReindex rebuilds the search index from the articles. Writes keep the
// index current on their own; this is for a database that had articles
// before search existed, or after a change to how articles are indexed.
// A server may keep running meanwhile: its searches see the index fill up.
// With --background it only queues a reindex job, for a running serve's
// workers (the same job staff start at /admin/jobs).
func runReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	defer bulkMemory()()
	cfg, fs := dbFlags("reindex", stderr)
	background := fs.Bool("background", false, "queue the reindex as a job for a running `masthead serve` and return at once (/admin/jobs shows it)")
	db, err := cfg.open(ctx, fs, args, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if *background {
		if err := db.EnqueueJob(ctx, masthead.ReindexJob()); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "Queued a reindex: the workers of a running `masthead serve` rebuild the index (see /admin/jobs); a reindex already queued or running is not started twice.")
		return nil
	}
	start := time.Now()
	var bar *importer.Progress
	n := 0
	err = db.Reindex(ctx, func(done, total int) {
		if bar == nil {
			bar = importer.NewProgress(stderr, total, "indexing")
		}
		bar.Update(done, total)
		n = done
	})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Indexed %d articles in %s.\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// reindexStep is how long one run of a reindex job indexes before it
// snoozes with its place, well within the job's lease, so no other
// worker takes it over while it runs.
var reindexStep = time.Minute

// handleReindex gives the pool the reindex job: it clears the index, then
// indexes the articles batch by batch, snoozing with the last article
// indexed after each minute, so a reindex of any size runs in steps that
// fit the job's lease and one that stopped resumes where it was.
func handleReindex(pool *jobs.Pool, db *store.DB, log *slog.Logger) {
	pool.Handle(masthead.JobReindex, func(ctx context.Context, j masthead.Job) error {
		var p masthead.Reindex
		if err := j.Decode(&p); err != nil {
			return err
		}
		if p.After == 0 {
			log.Info("reindex: started")
			if err := db.ClearSearchIndex(ctx); err != nil {
				return err
			}
		}
		until := time.Now().Add(reindexStep)
		for {
			last, n, err := db.ReindexBatch(ctx, p.After)
			if err != nil {
				return err
			}
			if n == 0 {
				if err := db.FinishReindex(ctx); err != nil {
					return err
				}
				log.Info("reindex: done")
				return nil
			}
			p.After = last
			if time.Now().After(until) || ctx.Err() != nil {
				return masthead.SnoozeJobFrom(time.Now(), p)
			}
		}
	})
}
