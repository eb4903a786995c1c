package main

import (
	"context"
	"fmt"

	"masthead/newsletter"
	"masthead/store"
)

// deskNewsletterSite is what the staff area's newsletter previews and
// test sends render with: the same site, sender and unsubscribe key as
// the engine's, so a preview's links are the ones members get.
func deskNewsletterSite(ctx context.Context, cfg *Config, db *store.DB) (newsletter.Site, error) {
	secret, err := db.NewsletterSecret(ctx)
	if err != nil {
		return newsletter.Site{}, fmt.Errorf("newsletter desk: %w", err)
	}
	return newsletter.Site{Name: cfg.SiteName, BaseURL: cfg.BaseURL, From: newsletterFrom(cfg),
		Mailto: cfg.Newsletter.Mailto, Location: cfg.Location, Secret: secret, NamedFrom: cfg.Mail.MailFrom == ""}, nil
}
