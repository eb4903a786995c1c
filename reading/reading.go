// Package reading holds the reader's use cases: register on the wall,
// sign in with a password or an emailed link, unlock an article with the
// meter, make and follow gift links, redeem a gift, start a checkout,
// change newsletter choices and delete an account. It also gathers, in
// one place, what is known of who is reading (readers.go), so that every
// surface hands access.Decide the same facts.
//
// It sits above the domain (package masthead, access) and below the
// transports (package http): a use case takes plain values, carries now
// from the caller's clock, and writes through one store method that owns
// its transaction, jobs included. It knows nothing of requests, cookies
// or pages; the interfaces it needs of the store are declared here and
// cmd/masthead wires the store in.
package reading

import (
	"context"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"masthead"
	"masthead/access"
)

// Config holds the settings of the use cases. Zero fields take the
// defaults named on each.
type Config struct {
	// Policy is the access policy handed to access.Decide. The zero
	// value means access.DefaultPolicy.
	Policy access.Policy
	// Location is the publication's time zone: gift-link allowances
	// are counted per calendar month in it, and dates in messages
	// follow it. Default UTC.
	Location *time.Location
	// Accounts holds the sign-in, rate-limit and gift-link settings.
	Accounts AccountConfig
	// Billing holds the grace period and the demo checkout.
	Billing BillingConfig
	// Email is where the site's email goes: messages that would
	// promise a link say otherwise when none can be sent. Default
	// masthead.EmailSMTP.
	Email masthead.EmailMode
}

// AccountConfig holds the settings of reader sign-in and gift links. Zero
// fields take the defaults named on each (WithDefaults).
type AccountConfig struct {
	// SignInTTL is how long an emailed sign-in link works. Default 20 min.
	SignInTTL time.Duration
	// SessionTTL is how long a session lasts. Default 30 days.
	SessionTTL time.Duration
	// RateWindow is the window of the sign-in rate limits. Default 1 h.
	RateWindow time.Duration
	// SignInPerAddress bounds sign-in emails to one address per window,
	// so nobody can make the site email-bomb an address. Default 5.
	SignInPerAddress int
	// SignInPerIP bounds sign-in requests (email or password) from one
	// client address per window. Default 20.
	SignInPerIP int
	// PasswordPerAddress bounds password attempts on one address per
	// window, against guessing, and password changes by one member.
	// Default 10.
	PasswordPerAddress int
	// PasswordHashes bounds the passwords hashed at once by this
	// instance: each Argon2id hash holds 19 MiB for its duration, so a
	// burst of password sign-ins must queue rather than grow the
	// process. Default GOMAXPROCS.
	PasswordHashes int
	// PasswordHashWait is how long a password request waits for a
	// hashing slot before it is refused as busy. Default 2 s.
	PasswordHashWait time.Duration
	// GiftsPerMonth bounds the gift links a subscriber makes per calendar
	// month in the publication's time zone. Default 10.
	GiftsPerMonth int
	// GiftReaders bounds the distinct readers (members or browsers) one
	// gift link opens the article for. Default 20.
	GiftReaders int
	// GiftLifetime is how long a gift link works. Default 30 days.
	GiftLifetime time.Duration
	// SessionCacheTTL is how long an instance reuses what it read of a
	// signed-in reader (member, subscription, meter) before reading it
	// again; changes made on another instance show within it. Zero
	// means 5 s; negative turns the cache off. The HTTP transport keeps
	// that cache.
	SessionCacheTTL time.Duration
}

// WithDefaults returns c with every zero field set to its default.
func (c AccountConfig) WithDefaults() AccountConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	def(&c.SignInTTL, 20*time.Minute)
	def(&c.SessionTTL, 30*24*time.Hour)
	def(&c.RateWindow, time.Hour)
	defInt(&c.SignInPerAddress, 5)
	defInt(&c.SignInPerIP, 20)
	defInt(&c.PasswordPerAddress, 10)
	defInt(&c.PasswordHashes, runtime.GOMAXPROCS(0))
	def(&c.PasswordHashWait, 2*time.Second)
	defInt(&c.GiftsPerMonth, 10)
	defInt(&c.GiftReaders, 20)
	def(&c.GiftLifetime, 30*24*time.Hour)
	return c
}

