package http

import (
	"net/http"
	"strconv"
	"time"

	"masthead"
	"masthead/http/web"
	"masthead/reading"
)

// Registration on the wall: POST /register with an email and the article
// it was sent from. The use case (reading.Service.Register) writes the
// member, the browser's unlock and the sign-in email's job in one
// transaction; this handler reads the form, counts the client's network,
// gives the browser its device cookie and answers.
//
// The answer is the same redirect whether the address is new or known,
// and whether or not an email went out, so the form tells nobody who has
// an account; the page it leads to shows only whether the mailbox opened
// another article by registering this period. Besides the limits of the
// use case (one registration unlock per browser and per mailbox a meter
// period, a few emails an hour to a mailbox), a client network gets a
// few dozen registrations an hour (netlimit.go).

// registerPerIP bounds registrations from one client network (an IPv4
// address, an IPv6 /64; four times as many from its /24 or /48) per rate
// window (AccountConfig.RateWindow, an hour by default): a household or
// an office registers a few readers, a script registers many.
const registerPerIP = 30

// maxRegisterForm bounds the registration form's body.
const maxRegisterForm = 8 << 10

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxRegisterForm)
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	if !s.reading.Registers() {
		return errNotFound
	}
	ctx := r.Context()
	now := s.clock.Now()
	a, err := s.reading.LiveArticle(ctx, r.PostFormValue("article"), now)
	if err != nil {
		return err
	}
	typed := r.PostFormValue("email")
	if len(typed) > 320 {
		typed = typed[:320]
	}
	if !s.withinNetworkLimit(r, "register", registerPerIP, now) {
		w.Header().Set("Retry-After", strconv.Itoa(int(s.acct.cfg.RateWindow/time.Second)))
		return s.renderArticle(w, r, a, now, wallView{Email: typed, Status: http.StatusTooManyRequests,
			Error: "Too many sign-ups from your network just now. Please try again in an hour."})
	}
	// A bad address comes back on the wall before the browser is given
	// a device.
	if _, err := masthead.NormalizeEmail(typed); err != nil {
		return s.renderArticle(w, r, a, now, wallView{Email: typed, Status: http.StatusBadRequest,
			Error: masthead.ErrorMessage(err)})
	}
	if _, err := s.reading.Register(ctx, reading.Registration{
		Article: a, Email: typed, DeviceHash: s.ensureDevice(w, r),
		Newsletter: r.PostFormValue("newsletter") != "", Return: articlePath(a.Slug), Now: now,
	}); err != nil {
		return err
	}
	s.metrics.Registration()
	s.insights.Record(masthead.InsightRegistration, a.ID, 0)
	w.Header().Set("Location", articlePath(a.Slug)+"?welcome=1")
	w.Header().Set("Cache-Control", web.NoStore)
	w.WriteHeader(http.StatusSeeOther)
	return nil
}
