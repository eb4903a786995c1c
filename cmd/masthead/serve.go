package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/netutil"

	"masthead"
	"masthead/admin"
	"masthead/api"
	"masthead/billing"
	"masthead/demo"
	mhttp "masthead/http"
	"masthead/insights"
	"masthead/leader"
	"masthead/mail"
	"masthead/markdown"
	"masthead/metrics"
	"masthead/reading"
	"masthead/store"
)

// maxHeaderBytes bounds a request's headers: far above what a browser
// sends with every cookie, far below Go's default of 1 MB.
const maxHeaderBytes = 64 << 10

// openStore opens the configured database and applies migrations.
func openStore(ctx context.Context, cfg *Config, log *slog.Logger, r *markdown.Renderer) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DB, store.Options{Renderer: r, Logger: log, KeepTeaserWords: cfg.keepTeaserWords,
		PurgeCDN: cfg.CDN.Provider != "", AlertInterval: cfg.Jobs.AlertInterval})
	if err != nil {
		// The store says why in a domain error's message (a missing
		// database, a server that cannot be reached, a directory that
		// cannot be written): that comes first, then which database.
		var me *masthead.Error
		if errors.As(err, &me) && me.Code != masthead.EINTERNAL {
			return nil, &causeError{msg: fmt.Sprintf("%s (--db %s)", me.Message, redactDSN(cfg.DB)), err: err}
		}
		return nil, fmt.Errorf("open %s: %w", redactDSN(cfg.DB), err)
	}
	return db, nil
}

// causeError is an error whose text is said in words first, keeping the
// error it explains for errors.Is and errors.As.
type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }

