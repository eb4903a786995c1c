package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"masthead"
)

// Store is what the worker needs from the database; store.DB implements
// it.
type Store interface {
	ClaimWebhookDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]masthead.WebhookJob, error)
	FinishWebhookAttempt(ctx context.Context, a masthead.WebhookAttempt, status masthead.WebhookStatus, next time.Time) error
}

// DefaultBackoff is the wait after the 1st, 2nd, … failed attempt; after
// the last step the delivery has failed for good (8 attempts over about
// 31 hours).
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
	// A delivery is tried len(Backoff)+1 times.
	Backoff []time.Duration
	// Batch is how many deliveries one claim takes, default 20; they are
	// sent Concurrency at a time (default 4).
	Batch       int
	Concurrency int
	// Lease is how long a claimed delivery is kept from other workers,
	// default a minute plus Timeout.
	Lease     time.Duration
	Clock     masthead.Clock
	Log       *slog.Logger
	UserAgent string
	// Observe, when set, counts each attempt's result (ResultDelivered,
	// ResultRetry, ResultFailed).
	Observe func(result string)
}

// Worker sends due deliveries.
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
	if cfg.Batch <= 0 {
		cfg.Batch = 20
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute + cfg.Timeout
	}
	if cfg.Clock == nil {
		cfg.Clock = masthead.SystemClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Masthead-Webhooks/1"
	}
	return &Worker{store: s, cfg: cfg, client: newClient(cfg.Networks, cfg.Resolver, cfg.Timeout)}
}

// Body is the JSON a delivery POSTs. It is built from the event alone, so
// every attempt and every endpoint gets the same bytes for an event.
type Body struct {
	ID        int64                     `json:"id"`
	Type      masthead.WebhookEventType `json:"type"`
	CreatedAt time.Time                 `json:"created_at"`
	Data      json.RawMessage           `json:"data"`
}

// Run sends due deliveries until none is left, and reports how many
// attempts it made. The leader calls it every few seconds.
func (w *Worker) Run(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		n, err := w.RunOnce(ctx)
		total += n
		if err != nil || n < w.cfg.Batch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// RunOnce claims one batch of due deliveries, sends them and records the
// outcome of each; it returns how many it attempted.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	jobs, err := w.store.ClaimWebhookDeliveries(ctx, w.cfg.Clock.Now(), w.cfg.Lease, w.cfg.Batch)
	if err != nil {
		return 0, fmt.Errorf("webhooks: claim: %w", err)
	}
	var (
		wg    sync.WaitGroup
		sem   = make(chan struct{}, w.cfg.Concurrency)
		mu    sync.Mutex
		first error
	)
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := w.deliver(ctx, j); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return len(jobs), first
}

// deliver makes one attempt of j and records it.
func (w *Worker) deliver(ctx context.Context, j masthead.WebhookJob) error {
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
		if j.Tries < len(w.cfg.Backoff) {
			status, next, result = masthead.WebhookPending, start.Add(w.cfg.Backoff[j.Tries]), ResultRetry
		} else {
			status, result = masthead.WebhookFailed, ResultFailed
		}
		w.cfg.Log.Warn("webhook delivery failed", "delivery", j.DeliveryID, "event", j.EventType,
			"url", j.URL, "attempt", j.Tries+1, "code", code, "err", sendErr, "next", next)
	}
	if w.cfg.Observe != nil {
		w.cfg.Observe(result)
	}
	// The outcome is recorded even as the server stops: the attempt
	// happened, and leaving it to the lease would send it twice.
	if err := w.store.FinishWebhookAttempt(context.WithoutCancel(ctx), a, status, next); err != nil {
		return fmt.Errorf("webhooks: record delivery %d: %w", j.DeliveryID, err)
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
