package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"masthead"
	"masthead/bounce"
	"masthead/metrics"
	"masthead/store"
)

// runHealth asks a running server whether it is healthy: exit status 0
// when the URL answers 200, 1 otherwise. Container health checks run it,
// as the image has no curl.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080/readyz", "the URL to ask: /readyz (ready for traffic) or /healthz (alive)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "health: %s: %v\n", *url, err)
		return exitCode(1)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	fmt.Fprintf(stdout, "%s %s\n", res.Status, strings.TrimSpace(string(body)))
	if res.StatusCode != http.StatusOK {
		return exitCode(1)
	}
	return nil
}

// opsSettings are the serve settings for running in production behind a
// load balancer and a metrics scraper.
type opsSettings struct {
	DrainDelay   time.Duration
	MetricsToken string
}

func (o *opsSettings) opsFlags(fs *flag.FlagSet) {
	fs.DurationVar(&o.DrainDelay, "drain-delay", 0, "on SIGTERM, how long /readyz answers 503 before the server stops accepting requests (set it above the load balancer's check interval, e.g. 5s)")
	fs.StringVar(&o.MetricsToken, "metrics-token", "", "bearer token /metrics requires (Authorization: Bearer TOKEN); empty serves /metrics to anyone")
}

// registerPoolMetrics exports the database pools' figures on m.
func registerPoolMetrics(m *metrics.Metrics, db *store.DB) {
	w, r := db.Pools()
	if w == r {
		m.DBStats(db.Engine(), w)
		return
	}
	m.DBStats(db.Engine()+"-write", w)
	m.DBStats(db.Engine()+"-read", r)
}

// countedSuppressions counts each bounce or complaint the mail provider
// reports as it is stored.
type countedSuppressions struct {
	bounce.SuppressionStore
	metrics *metrics.Metrics
}

func (c countedSuppressions) Suppress(ctx context.Context, s masthead.Suppression, messageID string) error {
	err := c.SuppressionStore.Suppress(ctx, s, messageID)
	if err == nil {
		c.metrics.Bounced(string(s.Reason))
	}
	return err
}
