package masthead

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// The durable queue: work a change promises (an email a request says was
// sent) is a row written in the same transaction as the change, so a crash
// after the commit loses nothing and a rollback sends nothing. Workers
// (package jobs) claim due rows under a lease, run the handler of the
// row's kind, and retry a failure with backoff until MaxAttempts.

// JobState is where a job stands.
type JobState string

const (
	// JobPending waits for its RunAt.
	JobPending JobState = "pending"
	// JobRunning is claimed by a worker until LockedUntil; a worker that
	// dies leaves it to be claimed again when the lease ends.
	JobRunning JobState = "running"
	// JobFailed used up its attempts; LastError says why. Staff may retry
	// or discard it.
	JobFailed JobState = "failed"
	// JobDone ran; its payload is blanked.
	JobDone JobState = "done"
	// JobDiscarded was dropped by staff; its payload is blanked.
	JobDiscarded JobState = "discarded"
)

// JobStates lists the states in the order staff read them.
var JobStates = []JobState{JobPending, JobRunning, JobFailed, JobDone, JobDiscarded}

// The kinds of job the site enqueues.
const (
	// JobSignInEmail emails a sign-in link (SignInEmail). The token is
	// made when the job runs, so the queue never holds one.
	JobSignInEmail = "signin-email"
	// JobGiftEmail emails a paid gift's redeem link (GiftEmail).
	JobGiftEmail = "gift-email"
	// JobPublishScheduled publishes a scheduled article at its time
	// (PublishScheduled). Saving an article as scheduled enqueues it,
	// keyed by article and time, so a reschedule adds another and the
	// job of the old time finds nothing to do.
	JobPublishScheduled = "publish-scheduled"
)

// JobWebhookDelivery is one delivery of an outgoing webhook
// (WebhookDeliveryPayload): each run is an attempt, recorded in the delivery's
// log, and a failure is retried on the webhooks' own schedule.
const JobWebhookDelivery = "webhook-delivery"

// WebhookDeliveryAttempts bounds the attempts of one delivery (over
// about 31 hours, docs/webhooks.md).
const WebhookDeliveryAttempts = 8

// WebhookDeliveryPayload is the payload of a JobWebhookDelivery.
type WebhookDeliveryPayload struct {
	DeliveryID int64 `json:"delivery_id"`
}

// WebhookDeliveryJob returns the job that sends delivery id, due now.
func WebhookDeliveryJob(id int64) Job {
	j, _ := NewJob(JobWebhookDelivery, WebhookDeliveryPayload{DeliveryID: id})
	j.Key = fmt.Sprintf("delivery %d", id)
	j.MaxAttempts = WebhookDeliveryAttempts
	return j
}

// The newsletter's jobs: composing an issue on schedule, and sending one.
const (
	// JobNewsletterCompose composes a newsletter's issue for one send
	// time (NewsletterCompose), enqueued once per newsletter and slot.
	JobNewsletterCompose = "newsletter-compose"
	// JobNewsletterSend drives the send engine over an issue's
	// deliveries (NewsletterSend), from the checkpoint they keep.
	JobNewsletterSend = "newsletter-send"
)

// NewsletterCompose is the payload of a JobNewsletterCompose.
type NewsletterCompose struct {
	NewsletterID int64     `json:"newsletter_id"`
	Slot         time.Time `json:"slot"`
}

// NewsletterComposeJob returns the job that composes n's issue of the send
// time slot, due now; its key names the newsletter and the slot.
func NewsletterComposeJob(n *Newsletter, slot time.Time) Job {
	slot = slot.UTC()
	j, _ := NewJob(JobNewsletterCompose, NewsletterCompose{NewsletterID: n.ID, Slot: slot})
	j.Key = n.Slug + " " + slot.Format(time.RFC3339)
	return j
}

// NewsletterSend is the payload of a JobNewsletterSend.
type NewsletterSend struct {
	IssueID int64 `json:"issue_id"`
}

// IssueSendJob returns the job that sends issue id, due at at (at once
// when zero); its key names the issue, so an issue has one such job
// pending at a time.
func IssueSendJob(id int64, at time.Time) Job {
	j, _ := NewJob(JobNewsletterSend, NewsletterSend{IssueID: id})
	j.Key = fmt.Sprintf("issue %d", id)
	j.RunAt = at
	return j
}

// JobBillingSync reads every subscription from Stripe and stores it
// with its entitlements, once a day (masthead billing sync does it
// inline).
const JobBillingSync = "billing-sync"

// JobRelateArticles computes the related reading of the articles saved
// since it last ran (their rows in related_pending). A save writes one in
// its transaction unless one is pending already, so one job serves every
// save made while it waits.
const JobRelateArticles = "relate-articles"

// JobReindex rebuilds the search index (Reindex), in steps: each run
// indexes batches for a while and snoozes with its place.
const JobReindex = "reindex"

// Reindex is the payload of a JobReindex: the last article indexed, 0
// before the index is cleared.
type Reindex struct {
	After int64 `json:"after"`
}

// ReindexJob returns the job that starts a reindex; its key keeps a
// second request from starting another while one runs.
func ReindexJob() Job {
	j, _ := NewJob(JobReindex, Reindex{})
	j.Key = "reindex"
	return j
}

