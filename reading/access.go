package reading

import (
	"context"
	"strings"
	"time"

	"masthead"
)

// What a member's account page says of their All-Access: each way they
// hold it (or held it until lately), with the plan, the price and the
// date that matters, gathered here so the page only formats.

// AccessLine is one way a member holds All-Access: a Stripe subscription,
// a demo's TEST checkout, a gift, a complimentary or an institutional
// grant.
type AccessLine struct {
	Source masthead.EntitlementSource
	// Plan is the plan of a Stripe subscription (by its Price id) or of a
	// demo checkout (named in its note); nil when none matches.
	Plan *masthead.Plan
	// Status is a Stripe subscription's status.
	Status masthead.SubscriptionStatus
	// Renews is when a Stripe subscription that goes on renews: the end
	// of the period paid for.
	Renews time.Time
	// Ends is when access ends: a cancelled subscription's paid period,
	// a grant's end; zero when it does not.
	Ends time.Time
	// Institution names the institution of an institutional grant.
	Institution string
	// Active reports whether it grants access now.
	Active bool
}

// EntitlementLister lists a member's entitlements, current or not, newest
// first. The store implements it beside Entitlements; a service whose
// Entitlements does not leaves grants other than subscriptions off the
// account page.
type EntitlementLister interface {
	MemberEntitlements(ctx context.Context, memberID int64) ([]masthead.EntitlementRecord, error)
}

// AccountAccess lists the ways m holds All-Access at now: the Stripe
// subscriptions that are live or still grant access, then the other
// grants active now (a demo checkout, a gift, complimentary,
// institutional). Subscriptions come first, newest first.
func (s *Service) AccountAccess(ctx context.Context, m *masthead.Member, now time.Time) ([]AccessLine, error) {
	var out []AccessLine
	var plans []masthead.Plan
	if s.deps.Billing != nil {
		var err error
		if plans, err = s.deps.Billing.Plans(ctx, false); err != nil {
			return nil, err
		}
		subs, err := s.deps.Billing.MemberSubscriptions(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		grace := s.cfg.Billing.Grace
		for _, sub := range subs {
			active := masthead.SubscriptionAccess(sub, grace, now)
			if !sub.Live() && !active {
				continue
			}
			if sub.Status == masthead.StatusIncomplete {
				continue
			}
			l := AccessLine{Source: masthead.EntitlementStripe, Status: sub.Status, Active: active}
			for i := range plans {
				if sub.PriceID != "" && plans[i].StripePriceID == sub.PriceID {
					l.Plan = &plans[i]
					break
				}
			}
			switch {
			case sub.Status == masthead.StatusCanceled || sub.CancelAtPeriodEnd:
				if _, end, ok := masthead.SubscriptionWindow(sub, 0); ok {
					l.Ends = end
				}
			case sub.Live() && !sub.PeriodEnd.IsZero():
				l.Renews = sub.PeriodEnd
			}
			out = append(out, l)
		}
	}
	lister, ok := s.deps.Entitlements.(EntitlementLister)
	if !ok {
		return out, nil
	}
	ents, err := lister.MemberEntitlements(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		// A subscription's entitlement is its subscription's line.
		if e.Source == masthead.EntitlementStripe || !e.ActiveAt(now) {
			continue
		}
		l := AccessLine{Source: e.Source, Ends: e.EndsAt, Institution: e.InstitutionName, Active: true}
		if e.Source == masthead.EntitlementDemo {
			// The demo's checkout names its plan in the note it leaves
			// (DemoCheckout).
			for i := range plans {
				if strings.HasPrefix(e.Note, "TEST checkout of "+plans[i].Name+" (") {
					l.Plan = &plans[i]
					break
				}
			}
		}
		out = append(out, l)
	}
	return out, nil
}