// searchRebuildWarning is what serve says while the search index is
// marked for a rebuild (docs/search.md, "Operations"). The usual cause
// is the upgrade past migration 0072 on PostgreSQL, which leaves nothing
// missing: the vectors made by to_tsvector agree with the lexemes made
// in Go on every text measured. The rarer ones are named after it.
const searchRebuildWarning = "search index marked for one rebuild: searches work meanwhile, " +
	"and after the upgrade to migration 0072 find what they found before; " +
	"`masthead reindex` on this database is recommended when convenient (the server may keep running). " +
	"Until it has run, an index from before migration 0038 ranks common words by title and dek, " +
	"one from before 0018 gives readers without the library older articles by title and dek only, " +
	"and articles a bulk load cut short left out are not found"

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.commonFlags(fs)
	cfg.serveFlags(fs)
	var insightsRetention time.Duration
	fs.DurationVar(&insightsRetention, "insights-retention", 90*24*time.Hour,
		"how long the dashboard's hourly counts and checkout and registration rows are kept; daily counts stay (docs/insights.md)")
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if insightsRetention < 24*time.Hour {
		return errors.New("--insights-retention must be at least 24h")
	}
	if cfg.MaxConnections < 0 || cfg.ReadHeaderTimeout <= 0 || cfg.LeaderLease <= 0 {
		return errors.New("--max-connections must not be negative; --read-header-timeout and --leader-lease must be positive")
	}
	if err := cfg.Jobs.validate(); err != nil {
		return err
	}
	if cfg.MemoryLimitMB > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(cfg.MemoryLimitMB) << 20)
	}
	// Every setting is checked before the database is opened: a mistyped
	// flag must not migrate, re-cut teasers or seed a demo first.
	accountCfg, err := cfg.Accounts.httpConfig()
	if err != nil {
		return err
	}
	policy, proxies, ads, err := cfg.Readers.httpSettings(cfg.Location)
	if err != nil {
		return err
	}
	// A nil client must stay a nil interface: no Stripe, no checkout.
	var payments masthead.PaymentProvider
	if c, err := cfg.Billing.client(); err != nil {
		return err
	} else if c != nil {
		payments = c
	}
	log := cfg.logger(stderr)
	if given(fs, "schedule-every") {
		log.Warn("--schedule-every (MASTHEAD_SCHEDULE_EVERY) is deprecated and ignored: scheduled articles are published, and webhooks sent, by jobs of the queue")
	}
	renderer := cfg.renderer()
	db, err := openStore(ctx, &cfg, log, renderer)
	if err != nil {
		return err
	}
	// Shutdown order: HTTP first, then background work, then the
	// database, so nothing in flight loses its connection.
	defer db.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("listen on %s: the address is in use — is another masthead (or another server) already running there? Choose another with --addr", cfg.Addr)
		}
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	if cfg.baseURLDerived {
		// With --addr :0 the port is known only now.
		cfg.BaseURL = "http://" + ln.Addr().String()
	}

	clock := masthead.SystemClock{}
	if cfg.Demo {
		if err := seedDemo(ctx, &cfg, db, stdout); err != nil {
			return err
		}
	}
	if built, err := db.SearchIndexBuilt(ctx); err == nil && !built {
		// Said until a reindex has run (docs/search.md, "Operations").
		log.Warn(searchRebuildWarning, "db", redactDSN(cfg.DB))
	}

	mailer, err := openMailer(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer mailer.close() // after the HTTP server, which sends through it
	// The site newsletters render with, read once for the engine and the
	// staff area's previews (its secret is a write on first use).
	deskSite, err := newsletterSite(ctx, &cfg, db)
	if err != nil {
		return err
	}
	// The process's metrics, served at /metrics and passed to each part
	// that counts.
	mets := metrics.New()
	// The newsletter engine composes and sends as jobs of the queue, on
	// its own SMTP pool (or the demo's outbox), closed after the workers
	// stopped.
	newsletters, newsletterSends, closeNewsletters, err := startNewsletters(&cfg, db, deskSite, mailer.outbox, log)
	if err != nil {
		return err
	}
	defer closeNewsletters()
	// The dashboard's reader events are buffered and written in batches;
	// closing the recorder (after HTTP) writes the last batch.
	recorder := insights.New(db, insights.Options{Clock: clock, Logger: log})
	defer recorder.Close()
	// Uploaded images (media.go): a directory or a bucket.
	library, mediaHandler, err := openMedia(ctx, &cfg, db, log)
	if err != nil {
		return err
	}
	// The staff pages tell the reader site, built below, when
	// institutions or the site settings change, so they apply at once
	// here.
	var site *mhttp.Server
	adminHandler := admin.New(admin.Config{SiteName: cfg.SiteName, BaseURL: cfg.BaseURL, SecureCookies: cfg.SecureCookies,
		WebhookNetworks: cfg.Webhooks.Networks, Email: mailer.mode, MaxUploadBytes: library.Limits.MaxBytes, Locale: cfg.Billing.Locale,
		Defaults: masthead.SiteSettings{Name: cfg.SiteName, Tagline: cfg.Tagline, MeterCredits: &cfg.Readers.MeterCredits,
			MeterPeriod: cfg.Readers.MeterPeriod, TeaserWords: cfg.TeaserWords}},
		admin.Deps{Articles: db, Taxonomy: db, Members: db, Renderer: renderer, Clock: clock, Logger: log, Location: cfg.Location,
			MemberStore: db, Plans: db, Offers: db, Coupons: couponMaker(payments), Insights: db, Crawlers: db, Licences: db, APIKeys: db, Webhooks: db, Jobs: db, Newsroom: db, Settings: db, Home: db,
			Newsletters: db, Entitlements: db, Mailer: mailer.Mailer, NewsletterSite: deskSite, Composer: newsletters,
			Images: db, Uploads: library,
			InstitutionsChanged: func(ctx context.Context) {
				if err := site.ReloadInstitutions(ctx); err != nil {
					log.Warn("institutions: reload networks", "err", err)
				}
			},
			// The staff header names the site as the reader site's
			// settings snapshot does, and a save puts it in force here at
			// once; other instances follow the content version.
			SiteName: func() string { return site.SiteName() },
			SettingsChanged: func(ctx context.Context) {
				if err := site.FollowContent(ctx); err != nil {
					log.Warn("site settings: follow the save", "err", err)
				}
			}})
	jobPool := newJobPool(&cfg, db, mets, clock, log)
	// The reader's use cases (package reading) on the store, with the
	// site's policy and settings; the site is their transport.
	uses := reading.New(reading.Config{Policy: policy, Location: cfg.Location, Accounts: accountCfg,
		Billing: cfg.Billing.httpConfig(cfg.Demo), Email: mailer.mode},
		reading.Deps{Articles: db, Members: db, Meter: db, Entitlements: db, Accounts: db, Newsletters: db, Curator: db, Licences: db, Reads: recorder,
			Billing: db, Payments: payments, Offers: db, Institutions: db, Limiter: db, Jobs: db, JobAdded: jobPool.Notify,
			Logger: slog.New(mhttp.LogHandler(log.Handler()))})
	// The Content and Admin APIs (docs/api.md) read the access policy
	// the article page uses.
	apiHandler := api.New(api.Config{BaseURL: cfg.BaseURL, Policy: policy, Location: cfg.Location},
		api.Deps{Articles: db, Taxonomy: db, Members: db, Keys: db, Search: db, MemberStore: db, Clock: clock, Logger: log,
			Readers: uses.Readers(nil, nil),
			// The site's search settings; site is built below and serves
			// before any request reaches the API.
			Recency: func() masthead.SearchRecency { return site.SearchRecency() }})
	cacheBytes := int64(cfg.PageCacheMB) << 20
	if cfg.PageCacheMB == 0 {
		cacheBytes = -1
	}
	site = mhttp.New(mhttp.Config{
		SiteName: cfg.SiteName, Tagline: cfg.Tagline, BaseURL: cfg.BaseURL, Location: cfg.Location,
		Sender: namedSender(&cfg), PageCacheBytes: cacheBytes,
		// The policy, the account and the billing settings are the
		// use cases' (uses, Deps.Reading).
		// An upload carries the file and, from the editor, the article.
		MaxUploadBytes: library.Limits.MaxBytes + 2<<20,
		SecureCookies:  cfg.SecureCookies, TrustedProxies: proxies, Ads: ads,
		MetricsToken: cfg.Ops.MetricsToken,
		Email:        mailer.mode,
		Locale:       cfg.Billing.Locale,
		CDN:          cfg.CDN.site(),
		CountViews:   mhttp.ViewCounting(cfg.CDN.CountViews),
	}, mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: clock, Logger: log, Admin: adminHandler,
		API:      apiHandler,
		Accounts: db, Limiter: db,
		Meter: db, Entitlements: db, Institutions: db,
		Billing: db, Payments: payments,
		Search: db, Redirects: db, Settings: db, Bounces: cfg.Bounces.handler(countedSuppressions{db, mets}, log),
		Mailer: mets.Mailer(mailer.Mailer), DevMail: mailer.devMail(),
		Ready: db, Metrics: mets, Insights: recorder,
		Newsletters: db, NewsletterArchive: db,
		Jobs: db, JobAdded: jobPool.Notify, Reading: uses,
		// The AI crawlers' published ranges (crawlers.go).
		CrawlerRanges: db,
		// Uploaded images, and the demo's generated drawings (media.go).
		Media: mediaHandler})
	defer site.Close()
	// The durable queue's workers (jobs.go) stop after the HTTP server
	// (this defer runs once runServe returns) and before the mailer and
	// the database close.
	handlePeriodic(jobPool, db, clock, insightsRetention, log)
	handleScheduled(jobPool, db, log)
	handleRelated(jobPool, db, clock, log)
	handleWebhooks(jobPool, db, cfg.Webhooks.Networks, clock, mets)
	if err := handleCDN(jobPool, &cfg.CDN, clock); err != nil {
		return err
	}
	handleNewsletters(jobPool, &cfg, newsletters, newsletterSends)
	handleReindex(jobPool, db, log)
	if stripe, ok := payments.(*billing.Client); ok {
		handleBillingSync(jobPool, stripe, db, cfg.Billing.Grace, log)
	}
	// Scheduled articles of a database written before their publication
	// was a job get theirs now (scheduled.go).
	if err := scheduleMissingPublications(ctx, db, log); err != nil {
		return err
	}
	stopJobs := startJobs(&cfg, jobPool, site, mailer.mode.Sends(), log)
	defer stopJobs(cfg.ShutdownGrace)
	// A newsletter send running as a job stops first (finishing and
	// recording the messages in flight), so it does not hold the
	// workers' stop for the whole grace; its job runs again elsewhere.
	defer newsletters.Stop()
	registerPoolMetrics(mets, db)

	// Limits that keep abusive clients from taking the server down
	// (docs/scaling.md, "Limits"): a client must send its headers within
	// ReadHeaderTimeout (slow-loris) and no more than MaxHeaderBytes of
	// them (431 beyond); bodies are capped by the site (413); and at most
	// MaxConnections are served at once, the rest waiting in the kernel's
	// accept queue rather than each costing a goroutine and buffers.
	srv := &http.Server{
		Handler:           site.Handler(),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if cfg.MaxConnections > 0 {
		ln = netutil.LimitListener(ln, cfg.MaxConnections)
	}
	if err := adviseFirstAdmin(ctx, &cfg, db, stdout); err != nil {
		return err
	}
	log.Info("serving", "addr", ln.Addr().String(), "url", cfg.BaseURL, "db", redactDSN(cfg.DB))
	fmt.Fprintf(stdout, "Masthead is serving %s at %s\n", cfg.SiteName, cfg.BaseURL)

	// Periodic work runs on one instance at a time: the holder of the
	// "periodic" lease (package leader). The election outlives the work,
	// so the lease is released only once the last job has finished.
	elector := leader.New(db, leader.Config{TTL: cfg.LeaderLease, Clock: clock, Log: log})
	electCtx, stopElect := context.WithCancel(context.WithoutCancel(ctx))
	electDone := make(chan struct{})
	go func() { defer close(electDone); elector.Run(electCtx) }()
	defer func() { stopElect(); <-electDone }()
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	workDone := make(chan struct{})
	go func() {
		defer close(workDone)
		var wg sync.WaitGroup
		// The leader runs no work itself: every minute it enqueues the
		// periodic jobs (periodic.go), one per kind and slot, and the
		// newsletters' compose jobs (newsletter.go), for any instance's
		// workers to run.
		wg.Go(func() {
			elector.Every(workCtx, periodicTick, func(ctx context.Context) {
				schedulePeriodic(ctx, db, jobPool, periodicJobs(payments != nil), clock, log)
				scheduleNewsletters(ctx, db, newsletters, jobPool, clock, log)
			})
		})
		wg.Wait()
	}()

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		stopWork()
		<-workDone
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Draining: /readyz says 503 so the load balancer stops sending new
	// requests here, while requests keep being served until it notices.
	site.Drain()
	if cfg.Ops.DrainDelay > 0 {
		log.Info("draining", "delay", cfg.Ops.DrainDelay)
		time.Sleep(cfg.Ops.DrainDelay)
	}
	log.Info("shutting down", "grace", cfg.ShutdownGrace)
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	stopWork()
	<-workDone
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// seedDemoInsights gives the dashboard a made-up history on the newest
// articles (demo.Insights).
func seedDemoInsights(ctx context.Context, db *store.DB, seed int64) error {
	as, _, err := db.Articles(ctx, masthead.ArticleFilter{Limit: 40, Live: true, Now: time.Now(), Bare: true})
	if err != nil {
		return err
	}
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	if err := demo.Insights(ctx, db, ids, seed, time.Now()); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// seedDemo fills an empty database with the demo publication and prints a
// sign-in link for a demo admin.
func seedDemo(ctx context.Context, cfg *Config, db *store.DB, stdout io.Writer) error {
	_, n, err := db.Articles(ctx, masthead.ArticleFilter{Limit: 1, Bare: true})
	if err != nil {
		return err
	}
	if n == 0 && cfg.DemoArticles > 0 {
		fmt.Fprintf(stdout, "Generating a demo publication of %d articles…\n", cfg.DemoArticles)
		start := time.Now()
		if err := demo.Seed(ctx, db, cfg.DemoArticles, cfg.DemoSeed, time.Now(), nil); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		fmt.Fprintf(stdout, "Generated %d articles in %s.\n", cfg.DemoArticles, time.Since(start).Round(time.Millisecond))
		if err := seedDemoInsights(ctx, db, cfg.DemoSeed); err != nil {
			return err
		}
	}
	link, err := admin.SignInLink(ctx, db, cfg.BaseURL, "admin@example.com", masthead.RoleAdmin, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Sign in to the staff area as admin@example.com (one-time link, valid for an hour):\n  %s\n", link)
	if cfg.Mail.SMTPURL == "" {
		// openMailer keeps the emails of a demo without SMTP there.
		fmt.Fprintf(stdout, "Emails are not sent: the development outbox keeps them (sign-in links among them):\n  %s%s\n", cfg.BaseURL, mail.OutboxPath)
	}
	return nil
}

// adviseFirstAdmin tells how to create the first admin when the database
// has no staff yet, with the settings that make `user add` print a link
// to this site.
func adviseFirstAdmin(ctx context.Context, cfg *Config, db *store.DB, stdout io.Writer) error {
	staff, err := db.Staff(ctx)
	if err != nil || len(staff) > 0 {
		return err
	}
	cmd := "masthead user add --role admin"
	if cfg.DB != defaultDB {
		cmd += " --db '" + redactDSN(cfg.DB) + "'"
	}
	cmd += " --base-url " + cfg.BaseURL + " EMAIL"
	fmt.Fprintf(stdout, "No staff yet. Create the first admin; it prints a one-time sign-in link to %s/admin:\n  %s\n", cfg.BaseURL, cmd)
	return nil
}
