package reading

import (
	"context"
	"errors"
	"time"

	"masthead"
)

// A member's own account: newsletter choices and deletion. Every use
// case here takes the member from the caller's session, never from the
// request's words, so no id in a form or URL can reach another member's
// data.

// NewsletterChoice is a newsletter a member may choose, with the words
// shown beside its box and stored with the choice, and the member's
// current choice.
type NewsletterChoice struct {
	Slug       string
	Name       string
	Wording    string
	Subscribed bool
	Since      time.Time // of the current choice; zero if never made
}

// NewsletterChoices lists the newsletters m may choose at now with m's
// current choices: the newsletters for registered readers, and a
// subscriber's reviews. Without the newsletters' store, the free
// newsletter alone.
func (s *Service) NewsletterChoices(ctx context.Context, m *masthead.Member, now time.Time) ([]NewsletterChoice, error) {
	if s.deps.Newsletters == nil {
		if s.deps.Accounts == nil {
			return nil, nil
		}
		consents, err := s.deps.Accounts.Consents(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		c := NewsletterChoice{Slug: masthead.NewsletterFree, Name: "The free newsletter",
			Wording: "Send me the free newsletter by email. I can unsubscribe at any time."}
		for _, k := range consents { // newest first
			if k.Newsletter == c.Slug {
				c.Subscribed, c.Since = k.Consented, k.At
				break
			}
		}
		return []NewsletterChoice{c}, nil
	}
	cs, err := s.deps.Newsletters.NewsletterChoices(ctx, m.ID, now)
	if err != nil {
		return nil, err
	}
	var out []NewsletterChoice
	for _, c := range cs {
		if !c.Eligible {
			continue
		}
		wording := "Send me " + c.Newsletter.Name + " by email. I can unsubscribe at any time."
		if c.Newsletter.Description != "" {
			wording = "Send me " + c.Newsletter.Name + " by email: " + c.Newsletter.Description + " I can unsubscribe at any time."
		}
		out = append(out, NewsletterChoice{Slug: c.Newsletter.Slug, Name: c.Newsletter.Name, Wording: wording,
			Subscribed: c.Subscribed, Since: c.Since})
	}
	return out, nil
}

// SetNewsletterChoices records m's choices, want[slug] for each newsletter
// on offer: a consent, with the wording beside the box, for each whose
// choice changed, all in one transaction; unchanged choices add nothing.
func (s *Service) SetNewsletterChoices(ctx context.Context, m *masthead.Member, want map[string]bool, now time.Time) error {
	if s.deps.Accounts == nil {
		return errNotFound
	}
	choices, err := s.NewsletterChoices(ctx, m, now)
	if err != nil {
		return err
	}
	var changed []masthead.NewsletterConsent
	for _, c := range choices {
		if want[c.Slug] == c.Subscribed {
			continue
		}
		changed = append(changed, masthead.NewsletterConsent{
			MemberID: m.ID, Newsletter: c.Slug, Consented: want[c.Slug], Wording: c.Wording, At: now,
		})
	}
	if len(changed) == 0 {
		return nil
	}
	return s.deps.Accounts.RecordConsents(ctx, changed)
}

// DeletionBlocked is a deletion refused because a paid subscription could
// not be cancelled; it unwraps to the ECONFLICT whose message says what
// the member can do instead.
type DeletionBlocked struct{ Err *masthead.Error }

func (e *DeletionBlocked) Error() string { return e.Err.Error() }
func (e *DeletionBlocked) Unwrap() error { return e.Err }

// IsDeletionBlocked reports whether err is a *DeletionBlocked.
func IsDeletionBlocked(err error) bool {
	var b *DeletionBlocked
	return errors.As(err, &b)
}

// DeleteAccount removes m's personal data (the store's DeleteAccount
// says what is kept) and ends every session of theirs. Staff accounts
// are closed by an administrator (EFORBIDDEN). The payment provider comes
// first, then the one transaction: a member whose subscription could not
// be cancelled keeps the account (a *DeletionBlocked), so nothing goes
// on billing a row that no longer names anyone.
func (s *Service) DeleteAccount(ctx context.Context, m *masthead.Member, now time.Time) error {
	if s.deps.Accounts == nil {
		return errNotFound
	}
	if m.Role.Staff() {
		return masthead.Errorf(masthead.EFORBIDDEN, "Staff accounts are closed by an administrator.")
	}
	if err := s.cancelSubscriptions(ctx, m); err != nil {
		return err
	}
	policy := s.Policy()
	return s.deps.Accounts.DeleteAccount(ctx, masthead.AccountDeletion{
		MemberID: m.ID, PeriodStart: policy.PeriodStart(now), PeriodEnd: policy.PeriodEnd(now), Now: now,
	})
}

// cancelSubscriptions cancels at the payment provider every subscription
// of m that may still bill.
func (s *Service) cancelSubscriptions(ctx context.Context, m *masthead.Member) error {
	if s.deps.Billing == nil {
		return nil
	}
	subs, err := s.deps.Billing.MemberSubscriptions(ctx, m.ID)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if !sub.Live() {
			continue
		}
		if s.deps.Payments == nil {
			return &DeletionBlocked{masthead.Errorf(masthead.ECONFLICT, "Your account was not deleted: you have a paid subscription that cannot be "+
				"cancelled from here just now. Write to us to cancel it, then delete your account.")}
		}
		if err := s.deps.Payments.CancelSubscription(ctx, sub.ID); err != nil {
			s.log.WarnContext(ctx, "account deletion refused: subscription not cancelled", "member", m.ID, "subscription", sub.ID, "err", err)
			return &DeletionBlocked{masthead.Errorf(masthead.ECONFLICT, "Your account was not deleted: your subscription could not be cancelled "+
				"with our payment provider just now. Cancel it in the billing portal, then delete your account.")}
		}
	}
	return nil
}
