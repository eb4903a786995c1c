package webhooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	"masthead/jobs"
	"masthead/store"
	"masthead/store/storetest"
	"masthead/webhooks"
)

var t0 = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// received is one request an endpoint got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is an httptest endpoint answering with status (settable) and
// keeping what it receives.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	got    []received
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, received{req.Header.Clone(), b})
		w.WriteHeader(r.status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) setStatus(s int) { r.mu.Lock(); r.status = s; r.mu.Unlock() }

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// runDue runs the webhook-delivery jobs due at the clock's time on a pool
// of the queue, as an instance's workers would, and returns how many
// attempts it made.
func runDue(ctx context.Context, db *store.DB, w *webhooks.Worker, clock masthead.Clock) (int, error) {
	p := jobs.New(db, jobs.Config{Clock: clock})
	p.Handle(masthead.JobWebhookDelivery, w.Deliver)
	p.Backoff(masthead.JobWebhookDelivery, w.Backoff()...)
	return p.RunDue(ctx)
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"id":1,"type":"article.published"}`)
	sig := webhooks.Sign("whsec_a", t0, body)
	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", "whsec_a", sig, body, t0.Add(time.Minute), nil},
		{"another secret", "whsec_b", sig, body, t0, webhooks.ErrBadSignature},
		{"body changed", "whsec_a", sig, []byte(`{"id":2,"type":"article.published"}`), t0, webhooks.ErrBadSignature},
		{"forged signature", "whsec_a", "t=" + strconv.FormatInt(t0.Unix(), 10) + ",v1=" + "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff", body, t0, webhooks.ErrBadSignature},
		{"timestamp moved", "whsec_a", "t=" + strconv.FormatInt(t0.Unix()+600, 10) + sig[len("t=")+len(strconv.FormatInt(t0.Unix(), 10)):], body, t0.Add(10 * time.Minute), webhooks.ErrBadSignature},
		{"replayed later", "whsec_a", sig, body, t0.Add(time.Hour), webhooks.ErrTooOld},
		{"no header", "whsec_a", "", body, t0, webhooks.ErrNoSignature},
		{"garbage", "whsec_a", "v1=zz", body, t0, webhooks.ErrNoSignature},
		{"rotation: second v1 matches", "whsec_a", sig + ",v1=" + "abcd", body, t0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := webhooks.Verify(tt.secret, tt.header, tt.body, tt.now, 0); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestPublishedArticleDelivered(t *testing.T) {
	clock := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		rcv := newReceiver(t, http.StatusNoContent)
		secret := webhooks.NewSecret()
		ep, err := db.CreateWebhookEndpoint(ctx, masthead.WebhookEndpointInput{URL: rcv.URL + "/hooks",
			Events: []masthead.WebhookEventType{masthead.EventArticlePublished}}, secret)
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.CreateArticle(ctx, masthead.ArticleInput{Title: "Budget talks collapse", Slug: "budget-talks",
			Status: masthead.StatusPublished, BodyMarkdown: "The talks ended at dawn."})
		if err != nil {
			t.Fatal(err)
		}
		// Nothing is sent in the request that published: only the
		// worker sends.
		if n := len(rcv.requests()); n != 0 {
			t.Fatalf("%d requests before the worker ran", n)
		}
		var results []string
		w := webhooks.New(db, webhooks.Config{Clock: clock, Networks: loopback, Observe: func(r string) { results = append(results, r) }})
		if n, err := runDue(ctx, db, w, clock); err != nil || n != 1 {
			t.Fatalf("run: %d, %v", n, err)
		}
		got := rcv.requests()
		if len(got) != 1 {
			t.Fatalf("%d requests, want 1", len(got))
		}
		r := got[0]
		if err := webhooks.Verify(secret, r.header.Get(webhooks.HeaderSignature), r.body, t0, 0); err != nil {
			t.Fatalf("signature %q: %v", r.header.Get(webhooks.HeaderSignature), err)
		}
		if err := webhooks.Verify("whsec_forged", r.header.Get(webhooks.HeaderSignature), r.body, t0, 0); !errors.Is(err, webhooks.ErrBadSignature) {
			t.Fatalf("another secret verified: %v", err)
		}
		if ev := r.header.Get(webhooks.HeaderEvent); ev != "article.published" {
			t.Errorf("%s: %q", webhooks.HeaderEvent, ev)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		var body struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
			Data struct {
				ID    int64  `json:"id"`
				Slug  string `json:"slug"`
				Title string `json:"title"`
				Body  string `json:"body"`
			} `json:"data"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatalf("body %s: %v", r.body, err)
		}
		if body.Type != "article.published" || body.Data.ID != a.ID || body.Data.Slug != "budget-talks" ||
			body.Data.Title != "Budget talks collapse" || body.Data.Body != "" {
			t.Errorf("body: %s", r.body)
		}
		list, _, err := db.WebhookDeliveries(ctx, ep.ID, 10, 0)
		if err != nil || len(list) != 1 {
			t.Fatalf("deliveries: %v %v", list, err)
		}
		if d := list[0]; d.Status != masthead.WebhookDelivered || d.Attempts != 1 || d.LastCode != 204 ||
			r.header.Get(webhooks.HeaderDelivery) != strconv.FormatInt(d.ID, 10) {
			t.Errorf("delivery %+v, header id %q", d, r.header.Get(webhooks.HeaderDelivery))
		}
		if len(results) != 1 || results[0] != webhooks.ResultDelivered {
			t.Errorf("observed %v", results)
		}
		// Delivered is final.
		if n, _ := runDue(ctx, db, w, clock); n != 0 {
			t.Errorf("sent again: %d", n)
		}
	})
}

