package http

import "net/http"

// URL scheme. Articles live under /articles/ so that an article slug can
// never shadow a section of the site (a piece called "archive" or
// "sitemap-xml" is fine); taxonomy pages are plural nouns; each column and
// topic has its feeds beside its page. These paths are public and stable.
const (
	articlePrefix = "/articles/"
	columnPrefix  = "/columns/"
	authorPrefix  = "/authors/"
	topicPrefix   = "/topics/"
	regionPrefix  = "/regions/"
)

// The routes of the site, one list per surface, each in its own file:
//
//	routes.go              the reader site: pages, feeds, sitemaps, search,
//	                       assets, health and metrics, the dev outbox, and the
//	                       mounts of the staff area, the APIs and media
//	routes_accounts.go     accounts: registration and the meter, sign-in, the
//	                       account page, gift links, checkout and gifts
//	routes_webhooks.go     webhooks in: Stripe, bounces and complaints
//	routes_newsletters.go  the newsletter archive and unsubscription
//	routes_curator.go      following, For-you, saved articles, history
//
// Each route names its adapter (handler.go): page() for pages every
// anonymous reader shares, served from the page cache; readerPage() for
// pages that may depend on the reader beyond the session; personal() and
// action() for a reader's own pages and form posts, never cached; plain()
// and json() for the rest.

// routes lists the routes of the reader site and mounts the other
// surfaces.
func (s *Server) routes(mux *http.ServeMux) {
	// Pages. page() serves anonymous requests from the page cache.
	mux.Handle("GET /{$}", s.legacyQuery(s.page(s.handleHome)))
	mux.Handle("GET /articles/{slug}", s.searchClicks(s.crawlerGate(s.readerPage(s.handleArticle))))
	// The article page's beacon, when views are counted by it
	// (beacon.go): never cached, never stored by a CDN.
	mux.HandleFunc("GET "+beaconPrefix+"{kind}/{id}", s.handleBeacon)
	mux.Handle("GET /articles", http.RedirectHandler("/archive", http.StatusMovedPermanently))
	mux.Handle("GET "+settingsCSSPath, s.plain(s.handleSettingsCSS))
	mux.Handle("GET /columns", s.page(s.handleColumns))
	mux.Handle("GET /columns/{slug}", s.page(s.handleColumn))
	mux.Handle("GET /authors", s.page(s.handleAuthors))
	mux.Handle("GET /authors/{slug}", s.page(s.handleAuthor))
	mux.Handle("GET /topics", s.page(s.handleTopics))
	mux.Handle("GET /topics/{slug}", s.page(s.handleTopic))
	mux.Handle("GET /regions", s.page(s.handleRegions))
	mux.Handle("GET /regions/{slug}", s.page(s.handleRegion))
	mux.Handle("GET /archive", s.page(s.handleArchive))
	mux.Handle("GET /archive/{year}", s.page(s.handleArchiveYear))
	mux.Handle("GET /archive/{year}/{month}", s.page(s.handleArchiveMonth))
	// The pricing page carries ?next= (the article to return to), so it
	// is rendered per request rather than cached.
	mux.Handle("GET /pricing", s.personal(s.handlePricing))
	// An offer's page (offers.go), personal like the pricing page.
	mux.Handle("GET /offers/{slug}", s.personal(s.handleOffer))

	// Feeds: RSS 2.0 and Atom for the site, each column and each topic.
	mux.Handle("GET /feed.xml", s.page(s.handleSiteFeed(feedRSS)))
	mux.Handle("GET /atom.xml", s.page(s.handleSiteFeed(feedAtom)))
	mux.Handle("GET /columns/{slug}/feed.xml", s.page(s.handleColumnFeed(feedRSS)))
	mux.Handle("GET /columns/{slug}/atom.xml", s.page(s.handleColumnFeed(feedAtom)))
	mux.Handle("GET /topics/{slug}/feed.xml", s.page(s.handleTopicFeed(feedRSS)))
	mux.Handle("GET /topics/{slug}/atom.xml", s.page(s.handleTopicFeed(feedAtom)))

	// Crawlers.
	mux.Handle("GET /robots.txt", s.page(s.handleRobots))
	mux.Handle("GET /sitemap.xml", s.page(s.handleSitemapIndex))
	mux.Handle("GET /sitemaps/pages.xml", s.page(s.handleSitemapPages))
	mux.Handle("GET /sitemaps/news.xml", s.page(s.handleSitemapNews))
	mux.Handle("GET /sitemaps/{chunk}", s.page(s.handleSitemapArticles))

	// Search (search.go): an anonymous reader's results are shared, a
	// known reader's private.
	if s.search != nil {
		mux.Handle("GET /search", s.searchAdapter(s.handleSearch, false))
		mux.Handle("GET /search.json", s.searchAdapter(s.handleSearchJSON, true))
		mux.Handle("GET /search/suggest", s.json(s.handleSuggest))
	}

	// Assets are in memory already; they skip the page cache.
	mux.Handle("GET /static/{name}", s.handleStatic())
	mux.Handle("GET /favicon.ico", s.plain(s.handleFavicon))
	mux.HandleFunc("GET /healthz", s.handleAlive)
	mux.HandleFunc("GET /readyz", s.handleReady)
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics.Handler(s.cfg.MetricsToken))
	}

	// The development outbox (mail.Outbox), in demo mode without an
	// SMTP server. Its pages hold live sign-in links, so they never go
	// through the page cache; the outbox marks them no-store itself and
	// sets its own CSP (an inline style allowed by hash, a sandboxed
	// frame for the HTML part).
	if s.devMail != nil {
		mux.Handle("GET "+devMailPath, s.devMail)
		mux.Handle("GET "+devMailPath+"/", s.devMail)
	}

	// The other surfaces of this site.
	s.accountRoutes(mux)
	s.webhookRoutes(mux)
	s.newsletterRoutes(mux)
	s.curatorRoutes(mux)

	// Mounted: the staff area, the APIs, media.
	if s.admin != nil {
		mux.Handle("/admin/", s.admin)
	}
	if s.api != nil {
		mux.Handle("/api/", s.api)
	}
	if s.media != nil {
		mux.Handle("GET /media/", s.media)
	}
	// Everything else, any method: an old address of the site the
	// publication moved from redirects (redirects.go); the rest get our
	// own 404 page rather than the mux's plain text.
	mux.Handle("/", s.plain(s.handleNotFound))
}