// BillingConfig holds the billing settings. Zero fields take the defaults
// named on each (WithDefaults).
type BillingConfig struct {
	// Grace is how long a subscription whose payment failed (past_due)
	// keeps access, counted from the start of the unpaid period, and how
	// long an active one outlives its period while a renewal is reported.
	// Default 7 days.
	Grace time.Duration
	// Demo turns on the test checkout: a clearly labelled form that
	// grants a subscription (or sends a gift) without payment. Only for
	// demo mode.
	Demo bool
	// DemoDays is how long a demo subscription lasts. Default 30.
	DemoDays int
}

// WithDefaults returns c with every zero field set to its default.
func (c BillingConfig) WithDefaults() BillingConfig {
	if c.Grace <= 0 {
		c.Grace = 7 * 24 * time.Hour
	}
	if c.DemoDays <= 0 {
		c.DemoDays = 30
	}
	return c
}

// Deps are what the use cases need of the store and the payment
// provider. A nil field turns off the use cases that need it, as named
// on each; cmd/masthead sets them all from the store.
type Deps struct {
	Articles Articles
	// Members signs readers in; nil turns sign-in off.
	Members Members
	// Meter keeps unlocks; nil turns registration and the meter off.
	Meter Meter
	// Entitlements tells subscribers; nil means nobody is one.
	Entitlements Entitlements
	// Accounts keeps passwords, consents and gift links; nil turns
	// them off.
	Accounts Accounts
	// Newsletters lists the newsletters a member may choose; nil
	// offers the free newsletter alone.
	Newsletters Newsletters
	// Billing keeps plans, customers, subscriptions and gifts; nil
	// turns checkout and gifts off.
	Billing Billing
	// Payments is the payment provider; nil means subscriptions are not
	// set up (the demo checkout may still run).
	Payments Payments
	// Offers keeps the offers a checkout may be made with; nil means
	// there are none.
	Offers Offers
	// Institutions opens institutional access by email domain at a
	// password sign-in; nil means none.
	Institutions Institutions
	// Limiter counts sign-in and registration attempts across
	// instances; nil means no limits.
	Limiter masthead.RateLimiter
	// Curator keeps follows, saved articles and reading history
	// (follow.go); nil turns the curator off.
	Curator Curator
	// Licences keeps AI crawlers' licence keys and the billing log of
	// their requests (licences.go); nil grants no licence.
	Licences Licences
	// Reads, if set, buffers the reading history's reads and writes
	// them in batches (follow.go); nil writes each read through
	// Curator as the page is served.
	Reads Reads
	// Jobs takes the jobs a use case enqueues on their own (a sign-in
	// link asked for); the store's other writes enqueue theirs. JobAdded,
	// if set, is called after a use case enqueued a job, to wake this
	// instance's workers.
	Jobs     masthead.JobQueue
	JobAdded func()
	Logger   *slog.Logger
}

// Articles finds articles.
type Articles interface {
	Article(ctx context.Context, slug string) (*masthead.Article, error)
}

// Members spends sign-in links and keeps sessions.
type Members interface {
	ConsumeSignInToken(ctx context.Context, tokenHash []byte) (*masthead.Member, error)
	CreateSession(ctx context.Context, memberID int64, tokenHash []byte, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte) error
}

// Meter keeps members' unlocks and browsers' registration unlocks.
type Meter interface {
	MeterState(ctx context.Context, memberID, articleID int64, since time.Time) (masthead.MeterState, error)
	SpendCredit(ctx context.Context, memberID, articleID int64, since time.Time, credits int, now time.Time) (bool, error)
	Register(ctx context.Context, r masthead.Registration) (*masthead.Member, bool, error)
	RegistrationUnlocked(ctx context.Context, deviceHash []byte, articleID int64) (bool, error)
}

// Entitlements tells subscribers and grants the demo's subscriptions.
type Entitlements interface {
	Entitled(ctx context.Context, memberID int64, now time.Time) (bool, error)
	GrantEntitlement(ctx context.Context, e masthead.Entitlement) (*masthead.Entitlement, error)
}

