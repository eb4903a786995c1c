package http

import (
	"context"
	"net/http"
	"sync"
	"time"

	"masthead"
)

// Addresses of the site a publication moved from (see docs/importing.md)
// answer 301 to their new pages. They are asked for only where nothing
// else answers: on the 404 path, and on the home page when it carries one
// of WordPress's content parameters (/?p=123). Answers, misses included,
// are kept for a while, so a crawler walking dead links costs a map
// lookup, not a query.

// legacyCacheSize bounds the remembered answers; when full, the cache
// starts over, which is cheaper to get right than an LRU and fine for a
// table that is read far more than it changes.
const legacyCacheSize = 10000

type legacyRedirects struct {
	svc masthead.RedirectService // nil: no redirects
	ttl time.Duration

	mu sync.Mutex
	m  map[string]legacyAnswer
}

type legacyAnswer struct {
	to string // "" for no redirect
	at time.Time
}

func newLegacyRedirects(svc masthead.RedirectService, ttl time.Duration) *legacyRedirects {
	return &legacyRedirects{svc: svc, ttl: ttl, m: map[string]legacyAnswer{}}
}

// lookup returns the new path for r's address, or "".
func (l *legacyRedirects) lookup(r *http.Request, now time.Time) (string, error) {
	if l == nil || l.svc == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return "", nil
	}
	return l.lookupPath(r.Context(), masthead.LegacyPath(r.URL.EscapedPath(), r.URL.RawQuery), now)
}

// lookupPath returns the new path for an old address in LegacyPath's
// form, or "".
func (l *legacyRedirects) lookupPath(ctx context.Context, from string, now time.Time) (string, error) {
	if l == nil || l.svc == nil || from == "" || from == "/" {
		return "", nil
	}
	l.mu.Lock()
	a, ok := l.m[from]
	l.mu.Unlock()
	if ok && now.Sub(a.at) < l.ttl {
		return a.to, nil
	}
	to, err := l.svc.LegacyRedirect(ctx, from, now)
	if err != nil && masthead.ErrorCode(err) != masthead.ENOTFOUND {
		return "", err
	}
	l.mu.Lock()
	if len(l.m) >= legacyCacheSize {
		l.m = map[string]legacyAnswer{}
	}
	l.m[from] = legacyAnswer{to: to, at: now}
	l.mu.Unlock()
	return to, nil
}

// purge forgets every answer, when the content version moves: an
// article that stopped being live must stop being redirected to at once.
func (l *legacyRedirects) purge() {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.m = map[string]legacyAnswer{}
	l.mu.Unlock()
}

// legacyMoved answers a found redirect, cacheable like any page.
func legacyMoved(w http.ResponseWriter, to string) error {
	w.Header().Set("Location", to)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusMovedPermanently)
	return nil
}

// handleNotFound is every address no route claims: an old address of
// the previous site redirects, anything else is the 404 page.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) error {
	to, err := s.legacy.lookup(r, s.clock.Now())
	if err != nil {
		return err
	}
	if to == "" {
		return errNotFound
	}
	return legacyMoved(w, to)
}

// legacyQuery sends the home page's WordPress content parameters
// (?p=, ?page_id=, ?cat=, ?tag=, ?author=) to their new pages before the
// home page, cached or not, is served; an unknown one shows the home page,
// as WordPress would show it for a parameter it does not know.
func (s *Server) legacyQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" {
			if to, err := s.legacy.lookup(r, s.clock.Now()); err != nil || to != "" {
				s.plain(func(w http.ResponseWriter, r *http.Request) error {
					if err != nil {
						return err
					}
					return legacyMoved(w, to)
				}).ServeHTTP(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