func TestFailingEndpointRetriedWithBackoff(t *testing.T) {
	clock := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		rcv := newReceiver(t, http.StatusInternalServerError)
		ep, err := db.CreateWebhookEndpoint(ctx, masthead.WebhookEndpointInput{URL: rcv.URL,
			Events: []masthead.WebhookEventType{masthead.EventMemberCreated}}, "whsec_retry")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone); err != nil {
			t.Fatal(err)
		}
		var results []string
		w := webhooks.New(db, webhooks.Config{Clock: clock, Networks: loopback,
			Observe: func(r string) { results = append(results, r) }})

		// Each attempt fails; the next is due after the backoff's step
		// and not a second before, until the last has been made.
		var at []time.Duration // when each attempt was made
		var elapsed time.Duration
		for i := range masthead.WebhookDeliveryAttempts {
			if i > 0 {
				step := webhooks.DefaultBackoff[i-1]
				clock.Set(t0.Add(elapsed + step - time.Second))
				if n, err := runDue(ctx, db, w, clock); err != nil || n != 0 {
					t.Fatalf("a second before attempt %d: %d attempts (%v)", i+1, n, err)
				}
				elapsed += step
			}
			clock.Set(t0.Add(elapsed))
			if n, err := runDue(ctx, db, w, clock); err != nil || n != 1 {
				t.Fatalf("attempt %d at +%s: %d attempts (%v), want 1", i+1, elapsed, n, err)
			}
			at = append(at, elapsed)
		}
		clock.Set(t0.Add(elapsed + 48*time.Hour)) // never again by itself
		if n, err := runDue(ctx, db, w, clock); err != nil || n != 0 {
			t.Fatalf("after the last attempt: %d attempts (%v)", n, err)
		}
		const tries = masthead.WebhookDeliveryAttempts
		if len(rcv.requests()) != tries {
			t.Fatalf("endpoint got %d requests, want %d", len(rcv.requests()), tries)
		}
		// Each attempt is signed afresh with its own time.
		for i, r := range rcv.requests() {
			if err := webhooks.Verify("whsec_retry", r.header.Get(webhooks.HeaderSignature), r.body, t0.Add(at[i]), time.Second); err != nil {
				t.Errorf("attempt %d signature: %v", i+1, err)
			}
		}
		list, _, err := db.WebhookDeliveries(ctx, ep.ID, 10, 0)
		if err != nil || len(list) != 1 {
			t.Fatalf("deliveries: %v %v", list, err)
		}
		d, attempts, _, err := db.WebhookDelivery(ctx, list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != masthead.WebhookFailed || d.Attempts != tries || d.LastCode != 500 || d.LastError == "" {
			t.Errorf("delivery: %+v", d)
		}
		if len(attempts) != tries || !attempts[1].At.Equal(t0.Add(30*time.Second)) || attempts[2].Code != 500 {
			t.Errorf("attempts: %+v", attempts)
		}
		if len(results) != tries || results[0] != webhooks.ResultRetry || results[tries-2] != webhooks.ResultRetry ||
			results[tries-1] != webhooks.ResultFailed {
			t.Errorf("observed %v, want retries then failed", results)
		}
		// The queue shows the failure, with the endpoint's answer.
		js, err := db.Jobs(ctx, masthead.JobFilter{State: masthead.JobFailed})
		if err != nil || len(js) != 1 || js[0].Kind != masthead.JobWebhookDelivery || !strings.Contains(js[0].LastError, "HTTP 500") {
			t.Fatalf("failed jobs: %+v %v", js, err)
		}

		// Staff redeliver once the receiver is fixed.
		rcv.setStatus(http.StatusOK)
		clock.Set(t0.Add(elapsed + 49*time.Hour))
		if err := db.RedeliverWebhook(ctx, ep.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := runDue(ctx, db, w, clock); err != nil || n != 1 {
			t.Fatalf("redelivery: %d, %v", n, err)
		}
		d, attempts, _, _ = db.WebhookDelivery(ctx, d.ID)
		if d.Status != masthead.WebhookDelivered || len(attempts) != tries+1 || attempts[tries].Code != 200 {
			t.Errorf("after redelivery: %+v, %d attempts", d, len(attempts))
		}
		// The failed job made way for the redelivery's.
		if c, err := db.JobCounts(ctx); err != nil || c[masthead.JobFailed] != 0 || c[masthead.JobDiscarded] != 1 || c[masthead.JobDone] != 1 {
			t.Errorf("jobs after redelivery: %v %v", c, err)
		}
	})
}

func TestUnreachableEndpointAndTimeout(t *testing.T) {
	clock := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		// A receiver that never answers within the timeout.
		block := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
		t.Cleanup(func() { close(block); slow.Close() })
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		for _, u := range []string{slow.URL, closed.URL} {
			if _, err := db.CreateWebhookEndpoint(ctx, masthead.WebhookEndpointInput{URL: u,
				Events: []masthead.WebhookEventType{masthead.EventMemberCreated}}, "s"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.EnsureMember(ctx, "x@example.com", masthead.RoleNone); err != nil {
			t.Fatal(err)
		}
		w := webhooks.New(db, webhooks.Config{Clock: clock, Networks: loopback, Timeout: 200 * time.Millisecond})
		if n, err := runDue(ctx, db, w, clock); err != nil || n != 2 {
			t.Fatalf("run: %d %v", n, err)
		}
		eps, err := db.WebhookEndpoints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range eps {
			list, _, _ := db.WebhookDeliveries(ctx, e.ID, 10, 0)
			if len(list) != 1 || list[0].Status != masthead.WebhookPending || list[0].LastCode != 0 || list[0].LastError == "" ||
				!list[0].NextAt.Equal(t0.Add(30*time.Second)) {
				t.Errorf("%s: %+v", e.URL, list)
			}
		}
	})
}