// Accounts is the part of a member's account the use cases change.
type Accounts interface {
	Authenticate(ctx context.Context, email, password string) (*masthead.Member, error)
	SetPassword(ctx context.Context, memberID int64, password string) error
	Consents(ctx context.Context, memberID int64) ([]masthead.NewsletterConsent, error)
	RecordConsents(ctx context.Context, cs []masthead.NewsletterConsent) error
	CreateGiftLink(ctx context.Context, in masthead.GiftLinkInput) (*masthead.GiftLink, error)
	GiftLinks(ctx context.Context, memberID int64) ([]masthead.GiftLink, error)
	GiftLinkGiver(ctx context.Context, tokenHash []byte, now time.Time) (*masthead.Member, bool, error)
	GiftLinkArticle(ctx context.Context, tokenHash []byte, articleID int64, readerKey string, now time.Time) (int64, error)
	DeleteAccount(ctx context.Context, d masthead.AccountDeletion) error
}

// Newsletters lists the newsletters with a member's choices.
type Newsletters interface {
	NewsletterChoices(ctx context.Context, memberID int64, now time.Time) ([]masthead.NewsletterChoice, error)
}

// Billing is the data side of checkout and gifts.
type Billing interface {
	Plans(ctx context.Context, onlyActive bool) ([]masthead.Plan, error)
	Plan(ctx context.Context, slug string) (*masthead.Plan, error)
	BillingCustomer(ctx context.Context, memberID int64) (string, error)
	SetBillingCustomer(ctx context.Context, memberID int64, customerID string) error
	MemberSubscriptions(ctx context.Context, memberID int64) ([]masthead.Subscription, error)
	SyncSubscription(ctx context.Context, s masthead.Subscription, grace time.Duration) (bool, error)
	CreateGift(ctx context.Context, in masthead.GiftInput) (*masthead.Gift, error)
	SetGiftSession(ctx context.Context, giftID int64, sessionID string) error
	GiftByToken(ctx context.Context, tokenHash []byte) (*masthead.Gift, error)
	RedeemGift(ctx context.Context, r masthead.GiftRedemption) (*masthead.Entitlement, error)
	CreateCheckout(ctx context.Context, in masthead.CheckoutStart) (*masthead.Checkout, error)
	SetCheckoutSession(ctx context.Context, id int64, sessionID string) error
	Checkout(ctx context.Context, id int64) (*masthead.Checkout, error)
	CompleteCheckout(ctx context.Context, c masthead.CheckoutCompletion) (*masthead.CheckoutDone, error)
	SignInByCheckout(ctx context.Context, id int64, nonceHash, sessionHash []byte, expires, now time.Time) (*masthead.Member, error)
}

// Payments is the payment provider as the use cases call it.
type Payments interface {
	CreateCustomer(ctx context.Context, memberID int64, email string) (string, error)
	Checkout(ctx context.Context, req masthead.CheckoutRequest) (*masthead.CheckoutSession, error)
	CheckoutSubscription(ctx context.Context, sessionID string, now time.Time) (int64, *masthead.Subscription, error)
	ReadCheckout(ctx context.Context, sessionID string, now time.Time) (*masthead.CheckoutResult, error)
	PortalURL(ctx context.Context, customerID, returnURL string) (string, error)
	CancelSubscription(ctx context.Context, id string) error
}

// Offers finds the offers a checkout may be made with.
type Offers interface {
	Offer(ctx context.Context, slug string) (*masthead.Offer, error)
	FeaturedOffer(ctx context.Context, now time.Time) (*masthead.Offer, error)
}

// Institutions opens an institution's access to a member of its email
// domain.
type Institutions interface {
	GrantInstitutionByDomain(ctx context.Context, memberID int64) error
}

// Service runs the use cases. It is safe for concurrent use.
type Service struct {
	cfg  Config
	acct AccountConfig
	deps Deps
	log  *slog.Logger
	// hashing holds one token per password being hashed (passwords.go).
	hashing chan struct{}
	// policy is the access policy in force: Config.Policy until the
	// site's settings change it (SetPolicy).
	policy atomic.Pointer[access.Policy]
}

