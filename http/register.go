package http

import (
	"net/http"
	"strconv"
	"time"

	"masthead"
	"masthead/mail"
)

// Registration on the wall: POST /register with an email and the article
// it was sent from. The rest of that article opens at once in this browser
// (a registration unlock, recorded against the browser's device cookie),
// the member is created unverified, and a sign-in link is emailed; the
// link verifies the address and opens the meter.
//
// The answer is the same redirect whether the address is new or known,
// and whether or not an email went out, so the form tells nobody who has
// an account; the page it leads to shows only whether the mailbox opened
// another article by registering this period. An address is its mailbox (masthead.MailboxKey): another
// spelling of a member's address is that member, and the link goes to the
// address they registered with. Farming is bounded four ways: a browser
// gets one registration unlock per meter period whatever addresses it
// submits; a mailbox gets one per meter period whatever browsers submit
// it, and a few emails an hour; a client network a few dozen
// registrations an hour (netlimit.go). A registration refused the
// instant unlock still creates the member and sends the link, and the
// page tells the reader to follow it, in the same words for both rules.
//
// A ticked newsletter box counts only for an address that had no account:
// anyone may type anyone's address here, so a registration never changes
// a member's newsletter choices, whatever the box says.

// newsletterConsentWording is shown beside the newsletter box and stored,
// word for word, with the time, when a reader ticks it.
const newsletterConsentWording = "Also send me the free newsletter by email. I can unsubscribe at any time."

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
	if s.meter == nil {
		return errNotFound
	}
	ctx := r.Context()
	now := s.clock.Now()
	slug := r.PostFormValue("article")
	if !masthead.ValidSlug(slug) {
		return errNotFound
	}
	a, err := s.articles.Article(ctx, slug)
	if err != nil {
		return err
	}
	if !a.LiveAt(now) {
		return errNotFound
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
	email, err := masthead.NormalizeEmail(typed)
	if err != nil {
		return s.renderArticle(w, r, a, now, wallView{Email: typed, Status: http.StatusBadRequest,
			Error: masthead.ErrorMessage(err)})
	}

	device := s.ensureDevice(w, r)
	reg := masthead.Registration{
		Email: email, ArticleID: a.ID, DeviceHash: device,
		PeriodStart: s.policy().PeriodStart(now), Now: now,
	}
	if r.PostFormValue("newsletter") != "" && s.accounts != nil {
		reg.Newsletter, reg.ConsentWording = masthead.NewsletterFree, newsletterConsentWording
	}
	// The mailbox limit is shared with the sign-in form, so the two
	// together cannot be used to flood one inbox. Over the limit, the
	// reader sees the same page; only the email is not sent. The email
	// is a job in the registration's transaction: it is sent after the
	// response, so its time says nothing, and a crash after the commit
	// does not lose it.
	mailed := s.withinLimit(r, signInAddressKey(email), s.acct.cfg.SignInPerAddress, now)
	if mailed {
		j, err := signInEmailJob(email, articlePath(a.Slug), mail.PurposeRegistration, now)
		if err != nil {
			return err
		}
		reg.Jobs = append(reg.Jobs, j)
	}
	if _, _, err := s.meter.Register(ctx, reg); err != nil {
		return err
	}
	if mailed {
		s.jobAdded()
	}
	s.metrics.Registration()
	s.insights.Record(masthead.InsightRegistration, a.ID, 0)
	w.Header().Set("Location", articlePath(a.Slug)+"?welcome=1")
	w.Header().Set("Cache-Control", ccNoStore)
	w.WriteHeader(http.StatusSeeOther)
	return nil
}

// signInAddressKey is the rate-limit key of the emails sent to one
// mailbox, whichever spelling of its address asked.
func signInAddressKey(email string) string { return "signin:address:" + masthead.MailboxKey(email) }
