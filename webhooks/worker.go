package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"masthead"
)

// Store is what the sender needs from the database; store.DB implements
// it.
type Store interface {
	WebhookJob(ctx context.Context, deliveryID int64) (masthead.WebhookJob, error)
	FinishWebhookAttempt(ctx context.Context, a masthead.WebhookAttempt, status masthead.WebhookStatus, next time.Time) error
}

// DefaultBackoff is the wait after the 1st, 2nd, … failed attempt; after
// the last step the delivery has failed for good (8 attempts over about
// 31 hours, masthead.WebhookDeliveryAttempts).
var DefaultBackoff = []time.Duration{
	30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour, 12 * time.Hour, 12 * time.Hour,
}

// Results counted by Config.Observe.
const (
	ResultDelivered = "delivered"
	ResultRetry     = "retry"
	ResultFailed    = "failed"
)

// Config tunes a Worker. Zero fields take defaults.
type Config struct {
	// Networks says which addresses deliveries may connect to: the
	// public internet, and the networks it allows (guard.go).
	Networks masthead.WebhookNetworks
	// Resolver resolves endpoints' host names; default net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds one attempt, default 10 s.
	Timeout time.Duration
	// Backoff lists the waits between attempts; default DefaultBackoff.
	// The queue retries a delivery's job on it (Worker.Backoff), and the
	// delivery log shows when the next attempt is due.
	Backoff   []time.Duration
	Clock     masthead.Clock
	UserAgent string
	// Observe, when set, counts each attempt's result (ResultDelivered,
	// ResultRetry, ResultFailed).
	Observe func(result string)
}

// Worker sends deliveries: each attempt is a run of a webhook-delivery
// job of the durable queue (package jobs), which claims it under a lease
// on whichever instance, retries it on Backoff and shows a delivery
// that failed for good at /admin/jobs.
type Worker struct {
	store  Store
	cfg    Config
	client *http.Client
}

// New returns a worker over s.
func New(s Store, cfg Config) *Worker {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Clock == nil {
		cfg.Clock = masthead.SystemClock{}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Masthead-Webhooks/1"
	}
	return &Worker{store: s, cfg: cfg, client: newClient(cfg.Networks, cfg.Resolver, cfg.Timeout)}
}

// Backoff is the retry schedule the queue gives the worker's jobs.
func (w *Worker) Backoff() []time.Duration { return w.cfg.Backoff }

// Body is the JSON a delivery POSTs. It is built from the event alone, so
// every attempt and every endpoint gets the same bytes for an event.
type Body struct {
	ID        int64                     `json:"id"`
	Type      masthead.WebhookEventType `json:"type"`
	CreatedAt time.Time                 `json:"created_at"`
	Data      json.RawMessage           `json:"data"`
}

// Deliver runs a webhook-delivery job: one attempt of its delivery,
// recorded in the delivery's log whatever its outcome. A failed attempt
// is the job's error, so the queue retries it; at the job's last attempt
// the delivery is marked failed. A delivery already delivered, or gone
// with its endpoint, is left alone.
func (w *Worker) Deliver(ctx context.Context, job masthead.Job) error {
	var p masthead.WebhookDeliveryPayload
	if err := job.Decode(&p); err != nil {
		return err
	}
	j, err := w.store.WebhookJob(ctx, p.DeliveryID)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil
	}
	if err != nil {
		return fmt.Errorf("webhooks: delivery %d: %w", p.DeliveryID, err)
	}
	if j.Status == masthead.WebhookDelivered {
		return nil
	}
	body, err := json.Marshal(Body{ID: j.EventID, Type: j.EventType, CreatedAt: j.EventAt, Data: json.RawMessage(j.Data)})
	if err != nil {
		return fmt.Errorf("webhooks: delivery %d: %w", j.DeliveryID, err)
	}
	start := w.cfg.Clock.Now()
	code, sendErr := w.send(ctx, j, body, start)
	a := masthead.WebhookAttempt{DeliveryID: j.DeliveryID, At: start, Code: code, Duration: w.cfg.Clock.Now().Sub(start)}
	status, next, result := masthead.WebhookDelivered, time.Time{}, ResultDelivered
	if sendErr != nil {
		a.Error = describe(code, sendErr)
		if job.Attempts < job.MaxAttempts {
			step := w.cfg.Backoff[min(max(job.Attempts, 1), len(w.cfg.Backoff))-1]
			status, next, result = masthead.WebhookPending, start.Add(step), ResultRetry
		} else {
			status, result = masthead.WebhookFailed, ResultFailed
		}
	}
	if w.cfg.Observe != nil {
		w.cfg.Observe(result)
	}
	// The outcome is recorded even as the server stops: the attempt
	// happened, and leaving it to the lease would send it twice.
	if err := w.store.FinishWebhookAttempt(context.WithoutCancel(ctx), a, status, next); err != nil {
		return fmt.Errorf("webhooks: record delivery %d: %w", j.DeliveryID, err)
	}
	if sendErr != nil {
		return fmt.Errorf("webhooks: delivery %d of %s to %s: %s", j.DeliveryID, j.EventType, j.URL, a.Error)
	}
	return nil
}

// errBadURL is the error of an endpoint URL that cannot be requested.
var errBadURL = errors.New("webhooks: bad endpoint URL")

// send POSTs body and returns the status received; any answer but 2xx,
// and no answer within the timeout, is an error.
func (w *Worker) send(ctx context.Context, j masthead.WebhookJob, body []byte, now time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(body))
	if err != nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
		return 0, errBadURL
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.cfg.UserAgent)
	req.Header.Set(HeaderEvent, string(j.EventType))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(j.DeliveryID, 10))
	req.Header.Set(HeaderSignature, Sign(j.Secret, now, body))
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// A little of the answer is read so the connection can be reused;
	// the rest is not wanted.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("endpoint answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}
