// Package http is the reader site: the pages, feeds and sitemaps that
// anyone on the web can request, rendered on the server and readable with
// JavaScript off, and the transport of the reader's use cases (package
// reading): its handlers read a request, call one use case and answer.
// Each surface lists its routes in one file (routes.go and routes_*.go).
// It mounts the staff area (package admin) under /admin/ and wraps
// everything in one middleware chain.
//
// Anonymous pages are the same for every anonymous reader, so they are
// rendered once and served from an in-memory cache until the content
// changes; that is what keeps an article page's cost flat as the library
// grows.
package http

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"masthead"
	"masthead/access"
	"masthead/http/web"
	"masthead/insights"
	"masthead/metrics"
	"masthead/reading"
)

// SessionCookie is the name of the cookie that carries a signed-in
// browser's session token. A request bearing it never touches the shared
// page cache and its response is private.
const SessionCookie = "masthead_session"

// Config holds the reader site's settings. Zero values take the defaults
// documented on each field.
type Config struct {
	// SiteName is the publication's name, shown in the masthead and used
	// in titles, feeds and structured data. Default "Masthead".
	SiteName string
	// Tagline is shown under the name on the home page and used as the
	// site's description.
	Tagline string
	// Sender, when set, is the sender the mailer names when the operator
	// configured none, made from the started name ("Name <address>"): the
	// transactional emails (sign-in links, gifts, welcomes) then keep its
	// address and take the name in force in the site settings, as the
	// newsletters do. Empty leaves the mailer's sender as it is.
	Sender string
	// BaseURL is the absolute URL readers reach the site at, without a
	// trailing slash, used for canonical links, Open Graph, feeds and
	// sitemaps. Default "http://localhost:8080".
	BaseURL string
	// Location is the publication's time zone: dates on pages and the
	// month boundaries of the archive follow it. Default UTC.
	Location *time.Location
	// Language is the BCP 47 tag of the content, for <html lang>, feeds
	// and the news sitemap. Default "en".
	Language string
	// PageCacheBytes bounds the anonymous page cache. Zero means 32 MB; a
	// negative value turns the cache off.
	PageCacheBytes int64
	// PageCacheTTL is the longest a cached page lives even when the
	// content version has not changed, so scheduled articles appear on
	// lists on time. Default 60 s.
	PageCacheTTL time.Duration
	// MaxBodyBytes bounds request bodies; larger ones get 413. Default
	// 4 MB, room for an article at masthead.MaxBodyBytes form-encoded.
	MaxBodyBytes int64
	// MaxUploadBytes bounds the bodies of image uploads to the staff
	// area's media library (UploadPath), which may exceed MaxBodyBytes;
	// 0 keeps them at MaxBodyBytes.
	MaxUploadBytes int64
	// Policy holds the access settings handed to access.Decide. The zero
	// value means access.DefaultPolicy.
	Policy access.Policy
	// SecureCookies marks cookies Secure even over plain HTTP, for a site
	// behind a TLS-terminating proxy; over TLS they always are.
	SecureCookies bool
	// Accounts holds the sign-in, rate-limit and gift-link settings
	// (reading.AccountConfig); zero fields take the defaults. With
	// Deps.Reading set, that service's settings apply instead.
	Accounts AccountConfig
	// TrustedProxies are the networks of the proxies in front of the
	// site; X-Forwarded-For is believed only from them (crawler.go).
	TrustedProxies []netip.Prefix
	// Ads configures the ad slots of article pages (ads.go).
	Ads AdConfig
	// MetricsToken, when set, is the bearer token /metrics requires.
	MetricsToken string
	// InstitutionRefresh is how often the institutional networks are
	// checked for changes made on other instances (institution.go).
	// Default 2 s.
	InstitutionRefresh time.Duration
	// Billing holds the grace period and the demo checkout
	// (reading.BillingConfig); with Deps.Reading set, that service's
	// settings apply instead.
	Billing BillingConfig
	// Locale is the BCP 47 locale prices are written in on the pricing
	// page, offers and walls ("en-US" $9.00, "de-DE" 9,00 €). Default
	// en-US.
	Locale string
	// CDN is how anonymous pages speak to a CDN in front of the site:
	// their Cache-Control and the header of their content keys (cdn.go).
	CDN CDNConfig
	// CountViews is how article views and wall views are counted for
	// the dashboard: CountByServer (the default) counts the pages the
	// server serves; CountByBeacon, for a site behind a CDN, counts the
	// beacon each article page carries (beacon.go).
	CountViews ViewCounting
	// Email is where the site's email goes (masthead.EmailMode): /readyz
	// reports it and, when none can be sent, the pages after a request
	// for a link say so rather than promise one (email.go). Unset, it
	// is EmailSMTP with a Mailer and EmailNone without.
	Email masthead.EmailMode
}

