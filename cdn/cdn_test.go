package cdn_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/cdn"
	"masthead/clocktest"
	"masthead/jobs"
	"masthead/store"
	"masthead/store/storetest"
	"masthead/webhooks"
)

// call is one request an API stand-in received.
type call struct {
	method, path string
	header       http.Header
	body         []byte
}

// api is a loopback HTTP server standing in for a CDN's API: it records
// each call and answers with answer (200 and "{}" by default).
type api struct {
	*httptest.Server
	mu     sync.Mutex
	calls  []call
	answer func(w http.ResponseWriter, c call)
}

func newAPI(t *testing.T) *api {
	a := &api{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c := call{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body}
		a.mu.Lock()
		a.calls = append(a.calls, c)
		answer := a.answer
		a.mu.Unlock()
		if answer != nil {
			answer(w, c)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok","success":true}`)
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *api) taken() []call {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.calls
	a.calls = nil
	return out
}

func mustPurger(t *testing.T, cfg cdn.Config) *cdn.Purger {
	t.Helper()
	p, err := cdn.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func manyKeys(n int) []string {
	var keys []string
	for i := range n {
		keys = append(keys, masthead.ArticleKey(int64(i+1)))
	}
	return keys
}

// TestFastly: a purge is POST /service/{id}/purge with the API token in
// Fastly-Key and the keys space-separated in Surrogate-Key, 256 a call;
// a soft purge says so; an error status is an error.
func TestFastly(t *testing.T) {
	a := newAPI(t)
	p := mustPurger(t, cdn.Config{Provider: cdn.Fastly, Service: "SU1Z0isxPaozGVKXdv0eY", Token: "fastly-token", API: a.URL})
	ctx := context.Background()
	if err := p.Purge(ctx, 7, []string{"a:12", "home", "topic:energy"}); err != nil {
		t.Fatal(err)
	}
	calls := a.taken()
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	c := calls[0]
	if c.method != http.MethodPost || c.path != "/service/SU1Z0isxPaozGVKXdv0eY/purge" {
		t.Errorf("%s %s", c.method, c.path)
	}
	if c.header.Get("Fastly-Key") != "fastly-token" || c.header.Get("Surrogate-Key") != "a:12 home topic:energy" {
		t.Errorf("headers %v", c.header)
	}
	if c.header.Get("Fastly-Soft-Purge") != "" {
		t.Error("a hard purge says soft")
	}

	keys := manyKeys(300)
	if err := p.Purge(ctx, 8, keys); err != nil {
		t.Fatal(err)
	}
	calls = a.taken()
	if len(calls) != 2 || len(strings.Fields(calls[0].header.Get("Surrogate-Key"))) != 256 ||
		strings.Join(append(strings.Fields(calls[0].header.Get("Surrogate-Key")), strings.Fields(calls[1].header.Get("Surrogate-Key"))...), " ") != strings.Join(keys, " ") {
		t.Errorf("300 keys in %d calls", len(calls))
	}

	soft := mustPurger(t, cdn.Config{Provider: cdn.Fastly, Service: "svc", Token: "fastly-token", API: a.URL, SoftPurge: true})
	if err := soft.Purge(ctx, 9, []string{"site"}); err != nil {
		t.Fatal(err)
	}
	if c := a.taken(); len(c) != 1 || c[0].header.Get("Fastly-Soft-Purge") != "1" {
		t.Errorf("soft purge: %v", c)
	}

	a.answer = func(w http.ResponseWriter, _ call) {
		http.Error(w, `{"msg":"Provided credentials are missing or invalid"}`, http.StatusUnauthorized)
	}
	if err := p.Purge(ctx, 10, []string{"home"}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("refused purge: %v", err)
	}
}

// TestCloudflare: POST /zones/{id}/purge_cache with a bearer token and
// {"tags": [...]}, 30 tags a call; an answer without success is an
// error even with status 200.
func TestCloudflare(t *testing.T) {
	a := newAPI(t)
	p := mustPurger(t, cdn.Config{Provider: cdn.Cloudflare, Service: "023e105f4ecef8ad9ca31a8372d0c353", Token: "cf-token", API: a.URL})
	ctx := context.Background()
	keys := manyKeys(45)
	if err := p.Purge(ctx, 3, keys); err != nil {
		t.Fatal(err)
	}
	calls := a.taken()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	var got []string
	for _, c := range calls {
		if c.method != http.MethodPost || c.path != "/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache" {
			t.Errorf("%s %s", c.method, c.path)
		}
		if c.header.Get("Authorization") != "Bearer cf-token" || c.header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", c.header)
		}
		var body struct {
			Tags []string `json:"tags"`
		}
		if err := json.Unmarshal(c.body, &body); err != nil || len(body.Tags) > 30 {
			t.Fatalf("body %s: %v", c.body, err)
		}
		got = append(got, body.Tags...)
	}
	if !slices.Equal(got, keys) {
		t.Errorf("tags %v", got)
	}

	a.answer = func(w http.ResponseWriter, _ call) {
		io.WriteString(w, `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}`)
	}
	if err := p.Purge(ctx, 4, []string{"home"}); err == nil || !strings.Contains(err.Error(), "Authentication error") {
		t.Errorf("refused purge: %v", err)
	}
}

// TestWebhook: the keys and the version are posted as JSON, signed with
// the token in the outgoing webhooks' scheme, which webhooks.Verify
// accepts and a wrong secret does not.
func TestWebhook(t *testing.T) {
	a := newAPI(t)
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	p := mustPurger(t, cdn.Config{Provider: cdn.Webhook, Token: "whsec_purge", API: a.URL + "/hooks/purge", Clock: clocktest.New(now)})
	if err := p.Purge(context.Background(), 41, []string{"a:5", "home"}); err != nil {
		t.Fatal(err)
	}
	calls := a.taken()
	if len(calls) != 1 || calls[0].path != "/hooks/purge" {
		t.Fatalf("calls %v", calls)
	}
	var body cdn.WebhookBody
	if err := json.Unmarshal(calls[0].body, &body); err != nil || body.Version != 41 || !slices.Equal(body.Keys, []string{"a:5", "home"}) {
		t.Errorf("body %s: %v", calls[0].body, err)
	}
	sig := calls[0].header.Get(cdn.WebhookSignature)
	if err := webhooks.Verify("whsec_purge", sig, calls[0].body, now, time.Minute); err != nil {
		t.Errorf("signature %q: %v", sig, err)
	}
	if err := webhooks.Verify("whsec_other", sig, calls[0].body, now, time.Minute); err == nil {
		t.Error("a wrong secret verified")
	}
}

// TestNewRefuses: a provider without what it needs is refused at start.
func TestNewRefuses(t *testing.T) {
	for _, cfg := range []cdn.Config{
		{Provider: "akamai"},
		{Provider: cdn.Fastly, Token: "t"},
		{Provider: cdn.Cloudflare, Service: "z"},
		{Provider: cdn.Webhook},
		{Provider: cdn.Webhook, API: "ftp://example.com/"},
	} {
		if _, err := cdn.New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// TestPurgeJobs: publishing an article enqueues, in its transaction, a
// cdn-purge job that the queue's worker runs against the API; a failed
// call is retried after the backoff and then succeeds, so the CDN gets
// the article's keys once, on both engines.
func TestPurgeJobs(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	clock := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clock, PurgeCDN: true}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAPI(t)
		p := mustPurger(t, cdn.Config{Provider: cdn.Fastly, Service: "svc", Token: "tok", API: a.URL})
		pool := jobs.New(db, jobs.Config{Clock: clock, Backoff: time.Minute})
		pool.Handle(masthead.JobCDNPurge, p.Run)

		art, err := db.CreateArticle(ctx, masthead.ArticleInput{Slug: "power-lines", Title: "Power lines", BodyMarkdown: "Text.",
			TopicSlugs: []string{"energy"}, Kind: masthead.KindDaily, Access: masthead.AccessFree,
			Status: masthead.StatusPublished, PublishedAt: t0.Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		// The CDN is down for the first attempt.
		a.answer = func(w http.ResponseWriter, _ call) { http.Error(w, "unavailable", http.StatusServiceUnavailable) }
		if _, err := pool.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(a.taken()); n != 1 {
			t.Fatalf("%d calls on the first attempt", n)
		}
		a.answer = nil
		clock.Advance(2 * time.Minute)
		if _, err := pool.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		calls := a.taken()
		want := masthead.ArticleKey(art.ID) + " feeds home lists topic:energy"
		if len(calls) != 1 || calls[0].header.Get("Surrogate-Key") != want {
			t.Fatalf("retried purge: %d calls, %v", len(calls), calls)
		}
		done, err := db.Jobs(ctx, masthead.JobFilter{Kind: masthead.JobCDNPurge, State: masthead.JobDone})
		if err != nil || len(done) != 1 || done[0].Attempts != 2 {
			t.Fatalf("done purge jobs %+v, %v", done, err)
		}
	})
}