// New builds the service.
func New(cfg Config, deps Deps) *Service {
	if cfg.Policy == (access.Policy{}) {
		cfg.Policy = access.DefaultPolicy()
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Email == "" {
		cfg.Email = masthead.EmailSMTP
	}
	cfg.Accounts = cfg.Accounts.WithDefaults()
	cfg.Billing = cfg.Billing.WithDefaults()
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, acct: cfg.Accounts, deps: deps, log: deps.Logger,
		hashing: make(chan struct{}, cfg.Accounts.PasswordHashes)}
	s.SetPolicy(cfg.Policy)
	return s
}

// Config returns the settings with their defaults.
func (s *Service) Config() Config { return s.cfg }

// Policy is the access policy every decision uses now.
func (s *Service) Policy() access.Policy { return *s.policy.Load() }

// SetPolicy puts p in force for every use case and decision from now on:
// the site's settings (the meter's credits and period) set in /admin.
func (s *Service) SetPolicy(p access.Policy) { s.policy.Store(&p) }

// Registers reports whether registration and the meter are on.
func (s *Service) Registers() bool { return s.deps.Meter != nil }

// withinLimit counts one attempt under key and reports whether it is
// within limit per window. A failing limiter lets the attempt through
// and logs: sign-in must not depend on a bookkeeping table, and every
// other guard still holds.
func (s *Service) withinLimit(ctx context.Context, key string, limit int, now time.Time) bool {
	if s.deps.Limiter == nil {
		return true
	}
	ok, err := s.deps.Limiter.Allow(ctx, key, limit, s.acct.RateWindow, now)
	if err != nil {
		s.log.ErrorContext(ctx, "rate limit", "err", err)
		return true
	}
	return ok
}

// WithinLimit is withinLimit for the transport's own limits (a client
// network's attempts), so that every limit counts in one place.
func (s *Service) WithinLimit(ctx context.Context, key string, limit int, now time.Time) bool {
	return s.withinLimit(ctx, key, limit, now)
}

// jobAdded wakes this instance's workers after a use case enqueued a
// job, so the email need not wait for their next poll.
func (s *Service) jobAdded() {
	if s.deps.JobAdded != nil {
		s.deps.JobAdded()
	}
}

// liveArticle returns the article at slug when it is live at now, else
// ENOTFOUND.
func (s *Service) liveArticle(ctx context.Context, slug string, now time.Time) (*masthead.Article, error) {
	if !masthead.ValidSlug(slug) || s.deps.Articles == nil {
		return nil, errNotFound
	}
	a, err := s.deps.Articles.Article(ctx, slug)
	if err != nil {
		return nil, err
	}
	if !a.LiveAt(now) {
		return nil, errNotFound
	}
	return a, nil
}

// LiveArticle returns the article at slug when it is live at now; any
// other is ENOTFOUND, which names nothing of what is coming.
func (s *Service) LiveArticle(ctx context.Context, slug string, now time.Time) (*masthead.Article, error) {
	return s.liveArticle(ctx, slug, now)
}

// subscriber reports whether m holds All-Access at now.
func (s *Service) subscriber(ctx context.Context, m *masthead.Member, now time.Time) (bool, error) {
	if s.deps.Entitlements == nil {
		return false, nil
	}
	return s.deps.Entitlements.Entitled(ctx, m.ID, now)
}

// Subscriber reports whether m holds All-Access at now.
func (s *Service) Subscriber(ctx context.Context, m *masthead.Member, now time.Time) (bool, error) {
	return s.subscriber(ctx, m, now)
}

var errNotFound = masthead.Errorf(masthead.ENOTFOUND, "Page not found.")

// LimitError is an attempt over one of the rate limits; Message says
// which, and when to come back.
type LimitError struct{ Message string }

func (e *LimitError) Error() string { return "reading: over the limit: " + e.Message }

// ErrBusy is a password that could not be hashed: every hashing slot
// stayed taken for PasswordHashWait.
var ErrBusy = masthead.Errorf(masthead.EUNAVAILABLE, "We are checking many passwords right now. Please try again in a few seconds.")
