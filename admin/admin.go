// Package admin is the staff area mounted at /admin/: signing in with a
// one-time link, the article list, the Markdown editor with its live
// preview, and the staff list. Pages are rendered on the server and work
// with JavaScript off; the one small script only adds the live preview.
package admin

import (
	"cmp"
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"masthead"
	"masthead/http/web"
	"masthead/markdown"
	"masthead/newsletter"
)

// Config holds the settings of the staff area.
type Config struct {
	// SiteName is shown in page titles and the header.
	SiteName string
	// BaseURL is the public origin of the site, such as
	// "https://example.com", used for absolute links.
	BaseURL string
	// SecureCookies marks the session cookie Secure even when the request
	// reached us over plain HTTP, as it does behind a TLS-terminating proxy.
	// An https BaseURL does the same by itself.
	SecureCookies bool
	// WebhookNetworks says which addresses a webhook endpoint may lead
	// to; by default the public internet only.
	WebhookNetworks masthead.WebhookNetworks
	// Email is where the site's email goes; with masthead.EmailNone
	// every staff page carries a banner naming the setting that is
	// missing. The zero value shows no banner.
	Email masthead.EmailMode
	// Defaults are the values the operator started the site with (flags
	// and environment), shown beside the site settings they give way to.
	Defaults masthead.SiteSettings
	// MaxUploadBytes is the largest image the media library takes
	// (default 20 MB); the reader site must let bodies that large
	// through to /admin/media/upload (http.Config.MaxUploadBytes).
	MaxUploadBytes int64
	// Locale is the BCP 47 locale amounts of money are written in, the
	// reader site's (http.Config.Locale): "$1,234.50" in en-US, "1.234,50 €"
	// in de-DE. Default en-US.
	Locale string
}

// Deps are the services the staff area uses. Nil Renderer, Clock, Logger
// and Location fall back to sensible defaults; the three services are
// required.
type Deps struct {
	Articles masthead.ArticleService
	Taxonomy masthead.TaxonomyService
	Members  masthead.MemberService
	Renderer *markdown.Renderer
	Clock    masthead.Clock
	Logger   *slog.Logger
	// Location is the publication's time zone: the schedule field is read
	// and shown in it.
	Location *time.Location
	// MemberStore serves the member and institution pages (members.go,
	// institutions.go); nil turns them off.
	MemberStore MemberStore
	// InstitutionsChanged is called after staff change an institution,
	// so the reader site applies the new networks at once.
	InstitutionsChanged func(ctx context.Context)
	// Newsletters turns on the newsletter desk (newsletters.go,
	// suppressions.go); nil turns it off.
	Newsletters masthead.NewsletterService
	// Entitlements tells a subscriber from a registered reader when a
	// newsletter is previewed or tested as a member; nil previews
	// everyone as a registered reader.
	Entitlements masthead.EntitlementService
	// Mailer sends "send a test to myself" through the transactional
	// path; nil turns the button off.
	Mailer masthead.Mailer
	// NewsletterSite is what rendering a newsletter needs: the site's
	// name, address, sender and unsubscribe key.
	NewsletterSite newsletter.Site
	// Plans serves the plans page (plans.go); nil turns it off.
	Plans PlanStore
	// Offers serves the offers (offers.go), with Plans; nil turns them
	// off. Coupons makes an offer's Stripe coupon when it is saved; nil
	// leaves a discount offer to a coupon id the editor pastes.
	Offers  OfferStore
	Coupons CouponMaker
	// Webhooks serves the webhook endpoints and their delivery log
	// (webhooks.go); nil turns them off.
	Webhooks WebhookStore
	// Jobs serves the queue page (jobs.go); nil turns it off.
	Jobs masthead.JobService
	// WebhookResolver resolves an endpoint's host when it is registered;
	// nil uses net.DefaultResolver.
	WebhookResolver HostResolver
	// APIKeys serves the API keys page (apikeys.go); nil turns it off.
	APIKeys masthead.APIKeyService
	// Insights serves the dashboard at /admin/ (dashboard.go); nil
	// turns it off and /admin/ shows the article list.
	Insights InsightStore
	// Crawlers adds the AI crawlers' traffic to the dashboard
	// (crawlertraffic.go); nil leaves it out.
	Crawlers CrawlerTrafficStore
	// Licences exports the billing log of licensed requests
	// (licences.go); nil turns the export off.
	Licences LicenceLog
	// Newsroom saves columns, authors, topics and regions (taxonomy.go,
	// columns.go, authors.go); nil turns those pages off.
	Newsroom NewsroomStore
	// Settings serves the site settings (settings.go); nil turns them
	// off.
	Settings SettingsStore
	// SiteName is the publication's name in force, for the header of
	// every staff page, as the reader site keeps it (http.Server.SiteName):
	// read again from the settings only when the content version moves,
	// on every instance, so a staff page makes no query for it. Nil
	// shows Config.SiteName.
	SiteName func() string
	// SettingsChanged is called after staff save the site settings, so
	// this instance's reader site puts them in force (and SiteName names
	// the new name) at once rather than at its next look at the content
	// version; other instances follow at theirs.
	SettingsChanged func(ctx context.Context)
	// Home keeps the home page's layout (home.go); nil turns the page
	// off.
	Home HomeStore
	// Composer composes a newsletter's next issue on the desk's
	// "Compose now" (newsletter_compose.go); nil hides the button.
	Composer IssueComposer
	// Images and Uploads serve the media library (media.go) and the
	// editor's images; nil turns them off.
	Images  masthead.ImageService
	Uploads Uploader
	// Writing keeps revisions and corrections (revisions.go); nil uses
	// Articles when it is one, else turns them off.
	Writing WritingStore
}

