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
	"sync"
	"syscall"
	"time"

	"masthead"
	"masthead/admin"
	"masthead/demo"
	mhttp "masthead/http"
	"masthead/markdown"
	"masthead/store"
)

// openStore opens the configured database and applies migrations.
func openStore(ctx context.Context, cfg *Config, log *slog.Logger, r *markdown.Renderer) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DB, store.Options{Renderer: r, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redactDSN(cfg.DB), err)
	}
	return db, nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.commonFlags(fs)
	cfg.serveFlags(fs)
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	log := cfg.logger(stderr)
	renderer := markdown.New()
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
		log.Warn("search finds only articles written since this database was upgraded: run `masthead reindex`")
	}

	adminHandler := admin.New(admin.Config{SiteName: cfg.SiteName, BaseURL: cfg.BaseURL, SecureCookies: cfg.SecureCookies},
		admin.Deps{Articles: db, Taxonomy: db, Members: db, Renderer: renderer, Clock: clock, Logger: log, Location: cfg.Location})
	accountCfg, err := cfg.Accounts.httpConfig()
	if err != nil {
		return err
	}
	policy, proxies, ads, err := cfg.Readers.httpSettings(cfg.Location)
	if err != nil {
		return err
	}
	mailer, err := openMailer(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer mailer.close() // after the HTTP server, which sends through it
	cacheBytes := int64(cfg.PageCacheMB) << 20
	if cfg.PageCacheMB == 0 {
		cacheBytes = -1
	}
	site := mhttp.New(mhttp.Config{
		SiteName: cfg.SiteName, Tagline: cfg.Tagline, BaseURL: cfg.BaseURL, Location: cfg.Location,
		PageCacheBytes: cacheBytes,
		SecureCookies:  cfg.SecureCookies, Accounts: accountCfg,
		Policy: policy, TrustedProxies: proxies, Ads: ads,
	}, mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: clock, Logger: log, Admin: adminHandler,
		Accounts: db, Limiter: db,
		Meter: db, Entitlements: db,
		Search: db,
		Mailer: mailer.Mailer, DevMail: mailer.outbox,
		// Demo articles' featured images are generated SVGs embedded in
		// the binary; they are served whether or not --demo is on, since
		// a database seeded once keeps pointing at them.
		Media: http.StripPrefix(demo.ImagePrefix, demo.Images())})
	defer site.Close()

	srv := &http.Server{
		Handler:           site.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving", "addr", ln.Addr().String(), "url", cfg.BaseURL, "db", redactDSN(cfg.DB))
	fmt.Fprintf(stdout, "Masthead is serving %s at %s\n", cfg.SiteName, cfg.BaseURL)

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	workDone := make(chan struct{})
	go func() {
		defer close(workDone)
		var wg sync.WaitGroup
		wg.Go(func() { promoteScheduled(workCtx, db, clock, cfg.ScheduleEvery, log) })
		wg.Go(func() { prune(workCtx, db, clock, time.Hour, log) })
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
// cache forgets its lists.
func promoteScheduled(ctx context.Context, db *store.DB, clock masthead.Clock, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := db.PromoteScheduled(ctx, clock.Now()); err != nil && ctx.Err() == nil {
			log.Error("promote scheduled articles", "err", err)
		} else if n > 0 {
			log.Info("published scheduled articles", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// prune deletes expired sessions, old sign-in tokens and rate-limit
// windows every so often, so those tables do not grow for ever.
func prune(ctx context.Context, db *store.DB, clock masthead.Clock, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if p, err := db.Prune(ctx, clock.Now()); err != nil && ctx.Err() == nil {
			log.Error("prune expired rows", "err", err)
		} else if p != (store.Pruned{}) {
			log.Info("pruned expired rows", "sessions", p.Sessions, "signin_tokens", p.SignInTokens, "rate_limits", p.RateLimits)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
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
	}
	link, err := admin.SignInLink(ctx, db, cfg.BaseURL, "admin@example.com", masthead.RoleAdmin, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Sign in to the staff area as admin@example.com (one-time link, valid for an hour):\n  %s\n", link)
	return nil
}
