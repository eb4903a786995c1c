package main

import (
	"context"
	"log/slog"

	"masthead"
	"masthead/jobs"
	"masthead/store"
)

// Scheduled articles are published by jobs: saving an article as
// scheduled (the editor, the Admin API, an import) enqueues, in the same
// transaction, a publish-scheduled job due at its time, which any
// instance's pool runs. Readers see the article from its time on either
// way (reader queries compare published_at with now); the job makes the
// status true for staff, writes the history and the article.published
// event, and raises the content version so every page cache forgets its
// lists.

// jobScheduleArticles is the hourly safety net: scheduled articles
// without a job for their time get one.
const jobScheduleArticles = "schedule-articles"

// handleScheduled gives the pool the handler of publish-scheduled jobs
// (handlePeriodic registers the hourly schedule-articles). Call it before
// the pool starts.
func handleScheduled(pool *jobs.Pool, db *store.DB, log *slog.Logger) {
	pool.Handle(masthead.JobPublishScheduled, func(ctx context.Context, j masthead.Job) error {
		var p masthead.PublishScheduled
		if err := j.Decode(&p); err != nil {
			return err
		}
		done, err := db.PublishScheduled(ctx, p.ArticleID, p.At)
		if err != nil {
			return err
		}
		if done {
			log.Info("published a scheduled article", "article", p.ArticleID, "at", p.At)
		}
		return nil
	})
}

// scheduleMissingPublications gives every scheduled article without a
// job for its time one: serve calls it at start, so a database upgraded
// from the time a loop published them is covered at once, and the
// hourly schedule-articles job catches what was written around the
// queue since (an export's import).
func scheduleMissingPublications(ctx context.Context, db *store.DB, log *slog.Logger) error {
	n, err := db.ScheduleMissingPublications(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Info("queued the publication of scheduled articles that had no job", "articles", n)
	}
	return nil
}
