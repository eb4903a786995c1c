package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/text/language"

	"masthead"
	"masthead/admin"
	"masthead/billing"
	mhttp "masthead/http"
	"masthead/jobs"
	"masthead/store"
)

// billingSettings are the Stripe keys and the entitlement rules' grace
// period. Without a secret key, subscriptions are not set up (serve says
// so on the pricing page); keys belong in MASTHEAD_STRIPE_SECRET_KEY_FILE
// and MASTHEAD_STRIPE_WEBHOOK_SECRET_FILE rather than on the command line.
type billingSettings struct {
	SecretKey     string
	WebhookSecret string
	APIURL        string
	Grace         time.Duration
	Tolerance     time.Duration
	DemoDays      int
	// Locale is the BCP 47 locale prices are written in (pricing page,
	// offers, walls, the staff dashboard).
	Locale string
}

// billingFlags registers the billing settings (serve and billing sync).
func (b *billingSettings) billingFlags(fs *flag.FlagSet) {
	fs.StringVar(&b.SecretKey, "stripe-secret-key", "", "Stripe secret API key (sk_live_… or sk_test_…); empty: subscriptions are not set up")
	fs.StringVar(&b.WebhookSecret, "stripe-webhook-secret", "", "signing secret (whsec_…) of the webhook endpoint BASE_URL/stripe/webhook")
	fs.StringVar(&b.APIURL, "stripe-api-url", "", "Stripe API base URL, for stripe-mock or a proxy (default https://api.stripe.com)")
	fs.DurationVar(&b.Grace, "billing-grace", 7*24*time.Hour, "how long a subscription whose payment failed keeps access (and an active one outlives its period until the renewal is reported)")
	fs.DurationVar(&b.Tolerance, "stripe-webhook-tolerance", 5*time.Minute, "how far a webhook's signed timestamp may be from now")
	fs.IntVar(&b.DemoDays, "demo-subscription-days", 30, "length of a subscription from the demo's TEST checkout (--demo only)")
	fs.StringVar(&b.Locale, "price-locale", "en-US", "BCP 47 locale the prices are written in on the pricing page, offers, walls and the staff dashboard (en-US: $9.00; de-DE: 9,00 €)")
}

func (b *billingSettings) validate() error {
	if (b.SecretKey == "") != (b.WebhookSecret == "") {
		return errors.New("--stripe-secret-key and --stripe-webhook-secret go together: set both, or neither")
	}
	if b.SecretKey != "" && !strings.HasPrefix(b.SecretKey, "sk_") && !strings.HasPrefix(b.SecretKey, "rk_") {
		return errors.New("--stripe-secret-key: want a secret key (sk_…) or a restricted key (rk_…)")
	}
	if _, err := language.Parse(b.Locale); err != nil && b.Locale != "" {
		return fmt.Errorf("--price-locale %q: want a BCP 47 locale such as en-US or de-DE", b.Locale)
	}
	if b.Grace < 0 || b.Tolerance < 0 || b.DemoDays < 0 {
		return errors.New("--billing-grace, --stripe-webhook-tolerance and --demo-subscription-days must not be negative")
	}
	return nil
}

// client returns the Stripe client, or nil when no key is set.
func (b *billingSettings) client() (*billing.Client, error) {
	if b.SecretKey == "" {
		return nil, nil
	}
	return billing.New(billing.Config{SecretKey: b.SecretKey, WebhookSecret: b.WebhookSecret,
		APIURL: b.APIURL, Tolerance: b.Tolerance})
}

// httpConfig is the reader site's billing settings.
func (b *billingSettings) httpConfig(demo bool) mhttp.BillingConfig {
	return mhttp.BillingConfig{Grace: b.Grace, Demo: demo, DemoDays: b.DemoDays}
}

func runBilling(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs := dbFlags("billing", stderr)
	var bs billingSettings
	bs.billingFlags(fs)
	if len(args) > 0 && args[0] == "sync" {
		args = args[1:]
	} else if len(args) == 0 || (args[0] != "-h" && args[0] != "--help" && args[0] != "-help") {
		usage(fs)
		return errors.New(`billing: want "billing sync"`)
	}
	db, err := cfg.open(ctx, fs, args, stderr, func() error {
		if fs.NArg() > 0 {
			return fmt.Errorf("billing sync: unexpected argument %q: it takes none", fs.Arg(0))
		}
		return nil
	}, bs.validate, func() error {
		if bs.SecretKey == "" {
			return errors.New("billing sync: set --stripe-secret-key (or MASTHEAD_STRIPE_SECRET_KEY) and --stripe-webhook-secret")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	client, err := bs.client()
	if err != nil {
		return err
	}
	seen, applied, err := syncSubscriptions(ctx, client, db, bs.Grace)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Read %d subscriptions from Stripe: %d stored with their entitlements; %d skipped (no known member, or a newer state stored).\n",
		seen, applied, seen-applied)
	return nil
}

// syncSubscriptions reads every subscription from Stripe and stores each
// with its entitlements (SyncSubscription keeps a newer state stored);
// it returns how many it read and how many it stored. `masthead billing
// sync` runs it inline, the daily billing-sync job in the background.
func syncSubscriptions(ctx context.Context, client *billing.Client, db *store.DB, grace time.Duration) (seen, applied int, err error) {
	err = client.Subscriptions(ctx, time.Now(), func(s masthead.Subscription) error {
		seen++
		ok, err := db.SyncSubscription(ctx, s, grace)
		if err != nil {
			return fmt.Errorf("billing sync: %s: %w", s.ID, err)
		}
		if ok {
			applied++
		}
		return nil
	})
	return seen, applied, err
}

// handleBillingSync gives the pool the daily billing-sync job, on an
// instance with Stripe's keys (the leader enqueues it only then:
// periodicJobs).
func handleBillingSync(pool *jobs.Pool, client *billing.Client, db *store.DB, grace time.Duration, log *slog.Logger) {
	pool.Handle(masthead.JobBillingSync, func(ctx context.Context, _ masthead.Job) error {
		seen, applied, err := syncSubscriptions(ctx, client, db, grace)
		if err != nil {
			return err
		}
		log.Info("billing sync: subscriptions read from Stripe", "read", seen, "stored", applied)
		return nil
	})
}

// couponMaker is Stripe's coupon maker for the staff's offers, or nil
// without Stripe (a discount offer then needs a pasted coupon id).
func couponMaker(p masthead.PaymentProvider) admin.CouponMaker {
	if c, ok := p.(*billing.Client); ok {
		return c
	}
	return nil
}
