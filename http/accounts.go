package http

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"masthead"
	"masthead/http/web"
	"masthead/mail"
	"masthead/reading"
)

// accountState is what the account handlers keep beside the Server: the
// settings with their defaults (reading.AccountConfig, the use cases').
type accountState struct {
	cfg AccountConfig
}

// ccPersonal is the Cache-Control of pages that show a member's own data:
// private, and not even kept by the browser's cache, since a shared
// computer's next user could open it from there.
const ccPersonal = "private, no-store"

// personal adapts the handler of a page about the reader's own account:
// the session is resolved (action does that) and the response is never
// stored by any cache.
func (s *Server) personal(h web.HandlerFunc) http.Handler {
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
func (s *Server) signedIn(h memberHandler) web.HandlerFunc {
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

// withinLimit applies one of the rate limits, counted where the use
// cases count theirs (reading.Service.WithinLimit).
func (s *Server) withinLimit(r *http.Request, key string, limit int, now time.Time) bool {
	return s.reading.WithinLimit(r.Context(), key, limit, now)
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

// setSession gives this browser the cookie of a session a use case
// started.
func (s *Server) setSession(w http.ResponseWriter, r *http.Request, sess *reading.Session) {
	http.SetCookie(w, s.sessionCookie(r, sess.Token, sess.Expires))
}

// sessionHash returns the hash of the browser's session token, or nil
// when it has none: a sign-in ends that session, so it never leaves a
// stale one behind.
func sessionHash(r *http.Request) []byte {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return masthead.HashToken(c.Value)
	}
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

// transactional is e from the sender in force: with Config.Sender set,
// its address under the name the site settings give the site.
func (s *Server) transactional(e masthead.Email) masthead.Email {
	if s.cfg.Sender == "" {
		return e
	}
	from := masthead.RenameSender(s.cfg.Sender, s.site().name)
	if from == s.cfg.Sender {
		return e
	}
	h := maps.Clone(e.Headers)
	if h == nil {
		h = map[string]string{}
	}
	h["From"] = from
	e.Headers = h
	return e
}

// signInSite is what the email templates say about the site.
func (s *Server) signInSite() mail.SiteInfo {
	return mail.SiteInfo{Name: s.site().name, BaseURL: s.cfg.BaseURL}
}
