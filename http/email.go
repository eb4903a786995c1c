package http

import (
	"strconv"

	"masthead"
)

// What a reader is told after asking for an email follows Config.Email:
// when no email can leave, the page says so instead of promising a
// link. The words never depend on whether the address has an account,
// so they tell nobody who has one.

// emailSends reports whether an email handed to the Mailer now reaches
// someone (a mailbox, or the demo's outbox).
func (s *Server) emailSends() bool { return s.cfg.Email.Sends() }

// welcomeFlash is the note on the article a reader has just registered
// on; open says whether the reader may read it. A registration refused
// the instant unlock because the browser used its own this period and
// one refused because the mailbox did get the same words.
func (s *Server) welcomeFlash(wall wallView, open bool) string {
	offer := strconv.Itoa(wall.Credits) + " free articles of your choice every " + wall.Period + "."
	if !s.emailSends() {
		first := "This article is open for you in this browser. "
		if !open {
			first = ""
		}
		return first + "We cannot send email right now, so the link " +
			"that confirms your address has not gone out; once we can, ask for one under “Log in” to get " + offer
	}
	return "We have emailed you a link to sign in. Follow it to confirm your address and get " + offer
}

// loginSentNotice is the page after "email me a sign-in link".
func (s *Server) loginSentNotice(n *noticePage, email string) {
	if !s.emailSends() {
		n.Heading = "We cannot send email right now"
		n.Title = n.Heading
		n.Message = "No sign-in link can reach " + email + " until we can. Please try again later"
		if s.accounts != nil {
			n.Message += ", or log in with your password if you have set one"
		}
		n.Message += "."
		return
	}
	n.Heading = "Check your inbox"
	n.Message = "If " + email + " has an account with us, a sign-in link is on its way. It works once, for " +
		minutes(s.acct.cfg.SignInTTL) + ". No account yet? Open any article and enter your email to register."
}

// giftRedeemedNote ends the sentence that says a gift went to an address
// for a reader who is not signed in.
func (s *Server) giftRedeemedNote() string {
	if !s.emailSends() {
		return "We cannot send email right now, so no sign-in link has reached that address; log in with it once we can."
	}
	return "We sent a sign-in link to that address."
}

// giftPaidNote is the pricing page's note after a gift is paid.
func (s *Server) giftPaidNote() string {
	if !s.emailSends() {
		return "Thank you: your gift is paid. We cannot send email right now, so its redeem link has not reached " +
			"its recipient; the gift is kept for them."
	}
	return pricingMessages["gift-sent"]
}

// defaultEmailMode is Config.Email when the caller leaves it unset: a
// site with a Mailer sends, one without cannot.
func defaultEmailMode(m masthead.Mailer) masthead.EmailMode {
	if m == nil {
		return masthead.EmailNone
	}
	return masthead.EmailSMTP
}
