package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/store"
)

// TestNewsletterSite: the one site newsletters render with, the engine's
// and the staff area's previews alike: the configured names and sender,
// and the database's unsubscribe key, the same on every call.
func TestNewsletterSite(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := engineDSN(t, engine)
			ctx := context.Background()
			db := siteStore(t, dsn, store.Options{})
			loc := time.FixedZone("CET", 3600)
			cfg := &Config{SiteName: "The Review", BaseURL: "https://review.example", Location: loc}
			cfg.Newsletter.Mailto = "leave@review.example"

			s, err := newsletterSite(ctx, cfg, db)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != "The Review" || s.BaseURL != "https://review.example" || s.From != `"The Review" <no-reply@review.example>` ||
				!s.NamedFrom || s.Mailto != "leave@review.example" || s.Location != loc || len(s.Secret) == 0 {
				t.Errorf("site: %+v", s)
			}
			// A name set in the settings names the sender made from the
			// site's name.
			if r := s.WithSettings(&masthead.SiteSettings{Name: "Review Weekly"}); r.Name != "Review Weekly" || r.From != `"Review Weekly" <no-reply@review.example>` {
				t.Errorf("with settings: %q, %q", r.Name, r.From)
			}

			cfg.Mail.MailFrom = "Desk <desk@review.example>"
			again, err := newsletterSite(ctx, cfg, db)
			if err != nil {
				t.Fatal(err)
			}
			if again.From != "Desk <desk@review.example>" || again.NamedFrom || !bytes.Equal(again.Secret, s.Secret) {
				t.Errorf("with a sender: %+v; the key must stay the database's", again)
			}
		})
	}
}
