package http

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"masthead"
	"masthead/access"
	"masthead/http/web"
	"masthead/reading"
)

// Who is reading: the request's side of it. The facts themselves (the
// signed-in member and whether they subscribe, a verified search-engine
// crawler, an institution's network, this browser's registration unlock,
// a gift token, and the member's meter) are gathered in one place,
// package reading (reading.Readers), from what readerRequest reads of
// the request; what stays here is the device cookie and the caching
// rules of pages that depend on the reader.

// DeviceCookie names the long-lived cookie that tells one browser from
// another. It carries a random token; the database keeps only its hash.
// It is set only when a browser registers or follows a gift link, never
// on a page that could be cached.
const DeviceCookie = "masthead_device"

// deviceTTL is the device cookie's lifetime: long enough that clearing
// cookies is the only way to look like a new browser.
const deviceTTL = 2 * 365 * 24 * time.Hour

// initReaders sets up the reader-facts machinery at start.
func (s *Server) initReaders(r Resolver) {
	if r == nil {
		r = net.DefaultResolver
	}
	s.crawlers = newCrawlers(r, s.clock.Now)
	s.nameMarker = newNameMarker()
	if s.cfg.PageCacheBytes > 0 {
		// Purged with the page cache by the content-version poller.
		s.articleCache = newArticleCache(s.cfg.PageCacheTTL)
	}
	s.initSessionCache()
}

// deviceHash returns the hash of the browser's device token, or nil when
// it has none.
func deviceHash(r *http.Request) []byte {
	found := false
	for _, line := range r.Header["Cookie"] {
		if strings.Contains(line, DeviceCookie+"=") {
			found = true
		}
	}
	if !found {
		return nil
	}
	c, err := r.Cookie(DeviceCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil
	}
	return masthead.HashToken(c.Value)
}

// ensureDevice returns the browser's device hash, issuing a new device
// cookie on w when it has none. Only personal responses may call it.
func (s *Server) ensureDevice(w http.ResponseWriter, r *http.Request) []byte {
	if h := deviceHash(r); h != nil {
		return h
	}
	token, hash := masthead.NewToken()
	http.SetCookie(w, &http.Cookie{
		Name: DeviceCookie, Value: token, Path: "/",
		MaxAge: int(deviceTTL / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.secureCookies(r),
	})
	return hash
}

// secureCookies reports whether cookies should be marked Secure: over
// TLS, on an https site, or when configured for a TLS-terminating proxy.
func (s *Server) secureCookies(r *http.Request) bool {
	return r.TLS != nil || s.base.Scheme == "https" || s.cfg.SecureCookies
}

// readerDependent reports whether a request without a session may still
// get a page that differs from the anonymous one: a claimed crawler, a
// registered browser, a gift link, a licence key (licences.go). Such requests never touch the shared
// page cache, in either direction.
func (s *Server) readerDependent(r *http.Request) bool {
	if r.URL.RawQuery != "" && r.URL.Query().Has("gift") {
		return true
	}
	if s.requestAgent(r).search != "" {
		return true
	}
	if licenceToken(r) != "" {
		return true
	}
	return deviceHash(r) != nil
}

// readerPage adapts the handler of a page whose content depends on the
// reader beyond the session (the article page). Requests that may be
// personal are rendered for themselves alone; the handler marks the
// response private when the reader turned out not to be anonymous.
// Everything else goes through page(), and so the shared cache.
func (s *Server) readerPage(h web.HandlerFunc) http.Handler {
	shared := s.page(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A reader on an institutional network gets the full text: never
		// the cached teaser, and their page is never cached for others.
		// So does an AI crawler whose family may read it (aicrawlers.go).
		if hasSession(r) || (!s.readerDependent(r) && !s.aiDependent(r) && s.institutionOf(r) == "") {
			shared.ServeHTTP(w, r)
			return
		}
		if s.refusedCrawler(r) {
			s.serveError(w, r, errRefusedCrawler)
			return
		}
		// Never stored: rendered into a pooled buffer.
		e, release, err := s.runOnce(h, r)
		defer release()
		if err != nil {
			s.serveError(w, r, err)
			return
		}
		if e.Header.Get("Cache-Control") == "" {
			e.CacheControl = web.CachePublic
		}
		e.VaryCookie = true
		web.Serve(w, r, &e.Entry)
	})
}

// markPrivate makes a response private: it depends on who asked, so no
// shared cache may keep it. The page adapters leave a Cache-Control set
// by the handler alone and never store such a page.
func markPrivate(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", web.CachePrivate)
}

// readerRequest is what the use cases are told of the reader of r: the
// member and the state read with the session, the browser's device, a
// gift token, the client's address and user agent. With w, a gift
// link's reader without a device cookie gets one, so that coming back
// does not count as a new reader; only personal responses may pass w.
func (s *Server) readerRequest(w http.ResponseWriter, r *http.Request) reading.Request {
	in := reading.Request{Member: member(r), State: readerState(r), DeviceHash: deviceHash(r),
		UserAgent: r.UserAgent(), Client: s.clientIP(r), Licence: licenceOf(r)}
	if r.URL.RawQuery != "" {
		if q := r.URL.Query(); q.Has("gift") {
			in.HasGift, in.Gift = true, q.Get("gift")
			if w != nil {
				in.NewDevice = func() []byte { return s.ensureDevice(w, r) }
			}
		}
	}
	return in
}

// requestReader returns what is known of the reader of r that does not
// depend on the article (reading.Readers.Reader). Surfaces that list
// many articles (search, the newsletter archive) use it; the article
// page adds the per-article facts through articleReader.
func (s *Server) requestReader(r *http.Request) access.Reader {
	return s.readers.Reader(r.Context(), s.readerRequest(nil, r), s.clock.Now())
}

// articleReader returns the facts about the reader of a at now and the
// member's meter for a (reading.Readers.ArticleReader).
func (s *Server) articleReader(w http.ResponseWriter, r *http.Request, a *masthead.Article, now time.Time) (access.Reader, access.Meter, reading.GiftStatus) {
	return s.readers.ArticleReader(r.Context(), s.readerRequest(w, r), a, now)
}

// crawlerCheck verifies claimed crawlers for the use cases: by DNS,
// through this instance's cache (crawler.go).
type crawlerCheck struct{ s *Server }

func (c crawlerCheck) Verified(ctx context.Context, userAgent string, client netip.Addr) bool {
	if c.s.aiFullText(ctx, userAgent, client) {
		return true
	}
	v := c.s.agentOf(ctx, userAgent)
	bot, domains := v.search, v.domains
	if bot == "" || c.s.crawlers == nil || !client.IsValid() {
		return false
	}
	return c.s.crawlers.verify(ctx, bot, domains, client)
}

// networkCheck names institutions by network for the use cases, from
// this instance's table (institution.go).
type networkCheck struct{ s *Server }

func (n networkCheck) InstitutionOf(client netip.Addr, now time.Time) string {
	return n.s.institutionAt(client, now)
}

func (s *Server) logReaderError(r *http.Request, what string, err error) {
	if r.Context().Err() != nil {
		return // the client went away; nothing to report
	}
	s.log.Error("reader facts: "+what, "err", err, "request_id", requestID(r.Context()))
}
