package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"masthead"
)

// The durable queue (masthead.Job). Enqueueing is a helper on the
// write transaction, so the job commits or rolls back with the change
// that causes it; claims lock the rows they take (SKIP LOCKED on
// PostgreSQL, the single writer on SQLite), and every later step names
// the worker holding the lease, so a worker whose lease ran out cannot
// finish a job another worker has taken since.

const jobCols = `id, kind, dedupe_key, payload, state, attempts, max_attempts, run_at, last_error,
	locked_by, locked_until, created_at, updated_at`

func scanJob(s rowScanner) (masthead.Job, error) {
	var (
		j               masthead.Job
		payload, state  string
		runAt, cre, upd int64
		lockedUntil     sql.NullInt64
	)
	err := s.Scan(&j.ID, &j.Kind, &j.Key, &payload, &state, &j.Attempts, &j.MaxAttempts, &runAt, &j.LastError,
		&j.LockedBy, &lockedUntil, &cre, &upd)
	if err != nil {
		return j, err
	}
	j.Payload, j.State = []byte(payload), masthead.JobState(state)
	j.RunAt, j.CreatedAt, j.UpdatedAt = time.UnixMicro(runAt).UTC(), time.UnixMicro(cre).UTC(), time.UnixMicro(upd).UTC()
	j.LockedUntil = fromMicros(lockedUntil)
	return j, nil
}

// enqueue writes j in the transaction. A job whose key is already
// pending or running is left out: the one queued will do.
func (t *tx) enqueue(ctx context.Context, j masthead.Job, now time.Time) error {
	_, err := t.insertJob(ctx, j, now)
	return err
}

// insertJob writes j unless its key is pending or running, and reports
// whether it wrote it.
func (t *tx) insertJob(ctx context.Context, j masthead.Job, now time.Time) (bool, error) {
	if err := j.Validate(); err != nil {
		return false, err
	}
	if j.MaxAttempts == 0 {
		j.MaxAttempts = masthead.DefaultJobAttempts
	}
	if j.RunAt.IsZero() {
		j.RunAt = now
	}
	payload := string(j.Payload)
	if payload == "" {
		payload = "{}"
	}
	res, err := t.exec(ctx, `INSERT INTO jobs (kind, dedupe_key, payload, state, max_attempts, run_at, created_at, updated_at)
		VALUES (?, ?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		j.Kind, j.Key, payload, j.MaxAttempts, micros(j.RunAt), micros(now), micros(now))
	if err != nil {
		return false, fmt.Errorf("store: enqueue %s job: %w", j.Kind, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: enqueue %s job: %w", j.Kind, err)
	}
	return n == 1, nil
}

// enqueueAll writes each job in the transaction.
func (t *tx) enqueueAll(ctx context.Context, jobs []masthead.Job, now time.Time) error {
	for _, j := range jobs {
		if err := t.enqueue(ctx, j, now); err != nil {
			return err
		}
	}
	return nil
}

// EnqueueJob writes one job on its own, for work whose cause writes
// nothing else (a sign-in link asked for).
func (db *DB) EnqueueJob(ctx context.Context, j masthead.Job) error {
	now := db.clock.Now()
	return db.write(ctx, func(t *tx) error { return t.enqueue(ctx, j, now) })
}

// ClaimJobs takes up to limit due jobs of the given kinds for worker:
// pending jobs whose run_at has come, and running jobs whose lease ran
// out (their worker died). Each is marked running until now+lease and
// counts an attempt. A running job whose lease ran out on its last
// attempt is failed instead: a job that kills its worker must not kill
// every worker in turn.
func (db *DB) ClaimJobs(ctx context.Context, worker string, kinds []string, now time.Time, lease time.Duration, limit int) ([]masthead.Job, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	if limit <= 0 {
		limit = 10
	}
	in := "?" + strings.Repeat(", ?", len(kinds)-1)
	args := []any{micros(now)}
	for _, k := range kinds {
		args = append(args, k)
	}
	var jobs []masthead.Job
	err := db.write(ctx, func(t *tx) error {
		jobs = jobs[:0]
		if _, err := t.exec(ctx, `UPDATE jobs SET state = 'failed', locked_by = '', locked_until = NULL,
				last_error = 'the worker running it stopped before it finished', updated_at = ?
			WHERE state = 'running' AND run_at <= ? AND attempts >= max_attempts`, micros(now), micros(now)); err != nil {
			return fmt.Errorf("store: claim jobs: %w", err)
		}
		rows, err := t.query(ctx, `SELECT id FROM jobs
			WHERE state IN ('pending', 'running') AND run_at <= ? AND kind IN (`+in+`)
			ORDER BY run_at, id LIMIT `+fmt.Sprint(limit)+t.p.d.skipLocked, args...)
		if err != nil {
			return fmt.Errorf("store: claim jobs: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("store: claim jobs: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: claim jobs: %w", err)
		}
		until := micros(now.Add(lease))
		for _, id := range ids {
			j, err := scanJob(t.row(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1,
					run_at = ?, locked_by = ?, locked_until = ?, updated_at = ?
				WHERE id = ? RETURNING `+jobCols, until, worker, until, micros(now), id))
			if err != nil {
				return fmt.Errorf("store: claim job %d: %w", id, err)
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	return jobs, err
}

