package http

import "net/http"

// webhookRoutes lists the webhooks other services send the site: Stripe's
// events (billing.go), verified on the raw body before anything is
// parsed, and bounce and complaint notices (bounces.go), each provider's
// handler verifying its own signature.
func (s *Server) webhookRoutes(mux *http.ServeMux) {
	mux.Handle("POST /stripe/webhook", s.json(s.handleStripeWebhook))
	if s.bounces != nil {
		mux.Handle("POST /webhooks/ses", s.bounces.SES())
		mux.Handle("POST /webhooks/postmark", s.bounces.Postmark())
		mux.Handle("POST /webhooks/bounce", s.bounces.Generic())
	}
}
