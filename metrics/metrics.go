// Package metrics holds the Prometheus collectors of a Masthead process:
// request latency by route, access decisions by reason, the reader funnel
// (registrations, unlocks, checkouts started), emails by category and
// outcome, job queue figures and the database pools. The binary serves
// them at /metrics (docs/operations.md).
//
// There is no process-wide set: the binary builds one with New when it
// serves and passes it to each package that counts (through its Config or
// Deps, or as a function such as Metrics.WebhookDelivery); tests build
// their own. Every method is safe on a nil *Metrics and then does nothing,
// so a dependency left unset costs nothing.
package metrics

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"masthead"
)

// Metrics is one set of collectors and the registry they are served from.
type Metrics struct {
	reg *prometheus.Registry

	requests *prometheus.HistogramVec
	// routes keeps each route's observers by status class, resolved once
	// per route so a request does not build label values.
	routes sync.Map // string → *[6]prometheus.Observer

	decisions *prometheus.CounterVec
	reasons   sync.Map // string → prometheus.Counter

	registrations prometheus.Counter
	unlocks       prometheus.Counter
	checkouts     prometheus.Counter
	emails        *prometheus.CounterVec
	bounces       *prometheus.CounterVec
	jobFailures   *prometheus.CounterVec
	webhooks      *prometheus.CounterVec

	mu    sync.Mutex
	funcs map[string]bool // gauge functions registered, by name
}

// New builds a set of collectors on a registry of its own, with the Go
// runtime and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "masthead", Name: "http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and status class.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "status"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "masthead", Name: "access_decisions_total",
			Help: "Access decisions on rendered article pages, by reason (docs/readers.md).",
		}, []string{"reason"}),
		registrations: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "masthead", Name: "registrations_total",
			Help: "Registrations accepted on the wall (an email address submitted; a known address counts again).",
		}),
		unlocks: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "masthead", Name: "unlocks_total",
			Help: "Free-article credits spent by registered readers.",
		}),
		checkouts: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "masthead", Name: "checkouts_started_total",
			Help: "Subscription checkouts started (the reader was sent to the payment page).",
		}),
		emails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "masthead", Name: "emails_total",
			Help: "Emails by category and result: sent, or failed (not accepted by the mail server).",
		}, []string{"category", "result"}),
		bounces: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "masthead", Name: "email_bounces_total",
			Help: "Bounces and complaints reported back by the mail provider, by kind; each suppresses the address.",
		}, []string{"kind"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "masthead", Name: "job_failures_total",
			Help: "Background job attempts that failed, by kind.",
		}, []string{"kind"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "masthead", Name: "webhook_deliveries_total",
			Help: "Outgoing webhook attempts by result: delivered, retry (failed, tried again later) or failed (given up).",
		}, []string{"result"}),
		funcs: map[string]bool{},
	}
	reg.MustRegister(m.requests, m.decisions, m.registrations, m.unlocks, m.checkouts, m.emails, m.bounces, m.jobFailures, m.webhooks)
	return m
}

// Registry returns the registry, for tests that read the values.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format. With a token,
// a request must carry "Authorization: Bearer TOKEN" or gets 401.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics: a bearer token is required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

var statusClasses = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// ObserveRequest records one request's duration under its route pattern
// (r.Pattern after routing: a bounded set) and status class.
func (m *Metrics) ObserveRequest(route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	obs, ok := m.routes.Load(route)
	if !ok {
		var arr [6]prometheus.Observer
		for i, c := range statusClasses {
			arr[i] = m.requests.WithLabelValues(route, c)
		}
		obs, _ = m.routes.LoadOrStore(route, &arr)
	}
	class := status / 100
	if class < 1 || class > 5 {
		class = 0
	}
	obs.(*[6]prometheus.Observer)[class].Observe(d.Seconds())
}

