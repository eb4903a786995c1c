package http

import (
	"container/list"
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"masthead"
)

// Resolver looks names up in the DNS. *net.Resolver is one; tests inject
// a fixed table.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// clientIP is the address of the client: the connection's peer, or, when
// the peer is one of the configured trusted proxies, the right-most
// address in X-Forwarded-For that is not itself a trusted proxy. Anyone
// can write X-Forwarded-For, so the header counts only when a proxy we
// trust wrote its last entries.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	peer := remoteAddr(r)
	if !peer.IsValid() || !s.trusted(peer) {
		return peer
	}
	var hops []string
	for _, line := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(line, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A malformed hop: what lies before it cannot be trusted.
			return peer
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a
		}
		peer = a
	}
	return peer
}

func remoteAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err == nil {
		return ap.Addr().Unmap()
	}
	a, err := netip.ParseAddr(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// claimedCrawler returns the DNS domains a request's user agent must be
// confirmed under when it claims to be a search engine's crawler, and nil
// for every other agent. Only the crawlers' own zones count: Googlebot
// resolves under googlebot.com (crawl-….googlebot.com, and
// geo-crawl-….geo.googlebot.com inside it), Bingbot under search.msn.com.
// Names under google.com and googleusercontent.com are left out on
// purpose: they also belong to Google's user-triggered fetchers and
// proxies (a translation proxy, a read-aloud service, a rented machine),
// which relay what a person asked for, and such a person gets the teaser
// like anyone else.
func claimedCrawler(userAgent string) (bot string, domains []string) {
	switch {
	case masthead.ContainsFold(userAgent, "googlebot"):
		return "google", googlebotDomains
	case masthead.ContainsFold(userAgent, "bingbot"):
		return "bing", bingbotDomains
	}
	return "", nil
}

// The zones of the verified crawlers (see claimedCrawler).
var (
	googlebotDomains = []string{"googlebot.com"}
	bingbotDomains   = []string{"search.msn.com"}
)

// Crawler verification results are kept this long; a lookup that failed
// (rather than answered no) is retried sooner.
const (
	crawlerTTL      = time.Hour
	crawlerErrorTTL = time.Minute
	crawlerEntries  = 4096
	dnsTimeout      = 3 * time.Second
)

// crawlers verifies claimed crawlers by reverse DNS and a forward
// confirmation, remembering answers per address in a bounded LRU.
type crawlers struct {
	resolver Resolver
	now      func() time.Time

	mu    sync.Mutex
	items map[string]*list.Element
	lru   list.List // of *crawlerEntry, most recent first
}

type crawlerEntry struct {
	key      string
	verified bool
	expires  time.Time
}

func newCrawlers(r Resolver, now func() time.Time) *crawlers {
	return &crawlers{resolver: r, now: now, items: map[string]*list.Element{}}
}

func (c *crawlers) verify(ctx context.Context, bot string, domains []string, ip netip.Addr) bool {
	key := bot + " " + ip.String()
	if v, ok := c.get(key); ok {
		return v
	}
	// The lookups belong to the cache, not to this request: a client
	// that hangs up must not leave a wrong answer behind.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dnsTimeout)
	defer cancel()
	verified, err := c.lookup(ctx, domains, ip)
	ttl := crawlerTTL
	if err != nil {
		ttl = crawlerErrorTTL
	}
	c.put(key, verified, ttl)
	return verified
}

// lookup does the two DNS steps search engines document: the address's
// PTR names must lie under one of the crawler's domains, and one such name
// must resolve forward to the same address (else anyone controlling their
// own reverse zone could claim crawl-1.googlebot.com).
func (c *crawlers) lookup(ctx context.Context, domains []string, ip netip.Addr) (bool, error) {
	names, err := c.resolver.LookupAddr(ctx, ip.String())
	if err != nil && len(names) == 0 {
		return false, err
	}
	for _, name := range names {
		host := strings.ToLower(strings.TrimSuffix(name, "."))
		if !underAny(host, domains) {
			continue
		}
		addrs, err := c.resolver.LookupIPAddr(ctx, host)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if got, ok := netip.AddrFromSlice(a.IP); ok && got.Unmap() == ip {
				return true, nil
			}
		}
	}
	return false, nil
}

// underAny reports whether host is a name strictly inside one of domains:
// crawl-1.googlebot.com is under googlebot.com; evilgooglebot.com and
// googlebot.com.evil.example are not.
func underAny(host string, domains []string) bool {
	for _, d := range domains {
		if strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

func (c *crawlers) get(key string) (verified, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return false, false
	}
	e := el.Value.(*crawlerEntry)
	if !c.now().Before(e.expires) {
		c.lru.Remove(el)
		delete(c.items, key)
		return false, false
	}
	c.lru.MoveToFront(el)
	return e.verified, true
}

func (c *crawlers) put(key string, verified bool, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.lru.Remove(el)
	}
	c.items[key] = c.lru.PushFront(&crawlerEntry{key: key, verified: verified, expires: c.now().Add(ttl)})
	for c.lru.Len() > crawlerEntries {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.items, old.Value.(*crawlerEntry).key)
	}
}
