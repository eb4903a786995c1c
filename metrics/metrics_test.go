package metrics_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/metrics"
)

// nopDriver is a database/sql driver that never connects: enough for a
// pool's statistics.
type nopDriver struct{}

func (nopDriver) Open(string) (driver.Conn, error) { return nil, errors.New("no connections") }

type mailerFunc func(context.Context, masthead.Email) error

func (f mailerFunc) Send(ctx context.Context, e masthead.Email) error { return f(ctx, e) }

func scrape(t *testing.T, m *metrics.Metrics, token string) string {
	t.Helper()
	r := httptest.NewRequest("GET", "/metrics", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	m.Handler(token).ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("scrape: %d", w.Code)
	}
	return w.Body.String()
}

func TestCounts(t *testing.T) {
	m := metrics.New()
	m.ObserveRequest("GET /articles/{slug}", 200, 3*time.Millisecond)
	m.ObserveRequest("GET /articles/{slug}", 503, time.Millisecond)
	m.ObserveRequest("", 404, time.Millisecond)
	m.AccessDecision("anonymous")
	m.AccessDecision("anonymous")
	m.Registration()
	m.Unlock()
	m.CheckoutStarted()
	m.Bounced("complaint")
	m.JobFailed("newsletter")
	m.GaugeFunc("jobs_queued", "Jobs waiting.", func() float64 { return 7 })
	m.GaugeFunc("jobs_queued", "registered twice: the first stays", func() float64 { return 1 })
	sql.Register("metrics-test-nop", nopDriver{})
	db, err := sql.Open("metrics-test-nop", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m.DBStats("test", db)
	m.DBStats("test", db)

	fail := errors.New("refused")
	mailer := m.Mailer(mailerFunc(func(_ context.Context, e masthead.Email) error {
		if e.To == "bad@example.com" {
			return fail
		}
		return nil
	}))
	mailer.Send(context.Background(), masthead.Email{To: "a@example.com", Category: "signin"})
	if err := mailer.Send(context.Background(), masthead.Email{To: "bad@example.com", Category: "signin"}); err != fail {
		t.Errorf("the wrapper changed the error: %v", err)
	}

	body := scrape(t, m, "tok")
	for _, want := range []string{
		`masthead_http_request_duration_seconds_count{route="GET /articles/{slug}",status="2xx"} 1`,
		`masthead_http_request_duration_seconds_count{route="GET /articles/{slug}",status="5xx"} 1`,
		`masthead_http_request_duration_seconds_count{route="unmatched",status="4xx"} 1`,
		`masthead_access_decisions_total{reason="anonymous"} 2`,
		`masthead_registrations_total 1`,
		`masthead_unlocks_total 1`,
		`masthead_checkouts_started_total 1`,
		`masthead_emails_total{category="signin",result="sent"} 1`,
		`masthead_emails_total{category="signin",result="failed"} 1`,
		`masthead_email_bounces_total{kind="complaint"} 1`,
		`masthead_job_failures_total{kind="newsletter"} 1`,
		`masthead_jobs_queued 7`,
		`go_sql_open_connections{db_name="test"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestNilIsOff: a nil *Metrics counts nothing and does not panic, so a
// dependency left unset costs nothing.
func TestNilIsOff(t *testing.T) {
	var m *metrics.Metrics
	m.ObserveRequest("x", 200, time.Millisecond)
	m.AccessDecision("x")
	m.Registration()
	m.Unlock()
	m.CheckoutStarted()
	m.Email("x", metrics.EmailSent)
	m.Bounced("x")
	m.JobFailed("x")
	m.GaugeFunc("x", "x", func() float64 { return 0 })
	m.DBStats("x", nil)
	if got := m.Mailer(nil); got != nil {
		t.Errorf("Mailer(nil) = %v", got)
	}
}

func TestToken(t *testing.T) {
	m := metrics.New()
	for _, auth := range []string{"", "Bearer wrong", "Basic dG9rOg==", "bearer tok"} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		m.Handler("tok").ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d", auth, w.Code)
		}
	}
}

// BenchmarkObserveRequest prints the cost of recording one request.
func BenchmarkObserveRequest(b *testing.B) {
	m := metrics.New()
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest("GET /articles/{slug}", 200, time.Millisecond)
		m.AccessDecision("anonymous")
	}
}
