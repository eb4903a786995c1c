package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"masthead"
)

// SessionCookie names the cookie that carries a session token. The store
// keeps only the token's hash.
const SessionCookie = "masthead_session"

// Lifetimes of a sign-in link and of the session it opens.
const (
	signInTTL  = time.Hour
	sessionTTL = 30 * 24 * time.Hour
)

// SignInLink makes sure email belongs to a member with role and returns an
// absolute one-time link, valid for an hour, that signs them in to the
// staff area. Only the token's hash is stored, so the link printed here is
// the only copy of the token.
func SignInLink(ctx context.Context, members masthead.MemberService, baseURL, email string, role masthead.Role, now time.Time) (string, error) {
	email, err := masthead.NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	if _, err := members.EnsureMember(ctx, email, role); err != nil {
		return "", fmt.Errorf("admin: sign-in link for %s: %w", email, err)
	}
	token, hash := masthead.NewToken()
	if err := members.CreateSignInToken(ctx, email, hash, now.Add(signInTTL)); err != nil {
		return "", fmt.Errorf("admin: sign-in link for %s: %w", email, err)
	}
	return strings.TrimRight(baseURL, "/") + "/admin/signin?token=" + url.QueryEscape(token), nil
}

// currentMember returns the member of the request's session, or nil when
// there is no live session. Only a failure of the store is an error.
func (h *Handler) currentMember(r *http.Request) (*masthead.Member, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	m, err := h.deps.Members.SessionMember(r.Context(), masthead.HashToken(c.Value))
	switch masthead.ErrorCode(err) {
	case "":
		return m, nil
	case masthead.ENOTFOUND, masthead.EUNAUTHORIZED:
		return nil, nil
	}
	return nil, fmt.Errorf("admin: session: %w", err)
}

// staffPage guards a page: without a staff session the browser is sent
// to the login page.
func (h *Handler) staffPage(fn staffHandler) guarded {
	return guarded{access: AccessStaff, Handler: h.handle(func(w http.ResponseWriter, r *http.Request) error {
		me, err := h.currentMember(r)
		if err != nil {
			return err
		}
		if me == nil || !me.Role.Staff() {
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return nil
		}
		return fn(w, r, me)
	})}
}

// staffAPI guards an endpoint called by script: without a staff session
// it answers 401, as a redirect to a page would be useless to a fetch.
func (h *Handler) staffAPI(fn staffHandler) guarded {
	return guarded{access: AccessStaff, Handler: h.handle(func(w http.ResponseWriter, r *http.Request) error {
		me, err := h.currentMember(r)
		if err != nil {
			return err
		}
		if me == nil || !me.Role.Staff() {
			return masthead.Errorf(masthead.EUNAUTHORIZED, "Sign in to the staff area first.")
		}
		return fn(w, r, me)
	})}
}

// adminOnly narrows a staff handler to admins.
func (h *Handler) adminOnly(fn staffHandler) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		if me.Role != masthead.RoleAdmin {
			return masthead.Errorf(masthead.EFORBIDDEN, "This page is for administrators.")
		}
		return fn(w, r, me)
	}
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) error {
	if me, err := h.currentMember(r); err == nil && me != nil && me.Role.Staff() {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return nil
	}
	v := &loginView{page: h.page(r, nil, "Sign in")}
	return h.render(w, http.StatusOK, "login", v)
}

// loginSubmit answers the same for every well-formed address, so the form
// cannot be used to learn who is on the staff. Until email sending
// exists, the page says where a link can be had.
func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	v := &loginView{page: h.page(r, nil, "Sign in"), Email: r.PostFormValue("email")}
	if _, err := masthead.NormalizeEmail(v.Email); err != nil {
		v.Error = masthead.ErrorMessage(err)
		return h.render(w, http.StatusUnprocessableEntity, "login", v)
	}
	v.Sent = true
	return h.render(w, http.StatusOK, "login", v)
}

// signInForm shows a button and spends nothing: mail scanners and link
// previews open links, and must not use up a one-time token.
func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	if token == "" {
		return h.signInFailed(w, r)
	}
	v := &signInView{page: h.page(r, nil, "Sign in"), Token: token}
	return h.render(w, http.StatusOK, "signin", v)
}

func (h *Handler) signInSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	token := r.PostFormValue("token")
	if token == "" {
		return h.signInFailed(w, r)
	}
	m, err := h.deps.Members.ConsumeSignInToken(r.Context(), masthead.HashToken(token))
	switch masthead.ErrorCode(err) {
	case "":
	case masthead.EUNAUTHORIZED, masthead.ENOTFOUND:
		return h.signInFailed(w, r)
	default:
		return fmt.Errorf("admin: sign in: %w", err)
	}
	if !m.Role.Staff() {
		return masthead.Errorf(masthead.EFORBIDDEN, "Your account has no access to the staff area.")
	}
	session, hash := masthead.NewToken()
	now := h.now()
	if err := h.deps.Members.CreateSession(r.Context(), m.ID, hash, now.Add(sessionTTL)); err != nil {
		return fmt.Errorf("admin: sign in member %d: %w", m.ID, err)
	}
	http.SetCookie(w, h.sessionCookie(r, session, now.Add(sessionTTL)))
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
	return nil
}

// signInFailed explains a bad link without saying which way it was bad:
// unknown, spent and expired tokens look the same from outside.
func (h *Handler) signInFailed(w http.ResponseWriter, r *http.Request) error {
	v := &messageView{
		page:     h.page(r, nil, "Sign-in link not valid"),
		Heading:  "This sign-in link is not valid",
		Message:  "It may have expired (links last an hour), or it was already used: each link works once. Ask for a new one.",
		Link:     "/admin/login",
		LinkText: "Get a new sign-in link",
	}
	return h.render(w, http.StatusUnauthorized, "message", v)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		err := h.deps.Members.DeleteSession(r.Context(), masthead.HashToken(c.Value))
		if err != nil && masthead.ErrorCode(err) != masthead.ENOTFOUND {
			return fmt.Errorf("admin: sign out: %w", err)
		}
	}
	c := h.sessionCookie(r, "", time.Time{})
	c.MaxAge = -1
	http.SetCookie(w, c)
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
	return nil
}

// sessionCookie builds the staff session cookie. It is Secure, as the
// reader's is, when the request came over TLS, when the site's public
// address is https (a TLS-terminating proxy in front speaks plain HTTP to
// us) or when SecureCookies says so: a staff session must never travel
// in clear.
func (h *Handler) sessionCookie(r *http.Request, value string, expires time.Time) *http.Cookie {
	c := &http.Cookie{
		Name:     SessionCookie,
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   h.secureCookies || r.TLS != nil,
	}
	if !expires.IsZero() {
		c.Expires = expires
		c.MaxAge = int(expires.Sub(h.now()).Seconds())
	}
	return c
}

// parseForm reads a POST body of at most limit bytes.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("admin: parse form: %w", formError(err))
	}
	return nil
}
