package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"masthead"
	"masthead/cdn"
	mhttp "masthead/http"
	"masthead/jobs"
)

// cdnSettings are the settings of a CDN in front of the site
// (docs/cdn.md): what anonymous pages tell it, and how it is purged.
type cdnSettings struct {
	// Provider is in every command that opens the database: any of them
	// that changes content queues the purge (store.Options.PurgeCDN).
	Provider string
	// serve only.
	Service              string
	Token                string
	API                  string
	SoftPurge            bool
	KeyHeader            string
	MaxAge               time.Duration
	SharedMaxAge         time.Duration
	StaleWhileRevalidate time.Duration
	StaleIfError         time.Duration
	// CountViews is how article views are counted: by the server, or by
	// the pages' beacon (the default with a CDN, which answers most
	// views itself).
	CountViews string
}

// cdnProviderFlag registers --cdn, which every command that opens the
// database reads.
func (s *cdnSettings) cdnProviderFlag(fs *flag.FlagSet) {
	fs.StringVar(&s.Provider, "cdn", "", "the CDN in front of the site, purged by content key on every change: fastly, cloudflare or webhook (docs/cdn.md); empty for none")
}

func (s *cdnSettings) cdnFlags(fs *flag.FlagSet) {
	fs.StringVar(&s.Service, "cdn-service", "", "Fastly's service ID or Cloudflare's zone ID")
	fs.StringVar(&s.Token, "cdn-token", "", "Fastly's or Cloudflare's API token (purge rights only), or the webhook's signing secret; keep it in MASTHEAD_CDN_TOKEN_FILE")
	fs.StringVar(&s.API, "cdn-api", "", "the purge webhook's URL with --cdn webhook; otherwise the provider's API (default its public one)")
	fs.BoolVar(&s.SoftPurge, "cdn-soft-purge", false, "Fastly: mark purged pages stale rather than remove them, so stale-if-error can still serve them")
	fs.StringVar(&s.KeyHeader, "cdn-key-header", "", "the response header of a page's content keys: Surrogate-Key (space-separated) or Cache-Tag (comma-separated); default Cache-Tag with --cdn cloudflare, else Surrogate-Key; - for none")
	fs.DurationVar(&s.MaxAge, "cdn-max-age", time.Minute, "how long browsers keep an anonymous page (max-age)")
	fs.DurationVar(&s.SharedMaxAge, "cdn-shared-max-age", 0, "how long a CDN keeps an anonymous page (s-maxage); default 1h with --cdn set (changes are purged), else 60s")
	fs.DurationVar(&s.StaleWhileRevalidate, "cdn-stale-while-revalidate", 30*time.Second, "how long a CDN may serve an expired page while it fetches the next")
	fs.DurationVar(&s.StaleIfError, "cdn-stale-if-error", 24*time.Hour, "how long a CDN may serve an expired page while the site fails")
	fs.StringVar(&s.CountViews, "count-views", "", "how the dashboard counts article views and wall views: server (each page served) or beacon (an image each page carries, asked for by the browser that shows it, for a site behind a CDN); default beacon with --cdn set, else server (docs/insights.md)")
}

// validate checks the settings and fills in the defaults that depend on
// the provider.
func (s *cdnSettings) validate(serve bool) error {
	switch s.Provider {
	case "", cdn.Fastly, cdn.Cloudflare, cdn.Webhook:
	default:
		return fmt.Errorf("--cdn %q: want fastly, cloudflare or webhook", s.Provider)
	}
	if !serve {
		return nil
	}
	if s.Provider != "" {
		if _, err := cdn.New(s.config()); err != nil {
			return fmt.Errorf("--cdn %s: %w", s.Provider, err)
		}
	}
	if s.MaxAge < time.Second || s.SharedMaxAge < 0 || s.StaleWhileRevalidate < 0 || s.StaleIfError < 0 {
		return errors.New("--cdn-max-age must be at least 1s; the other --cdn-… durations must not be negative")
	}
	if s.SharedMaxAge == 0 {
		s.SharedMaxAge = time.Minute
		if s.Provider != "" {
			s.SharedMaxAge = time.Hour
		}
	}
	switch s.CountViews {
	case "":
		s.CountViews = string(mhttp.CountByServer)
		if s.Provider != "" {
			s.CountViews = string(mhttp.CountByBeacon)
		}
	case string(mhttp.CountByServer), string(mhttp.CountByBeacon):
	default:
		return fmt.Errorf("--count-views %q: want server or beacon", s.CountViews)
	}
	if s.KeyHeader == "" {
		s.KeyHeader = "Surrogate-Key"
		if s.Provider == cdn.Cloudflare {
			s.KeyHeader = "Cache-Tag"
		}
	}
	return nil
}

func (s *cdnSettings) config() cdn.Config {
	return cdn.Config{Provider: s.Provider, Service: s.Service, Token: s.Token, API: s.API, SoftPurge: s.SoftPurge}
}

// site is what the reader site is told.
func (s *cdnSettings) site() mhttp.CDNConfig {
	return mhttp.CDNConfig{MaxAge: s.MaxAge, SharedMaxAge: s.SharedMaxAge, StaleWhileRevalidate: s.StaleWhileRevalidate,
		StaleIfError: s.StaleIfError, KeyHeader: s.KeyHeader}
}

// handleCDN gives the pool the purger of the cdn-purge jobs, when a CDN
// is set.
func handleCDN(pool *jobs.Pool, s *cdnSettings, clock masthead.Clock) error {
	if s.Provider == "" {
		return nil
	}
	cfg := s.config()
	cfg.Clock = clock
	p, err := cdn.New(cfg)
	if err != nil {
		return err
	}
	pool.Handle(masthead.JobCDNPurge, p.Run)
	return nil
}
