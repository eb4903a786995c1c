package http

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"masthead"
	"masthead/reading"
)

// Reader sign-in: an emailed one-time link, or a password for those who set
// one. Both end in a server-side session whose token only the browser's
// cookie holds.
//
// The use cases are reading.Service's (SignInWithPassword,
// RequestSignInLink, SignInWithLink); these handlers read the forms,
// count the client's network and keep the session in a cookie.
//
// The email form answers the same page whatever the address: known or
// not, rate-limited or not. For an unknown address nothing is sent (the
// page says how to register instead), so the form can neither tell who
// has an account nor send mail to an address nobody registered. The
// request only enqueues a job, the same for every address; the lookup,
// the token and the email happen in the worker (jobs.go), so even the
// response time says nothing.

// maxLoginForm bounds the sign-in forms' bodies.
const maxLoginForm = 8 << 10

type loginPage struct {
	base
	Next         string
	Email        string
	Error        string // the form's message, beside the fields
	PasswordOpen bool   // show the password form unfolded
	SignedOut    bool
}

type signInPage struct {
	base
	Token string
	Next  string
}

// noticePage is a message with, optionally, one link and the form that
// asks for a new sign-in link.
type noticePage struct {
	base
	Heading  string
	Message  string
	Link     string
	LinkText string
	NewLink  bool   // offer the "email me a new link" form
	Next     string // for that form
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if member(r) != nil {
		return redirect(w, cmp.Or(next, "/account"))
	}
	v := &loginPage{base: s.accountBase(r, "Log in", "/login"), Next: next}
	v.SignedOut = r.URL.Query().Get("signedout") != ""
	return s.render(w, "login", v)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	now := s.clock.Now()
	v := &loginPage{base: s.accountBase(r, "Log in", "/login"), Next: safeNext(r.PostFormValue("next"))}
	v.Email = r.PostFormValue("email")
	if len(v.Email) > 320 {
		v.Email = v.Email[:320]
	}
	password := r.PostFormValue("password")
	withPassword := r.PostFormValue("with") == "password"
	v.PasswordOpen = withPassword

	// The client's limit comes first: a flood from one network gets a
	// 429 whatever it sends (netlimit.go).
	if !s.withinNetworkLimit(r, "signin", s.acct.cfg.SignInPerIP, now) {
		return s.tooMany(w, r, "Too many sign-in attempts from your network just now. Please try again in an hour.")
	}
	email, err := masthead.NormalizeEmail(v.Email)
	if err != nil {
		v.Error = masthead.ErrorMessage(err)
		w.WriteHeader(http.StatusBadRequest)
		return s.render(w, "login", v)
	}

	if withPassword {
		// Counted per mailbox, bounded by the hashing slots, and an
		// institution's access opened as a link does (reading).
		sess, err := s.reading.SignInWithPassword(r.Context(), reading.PasswordSignIn{
			Email: email, Password: password, OldSession: sessionHash(r), Now: now})
		var limit *reading.LimitError
		switch {
		case errors.As(err, &limit):
			return s.tooMany(w, r, limit.Message)
		case errors.Is(err, reading.ErrBusy):
			return s.hashingBusy(w, r)
		case masthead.ErrorCode(err) == masthead.EUNAUTHORIZED:
			v.Error = masthead.ErrorMessage(err)
			w.WriteHeader(http.StatusUnauthorized)
			return s.render(w, "login", v)
		case err != nil:
			return err
		}
		s.setSession(w, r, sess)
		return redirect(w, cmp.Or(v.Next, "/"))
	}

	// The address limit is shared with registration, so the two forms
	// together cannot flood one inbox. Over it, the page is the same and
	// nothing is sent. Known address or not, the request writes the
	// same job; the worker looks the member up.
	if err := s.reading.RequestSignInLink(r.Context(), email, v.Next, now); err != nil {
		return err
	}
	n := &noticePage{base: s.accountBase(r, "Check your inbox", "/login")}
	s.loginSentNotice(n, email)
	return s.render(w, "notice", n)
}

// handleSignInForm shows the button that completes a sign-in. It spends
// nothing: mail scanners and link previews open links on their own, and
// must not use up a one-time token.
func (s *Server) handleSignInForm(w http.ResponseWriter, r *http.Request) error {
	// The token is in this page's URL: no Referer may carry it away.
	w.Header().Set("Referrer-Policy", "no-referrer")
	q := r.URL.Query()
	token, next := q.Get("token"), safeNext(q.Get("next"))
	if token == "" || len(token) > 200 {
		return s.signInFailed(w, r, next)
	}
	v := &signInPage{base: s.accountBase(r, "Sign in", "/signin"), Token: token, Next: next}
	v.Canonical = ""
	return s.render(w, "signin", v)
}

// handleSignIn spends the token: single use, bound to the address it was
// sent to, which it marks verified. The session follows, and the reader
// goes back where they came from.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	token, next := r.PostFormValue("token"), safeNext(r.PostFormValue("next"))
	sess, err := s.reading.SignInWithLink(r.Context(), token, sessionHash(r), s.clock.Now())
	switch masthead.ErrorCode(err) {
	case "":
	case masthead.EUNAUTHORIZED:
		return s.signInFailed(w, r, next)
	default:
		return err
	}
	s.setSession(w, r, sess)
	return redirect(w, s.pickerAfterSignIn(r, sess.Member, next))
}

// signInFailed explains a bad link without saying which way it was bad
// (unknown, spent and expired tokens look the same from outside) and
// offers a new one.
func (s *Server) signInFailed(w http.ResponseWriter, r *http.Request, next string) error {
	v := &noticePage{
		base:    s.accountBase(r, "Sign-in link not valid", "/signin"),
		Heading: "This sign-in link is not valid",
		Message: "It may have expired (links last " + minutes(s.acct.cfg.SignInTTL) + "), it was already used (each link works once), " +
			"or it was copied incompletely. Enter your email address to get a new one.",
		NewLink: true,
		Next:    next,
	}
	v.Canonical = ""
	w.WriteHeader(http.StatusUnauthorized)
	return s.render(w, "notice", v)
}

// handleLogout ends this browser's session.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.members.DeleteSession(r.Context(), masthead.HashToken(c.Value)); err != nil {
			return fmt.Errorf("http: sign out: %w", err)
		}
	}
	http.SetCookie(w, s.sessionCookie(r, "", time.Time{}))
	return redirect(w, "/")
}

// tooMany answers 429 with a page saying why and when to come back.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, msg string) error {
	v := &noticePage{base: s.accountBase(r, "Too many attempts", "/login"), Heading: "Too many attempts", Message: msg}
	v.Canonical = ""
	w.Header().Set("Retry-After", strconv.Itoa(int(s.acct.cfg.RateWindow/time.Second)))
	w.WriteHeader(http.StatusTooManyRequests)
	return s.render(w, "notice", v)
}

// minutes says a duration the way the emails and pages do.
func minutes(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		if d == time.Hour {
			return "an hour"
		}
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	}
	return strconv.Itoa(int(d/time.Minute)) + " minutes"
}
