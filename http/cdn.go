package http

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"masthead"
	"masthead/http/web"
)

// Behind a CDN (docs/cdn.md). A page every anonymous reader shares is
// answered with a Cache-Control a CDN may act on (s-maxage, and the
// stale-while-revalidate and stale-if-error that keep readers served
// through a slow or failing origin), and with the content keys of what
// it shows in the header the CDN reads (Surrogate-Key for Fastly,
// Cache-Tag for Cloudflare). A change purges those keys: at the CDN
// through the cdn-purge job the store enqueues with the change, and in
// every instance's own page cache through the content-change poll below.
// Personal responses are private and carry no keys.

// CDNConfig is how the site speaks to a CDN in front of it. Zero fields
// take the defaults documented on each.
type CDNConfig struct {
	// MaxAge is how long a browser keeps an anonymous page. Default 60 s.
	MaxAge time.Duration
	// SharedMaxAge is how long a CDN keeps one (s-maxage). Default 60 s;
	// with purging set up, hours are safe (docs/cdn.md).
	SharedMaxAge time.Duration
	// StaleWhileRevalidate lets a CDN serve an expired page while it
	// fetches the next one. Default 30 s.
	StaleWhileRevalidate time.Duration
	// StaleIfError lets a CDN serve an expired page while the site
	// fails or cannot be reached. Default 1 day.
	StaleIfError time.Duration
	// KeyHeader names the response header that carries a page's
	// content keys: "Surrogate-Key" (Fastly, Akamai, the default) is
	// space-separated, "Cache-Tag" (Cloudflare) comma-separated; "-"
	// sends none.
	KeyHeader string
}

// withDefaults fills in the zero fields.
func (c CDNConfig) withDefaults() CDNConfig {
	if c.MaxAge <= 0 {
		c.MaxAge = time.Minute
	}
	if c.SharedMaxAge <= 0 {
		c.SharedMaxAge = time.Minute
	}
	if c.StaleWhileRevalidate <= 0 {
		c.StaleWhileRevalidate = 30 * time.Second
	}
	if c.StaleIfError <= 0 {
		c.StaleIfError = 24 * time.Hour
	}
	if c.KeyHeader == "" {
		c.KeyHeader = "Surrogate-Key"
	}
	c.KeyHeader = http.CanonicalHeaderKey(c.KeyHeader)
	return c
}

// cacheControl is the Cache-Control of a shared page.
func (c CDNConfig) cacheControl() string {
	secs := func(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }
	return "public, max-age=" + secs(c.MaxAge) + ", s-maxage=" + secs(c.SharedMaxAge) +
		", stale-while-revalidate=" + secs(c.StaleWhileRevalidate) + ", stale-if-error=" + secs(c.StaleIfError)
}

// keyValue joins keys as the key header wants them.
func (c CDNConfig) keyValue(keys []string) string {
	if c.KeyHeader == "Cache-Tag" {
		return strings.Join(keys, ",")
	}
	return strings.Join(keys, " ")
}

// addKeys names content keys the response shows, beyond those its route
// implies (routeKeys): the article page adds its article's.
func addKeys(w http.ResponseWriter, keys ...string) {
	if b, ok := w.(*bufWriter); ok {
		b.keys = append(b.keys, keys...)
	}
}

// routeKeys are the content keys of a shared page by its route: a
// taxonomy page and its feeds carry the term's key, the library's lists
// KeyLists, the home page and the site's feeds their own. Every page
// carries KeySite besides.
func routeKeys(r *http.Request) []string {
	keys := []string{masthead.KeySite}
	slug := r.PathValue("slug")
	switch r.Pattern {
	case "GET /{$}":
		keys = append(keys, masthead.KeyHome)
	case "GET /feed.xml", "GET /atom.xml":
		keys = append(keys, masthead.KeyFeeds)
	case "GET /columns/{slug}", "GET /columns/{slug}/feed.xml", "GET /columns/{slug}/atom.xml":
		keys = append(keys, masthead.ColumnKey(slug))
	case "GET /authors/{slug}":
		keys = append(keys, masthead.AuthorKey(slug))
	case "GET /topics/{slug}", "GET /topics/{slug}/feed.xml", "GET /topics/{slug}/atom.xml":
		keys = append(keys, masthead.TopicKey(slug))
	case "GET /regions/{slug}":
		keys = append(keys, masthead.RegionKey(slug))
	case "GET /columns", "GET /authors", "GET /topics", "GET /regions",
		"GET /archive", "GET /archive/{year}", "GET /archive/{year}/{month}",
		"GET /sitemap.xml", "GET /sitemaps/pages.xml", "GET /sitemaps/news.xml", "GET /sitemaps/{chunk}":
		keys = append(keys, masthead.KeyLists)
	}
	return keys
}