// Handler serves the staff area. It expects full request paths starting
// with /admin/.
type Handler struct {
	cfg    Config
	deps   Deps
	pages  map[string]*template.Template
	assets *assets
	root   http.Handler
	// routeList is every route with its guard (guard.go).
	routeList []Route
	// secureCookies: the session cookie is always Secure, since the
	// site's address is https or the configuration says so.
	secureCookies bool
	// money writes amounts in Config.Locale, as the reader site does.
	money web.MoneyFormat
}

// New builds the staff area. Templates and assets are embedded and parsed
// here, so a broken template stops the program at start rather than at the
// first request; a test executes every template.
func New(cfg Config, deps Deps) *Handler {
	cfg.SiteName = cmp.Or(cfg.SiteName, "Masthead")
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 20 << 20
	}
	if deps.Renderer == nil {
		deps.Renderer = markdown.New()
	}
	if deps.Clock == nil {
		deps.Clock = masthead.SystemClock{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Location == nil {
		deps.Location = time.UTC
	}
	if ws, ok := deps.Articles.(WritingStore); ok && deps.Writing == nil {
		deps.Writing = ws
	}
	h := &Handler{cfg: cfg, deps: deps, assets: loadAssets()}
	if u, err := url.Parse(cfg.BaseURL); cfg.SecureCookies || (err == nil && u.Scheme == "https") {
		h.secureCookies = true
	}
	h.money = web.NewMoneyFormat(cfg.Locale)
	h.pages = parseTemplates(h.money)

	mux := http.NewServeMux()
	rm := &routeMux{mux: mux}
	h.routes(rm)
	h.routeList = rm.routes

	// Every unsafe method is checked for a cross-origin browser request,
	// on top of the SameSite=Lax session cookie: either alone stops a
	// forged form post from another site.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(h.handle(func(w http.ResponseWriter, r *http.Request) error {
		return masthead.Errorf(masthead.EFORBIDDEN, "This request came from another site and was refused. Reload the page and try again.")
	}))
	h.root = cop.Handler(mux)
	return h
}

// ServeHTTP serves a request under /admin/.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	// Staff pages are personal and carry drafts: never cached, never
	// framed, and no referrer leaks a sign-in token or a draft's URL.
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	// The preview shows sanitised article HTML; the policy is a second
	// line should the sanitiser ever miss something: no inline script, no
	// plugins, no foreign frames. Images may come from anywhere, as
	// featured images often live on a CDN.
	hdr.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' https: http: data:; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.root.ServeHTTP(w, r)
}

func (h *Handler) now() time.Time { return h.deps.Clock.Now() }
