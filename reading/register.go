package reading

import (
	"context"
	"time"

	"masthead"
)

// Registration on the wall: an email and the article it was sent from.
// The rest of that article opens at once in this browser (a registration
// unlock, recorded against the browser's device), the member is created
// unverified, and a sign-in link is emailed; the link verifies the
// address and opens the meter.
//
// The outcome is the same whether the address is new or known, and
// whether or not an email goes out, so the form tells nobody who has an
// account. An address is its mailbox (masthead.MailboxKey): another
// spelling of a member's address is that member. Farming is bounded: a
// browser gets one registration unlock per meter period whatever
// addresses it submits; a mailbox gets one per meter period whatever
// browsers submit it, and a few emails an hour (the limit is shared
// with the sign-in form). A registration refused the instant unlock
// still creates the member and sends the link.
//
// A ticked newsletter box counts only for an address that had no
// account: anyone may type anyone's address, so a registration never
// changes a member's newsletter choices, whatever the box says.

// NewsletterConsentWording is shown beside the wall's newsletter box and
// stored, word for word, with the time, when a reader ticks it.
const NewsletterConsentWording = "Also send me the free newsletter by email. I can unsubscribe at any time."

// Registration is a reader's submission of the wall's email form.
type Registration struct {
	// Article is the live article the form was sent from (LiveArticle).
	Article *masthead.Article
	// Email is the address as typed.
	Email string
	// DeviceHash is the hash of the browser's device token.
	DeviceHash []byte
	// Newsletter is set when the newsletter box was ticked.
	Newsletter bool
	// Return is where the emailed link leads back to.
	Return string
	Now    time.Time
}

// Registered is what became of a registration.
type Registered struct {
	Member *masthead.Member
	// Unlocked reports whether the browser may now read the article.
	Unlocked bool
	// Mailed reports whether a sign-in email was queued (the mailbox
	// was within its limit).
	Mailed bool
}

// Register records a registration in one transaction: the member (with
// the newsletter consent of a new one), the browser's unlock and the
// sign-in email's job, so a crash after the commit does not lose the
// email, and a failure leaves nothing. A bad address is EINVALID.
func (s *Service) Register(ctx context.Context, in Registration) (*Registered, error) {
	if s.deps.Meter == nil || in.Article == nil {
		return nil, errNotFound
	}
	email, err := masthead.NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	reg := masthead.Registration{
		Email: email, ArticleID: in.Article.ID, DeviceHash: in.DeviceHash,
		PeriodStart: s.Policy().PeriodStart(in.Now), Now: in.Now,
	}
	if in.Newsletter && s.deps.Accounts != nil {
		reg.Newsletter, reg.ConsentWording = masthead.NewsletterFree, NewsletterConsentWording
	}
	// Over the mailbox's limit the registration is the same; only the
	// email is not sent.
	if reg.Jobs, err = s.signInJobWithinLimit(ctx, email, in.Return, masthead.PurposeRegistration, in.Now); err != nil {
		return nil, err
	}
	m, unlocked, err := s.deps.Meter.Register(ctx, reg)
	if err != nil {
		return nil, err
	}
	if len(reg.Jobs) > 0 {
		s.jobAdded()
	}
	return &Registered{Member: m, Unlocked: unlocked, Mailed: len(reg.Jobs) > 0}, nil
}
