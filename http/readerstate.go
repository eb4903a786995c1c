package http

import (
	"context"
	"maps"
	"net/http"
	"sync"
	"time"

	"masthead"
)

// The signed-in reader's state — member, subscription and meter — is on
// the path of every signed-in page, none of which can come from the shared
// page cache. When the store can read it in one query
// (masthead.ReaderStateService) the site does so, and keeps the answer for
// a few seconds (AccountConfig.SessionCacheTTL, 5 s by default) under the
// hash of the session token, so a reader going from page to page costs the
// database one query every few seconds rather than three per page.
//
// Staleness is bounded and one-sided where it matters:
//   - every state-changing request (any method but GET and HEAD: sign-out,
//     sign-out everywhere, account deletion, a name change, an unlock)
//     reads the state afresh and, once handled, drops every cached state
//     of its member on this instance, so the page it redirects to is
//     current;
//   - a change made elsewhere (another instance, the staff area, billing,
//     an expired entitlement) shows here within the TTL, and a session
//     never outlives its own expiry;
//   - the meter's period is applied per request, so a new month starts on
//     time whatever is cached.
//
// docs/operations.md states the bound for operators.

// defaultSessionCacheTTL is the reuse window when none is configured:
// long enough for a page and the next click, short enough that a sign-out
// on another instance takes effect about as fast as the reader can notice.
const defaultSessionCacheTTL = 5 * time.Second

// sessionCacheEntries bounds the cache. An entry is a few hundred bytes;
// only the sessions seen in the last TTL are live.
const sessionCacheEntries = 20000

// sessionCache maps the hash of a session token to the reader's state (or
// to nil: no live session) as read at a time on the site's clock.
type sessionCache struct {
	ttl time.Duration

	mu    sync.Mutex
	gen   uint64 // raised by every invalidation
	items map[string]sessionEntry
}

type sessionEntry struct {
	st   *masthead.ReaderState // nil when the token names no live session
	read time.Time
}

// stateKey carries the signed-in reader's state in a request's context,
// beside the member (readerKey).
type stateKey struct{}

// initSessionCache sets up the one-query lookup when the store offers it,
// and its cache unless turned off.
func (s *Server) initSessionCache() {
	rs, ok := s.members.(masthead.ReaderStateService)
	if !ok {
		return
	}
	s.readerStates = rs
	ttl := s.cfg.Accounts.SessionCacheTTL
	if ttl == 0 {
		ttl = defaultSessionCacheTTL
	}
	if ttl > 0 {
		s.sessions = &sessionCache{ttl: ttl, items: map[string]sessionEntry{}}
	}
}

// sessionState returns the state of the reader whose session token hashes
// to hash, or nil when there is no live session. A GET or HEAD may be
// answered from the cache; any other method reads afresh, since it may
// change what it reads.
func (s *Server) sessionState(r *http.Request, hash []byte) (*masthead.ReaderState, error) {
	now := s.clock.Now()
	c := s.sessions
	if c == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return s.readSessionState(r.Context(), hash, now)
	}
	c.mu.Lock()
	e, ok := c.items[string(hash)]
	gen := c.gen
	c.mu.Unlock()
	if ok && !now.Before(e.read) && now.Sub(e.read) < c.ttl &&
		(e.st == nil || now.Before(e.st.SessionExpires)) {
		return e.st, nil
	}
	st, err := s.readSessionState(r.Context(), hash, now)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// An invalidation while the state was being read may mean it is
	// already stale: use it for this request, but do not keep it.
	if c.gen == gen {
		if len(c.items) >= sessionCacheEntries {
			c.evict(now)
		}
		c.items[string(hash)] = sessionEntry{st: st, read: now}
	}
	return st, nil
}

// readSessionState reads the state from the store; nil means the token
// names no live session.
func (s *Server) readSessionState(ctx context.Context, hash []byte, now time.Time) (*masthead.ReaderState, error) {
	st, err := s.readerStates.SessionReader(ctx, hash, now)
	if masthead.ErrorCode(err) == masthead.EUNAUTHORIZED {
		return nil, nil
	}
	return st, err
}

// evict makes room: the expired entries go, and if that is not enough,
// the cache starts again (it holds a few seconds' worth of sessions, soon
// read again).
func (c *sessionCache) evict(now time.Time) {
	for k, e := range c.items {
		if now.Sub(e.read) >= c.ttl || now.Before(e.read) {
			delete(c.items, k)
		}
	}
	if len(c.items) >= sessionCacheEntries {
		c.items = map[string]sessionEntry{}
	}
}

// forget drops the cached states for which drop is true; a read under
// way when it runs is not kept (sessionState). A nil cache holds nothing.
func (c *sessionCache) forget(drop func(sessionEntry) bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	maps.DeleteFunc(c.items, func(_ string, e sessionEntry) bool { return drop(e) })
}

// readerChanged is called after a request that may have changed what the
// site knows of its reader (any method but GET and HEAD): it forgets the
// request's session and every cached session of its member, on this
// instance.
func (s *Server) readerChanged(r *http.Request) {
	c := s.sessions
	if c == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return
	}
	var hash string
	if token, _ := cookieValue(r, SessionCookie); token != "" {
		hash = string(masthead.HashToken(token))
	}
	var id int64
	if m := member(r); m != nil {
		id = m.ID
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if hash != "" {
		delete(c.items, hash)
	}
	c.dropMember(id)
}

// forgetSession drops the cached state of r's session, so its next
// request reads it afresh.
func (s *Server) forgetSession(r *http.Request) {
	c := s.sessions
	if c == nil {
		return
	}
	token, _ := cookieValue(r, SessionCookie)
	if token == "" {
		return
	}
	hash := string(masthead.HashToken(token))
	c.mu.Lock()
	c.gen++
	delete(c.items, hash)
	c.mu.Unlock()
}

// dropMember deletes member id's states; c.mu is held.
func (c *sessionCache) dropMember(id int64) {
	if id == 0 {
		return
	}
	for k, e := range c.items {
		if e.st != nil && e.st.Member.ID == id {
			delete(c.items, k)
		}
	}
}

// readerState returns the signed-in reader's state of r, when the store
// read it in one query.
func readerState(r *http.Request) *masthead.ReaderState {
	st, _ := r.Context().Value(stateKey{}).(*masthead.ReaderState)
	return st
}

// withReaderState resolves the session of r through the one-query lookup,
// putting the state and its member in the request's context. It reports
// false when the store does not offer that lookup.
func (s *Server) withReaderState(r *http.Request, token string) (*http.Request, bool) {
	if s.readerStates == nil {
		return r, false
	}
	st, err := s.sessionState(r, masthead.HashToken(token))
	if err != nil {
		if r.Context().Err() == nil {
			s.log.Error("resolve session", "err", err, "request_id", requestID(r.Context()))
		}
		return r, true
	}
	if st == nil {
		return r, true
	}
	return r.WithContext(&readerContext{Context: r.Context(), st: st}), true
}

// readerContext carries a signed-in reader's state and member: one value
// for the two keys, in one allocation rather than two.
type readerContext struct {
	context.Context
	st *masthead.ReaderState
}

func (c *readerContext) Value(key any) any {
	switch key.(type) {
	case readerKey:
		return c.st.Member
	case stateKey:
		return c.st
	}
	return c.Context.Value(key)
}
