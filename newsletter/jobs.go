package newsletter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"masthead"
)

// The queue's jobs drive the engine. The leader enqueues one
// newsletter-compose job per newsletter and send time (ComposeJobs,
// keyed by the slot, so however many instances and ticks there are, a
// slot is composed once); an issue that becomes scheduled (composed, or
// sent from the desk) or is resumed gets a newsletter-send job in the
// same transaction (store), due at its send time. The send job runs the
// engine over the issue's deliveries, which stay its checkpoint and send
// log: a send cut short (the instance stopping, its worker dying) is
// taken up by the next run where it stopped.

// ComposeJobs returns the compose jobs of n due at now, one per slot
// (ComposeSlots); the caller enqueues each once (store.EnqueueJobOnce).
func (e *Engine) ComposeJobs(n *masthead.Newsletter, now time.Time) []masthead.Job {
	if !n.Enabled {
		return nil
	}
	var out []masthead.Job
	for _, slot := range e.ComposeSlots(n, now) {
		out = append(out, masthead.NewsletterComposeJob(n, slot))
	}
	return out
}

// RunCompose runs a newsletter-compose job: it composes the issue of the
// job's send time unless that window has one (composed by "Compose now",
// or by `masthead newsletter send`). A newsletter turned off since, or
// gone, composes nothing.
func (e *Engine) RunCompose(ctx context.Context, j masthead.Job) error {
	var p masthead.NewsletterCompose
	if err := j.Decode(&p); err != nil {
		return err
	}
	n, err := e.store.NewsletterByID(ctx, p.NewsletterID)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if !n.Enabled {
		return nil
	}
	start := Window(n, p.Slot, e.site.loc())
	if _, err := e.store.IssueForWindow(ctx, n.ID, start); err == nil {
		return nil
	} else if masthead.ErrorCode(err) != masthead.ENOTFOUND {
		return err
	}
	if _, err := e.Compose(ctx, n, p.Slot, e.cfg.Clock.Now()); err != nil && masthead.ErrorCode(err) != masthead.ECONFLICT {
		return fmt.Errorf("newsletter: compose %s for %s: %w", n.Slug, p.Slot, err)
	}
	return nil
}

// RunSend runs a newsletter-send job. A scheduled issue whose time has
// not come waits for it; one past its newsletter's cut-off is skipped
// with a note for the staff; otherwise the engine sends (SendIssue) until
// only deliveries waiting for a later retry remain, and the job waits
// for the first of them. A send another process holds (`masthead
// newsletter send`) is looked at again when its lease would have ended;
// one stopped by the instance shutting down, or by the job's own time
// running out, runs again at once, from where it stopped. An issue
// paused, cancelled or sent needs nothing more.
func (e *Engine) RunSend(ctx context.Context, j masthead.Job) error {
	var p masthead.NewsletterSend
	if err := j.Decode(&p); err != nil {
		return err
	}
	is, err := e.store.Issue(ctx, p.IssueID)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	now := e.cfg.Clock.Now()
	switch is.Status {
	case masthead.IssueScheduled:
		if now.Before(is.SendAt) {
			return masthead.SnoozeJob(is.SendAt)
		}
		n, err := e.store.NewsletterByID(ctx, is.NewsletterID)
		if err != nil {
			return err
		}
		if now.After(is.SendAt.Add(n.Cutoff)) {
			note := fmt.Sprintf("Not sent: it could not start within %s of its send time, %s.",
				n.Cutoff, is.SendAt.In(e.site.loc()).Format("Mon 2 Jan 15:04 MST"))
			if _, err := e.store.SetIssueStatus(ctx, is.ID, masthead.IssueStatusChange{To: masthead.IssueSkipped, Note: note, Now: now}); err != nil {
				return err
			}
			e.log.Warn("newsletter: issue missed its cut-off", "issue", is.ID, "newsletter", n.Slug, "send_at", is.SendAt)
			return nil
		}
	case masthead.IssueSending:
	default:
		return nil
	}
	if e.tr == nil {
		return masthead.Errorf(masthead.EUNAVAILABLE, "no mail server is set up to send newsletters with")
	}
	// The send stops when the job's time ends or the engine is stopped.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(e.stopped, cancel)()
	finished, err := e.SendIssue(ctx, is.ID, true)
	if finished {
		return nil
	}
	bg := context.WithoutCancel(ctx)
	if cur, serr := e.store.Issue(bg, is.ID); serr == nil && cur.Status != masthead.IssueSending && cur.Status != masthead.IssueScheduled {
		return nil // paused, cancelled or sent meanwhile
	}
	switch {
	case err == nil:
		next, queued, err := e.store.NextAttempt(bg, is.ID)
		if err != nil {
			return err
		}
		if queued == 0 {
			next = e.cfg.Clock.Now()
		}
		return masthead.SnoozeJob(next)
	case masthead.ErrorCode(err) == masthead.ECONFLICT:
		return masthead.SnoozeJob(e.cfg.Clock.Now().Add(e.cfg.LeaseTTL))
	case errors.Is(err, ErrStopped):
		return masthead.SnoozeJob(e.cfg.Clock.Now())
	}
	return err
}
