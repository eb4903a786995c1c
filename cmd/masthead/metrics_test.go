package main

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"masthead/store/storetest"
)

// TestServeHasItsOwnMetrics starts two servers in one process on one
// database and checks that each serves, at /metrics, what it counted and
// nothing of the other's: the set is made by serve and passed to the
// site, the pools, the webhook worker and the mailer, not shared through
// the process.
func TestServeHasItsOwnMetrics(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			a := startServe(t, "--db", dsn)
			b := startServe(t, "--db", dsn)
			for range 3 {
				mustStatus(t, "GET a missing article on a", get(t, a.URL+"/articles/no-such-article"), http.StatusNotFound)
			}
			mustStatus(t, "GET a missing article on b", get(t, b.URL+"/articles/no-such-article"), http.StatusNotFound)

			missing := regexp.MustCompile(`(?m)^masthead_http_request_duration_seconds_count\{route="GET /articles/\{slug\}",status="4xx"\} (\d+)$`)
			pools := map[string][]string{"sqlite": {"sqlite-write", "sqlite-read"}, "postgres": {"postgres"}}[engine]
			for _, tt := range []struct {
				inst *instance
				want int
			}{{a, 3}, {b, 1}} {
				body := scrapeUntil(t, tt.inst, `masthead_webhook_deliveries_pending `)
				m := missing.FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("%s/metrics counts no request for a missing article:\n%s", tt.inst.URL, body)
				}
				if n, _ := strconv.Atoi(m[1]); n != tt.want {
					t.Errorf("%s/metrics counts %d requests for a missing article, want %d (its own)", tt.inst.URL, n, tt.want)
				}
				for _, pool := range pools {
					if !regexp.MustCompile(`go_sql_open_connections\{db_name="` + pool + `"\} `).MatchString(body) {
						t.Errorf("%s/metrics lacks the %s pool", tt.inst.URL, pool)
					}
				}
			}
		})
	}
}

// scrapeUntil reads inst's /metrics until it holds want (the webhook
// worker registers its gauge as the background work starts, just after
// the server prints its URL).
func scrapeUntil(t *testing.T, inst *instance, want string) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		res := get(t, inst.URL+"/metrics")
		mustStatus(t, "GET /metrics", res, http.StatusOK)
		if regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want)).MatchString(res.body) {
			return res.body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/metrics has no %q within a minute:\n%s", inst.URL, want, res.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
