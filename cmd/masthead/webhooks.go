package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"masthead"
	"masthead/jobs"
	"masthead/metrics"
	"masthead/store"
	"masthead/webhooks"
)

// webhookSettings are the settings of outgoing webhooks.
type webhookSettings struct {
	AllowNetworks string
	// Networks is AllowNetworks parsed, by validate.
	Networks masthead.WebhookNetworks
}

func (s *webhookSettings) webhookFlags(fs *flag.FlagSet) {
	fs.StringVar(&s.AllowNetworks, "webhook-allow-networks", "", "comma-separated CIDR networks outgoing webhooks may reach although they are "+
		"loopback, private, link-local or otherwise special (e.g. 10.20.0.0/16 for a receiver on the private network); by default the public internet only")
}

func (s *webhookSettings) validate() error {
	if s.AllowNetworks == "" {
		return nil
	}
	nets, err := masthead.ParseRanges(s.AllowNetworks)
	if err != nil {
		return fmt.Errorf("--webhook-allow-networks: %w", err)
	}
	s.Networks = masthead.WebhookNetworks{Allow: nets}
	return nil
}

// handleWebhooks gives the pool the sender of outgoing webhooks
// (docs/webhooks.md): each delivery is a webhook-delivery job, retried on
// the webhooks' own schedule, each attempt counted on m.
func handleWebhooks(pool *jobs.Pool, db *store.DB, nets masthead.WebhookNetworks, clock masthead.Clock, m *metrics.Metrics) {
	m.GaugeFunc("webhook_deliveries_pending", "Outgoing webhook deliveries waiting for their first or next attempt.", func() float64 {
		n, _ := db.PendingWebhookDeliveries(context.Background())
		return float64(n)
	})
	w := webhooks.New(db, webhooks.Config{Networks: nets, Clock: clock, Observe: m.WebhookDelivery})
	pool.Handle(masthead.JobWebhookDelivery, w.Deliver)
	pool.Backoff(masthead.JobWebhookDelivery, w.Backoff()...)
}

// webhookLogRetention is how long finished deliveries stay in the log.
const webhookLogRetention = 30 * 24 * time.Hour