// AccessDecision counts one access decision by its reason.
func (m *Metrics) AccessDecision(reason string) {
	if m == nil {
		return
	}
	c, ok := m.reasons.Load(reason)
	if !ok {
		c, _ = m.reasons.LoadOrStore(reason, m.decisions.WithLabelValues(reason))
	}
	c.(prometheus.Counter).Inc()
}

// Registration counts a new registration.
func (m *Metrics) Registration() {
	if m != nil {
		m.registrations.Inc()
	}
}

// Unlock counts a spent free-article credit.
func (m *Metrics) Unlock() {
	if m != nil {
		m.unlocks.Inc()
	}
}

// CheckoutStarted counts a checkout session created for a reader.
func (m *Metrics) CheckoutStarted() {
	if m != nil {
		m.checkouts.Inc()
	}
}

// Email results.
const (
	EmailSent   = "sent"
	EmailFailed = "failed"
)

// Email counts one email of category with result (EmailSent or
// EmailFailed).
func (m *Metrics) Email(category, result string) {
	if m == nil {
		return
	}
	if category = sanitize(category); category == "" {
		category = "other"
	}
	m.emails.WithLabelValues(category, result).Inc()
}

// Bounced counts a bounce or complaint of kind ("bounce", "complaint")
// reported by the mail provider.
func (m *Metrics) Bounced(kind string) {
	if m == nil {
		return
	}
	if kind = sanitize(kind); kind == "" {
		kind = "other"
	}
	m.bounces.WithLabelValues(kind).Inc()
}

// JobFailed counts a failed attempt of a background job of kind.
func (m *Metrics) JobFailed(kind string) {
	if m != nil {
		m.jobFailures.WithLabelValues(kind).Inc()
	}
}

// WebhookDelivery counts one outgoing webhook attempt with result
// ("delivered", "retry", "failed").
func (m *Metrics) WebhookDelivery(result string) {
	if m != nil {
		m.webhooks.WithLabelValues(sanitize(result)).Inc()
	}
}

// GaugeFunc registers a gauge whose value fn gives at each scrape, such as
// the job queue's depth. name gets the "masthead_" prefix; registering a
// name twice keeps the first. fn runs during the scrape and should be
// quick (a COUNT on an indexed column, or a value kept in memory).
func (m *Metrics) GaugeFunc(name, help string, fn func() float64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.funcs[name] {
		return
	}
	m.funcs[name] = true
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "masthead", Name: name, Help: help}, fn))
}

// CounterFunc registers a counter whose value fn gives at each scrape: a
// count kept in memory by its owner, such as the page cache's hits. name
// gets the "masthead_" prefix; registering a name twice keeps the first.
func (m *Metrics) CounterFunc(name, help string, fn func() float64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.funcs[name] {
		return
	}
	m.funcs[name] = true
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "masthead", Name: name, Help: help}, fn))
}

// DBStats exports the figures of a connection pool (open, in use, idle,
// waits) under the label db=name. Registering a name twice keeps the first.
func (m *Metrics) DBStats(name string, db *sql.DB) {
	if m == nil || db == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := "dbstats:" + name
	if m.funcs[key] {
		return
	}
	m.funcs[key] = true
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Mailer wraps a mailer so that every email is counted as sent or failed
// by its category.
func (m *Metrics) Mailer(next masthead.Mailer) masthead.Mailer {
	if m == nil || next == nil {
		return next
	}
	return countingMailer{next: next, m: m}
}

type countingMailer struct {
	next masthead.Mailer
	m    *Metrics
}

func (c countingMailer) Send(ctx context.Context, e masthead.Email) error {
	err := c.next.Send(ctx, e)
	if err != nil {
		c.m.Email(e.Category, EmailFailed)
	} else {
		c.m.Email(e.Category, EmailSent)
	}
	return err
}

// sanitize keeps a label value short; categories come from code, but a
// long one would bloat every scrape.
func sanitize(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.TrimSpace(s)
}
