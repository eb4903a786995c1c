// Package access decides how much of an article a reader may see. The
// decision is one pure function so that every surface that shows article
// text (page, feed, API, search snippet, print view, newsletter link) asks
// the same question and gets the same answer; none re-implements a rule.
//
// Decide does no I/O. The caller gathers the facts about the reader
// (session, entitlements, unlocks, a verified crawler, a gift token) and
// passes them in; Decide applies the rules in one fixed order.
package access

import (
	"time"

	"masthead"
)

// Reason names why a reader got the full text or only the teaser. The words
// are shared by tests, logs, metrics and the dashboard.
type Reason string

// Reasons for the full text.
const (
	ReasonFreeArticle        Reason = "free-article"
	ReasonStaff              Reason = "staff"
	ReasonSubscriber         Reason = "subscriber"
	ReasonInstitution        Reason = "institution"
	ReasonVerifiedCrawler    Reason = "verified-crawler"
	ReasonGiftLink           Reason = "gift-link"
	ReasonUnlocked           Reason = "unlocked"
	ReasonRegistrationUnlock Reason = "registration-unlock"
	// ReasonLicensed: an AI crawler's licence covers the article.
	ReasonLicensed Reason = "licensed"
)

// Reasons for the teaser.
const (
	// ReasonAnonymous: nobody is signed in.
	ReasonAnonymous Reason = "anonymous"
	// ReasonUnverified: a member who has not yet followed a sign-in link;
	// the meter opens once the address is verified.
	ReasonUnverified Reason = "unverified"
	// ReasonMeterAvailable: a verified member with credits left who has not
	// chosen to spend one on this article.
	ReasonMeterAvailable Reason = "meter-available"
	// ReasonMeterExhausted: no credits left this period.
	ReasonMeterExhausted Reason = "meter-exhausted"
	// ReasonSubscribersOnly: the article is for subscribers and the reader
	// is not one; credits never open it.
	ReasonSubscribersOnly Reason = "subscribers-only"
)

// Offer is what the wall proposes to a reader who got the teaser.
type Offer string

// Offers. OfferNone goes with a full decision.
const (
	OfferNone      Offer = ""
	OfferRegister  Offer = "register"  // the email form: keep reading for free
	OfferVerify    Offer = "verify"    // check your inbox for the sign-in link
	OfferUnlock    Offer = "unlock"    // spend one of your free articles on this one
	OfferSubscribe Offer = "subscribe" // the pricing page
)

// Reader is what is known of who is asking. The zero value is an anonymous
// reader with no special standing.
type Reader struct {
	// Member is the signed-in member, nil when anonymous.
	Member *masthead.Member
	// Subscriber is set when the member holds an All-Access entitlement
	// now (paid, trialing, in grace, complimentary or gifted).
	Subscriber bool
	// Institution names the institution whose network or email domain
	// grants access now; empty when none does.
	Institution string
	// VerifiedCrawler is set for a search engine's crawler confirmed by
	// reverse and forward DNS; a user agent alone never sets it.
	VerifiedCrawler bool
	// GiftLink is set when the request carries a valid gift token for
	// this very article, and Giver says who shared it. The link opens
	// the article only while its giver could read it themselves.
	GiftLink bool
	Giver    Giver
	// RegistrationUnlock is set when this browser registered on this very
	// article: the rest opens at once, before the address is verified.
	RegistrationUnlock bool
	// Licence is the licence an AI crawler's request carried, checked
	// (not revoked, not expired); nil for none. It opens the articles
	// its terms cover and nothing else.
	Licence *masthead.Licence
}

// Giver is what is known, now, of the member who shared a gift link.
type Giver struct {
	// Member is the giver, nil when their account is gone.
	Member *masthead.Member
	// Subscriber is set when the giver holds an All-Access entitlement
	// now: paid (within its grace), complimentary, gifted, or a seat of
	// an institution's email domain.
	Subscriber bool
}

// Reads reports whether the giver could read a in full at now by their
// own standing: staff, or an entitlement. A gift link lends that standing
// for one article, so it ends with it: when the subscription ends or
// lapses past its grace, the institution's seat goes, the staff role is
// taken away or the account is deleted, the link opens nothing more. The
// giver's meter does not count: credits are not lent.
func (g Giver) Reads(a *masthead.Article, p Policy, now time.Time) bool {
	if g.Member == nil {
		return false
	}
	return Decide(Reader{Member: g.Member, Subscriber: g.Subscriber}, a, Meter{}, p, now).Full
}

