package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"masthead"
	"masthead/mail"
)

// AccountConfig holds the settings of reader sign-in and gift links. Zero
// fields take the defaults named on each.
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
	// hashing slot before it is answered 503 with Retry-After. Default
	// 2 s.
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
	// again; changes made on another instance show within it
	// (readerstate.go). Zero means 5 s; negative turns the cache off.
	SessionCacheTTL time.Duration
}

func (c *AccountConfig) defaults() {
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
}

// accountState is what the account handlers keep beside the Server: the
// settings with their defaults and the slots of password hashing.
type accountState struct {
	cfg AccountConfig
	// hashing holds one token per password being hashed (passwords.go).
	hashing chan struct{}
}

func newAccountState(cfg AccountConfig) *accountState {
	cfg.defaults()
	return &accountState{cfg: cfg, hashing: make(chan struct{}, cfg.PasswordHashes)}
}

// ccPersonal is the Cache-Control of pages that show a member's own data:
// private, and not even kept by the browser's cache, since a shared
// computer's next user could open it from there.
const ccPersonal = "private, no-store"

// accountRoutes lists the routes of sign-in, sign-out, the account page
// and gift links.
func (s *Server) accountRoutes(mux *http.ServeMux) {
	mux.Handle("GET /login", s.personal(s.handleLoginForm))
	mux.Handle("POST /login", s.personal(s.handleLogin))
	mux.Handle("GET /signin", s.personal(s.handleSignInForm))
	mux.Handle("POST /signin", s.personal(s.handleSignIn))
	mux.Handle("POST /logout", s.personal(s.handleLogout))
	if s.accounts == nil {
		return
	}
	mux.Handle("GET /account", s.personal(s.signedIn(s.handleAccount)))
	mux.Handle("POST /account/name", s.personal(s.signedIn(s.handleAccountName)))
	mux.Handle("POST /account/newsletters", s.personal(s.signedIn(s.handleAccountNewsletters)))
	mux.Handle("POST /account/password", s.personal(s.signedIn(s.handleAccountPassword)))
	mux.Handle("POST /account/sessions/revoke", s.personal(s.signedIn(s.handleRevokeSessions)))
	mux.Handle("GET /account/export.json", s.personal(s.signedIn(s.handleAccountExport)))
	mux.Handle("POST /account/delete", s.personal(s.signedIn(s.handleAccountDelete)))
	mux.Handle("POST /account/gifts/{id}/revoke", s.personal(s.signedIn(s.handleRevokeGift)))
	mux.Handle("POST /articles/{slug}/gift", s.personal(s.signedIn(s.handleCreateGift)))
}

// personal adapts the handler of a page about the reader's own account:
// the session is resolved (action does that) and the response is never
// stored by any cache.
func (s *Server) personal(h handlerFunc) http.Handler {
	return s.action(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", ccPersonal)
		return h(w, r)
	})
}

// memberHandler is a handler for signed-in members only.
type memberHandler func(w http.ResponseWriter, r *http.Request, m *masthead.Member) error

// signedIn guards a handler: without a live session, a GET is sent to the
// login page and back, and a POST (whose form would be lost anyway) is
// refused.
func (s *Server) signedIn(h memberHandler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		m := member(r)
		if m == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				return redirect(w, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
			}
			return masthead.Errorf(masthead.EUNAUTHORIZED, "Your session has ended. Please log in again.")
		}
		return h(w, r, m)
	}
}

// redirect answers 303 See Other, which turns a POST into a GET.
func redirect(w http.ResponseWriter, to string) error {
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
	return nil
}

// safeNext returns next when it is a path on this site, else "". It is
// what keeps "?next=" from being an open redirect: a scheme, a host, a
// protocol-relative "//host", a backslash (which browsers read as a
// slash) or any control character or space (which browsers strip, turning
// "/\t/host" into "//host") is refused.
func safeNext(next string) string {
	if next == "" || len(next) > 1024 || next[0] != '/' || strings.HasPrefix(next, "//") {
		return ""
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	// Returning to the sign-in pages themselves would loop.
	switch u.Path {
	case "/login", "/signin", "/logout":
		return ""
	}
	u.Fragment = ""
	return u.RequestURI()
}

// withinLimit applies one of the sign-in rate limits. A failing limiter
// lets the attempt through and logs: sign-in must not depend on a
// bookkeeping table, and every other guard still holds.
func (s *Server) withinLimit(r *http.Request, key string, limit int, now time.Time) bool {
	if s.limiter == nil {
		return true
	}
	ok, err := s.limiter.Allow(r.Context(), key, limit, s.acct.cfg.RateWindow, now)
	if err != nil {
		s.log.Error("rate limit", "err", err, "request_id", requestID(r.Context()))
		return true
	}
	return ok
}

// sessionCookie builds the session cookie; an empty value with a zero
// expiry deletes it.
func (s *Server) sessionCookie(r *http.Request, value string, expires time.Time) *http.Cookie {
	c := &http.Cookie{
		Name: SessionCookie, Value: value, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(r),
	}
	if expires.IsZero() {
		c.MaxAge = -1
	} else {
		c.Expires = expires
		c.MaxAge = int(expires.Sub(s.clock.Now()) / time.Second)
	}
	return c
}

// startSession signs m in on this browser: a new session row and its
// cookie. A session the browser already had is ended, so a sign-in never
// leaves a stale one behind.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.members.DeleteSession(r.Context(), masthead.HashToken(c.Value)); err != nil {
			return fmt.Errorf("http: end previous session: %w", err)
		}
	}
	token, hash := masthead.NewToken()
	expires := s.clock.Now().Add(s.acct.cfg.SessionTTL)
	if err := s.members.CreateSession(r.Context(), m.ID, hash, expires); err != nil {
		return fmt.Errorf("http: sign in member %d: %w", m.ID, err)
	}
	http.SetCookie(w, s.sessionCookie(r, token, expires))
	return nil
}

// accountPageNames are the account pages, in templates/account/, parsed
// on the shared layout like every other page.
var accountPageNames = []string{"login", "signin", "notice", "account", "gift"}

// accountBase fills the base of an account page: never indexed, no social
// cards, no feeds.
func (s *Server) accountBase(r *http.Request, title, path string) base {
	b := s.newBase(r, title, "", path)
	b.NoIndex = true
	b.Social = nil
	b.Feeds = nil
	return b
}

// withoutMember returns ctx with no signed-in member, for a page rendered
// after the member signed out or was deleted within the same request.
func withoutMember(ctx context.Context) context.Context {
	return context.WithValue(ctx, readerKey{}, (*masthead.Member)(nil))
}

// signInSite is what the email templates say about the site.
func (s *Server) signInSite() mail.SiteInfo {
	return mail.SiteInfo{Name: s.cfg.SiteName, BaseURL: s.cfg.BaseURL}
}
