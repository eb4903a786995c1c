package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"masthead"

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

// newWebhookWorker builds the sender of outgoing webhooks
// (docs/webhooks.md), counting each attempt's result on m.
func newWebhookWorker(db *store.DB, nets masthead.WebhookNetworks, clock masthead.Clock, log *slog.Logger, m *metrics.Metrics) *webhooks.Worker {
	m.GaugeFunc("webhook_deliveries_pending", "Outgoing webhook deliveries waiting for their first or next attempt.", func() float64 {
		n, _ := db.PendingWebhookDeliveries(context.Background())
		return float64(n)
	})
	return webhooks.New(db, webhooks.Config{Networks: nets, Clock: clock, Log: log, Observe: m.WebhookDelivery})
}

// sendWebhooks sends every due delivery. Only the leader runs it, every
// few seconds (see runServe): deliveries are claimed with a lease, so a
// new leader taking over mid-send at worst sends one again, which
// receivers deduplicate by X-Masthead-Delivery.
func sendWebhooks(ctx context.Context, w *webhooks.Worker, log *slog.Logger) {
	if n, err := w.Run(ctx); err != nil && ctx.Err() == nil {
		log.Error("send webhooks", "err", err)
	} else if n > 0 {
		log.Debug("sent webhooks", "attempts", n)
	}
}

// webhookLogRetention is how long finished deliveries stay in the log.
const webhookLogRetention = 30 * 24 * time.Hour