// PublishScheduled is the payload of a JobPublishScheduled: the article
// and the publication time it was scheduled for.
type PublishScheduled struct {
	ArticleID int64     `json:"article_id"`
	At        time.Time `json:"at"`
}

// PublishScheduledJob returns the job that publishes article id at at,
// due at that time.
func PublishScheduledJob(id int64, at time.Time) Job {
	at = at.UTC().Truncate(time.Microsecond)
	j, _ := NewJob(JobPublishScheduled, PublishScheduled{ArticleID: id, At: at})
	j.Key = fmt.Sprintf("article %d at %s", id, at.Format(time.RFC3339Nano))
	j.RunAt = at
	return j
}

// DefaultJobAttempts is how many times a job runs before it is failed,
// unless it says otherwise.
const DefaultJobAttempts = 8

// Job is one unit of durable work.
type Job struct {
	ID   int64
	Kind string
	// Key, when set, makes the job unique among the pending and running
	// jobs of its kind: enqueueing a second one with the same key does
	// nothing.
	Key     string
	Payload []byte // JSON, read by the kind's handler
	State   JobState
	// Attempts counts the runs begun; MaxAttempts bounds them (0 means
	// DefaultJobAttempts).
	Attempts    int
	MaxAttempts int
	// RunAt is when the job is due (zero: at once).
	RunAt       time.Time
	LastError   string
	LockedBy    string
	LockedUntil time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// NewJob returns a job of kind whose payload is v in JSON.
func NewJob(kind string, v any) (Job, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Job{}, fmt.Errorf("masthead: job %s: %w", kind, err)
	}
	return Job{Kind: kind, Payload: b}, nil
}

// Decode reads the job's payload into v. A payload that does not decode
// is an invalid job: running it again cannot help.
func (j Job) Decode(v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return Errorf(EINVALID, "job %d (%s): payload: %v", j.ID, j.Kind, err)
	}
	return nil
}

// Validate checks what an enqueued job must have.
func (j Job) Validate() error {
	switch {
	case j.Kind == "" || len(j.Kind) > 64:
		return Errorf(EINVALID, "A job needs a kind of at most 64 characters.")
	case len(j.Key) > 200:
		return Errorf(EINVALID, "A job's key is at most 200 characters.")
	case len(j.Payload) > 64<<10:
		return Errorf(EINVALID, "A job's payload is at most 64 KB.")
	case j.MaxAttempts < 0:
		return Errorf(EINVALID, "A job's attempts cannot be negative.")
	}
	return nil
}

// SignInEmail is the payload of a JobSignInEmail: the address typed (the
// link goes to the member of its mailbox, if there is one), where the
// link returns to, and the wording (PurposeSignIn or
// PurposeRegistration).
type SignInEmail struct {
	Email   string `json:"email"`
	Next    string `json:"next,omitempty"`
	Purpose string `json:"purpose"`
}

// Purposes of a sign-in email: the wording differs, the link works alike.
const (
	// PurposeRegistration welcomes a reader who just gave their address
	// and asks them to confirm it.
	PurposeRegistration = "registration"
	// PurposeSignIn is a returning reader's sign-in link.
	PurposeSignIn = "sign-in"
)

// GiftEmail is the payload of a JobGiftEmail. The redeem token must reach
// the email and the database keeps only its hash, so the payload holds it
// until the job is done or discarded, when the payload is blanked.
type GiftEmail struct {
	Token string `json:"token"`
}

// JobSnooze is the error of a job that is not done and wants to run
// again at At without that counting as a failed attempt: a newsletter
// send whose remaining recipients wait for a retry, or that stopped to
// let the instance shut down. Return it with SnoozeJob.
type JobSnooze struct {
	At time.Time
	// Payload, when set, replaces the job's: the checkpoint the next run
	// starts from (a reindex's last article).
	Payload []byte
}

func (s *JobSnooze) Error() string { return "job snoozed until " + s.At.UTC().Format(time.RFC3339) }

// SnoozeJob returns the error that makes the queue run the job again at
// at (at once when at has passed).
func SnoozeJob(at time.Time) error { return &JobSnooze{At: at} }

// SnoozeJobFrom is SnoozeJob with a new payload, v in JSON: the job's
// checkpoint.
func SnoozeJobFrom(at time.Time, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("masthead: snooze job: %w", err)
	}
	return &JobSnooze{At: at, Payload: b}
}

// JobFunc runs one job. An error is retried with backoff; an error with
// the code EINVALID fails the job at once.
type JobFunc func(ctx context.Context, j Job) error

// JobQueue takes jobs on their own, for work whose cause writes nothing.
type JobQueue interface {
	EnqueueJob(ctx context.Context, j Job) error
}

// JobFilter selects jobs for staff.
type JobFilter struct {
	State JobState // "" for all
	Kind  string   // "" for all
	Limit int      // 0 for 100
}

// JobService is what staff see of the queue and may do with it.
type JobService interface {
	// EnqueueJob starts work staff ask for (a reindex).
	EnqueueJob(ctx context.Context, j Job) error
	Jobs(ctx context.Context, f JobFilter) ([]Job, error)
	JobCounts(ctx context.Context) (map[JobState]int, error)
	// RetryJob makes a pending or failed job due now, with a fresh
	// round of attempts.
	RetryJob(ctx context.Context, id int64) error
	// DiscardJob drops a pending or failed job and blanks its payload.
	DiscardJob(ctx context.Context, id int64) error
}
