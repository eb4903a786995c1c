// Package access decides how much of an article a reader may see. The
// decision is one pure function so that every surface that shows article
// text (page, feed, API, search snippet, newsletter link) asks the same
// question and gets the same answer; none re-implements a rule.
package access

import (
	"time"

	"masthead"
)

// Reason names why a reader got the full text or only the teaser. The words
// are shared by tests, logs and the dashboard.
type Reason string

// Reasons. Only free-article, staff and anonymous are reached today; the
// others name the rules that registration, the meter, subscriptions,
// institutions, gift links and crawler verification will add.
const (
	ReasonFreeArticle        Reason = "free-article"
	ReasonStaff              Reason = "staff"
	ReasonSubscriber         Reason = "subscriber"
	ReasonInstitution        Reason = "institution"
	ReasonUnlocked           Reason = "unlocked"
	ReasonRegistrationUnlock Reason = "registration-unlock"
	ReasonGiftLink           Reason = "gift-link"
	ReasonVerifiedCrawler    Reason = "verified-crawler"
	ReasonMeterExhausted     Reason = "meter-exhausted"
	ReasonAnonymous          Reason = "anonymous"
)

// Offer is what the wall proposes to a reader who got the teaser.
type Offer string

// Offers. OfferNone goes with a full decision.
const (
	OfferNone      Offer = ""
	OfferRegister  Offer = "register"
	OfferUnlock    Offer = "unlock"
	OfferSubscribe Offer = "subscribe"
)

// Reader is who is asking. A nil Member is an anonymous reader.
type Reader struct {
	Member *masthead.Member
}

// Meter is the reader's free-article state for the current period. It is
// the zero value until the meter exists.
type Meter struct {
	// Used counts credits spent in the current period.
	Used int
	// Unlocked reports whether the reader already unlocked this article,
	// so opening it again never spends a second credit.
	Unlocked bool
}

// Policy holds the publication's access settings.
type Policy struct {
	// Credits is how many metered articles a verified registered reader
	// may unlock each period.
	Credits int
}

// DefaultPolicy is three articles a month, as DESIGN.md describes. It is a
// function rather than a variable so that no caller can change it for all.
func DefaultPolicy() Policy { return Policy{Credits: 3} }

// Decision is the answer: the full text or the teaser, why, how many
// credits remain, and what the wall should offer.
type Decision struct {
	Full        bool
	Reason      Reason
	CreditsLeft int
	Offer       Offer
}

// Decide returns what reader may see of a at now. It never fails: anything
// it does not recognise gets the teaser, so an unknown access level or a
// missing article closes rather than opens.
func Decide(reader Reader, a *masthead.Article, meter Meter, policy Policy, now time.Time) Decision {
	_ = now // the meter period and subscription expiry will need it
	left := max(policy.Credits-meter.Used, 0)
	if a == nil {
		return Decision{Reason: ReasonAnonymous, CreditsLeft: left, Offer: OfferRegister}
	}
	if a.Access == masthead.AccessFree {
		return Decision{Full: true, Reason: ReasonFreeArticle, CreditsLeft: left}
	}
	if reader.Member != nil && reader.Member.Role.Staff() {
		return Decision{Full: true, Reason: ReasonStaff, CreditsLeft: left}
	}
	// Subscribers-only articles are never opened by registration or
	// credits, so the wall offers only a subscription.
	if a.Access != masthead.AccessMetered {
		return Decision{Reason: ReasonAnonymous, CreditsLeft: left, Offer: OfferSubscribe}
	}
	// Registration, the meter and subscriptions come later; until then
	// every other reader, signed in or not, is offered registration.
	return Decision{Reason: ReasonAnonymous, CreditsLeft: left, Offer: OfferRegister}
}
