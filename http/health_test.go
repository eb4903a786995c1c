package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	mhttp "masthead/http"
	"masthead/metrics"
)

// brokenDB stands in for a database that does not answer or is behind.
type brokenDB struct {
	ping           error
	applied, known int
}

func (b brokenDB) Ping(context.Context) error { return b.ping }
func (b brokenDB) SchemaVersion(context.Context) (int, int, error) {
	return b.applied, b.known, nil
}

func readyBody(t *testing.T, res *http.Response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatalf("readyz body: %v", err)
	}
	if res.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("readyz headers: %v", res.Header)
	}
	return m
}

func TestHealthAndReady(t *testing.T) {
	each(t, func(c *mhttp.Config, d *mhttp.Deps) { d.Ready = d.Articles.(mhttp.Readiness) }, func(t *testing.T, s *site) {
		res, body := s.get(t, "/healthz")
		if res.StatusCode != 200 || !strings.Contains(body, `"alive"`) {
			t.Errorf("/healthz: %d %s", res.StatusCode, body)
		}
		res = s.do(t, "GET", "/readyz", nil, nil)
		if m := readyBody(t, res); res.StatusCode != 200 || m["status"] != "ready" || m["database"] != "ok" || m["migrations"] != "current" {
			t.Errorf("/readyz: %d %v", res.StatusCode, m)
		}
		// Draining: /readyz fails, pages still serve.
		s.srv.Drain()
		res = s.do(t, "GET", "/readyz", nil, nil)
		if m := readyBody(t, res); res.StatusCode != 503 || m["draining"] != true || m["status"] != "unavailable" {
			t.Errorf("/readyz while draining: %d %v", res.StatusCode, m)
		}
		if res, _ := s.get(t, "/articles/free-daily"); res.StatusCode != 200 {
			t.Errorf("an article while draining: %d", res.StatusCode)
		}
		if res, _ := s.get(t, "/healthz"); res.StatusCode != 200 {
			t.Errorf("/healthz while draining: %d", res.StatusCode)
		}
	})

	cases := []struct {
		name  string
		db    brokenDB
		check func(m map[string]any) bool
	}{
		{"database down", brokenDB{ping: errors.New("dial tcp 10.0.0.5:5432: connection refused (user=secret)")},
			func(m map[string]any) bool { return strings.HasPrefix(m["database"].(string), "unreachable") }},
		{"schema behind", brokenDB{applied: 4, known: 9},
			func(m map[string]any) bool { return m["migrations"] == "database at version 4, this binary at 9" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := mhttp.New(mhttp.Config{PageCacheBytes: -1}, mhttp.Deps{Ready: c.db})
			defer srv.Close()
			req, _ := http.NewRequest("GET", "/readyz", nil)
			w := &recorder{h: http.Header{}}
			srv.Handler().ServeHTTP(w, req)
			res := &http.Response{StatusCode: w.status, Header: w.h, Body: io.NopCloser(&w.b)}
			raw := w.b.String()
			m := readyBody(t, res)
			if w.status != 503 || !c.check(m) {
				t.Errorf("/readyz: %d %v", w.status, m)
			}
			if strings.Contains(raw, "secret") || strings.Contains(raw, "10.0.0.5") {
				t.Errorf("/readyz leaks the driver's error: %s", raw)
			}
		})
	}
}

// recorder is a minimal ResponseWriter (httptest would do; this keeps the
// status when WriteHeader is not called).
type recorder struct {
	h      http.Header
	status int
	b      bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.b.Write(p)
}

func TestMetrics(t *testing.T) {
	var logs bytes.Buffer
	m := metrics.New()
	mut := func(c *mhttp.Config, d *mhttp.Deps) {
		c.MetricsToken = "s3cret"
		d.Metrics = m
		d.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	}
	each(t, mut, func(t *testing.T, s *site) {
		for _, u := range []string{"/articles/metered-feature", "/articles/free-daily", "/no/such/page"} {
			s.get(t, u)
		}
		if res, _ := s.get(t, "/metrics"); res.StatusCode != 401 {
			t.Errorf("/metrics without the token: %d", res.StatusCode)
		}
		res := s.do(t, "GET", "/metrics", nil, http.Header{"Authorization": {"Bearer wrong"}})
		if res.StatusCode != 401 {
			t.Errorf("/metrics with a wrong token: %d", res.StatusCode)
		}
		res = s.do(t, "GET", "/metrics", nil, http.Header{"Authorization": {"Bearer s3cret"}})
		b, _ := io.ReadAll(res.Body)
		body := string(b)
		if res.StatusCode != 200 {
			t.Fatalf("/metrics: %d", res.StatusCode)
		}
		for _, want := range []string{
			`masthead_http_request_duration_seconds_bucket{route="GET /articles/{slug}",status="2xx",le="0.1"}`,
			`masthead_http_request_duration_seconds_count{route="/",status="4xx"}`,
			`masthead_access_decisions_total{reason="anonymous"}`,
			`masthead_access_decisions_total{reason="free-article"}`,
			`go_goroutines`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}

		// Every access-log line names the request id it answered with.
		logs.Reset()
		res = s.do(t, "GET", "/articles/free-daily", nil, nil)
		id := res.Header.Get("X-Request-Id")
		var line map[string]any
		if err := json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &line); err != nil {
			t.Fatalf("log line %q: %v", logs.String(), err)
		}
		if id == "" || line["request_id"] != id {
			t.Errorf("log line request_id %v, header %q", line["request_id"], id)
		}
	})
}

func TestRequestIDFromTrustedProxiesOnly(t *testing.T) {
	each(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	}, func(t *testing.T, s *site) {
		r := s.doFrom(t, "203.0.113.9:4000", "/", http.Header{"X-Request-Id": {"spoofed-1"}})
		if got := r.Header.Get("X-Request-Id"); got == "spoofed-1" || got == "" {
			t.Errorf("an id from a client that is not a proxy was kept: %q", got)
		}
		r = s.doFrom(t, "10.1.2.3:4000", "/", http.Header{"X-Request-Id": {"edge-7"}})
		if got := r.Header.Get("X-Request-Id"); got != "edge-7" {
			t.Errorf("an id from a trusted proxy was replaced: %q", got)
		}
	})
}

// doFrom sends a request as if from the peer at addr.
func (s *site) doFrom(t *testing.T, addr, target string, header http.Header) *http.Response {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	r.RemoteAddr = addr
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w.Result()
}
