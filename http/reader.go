package http

import (
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"masthead"
	"masthead/access"
)

// What the site knows about who is reading, gathered in one place so every
// surface hands access.Decide the same facts: the signed-in member and
// whether they subscribe, a verified search-engine crawler, this browser's
// registration unlock, a gift token, and the member's meter.

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
// registered browser, a gift link. Such requests never touch the shared
// page cache, in either direction.
func readerDependent(r *http.Request) bool {
	if r.URL.RawQuery != "" && r.URL.Query().Has("gift") {
		return true
	}
	if bot, _ := claimedCrawler(r.UserAgent()); bot != "" {
		return true
	}
	return deviceHash(r) != nil
}

// readerPage adapts the handler of a page whose content depends on the
// reader beyond the session (the article page). Requests that may be
// personal are rendered for themselves alone; the handler marks the
// response private when the reader turned out not to be anonymous.
// Everything else goes through page(), and so the shared cache.
func (s *Server) readerPage(h handlerFunc) http.Handler {
	shared := s.page(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A reader on an institutional network gets the full text: never
		// the cached teaser, and their page is never cached for others.
		if hasSession(r) || (!readerDependent(r) && s.institutionOf(r) == "") {
			shared.ServeHTTP(w, r)
			return
		}
		// Never stored: rendered into a pooled buffer.
		e, release, err := s.runOnce(h, r)
		defer release()
		if err != nil {
			s.serveError(w, r, err)
			return
		}
		if e.header.Get("Cache-Control") == "" {
			e.cacheControl = ccPublic
		}
		e.varyCookie = true
		s.serveEntry(w, r, e)
	})
}

// markPrivate makes a response private: it depends on who asked, so no
// shared cache may keep it. The page adapters leave a Cache-Control set
// by the handler alone and never store such a page.
func markPrivate(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", ccPrivate)
}

// requestReader returns what is known of the reader of r that does not
// depend on the article: the member and whether they subscribe, and a
// verified crawler. Surfaces that list many articles (search) use it with
// access.Decide; the article page adds the per-article facts through
// articleReader. A store failure is logged and the fact left out: the
// answer then errs towards the teaser, which is always safe to show.
func (s *Server) requestReader(r *http.Request) access.Reader {
	var rd access.Reader
	if m := member(r); m != nil {
		rd.Member = m
		if st := readerState(r); st != nil && st.Member == m {
			// Read with the member, in one query (readerstate.go).
			rd.Subscriber = s.entitled != nil && !m.Role.Staff() && st.Subscriber
		} else if s.entitled != nil && !m.Role.Staff() {
			ok, err := s.entitled.Entitled(r.Context(), m.ID, s.clock.Now())
			if err != nil {
				s.logReaderError(r, "entitlement", err)
			}
			rd.Subscriber = ok
		}
	}
	rd.VerifiedCrawler = s.verifiedCrawler(r)
	rd.Institution = s.institutionOf(r)
	return rd
}

// giftStatus is what became of a ?gift= token.
type giftStatus int

const (
	giftNone    giftStatus = iota // no token in the request
	giftValid                     // it opens this article for this reader
	giftInvalid                   // unknown, expired, revoked, full, or for another article
)

// articleReader returns the facts about the reader of a at now and the
// member's meter for a: requestReader plus this browser's registration
// unlock, a gift link for a, and the unlocks.
func (s *Server) articleReader(w http.ResponseWriter, r *http.Request, a *masthead.Article, now time.Time) (access.Reader, access.Meter, giftStatus) {
	rd := s.requestReader(r)
	var meter access.Meter
	if a.Access != masthead.AccessMetered && a.Access != masthead.AccessSubscribers {
		// Free articles are open to all: nothing more to look up.
		return rd, meter, giftNone
	}
	ctx := r.Context()
	if rd.Subscriber || rd.VerifiedCrawler || rd.Institution != "" || (rd.Member != nil && rd.Member.Role.Staff()) {
		// Readers with standing read everything; a gift token they
		// follow is neither needed nor counted against the link.
		return rd, meter, giftNone
	}
	gift, giver := s.giftLink(w, r, a, now)
	rd.GiftLink, rd.Giver = gift == giftValid, giver
	if s.meter == nil || a.Access != masthead.AccessMetered || rd.GiftLink {
		return rd, meter, gift
	}
	if h := deviceHash(r); h != nil {
		ok, err := s.meter.RegistrationUnlocked(ctx, h, a.ID)
		if err != nil {
			s.logReaderError(r, "registration unlock", err)
		}
		rd.RegistrationUnlock = ok
	}
	if st := readerState(r); st != nil && rd.Member != nil && st.Member == rd.Member {
		// Read with the member, in one query (readerstate.go).
		ms := st.Meter(a.ID, s.policy().PeriodStart(now))
		meter = access.Meter{Unlocks: ms.Unlocks, Unlocked: ms.Unlocked, Carried: ms.Carried}
	} else if rd.Member != nil {
		st, err := s.meter.MeterState(ctx, rd.Member.ID, a.ID, s.policy().PeriodStart(now))
		if err != nil {
			s.logReaderError(r, "meter", err)
		}
		meter = access.Meter{Unlocks: st.Unlocks, Unlocked: st.Unlocked, Carried: st.Carried}
	}
	return rd, meter, gift
}

// giftLink checks a ?gift= token against a, and returns with it what is
// known now of the member who shared the link. A link whose giver could
// no longer read a themselves (access.Giver.Reads) opens nothing and
// counts nobody. Otherwise the reader is counted by member, else by
// browser: a browser without a device cookie gets one, so that coming
// back does not count as a new reader.
func (s *Server) giftLink(w http.ResponseWriter, r *http.Request, a *masthead.Article, now time.Time) (giftStatus, access.Giver) {
	if r.URL.RawQuery == "" || !r.URL.Query().Has("gift") {
		return giftNone, access.Giver{}
	}
	token := r.URL.Query().Get("gift")
	if s.accounts == nil || token == "" || len(token) > 100 {
		return giftInvalid, access.Giver{}
	}
	hash := masthead.HashToken(token)
	m, sub, err := s.accounts.GiftLinkGiver(r.Context(), hash, now)
	if err != nil {
		if masthead.ErrorCode(err) == masthead.EINTERNAL {
			s.logReaderError(r, "gift link giver", err)
		}
		return giftInvalid, access.Giver{}
	}
	giver := access.Giver{Member: m, Subscriber: sub}
	if !giver.Reads(a, s.policy(), now) {
		return giftInvalid, access.Giver{}
	}
	var key string
	if m := member(r); m != nil {
		key = "member:" + strconv.FormatInt(m.ID, 10)
	} else {
		key = "device:" + hex.EncodeToString(s.ensureDevice(w, r))
	}
	id, err := s.accounts.GiftLinkArticle(r.Context(), hash, a.ID, key, now)
	if err != nil {
		if masthead.ErrorCode(err) == masthead.EINTERNAL {
			s.logReaderError(r, "gift link", err)
		}
		return giftInvalid, access.Giver{}
	}
	if id != a.ID {
		return giftInvalid, access.Giver{}
	}
	return giftValid, giver
}

func (s *Server) logReaderError(r *http.Request, what string, err error) {
	if r.Context().Err() != nil {
		return // the client went away; nothing to report
	}
	s.log.Error("reader facts: "+what, "err", err, "request_id", requestID(r.Context()))
}
