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
	"masthead/demo"
	mhttp "masthead/http"
	"masthead/insights"
	"masthead/leader"
	"masthead/mail"
	"masthead/markdown"
	"masthead/metrics"
	"masthead/store"
)

// maxHeaderBytes bounds a request's headers: far above what a browser
// sends with every cookie, far below Go's default of 1 MB.
const maxHeaderBytes = 64 << 10

// openStore opens the configured database and applies migrations.
func openStore(ctx context.Context, cfg *Config, log *slog.Logger, r *markdown.Renderer) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DB, store.Options{Renderer: r, Logger: log, KeepTeaserWords: cfg.keepTeaserWords})
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

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.commonFlags(fs)
	cfg.serveFlags(fs)
	var insightsRetention time.Duration
	fs.DurationVar(&insightsRetention, "insights-retention", 90*24*time.Hour,
		"how long the dashboard's raw reader events are kept before they are rolled up into daily totals (docs/insights.md)")
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
		log.Warn("search index incomplete: articles saved before the upgrade are found by title and dek only, or not at all; "+
			"run `masthead reindex` once on this database (the server may keep running)", "db", redactDSN(cfg.DB))
	}

	mailer, err := openMailer(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer mailer.close() // after the HTTP server, which sends through it
	deskSite, err := deskNewsletterSite(ctx, &cfg, db)
	if err != nil {
		return err
	}
	// The process's metrics, served at /metrics and passed to each part
	// that counts.
	mets := metrics.New()
	// The newsletter engine composes and sends in the background, on its
	// own SMTP pool (or the demo's outbox); stopping it (after HTTP,
	// before the database) finishes and records the messages in flight.
	newsletters, stopNewsletters, err := startNewsletters(ctx, &cfg, db, mailer.outbox, log)
	if err != nil {
		return err
	}
	defer stopNewsletters()
	// The dashboard's reader events are buffered and written in batches;
	// closing the recorder (after HTTP) writes the last batch.
	recorder := insights.New(db, insights.Options{Clock: clock, Logger: log})
	defer recorder.Close()
	// The staff pages tell the reader site, built below, when
	// institutions change, so its networks apply at once here.
	var site *mhttp.Server
	adminHandler := admin.New(admin.Config{SiteName: cfg.SiteName, BaseURL: cfg.BaseURL, SecureCookies: cfg.SecureCookies,
		WebhookNetworks: cfg.Webhooks.Networks, Email: mailer.mode},
		admin.Deps{Articles: db, Taxonomy: db, Members: db, Renderer: renderer, Clock: clock, Logger: log, Location: cfg.Location,
			MemberStore: db, Plans: db, Insights: db, APIKeys: db, Webhooks: db, Jobs: db,
			Newsletters: db, Entitlements: db, Mailer: mailer.Mailer, NewsletterSite: deskSite, Composer: newsletters,
			InstitutionsChanged: func(ctx context.Context) {
				if err := site.ReloadInstitutions(ctx); err != nil {
					log.Warn("institutions: reload networks", "err", err)
				}
			}})
	// The Content and Admin APIs (docs/api.md) read the access policy
	// the article page uses.
	apiHandler := api.New(api.Config{BaseURL: cfg.BaseURL, Policy: policy, Location: cfg.Location},
		api.Deps{Articles: db, Taxonomy: db, Members: db, Keys: db, Search: db, MemberStore: db, Clock: clock, Logger: log})
	cacheBytes := int64(cfg.PageCacheMB) << 20
	if cfg.PageCacheMB == 0 {
		cacheBytes = -1
	}
	jobPool := newJobPool(&cfg, db, mets, clock, log)
	site = mhttp.New(mhttp.Config{
		SiteName: cfg.SiteName, Tagline: cfg.Tagline, BaseURL: cfg.BaseURL, Location: cfg.Location,
		PageCacheBytes: cacheBytes,
		SecureCookies:  cfg.SecureCookies, Accounts: accountCfg,
		Policy: policy, TrustedProxies: proxies, Ads: ads,
		Billing:      cfg.Billing.httpConfig(cfg.Demo),
		MetricsToken: cfg.Ops.MetricsToken,
		Email:        mailer.mode,
	}, mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: clock, Logger: log, Admin: adminHandler,
		API:      apiHandler,
		Accounts: db, Limiter: db,
		Meter: db, Entitlements: db, Institutions: db,
		Billing: db, Payments: payments,
		Search: db, Redirects: db, Bounces: cfg.Bounces.handler(countedSuppressions{db, mets}, log),
		Mailer: mets.Mailer(mailer.Mailer), DevMail: mailer.devMail(),
		Ready: db, Metrics: mets, Insights: recorder,
		Newsletters: db, NewsletterArchive: db,
		Jobs: db, JobAdded: jobPool.Notify,
		// Demo articles' featured images are generated SVGs embedded in
		// the binary; they are served whether or not --demo is on, since
		// a database seeded once keeps pointing at them.
		Media: http.StripPrefix(demo.ImagePrefix, demo.Images())})
	defer site.Close()
	// The durable queue's workers (jobs.go) stop after the HTTP server
	// (this defer runs once runServe returns) and before the mailer and
	// the database close.
	handlePeriodic(jobPool, db, clock, insightsRetention, log)
	stopJobs := startJobs(&cfg, jobPool, site, mailer.mode.Sends(), log)
	defer stopJobs(cfg.ShutdownGrace)
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
		wg.Go(func() {
			elector.Every(workCtx, cfg.ScheduleEvery, func(ctx context.Context) { promoteScheduled(ctx, db, clock, log) })
		})
		// Related reading (related.go): the articles saves queued.
		wg.Go(func() {
			elector.Every(workCtx, cfg.ScheduleEvery, func(ctx context.Context) { relateArticles(ctx, db, log) })
		})
		// The hourly upkeep (periodic.go) is enqueued as jobs, one per
		// kind and hour, for any instance's workers to run.
		wg.Go(func() {
			elector.Every(workCtx, periodicTick, func(ctx context.Context) { schedulePeriodic(ctx, db, jobPool, clock, log) })
		})
		// Outgoing webhooks (webhooks.go): due deliveries are sent on
		// the schedule's beat.
		hooks := newWebhookWorker(db, cfg.Webhooks.Networks, clock, log, mets)
		wg.Go(func() {
			elector.Every(workCtx, cfg.ScheduleEvery, func(ctx context.Context) { sendWebhooks(ctx, hooks, log) })
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

// promoteScheduled flips scheduled articles whose time has come to
// published. Readers see them from their time on regardless (the live
// condition is on the time, not the status); this keeps the status true
// for the staff and raises the content version so every instance's page
// cache forgets its lists. Only the leader runs it (see runServe).
func promoteScheduled(ctx context.Context, db *store.DB, clock masthead.Clock, log *slog.Logger) {
	if n, err := db.PromoteScheduled(ctx, clock.Now()); err != nil && ctx.Err() == nil {
		log.Error("promote scheduled articles", "err", err)
	} else if n > 0 {
		log.Info("published scheduled articles", "count", n)
	}
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