// Deps are the services the reader site uses.
type Deps struct {
	Articles masthead.ArticleService
	Taxonomy masthead.TaxonomyService
	// Members resolves the session cookie to a member so staff read past
	// the wall; nil means every reader is anonymous.
	Members masthead.MemberService
	Clock   masthead.Clock
	Logger  *slog.Logger
	// Admin serves everything under /admin/ when non-nil.
	Admin http.Handler
	// API serves everything under /api/ (the Content and Admin APIs
	// and their OpenAPI document) when non-nil. It sees the full path.
	API http.Handler
	// Media serves everything under /media/ (article images: uploads, the
	// demo's drawings) when non-nil. It sees the full path.
	Media http.Handler
	// Mailer sends the emails readers get (sign-in links). cmd/masthead
	// always sets one (SMTP, the dev outbox, or mail.Unconfigured, which
	// refuses); nil means no email can be sent and handlers say so.
	Mailer masthead.Mailer
	// DevMail serves the development outbox at /_dev/mail when non-nil
	// (demo mode without SMTP). It sees the full path.
	DevMail http.Handler
	// Accounts serves the reader's account: password, consents, gift
	// links, export and deletion; nil turns those pages off.
	Accounts masthead.AccountService
	// Limiter counts sign-in and registration attempts across instances
	// (through Reading; it is Reading's when that is nil); nil means no
	// limits.
	Limiter masthead.RateLimiter
	// Meter keeps members' free-article unlocks and browsers'
	// registration unlocks; nil turns registration and the meter off.
	Meter masthead.MeterService
	// Entitlements tells subscribers; nil means nobody is one.
	Entitlements masthead.EntitlementService
	// Resolver verifies search engines' crawlers by DNS; nil means the
	// system resolver.
	Resolver Resolver
	// Search serves /search, /search.json and suggestions; nil turns
	// them off.
	Search masthead.SearchService
	// Bounces serves the bounce and complaint webhooks under
	// /webhooks/ when non-nil (bounces.go).
	Bounces BounceWebhooks
	// NewsletterArchive serves /newsletters and the web pages of sent
	// issues when non-nil (newsletter_archive.go).
	NewsletterArchive NewsletterArchive
	// Newsletters serves one-click unsubscription and the account page's
	// newsletter choices when non-nil (newsletters.go).
	Newsletters Newsletters
	// Ready is what /readyz checks (health.go); nil reports the database
	// as not checked.
	Ready Readiness
	// Metrics records requests and reader events and serves /metrics;
	// nil turns both off.
	Metrics *metrics.Metrics
	// Insights records the dashboard's reader events (insights.go); nil
	// records nothing.
	Insights *insights.Recorder
	// Institutions supplies the institutional networks whose readers
	// read everything (institution.go); nil means none.
	Institutions masthead.InstitutionService
	// Billing keeps plans, customers, subscriptions and gifts; nil
	// turns checkout and gifts off.
	Billing masthead.BillingService
	// Offers keeps the offers (offers.go), for the Reading built when
	// that is nil; nil means there are none.
	Offers masthead.OfferService
	// Payments is Stripe; nil means subscriptions are not set up (the
	// demo checkout may still run, with Config.Billing.Demo).
	Payments masthead.PaymentProvider
	// Settings holds the site settings staff change at /admin/settings
	// (sitesettings.go); nil keeps Config's.
	Settings SettingsSource
	// Redirects answers the old addresses of a site the publication
	// moved from (redirects.go); nil means there are none.
	Redirects masthead.RedirectService
	// Jobs takes the jobs a use case enqueues on their own (a sign-in
	// link asked for), for the Reading built when that is nil; the
	// store's other writes enqueue theirs. JobAdded, if set, is called
	// after a request enqueued a job, to wake this instance's workers
	// (jobs.go).
	Jobs     masthead.JobQueue
	JobAdded func()
	// CrawlerRanges supplies the AI crawlers' published address ranges
	// (aicrawlers.go); nil verifies none.
	CrawlerRanges CrawlerRangeSource
	// Reading runs the reader's use cases (register, sign in, unlock,
	// gifts, checkout, newsletter choices, deletion) and gathers the
	// reader's facts; its policy and account settings are the site's.
	// cmd/masthead wires it to the store. Nil builds one from the
	// services above and Config, as a site assembled piece by piece (a
	// test's) needs.
	Reading *reading.Service
	// Curator keeps follows, saved articles and reading history, for
	// the Reading built when that is nil (curator.go).
	Curator reading.Curator
	// Licences keeps AI crawlers' licence keys and their billing log,
	// for the Reading built when that is nil (licences.go).
	Licences reading.Licences
}