// CompleteJob marks a job worker ran as done and blanks its payload,
// which may hold a secret the email needed. A worker that lost the
// lease changes nothing.
func (db *DB) CompleteJob(ctx context.Context, id int64, worker string) error {
	now := db.clock.Now()
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE jobs SET state = 'done', payload = '{}', locked_by = '', locked_until = NULL,
				last_error = '', updated_at = ?
			WHERE id = ? AND state = 'running' AND locked_by = ?`, micros(now), id, worker)
		if err != nil {
			return fmt.Errorf("store: complete job %d: %w", id, err)
		}
		return nil
	})
}

// FailJob records a failed run of a job worker holds: pending again at
// retryAt while attempts remain and final is false, failed for good
// otherwise.
func (db *DB) FailJob(ctx context.Context, id int64, worker, msg string, retryAt time.Time, final bool) error {
	now := db.clock.Now()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE jobs SET
				state = CASE WHEN ? OR attempts >= max_attempts THEN 'failed' ELSE 'pending' END,
				run_at = ?, last_error = ?, locked_by = '', locked_until = NULL, updated_at = ?
			WHERE id = ? AND state = 'running' AND locked_by = ?`, final, micros(retryAt), msg, micros(now), id, worker)
		if err != nil {
			return fmt.Errorf("store: fail job %d: %w", id, err)
		}
		return nil
	})
}

// SnoozeJob puts a job worker ran back to pending, due at at, without
// counting the run as an attempt: the job is not finished, and did not
// fail (a newsletter send waiting for its recipients' retries). A
// payload, when given, replaces the job's: where the next run resumes.
func (db *DB) SnoozeJob(ctx context.Context, id int64, worker string, at time.Time, payload []byte) error {
	now := db.clock.Now()
	if len(payload) > 64<<10 {
		return masthead.Errorf(masthead.EINVALID, "A job's payload is at most 64 KB.")
	}
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE jobs SET state = 'pending', run_at = ?, last_error = '',
				payload = CASE WHEN ? = '' THEN payload ELSE ? END,
				attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
				locked_by = '', locked_until = NULL, updated_at = ?
			WHERE id = ? AND state = 'running' AND locked_by = ?`, micros(at), string(payload), string(payload), micros(now), id, worker)
		if err != nil {
			return fmt.Errorf("store: snooze job %d: %w", id, err)
		}
		return nil
	})
}

// Jobs lists jobs for staff, newest first.
func (db *DB) Jobs(ctx context.Context, f masthead.JobFilter) ([]masthead.Job, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q := `SELECT ` + jobCols + ` FROM jobs`
	var (
		args  []any
		conds []string
	)
	if f.State != "" {
		conds = append(conds, `state = ?`)
		args = append(args, string(f.State))
	}
	if f.Kind != "" {
		conds = append(conds, `kind = ?`)
		args = append(args, f.Kind)
	}
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	q += ` ORDER BY id DESC LIMIT ` + fmt.Sprint(limit)
	rows, err := db.r.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: jobs: %w", err)
	}
	defer rows.Close()
	var out []masthead.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("store: jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Job returns one job.
func (db *DB) Job(ctx context.Context, id int64) (masthead.Job, error) {
	j, err := scanJob(db.r.row(ctx, `SELECT `+jobCols+` FROM jobs WHERE id = ?`, id))
	if err != nil {
		return j, fmt.Errorf("store: job %d: %w", id, translate(err))
	}
	return j, nil
}

// JobCounts counts the jobs in each state.
func (db *DB) JobCounts(ctx context.Context) (map[masthead.JobState]int, error) {
	rows, err := db.r.query(ctx, `SELECT state, COUNT(*) FROM jobs GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("store: job counts: %w", err)
	}
	defer rows.Close()
	out := map[masthead.JobState]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("store: job counts: %w", err)
		}
		out[masthead.JobState(s)] = n
	}
	return out, rows.Err()
}

var errJobNotWaiting = &masthead.Error{Code: masthead.ECONFLICT, Message: "Only a pending or failed job can be retried or discarded."}

// RetryJob makes a pending or failed job due now with a fresh round of
// attempts.
func (db *DB) RetryJob(ctx context.Context, id int64) error {
	now := micros(db.clock.Now())
	return db.changeWaitingJob(ctx, id, `UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, updated_at = ?
		WHERE id = ? AND state IN ('pending', 'failed')`, now, now, id)
}

// DiscardJob drops a pending or failed job and blanks its payload.
func (db *DB) DiscardJob(ctx context.Context, id int64) error {
	now := micros(db.clock.Now())
	return db.changeWaitingJob(ctx, id, `UPDATE jobs SET state = 'discarded', payload = '{}', updated_at = ?
		WHERE id = ? AND state IN ('pending', 'failed')`, now, id)
}

func (db *DB) changeWaitingJob(ctx context.Context, id int64, query string, args ...any) error {
	return db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store: job %d: %w", id, translate(err))
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var state string
		err = t.row(ctx, `SELECT state FROM jobs WHERE id = ?`, id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return masthead.Errorf(masthead.ENOTFOUND, "There is no job %d.", id)
		}
		if err != nil {
			return fmt.Errorf("store: job %d: %w", id, err)
		}
		return errJobNotWaiting
	})
}

// PruneJobs deletes the done and discarded jobs last changed before
// before; failed ones stay until staff act on them.
func (db *DB) PruneJobs(ctx context.Context, before time.Time) (int64, error) {
	return db.deleteRows(ctx, "prune jobs", `DELETE FROM jobs WHERE state IN ('done', 'discarded') AND updated_at < ?`, micros(before))
}