// shareable makes e a page a CDN may keep: the site's Cache-Control
// and, unless the header is turned off, its content keys. Anything but
// a 200 (an old slug's redirect) keeps the short public lifetime and no
// keys: what it points to may change without a change naming it.
func (s *Server) shareable(e *entry, r *http.Request) {
	if e.Status != http.StatusOK {
		e.CacheControl = web.CachePublic
		return
	}
	e.Keys = append(routeKeys(r), e.Keys...)
	e.CacheControl = s.publicCC
	if s.cdn.KeyHeader != "-" {
		e.Header[s.cdn.KeyHeader] = []string{s.cdn.keyValue(e.Keys)}
	}
}

// countCache exports the page cache's counts, so its hit rate can be
// watched as changes drop pages (bench/soak reads them).
func (s *Server) countCache() {
	if s.metrics == nil || s.cfg.PageCacheBytes < 0 {
		return
	}
	s.metrics.CounterFunc("page_cache_hits_total", "Anonymous page requests answered from the page cache (or by another request's render).",
		func() float64 { return float64(s.cacheCount.hits.Load()) })
	s.metrics.CounterFunc("page_cache_renders_total", "Anonymous page requests the page cache missed, which rendered the page.",
		func() float64 { return float64(s.cacheCount.renders.Load()) })
	s.metrics.CounterFunc("page_cache_dropped_total", "Pages the page cache dropped because a content change touched them (a change of everything counts each page held).",
		func() float64 { return float64(s.cacheCount.dropped.Load()) })
}

// entryKeys are the content keys the page cache indexes an entry by;
// an entry that names none goes with any change of the whole site.
func entryKeys(e *entry) []string {
	if len(e.Keys) == 0 {
		return []string{masthead.KeySite}
	}
	return e.Keys
}

// contentChanges is what the poller reads when the store records the keys
// of each change (store.DB does); without it, any change drops
// everything.
type contentChanges interface {
	ContentChangesAfter(ctx context.Context, after int64) (int64, []masthead.ContentChange, error)
}

// contentSeen is the content version this instance's caches reflect.
type contentSeen struct {
	mu      sync.Mutex
	version int64
	known   bool
}

// FollowContent looks once for content changes made on any instance
// since the last look, and drops from this instance's caches the pages
// they touched. The site's poller calls it every second; tests call it
// to see a change at once. The first look counts as a change of
// everything: a save between New's reading of the settings and this
// first version would otherwise never be seen.
func (s *Server) FollowContent(ctx context.Context) error {
	s.seen.mu.Lock()
	defer s.seen.mu.Unlock()
	changes, _ := s.articles.(contentChanges)
	var (
		v    int64
		seen []masthead.ContentChange
		err  error
	)
	if changes != nil && s.seen.known {
		v, seen, err = changes.ContentChangesAfter(ctx, s.seen.version)
	} else {
		v, err = s.articles.ContentVersion(ctx)
	}
	if err != nil {
		return err
	}
	if !s.seen.known || v != s.seen.version {
		if _, err := s.followChanges(ctx, s.seen.version, seen); err != nil {
			return err
		}
	}
	s.seen.version, s.seen.known = v, true
	return nil
}

// followChanges brings this instance's caches up to the content version
// latest from last, given the changes in between: the pages carrying
// their keys are dropped, or everything when a change says KeySite or
// some are missing. It reports whether everything was dropped.
func (s *Server) followChanges(ctx context.Context, last int64, changes []masthead.ContentChange) (bool, error) {
	// The walls' price follows plans and offers, whatever the change
	// names; it is one small figure, read again at the next wall.
	s.priceCache.purge()
	s.mostRead.purge()
	s.beacon.live.purge()
	s.purgeCurator()
	all := len(changes) == 0 || changes[0].Version != last+1
	var keys []string
	for _, c := range changes {
		if c.All() {
			all = true
			break
		}
		keys = append(keys, c.Keys...)
	}
	if all {
		// The settings first: a page rendered after the purge must not
		// be cached with the old ones.
		if err := s.loadSettings(ctx); err != nil {
			return true, err
		}
		if err := s.loadCrawlerRanges(ctx); err != nil {
			return true, err
		}
		s.articleCache.purge()
		if s.cache != nil {
			s.cacheCount.dropped.Add(int64(s.cache.Len()))
			s.cache.Purge()
		}
		s.legacy.purge()
		return true, nil
	}
	if slices.Contains(keys, masthead.KeyCrawlers) {
		if err := s.loadCrawlerRanges(ctx); err != nil {
			return false, err
		}
	}
	s.articleCache.purgeKeys(keys)
	if s.cache != nil {
		s.cacheCount.dropped.Add(int64(s.cache.PurgeKeys(keys)))
	}
	return false, nil
}