// AccountConfig holds the settings of reader sign-in and gift links.
type AccountConfig = reading.AccountConfig

// BillingConfig holds the grace period and the demo checkout.
type BillingConfig = reading.BillingConfig

// Server is the reader site. Close it to stop its background poller.
type Server struct {
	cfg      Config
	base     *url.URL
	articles masthead.ArticleService
	taxonomy masthead.TaxonomyService
	members  masthead.MemberService
	clock    masthead.Clock
	log      *slog.Logger
	admin    http.Handler
	api      http.Handler
	media    http.Handler
	mailer   masthead.Mailer
	devMail  http.Handler
	// jobsAdded wakes the durable queue's workers (jobs.go)
	jobsAdded func()
	accounts  masthead.AccountService
	// reading runs the use cases; readers gathers the reader's facts
	// with this site's crawler check and networks (reader.go).
	reading  *reading.Service
	readers  *reading.Readers
	acct     *accountState
	meter    masthead.MeterService
	entitled masthead.EntitlementService
	search   masthead.SearchService
	legacy   *legacyRedirects // redirects.go
	bounces  BounceWebhooks
	nlIssues NewsletterArchive

	// newsletters: unsubscription and choices (newsletters.go)
	newsletters Newsletters

	billing  masthead.BillingService
	payments masthead.PaymentProvider
	// money writes prices in Config.Locale; priceCache keeps what the
	// walls say of prices (pricing.go), mostRead the zero-result page's
	// most read articles per topic (search_empty.go).
	money      web.MoneyFormat
	priceCache *memo[struct{}, priceSummary]
	mostRead   *memo[string, []*masthead.Article]
	crawlers   *crawlers
	// settingsSrc and siteNow: the site settings (sitesettings.go)
	settingsSrc SettingsSource
	siteNow     atomic.Pointer[siteNow]
	// articleCache is nil when the page cache is off (articlecache.go).
	articleCache *articleCache
	// readerStates reads a signed-in reader in one query, and sessions
	// keeps those reads for a few seconds; nil when the store or the
	// settings leave them out (readerstate.go).
	readerStates masthead.ReaderStateService
	sessions     *sessionCache
	nameMarker   []byte    // readerview.go
	bufs         sync.Pool // of *bufWriter for responses written once (personal.go)
	// curator keeps signed-in readers' follows and saved state for a
	// few seconds (follow.go); forYou keeps their For-you pages as
	// rendered, under their state (foryou.go), nil when turned off.
	curator curatorStates
	forYou  *pageCache

	ready    Readiness
	metrics  *metrics.Metrics
	insights *insights.Recorder
	draining atomic.Bool // health.go

	tmpl    *templates
	assets  *assets
	nets    *netTable  // institutional networks (institution.go)
	cache   *pageCache // nil when turned off
	handler http.Handler

	// cdn and publicCC: how shared pages speak to a CDN (cdn.go).
	cdn      CDNConfig
	publicCC string
	seen     contentSeen // FollowContent
	// crawlerRanges and aiRanges: the AI crawlers' ranges (aicrawlers.go).
	crawlerRanges CrawlerRangeSource
	aiRanges      atomic.Pointer[map[string][]netip.Prefix]
	// cacheCount counts the page cache's answers (cdn.go).
	cacheCount struct{ hits, renders, dropped atomic.Int64 }
	// beacon is what counting by beacon keeps in memory (beacon.go).
	beacon *beaconState
	// agents keeps what each user agent claims (useragent.go).
	agents agentVerdicts

	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// New builds the reader site. The templates and assets are embedded, so a
// failure to parse them is a programming error and panics here, at start,
// rather than on a reader's request.
func New(cfg Config, deps Deps) *Server {
	if cfg.SiteName == "" {
		cfg.SiteName = "Masthead"
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://localhost:8080"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Language == "" {
		cfg.Language = "en"
	}
	if cfg.PageCacheBytes == 0 {
		cfg.PageCacheBytes = 32 << 20
	}
	if cfg.PageCacheTTL <= 0 {
		cfg.PageCacheTTL = 60 * time.Second
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 4 << 20
	}
	if cfg.Email == "" {
		cfg.Email = defaultEmailMode(deps.Mailer)
	}
	if cfg.CountViews == "" {
		cfg.CountViews = CountByServer
	}
	if !cfg.CountViews.Valid() {
		panic(fmt.Sprintf("http: CountViews %q must be %q or %q", cfg.CountViews, CountByServer, CountByBeacon))
	}
	if deps.Clock == nil {
		deps.Clock = masthead.SystemClock{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	deps.Logger = slog.New(LogHandler(deps.Logger.Handler()))
	if deps.Reading == nil {
		deps.Reading = newReading(cfg, deps)
	}
	// One policy and one set of account settings: the use cases'.
	rc := deps.Reading.Config()
	cfg.Policy, cfg.Accounts, cfg.Billing = rc.Policy, rc.Accounts, rc.Billing
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		panic(fmt.Sprintf("http: BaseURL %q must be an absolute URL", cfg.BaseURL))
	}

	s := &Server{
		cfg:       cfg,
		base:      base,
		articles:  deps.Articles,
		taxonomy:  deps.Taxonomy,
		members:   deps.Members,
		clock:     deps.Clock,
		log:       deps.Logger,
		admin:     deps.Admin,
		api:       deps.API,
		media:     deps.Media,
		mailer:    deps.Mailer,
		devMail:   deps.DevMail,
		jobsAdded: deps.JobAdded,
		accounts:  deps.Accounts,
		reading:   deps.Reading,
		acct:      &accountState{cfg: cfg.Accounts},
		meter:     deps.Meter,
		entitled:  deps.Entitlements,
		search:    deps.Search,
		legacy:    newLegacyRedirects(deps.Redirects, cfg.PageCacheTTL),
		bounces:   deps.Bounces,
		nlIssues:  deps.NewsletterArchive,

		newsletters: deps.Newsletters,

		ready:    deps.Ready,
		metrics:  deps.Metrics,
		insights: deps.Insights,
		billing:  deps.Billing,
		payments: deps.Payments,
		done:     make(chan struct{}),
	}
	s.crawlerRanges = deps.CrawlerRanges
	s.cdn = cfg.CDN.withDefaults()
	s.publicCC = s.cdn.cacheControl()
	s.countCache()
	s.beacon = newBeaconState(cfg.PageCacheTTL)
	s.countBeacons()
	s.assets = mustLoadAssets()
	s.money = web.NewMoneyFormat(cfg.Locale)
	s.priceCache = newMemo[struct{}, priceSummary](priceCacheTTL, 1)
	s.mostRead = newMemo[string, []*masthead.Article](mostReadTTL, 1000)
	s.initSettings(deps.Settings)
	s.initReaders(deps.Resolver)
	s.initInstitutions(deps.Institutions)
	s.readers = s.reading.Readers(crawlerCheck{s}, networkCheck{s})
	s.tmpl = mustParseTemplates(s)
	if cfg.PageCacheBytes > 0 {
		s.cache = newPageCache(cfg.PageCacheBytes, cfg.PageCacheTTL)
	}
	s.initForYouCache()
	if s.cache != nil || s.settingsSrc != nil || s.crawlerRanges != nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.stop = cancel
		go s.pollContentVersion(ctx, time.Second)
	} else {
		close(s.done)
	}

	mux := http.NewServeMux()
	s.routes(mux)
	s.handler = s.middleware(mux)
	return s
}

// Handler returns the site's handler with its middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the background content-version poller and waits for it.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.stop != nil {
			s.stop()
		}
		s.nets.close()
		<-s.done
	})
	return nil
}

// pollContentVersion asks the store once per interval whether anything
// changed, on this instance or another, and empties the page cache when it
// did. Polling here rather than per request keeps the database out of the
// cached path entirely. Without a version the cache cannot know about
// changes; the TTL still bounds staleness.
func (s *Server) pollContentVersion(ctx context.Context, every time.Duration) {
	defer close(s.done)
	poll(ctx, every, true, s.log, "page cache: content version", s.FollowContent)
}

// poll runs check every interval (and once at the start when now is set)
// until ctx ends, each run bounded by 5 s. The first failure of a run of
// failures is logged as what, not one a second.
func poll(ctx context.Context, every time.Duration, now bool, log *slog.Logger, what string, check func(context.Context) error) {
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		if now {
			qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := check(qctx)
			cancel()
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				if !failing {
					log.Warn(what, "err", err)
				}
				failing = true
			default:
				failing = false
			}
		}
		now = true
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// abs makes a site path absolute against BaseURL.
func (s *Server) abs(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return s.cfg.BaseURL + path
}
