package http

import (
	"context"
	"net/url"

	"masthead"
	"masthead/mail"
)

// The emails a request promises are jobs (masthead.Job): the request
// writes the job in the transaction of its change, and a worker (package
// jobs) runs the handlers below, after the response, retrying until the
// mail server takes the message.

// JobHandlers returns the site's work for the queue, by kind. cmd/masthead
// registers them on the worker pool of an instance that can send mail.
func (s *Server) JobHandlers() map[string]masthead.JobFunc {
	return map[string]masthead.JobFunc{
		masthead.JobSignInEmail:  s.runSignInEmail,
		masthead.JobGiftEmail:    s.runGiftEmail,
		masthead.JobWelcomeEmail: s.runWelcomeEmail,
	}
}

// jobAdded wakes this instance's workers after a request enqueued a job,
// so the email need not wait for their next poll.
func (s *Server) jobAdded() {
	if s.jobsAdded != nil {
		s.jobsAdded()
	}
}

// runSignInEmail emails a sign-in link to the member of the payload's
// mailbox, at the address the member has (the same inbox, and the
// address the token is bound to); for an address without a member it
// does nothing. The token is made here, at each attempt, so the queue
// never holds one, and it lasts its whole lifetime from when it is sent.
func (s *Server) runSignInEmail(ctx context.Context, j masthead.Job) error {
	var p masthead.SignInEmail
	if err := j.Decode(&p); err != nil {
		return err
	}
	if s.mailer == nil {
		return masthead.Errorf(masthead.EUNAVAILABLE, "no mail server is set up to send the sign-in link with")
	}
	m, err := s.members.MemberByEmail(ctx, p.Email)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	token, hash := masthead.NewToken()
	if err := s.members.CreateSignInToken(ctx, m.Email, hash, s.clock.Now().Add(s.acct.cfg.SignInTTL)); err != nil {
		return err
	}
	link := "/signin?token=" + url.QueryEscape(token)
	if next := safeNext(p.Next); next != "" {
		link += "&next=" + url.QueryEscape(next)
	}
	purpose := mail.PurposeSignIn
	if p.Purpose == masthead.PurposeRegistration {
		purpose = mail.PurposeRegistration
	}
	return s.mailer.Send(ctx, s.transactional(mail.SignIn(s.signInSite(), m.Email, s.abs(link), s.acct.cfg.SignInTTL, purpose)))
}

// runGiftEmail emails a paid gift's redeem link to its recipient, unless
// the gift was redeemed meanwhile.
func (s *Server) runGiftEmail(ctx context.Context, j masthead.Job) error {
	var p masthead.GiftEmail
	if err := j.Decode(&p); err != nil {
		return err
	}
	if s.mailer == nil {
		return masthead.Errorf(masthead.EUNAVAILABLE, "no mail server is set up to send the gift with")
	}
	if s.billing == nil || p.Token == "" {
		return masthead.Errorf(masthead.EINVALID, "gift email: no billing or no token")
	}
	g, err := s.billing.GiftByToken(ctx, masthead.HashToken(p.Token))
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return masthead.Errorf(masthead.EINVALID, "gift email: the gift is gone")
	}
	if err != nil {
		return err
	}
	if !g.RedeemedAt.IsZero() {
		return nil
	}
	return s.mailer.Send(ctx, s.transactional(mail.Gift(s.signInSite(), g.RecipientEmail, s.abs("/gifts/redeem/"+p.Token), g.Months)))
}

// runWelcomeEmail welcomes the member of a completed checkout after its
// first payment, with the receipt's link (the provider's hosted page
// when the checkout read it, else the account page). The job is written
// once, with the checkout's completion; a member who deleted their
// account meanwhile gets nothing (the deletion removes their checkouts).
func (s *Server) runWelcomeEmail(ctx context.Context, j masthead.Job) error {
	var p masthead.WelcomeEmail
	if err := j.Decode(&p); err != nil {
		return err
	}
	if s.mailer == nil {
		return masthead.Errorf(masthead.EUNAVAILABLE, "no mail server is set up to send the welcome with")
	}
	if s.billing == nil {
		return masthead.Errorf(masthead.EINVALID, "welcome email: no billing")
	}
	co, err := s.billing.Checkout(ctx, p.CheckoutID)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil // gone with its member's account
	}
	if err != nil {
		return err
	}
	if co.MemberID == 0 {
		return nil
	}
	m, err := s.members.Member(ctx, co.MemberID)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	plan := "All-Access"
	if p, err := s.billing.Plan(ctx, co.Plan); err == nil {
		plan = p.Name
	}
	return s.mailer.Send(ctx, s.transactional(mail.Welcome(s.signInSite(), m.Email, plan, co.ReceiptURL)))
}
