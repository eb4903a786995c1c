package jobs

import (
	"context"
	"log/slog"
	"time"

	"masthead"
)

// Periodic is work done once per slot of time (pruning, rollups): the
// instance that schedules enqueues one job of Kind per slot, keyed by the
// slot, and any pool that handles Kind runs it with the queue's retries.
type Periodic struct {
	Kind string
	// Every is the slot's length; slots are aligned on the Unix epoch,
	// so an hour's slots start on the hour.
	Every time.Duration
	// MaxAttempts bounds the runs of one slot's job (0: the default).
	MaxAttempts int
}

// SlotKey names the slot now falls in, such as
// "2026-12-07T03:00:00Z" for an hourly slot.
func (p Periodic) SlotKey(now time.Time) string {
	return now.UTC().Truncate(p.Every).Format(time.RFC3339)
}

// OnceQueue enqueues a job unless one with its key exists in any state
// (store.DB implements it).
type OnceQueue interface {
	EnqueueJobOnce(ctx context.Context, j masthead.Job) (bool, error)
}

// Schedule enqueues, for each periodic kind, the job of the slot now
// falls in, unless that slot has its job already: calling it as often as
// one likes, from as many instances, leaves one job per kind and slot.
// It reports how many it enqueued; a kind that fails to enqueue is logged
// and tried again at the next call.
func Schedule(ctx context.Context, q OnceQueue, ps []Periodic, now time.Time, log *slog.Logger) int {
	n := 0
	for _, p := range ps {
		j := masthead.Job{Kind: p.Kind, Key: p.SlotKey(now), Payload: []byte("{}"), MaxAttempts: p.MaxAttempts, RunAt: now}
		added, err := q.EnqueueJobOnce(ctx, j)
		if err != nil {
			if ctx.Err() == nil && log != nil {
				log.Error("jobs: schedule periodic job", "kind", p.Kind, "slot", j.Key, "err", err)
			}
			continue
		}
		if added {
			n++
		}
	}
	return n
}
