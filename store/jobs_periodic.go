package store

import (
	"context"
	"fmt"

	"masthead"
)

// EnqueueJobOnce writes j unless a job of its kind with its key exists
// in any state, done and failed included, and reports whether it wrote
// it. Periodic work keys each job by its slot, so a slot that has run
// (or failed for good) is not run again, however often and from however
// many instances it is scheduled. Of two enqueues racing past the check,
// the index on pending and running keys lets one write.
func (db *DB) EnqueueJobOnce(ctx context.Context, j masthead.Job) (bool, error) {
	if j.Key == "" {
		return false, masthead.Errorf(masthead.EINVALID, "A job enqueued once needs a key.")
	}
	now := db.clock.Now()
	var added bool
	err := db.write(ctx, func(t *tx) error {
		added = false
		var n int
		if err := t.row(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND dedupe_key = ?`, j.Kind, j.Key).Scan(&n); err != nil {
			return fmt.Errorf("store: enqueue %s job: %w", j.Kind, err)
		}
		if n > 0 {
			return nil
		}
		var err error
		added, err = t.insertJob(ctx, j, now)
		return err
	})
	return added, err
}