// Meter is the member's free-article state.
type Meter struct {
	// Unlocks are the times of the member's recent unlocks; Decide counts
	// those in the current period. Passing more (older) ones is harmless.
	Unlocks []time.Time
	// Unlocked reports whether the member has unlocked this article, in
	// any period: an unlocked article stays readable for good.
	Unlocked bool
	// Carried counts the credits of the current period spent by an
	// earlier account of the same mailbox, deleted since: deleting an
	// account does not refill the meter. The caller passes only the
	// current period's.
	Carried int
}

// Policy holds the publication's access settings.
type Policy struct {
	// Credits is how many metered articles a verified member may unlock
	// each period.
	Credits int
	// Period is the length of the meter's period: "month" (calendar
	// months) or "week" (weeks starting on Monday).
	Period string
	// Location is the publication's time zone; periods begin at midnight
	// there.
	Location *time.Location
}

// DefaultPolicy is three articles a calendar month in UTC. It is a function
// rather than a variable so that no caller can change it for all.
func DefaultPolicy() Policy { return Policy{Credits: 3, Period: "month", Location: time.UTC} }

// PeriodStart returns the first instant of the meter period holding now.
func (p Policy) PeriodStart(now time.Time) time.Time {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	t := now.In(loc)
	if p.Period == "week" {
		days := (int(t.Weekday()) + 6) % 7 // Monday is day 0
		return time.Date(t.Year(), t.Month(), t.Day()-days, 0, 0, 0, 0, loc)
	}
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
}

// PeriodEnd returns the first instant of the next period.
func (p Policy) PeriodEnd(now time.Time) time.Time {
	start := p.PeriodStart(now)
	if p.Period == "week" {
		return start.AddDate(0, 0, 7)
	}
	return start.AddDate(0, 1, 0)
}

// Used counts the credits spent in the period holding now: the unlocks
// that fall in it and those carried over from a deleted account.
func (p Policy) Used(m Meter, now time.Time) int {
	start, end := p.PeriodStart(now), p.PeriodEnd(now)
	n := max(m.Carried, 0)
	for _, t := range m.Unlocks {
		if !t.Before(start) && t.Before(end) {
			n++
		}
	}
	return n
}

// Decision is the answer: the full text or the teaser, why, how many
// credits remain this period, and what the wall should offer.
type Decision struct {
	Full        bool
	Reason      Reason
	CreditsLeft int
	Offer       Offer
}

// Anonymous reports whether nothing is known of the reader, so that every
// such reader gets the same answer and the response may be shared by
// caches. Any other reader's response is private: a shared cache must never
// hand one reader's full text to another.
func (r Reader) Anonymous() bool { return r == Reader{} }

// Decide returns what reader may see of a at now. It never fails: anything
// it does not recognise gets the teaser, so an unknown access level or a
// missing article closes rather than opens.
func Decide(reader Reader, a *masthead.Article, meter Meter, policy Policy, now time.Time) Decision {
	left := 0
	if reader.Member != nil {
		left = max(policy.Credits-policy.Used(meter, now), 0)
	}
	full := func(r Reason) Decision { return Decision{Full: true, Reason: r, CreditsLeft: left} }
	teaser := func(r Reason, o Offer) Decision { return Decision{Reason: r, CreditsLeft: left, Offer: o} }

	if a == nil {
		return teaser(ReasonAnonymous, OfferRegister)
	}
	if a.Access == masthead.AccessFree {
		return full(ReasonFreeArticle)
	}
	if a.Access != masthead.AccessMetered && a.Access != masthead.AccessSubscribers {
		return teaser(ReasonSubscribersOnly, OfferSubscribe)
	}
	switch {
	case reader.Member != nil && reader.Member.Role.Staff():
		return full(ReasonStaff)
	case reader.Member != nil && reader.Subscriber:
		return full(ReasonSubscriber)
	case reader.Institution != "":
		return full(ReasonInstitution)
	case reader.VerifiedCrawler:
		return full(ReasonVerifiedCrawler)
	case reader.Licence != nil && reader.Licence.Covers(a):
		return full(ReasonLicensed)
	case reader.GiftLink && reader.Giver.Reads(a, policy, now):
		return full(ReasonGiftLink)
	}
	if a.Access == masthead.AccessSubscribers {
		return teaser(ReasonSubscribersOnly, OfferSubscribe)
	}
	// Metered from here on.
	if reader.Member != nil && meter.Unlocked {
		return full(ReasonUnlocked)
	}
	if reader.RegistrationUnlock {
		return full(ReasonRegistrationUnlock)
	}
	switch {
	case reader.Member == nil:
		return teaser(ReasonAnonymous, OfferRegister)
	case reader.Member.VerifiedAt.IsZero():
		return teaser(ReasonUnverified, OfferVerify)
	case left > 0:
		return teaser(ReasonMeterAvailable, OfferUnlock)
	}
	return teaser(ReasonMeterExhausted, OfferSubscribe)
}
