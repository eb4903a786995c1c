package masthead

import (
	"context"
	"time"
)

// Unlock is a metered article a member chose to open with one of their
// free credits. It stays open for good, on every device.
type Unlock struct {
	ArticleID int64
	Slug      string
	Title     string
	At        time.Time
}

// EntitlementSource says where an All-Access entitlement comes from.
type EntitlementSource string

// Entitlement sources. Billing adds rows from Stripe; staff grant
// complimentary ones; the demo seeds its own.
const (
	EntitlementStripe        EntitlementSource = "stripe"
	EntitlementComplimentary EntitlementSource = "complimentary"
	EntitlementGift          EntitlementSource = "gift"
	EntitlementDemo          EntitlementSource = "demo"
	// EntitlementInstitution is granted to a member who verified an
	// address at an institution's domain (institution.go).
	EntitlementInstitution EntitlementSource = "institution"
)

// Valid reports whether s is a known source.
func (s EntitlementSource) Valid() bool {
	switch s {
	case EntitlementStripe, EntitlementComplimentary, EntitlementGift, EntitlementDemo, EntitlementInstitution:
		return true
	}
	return false
}

// Entitlement grants a member All-Access reading from StartsAt until
// EndsAt; a zero EndsAt never ends.
type Entitlement struct {
	ID       int64
	MemberID int64
	Source   EntitlementSource
	StartsAt time.Time
	EndsAt   time.Time
	Note     string
}

// ActiveAt reports whether e grants access at now.
func (e *Entitlement) ActiveAt(now time.Time) bool {
	return !now.Before(e.StartsAt) && (e.EndsAt.IsZero() || now.Before(e.EndsAt))
}

// EntitlementService answers whether a member is a subscriber.
type EntitlementService interface {
	// Entitled reports whether the member holds an entitlement active
	// at now.
	Entitled(ctx context.Context, memberID int64, now time.Time) (bool, error)
	// GrantEntitlement stores a new entitlement.
	GrantEntitlement(ctx context.Context, e Entitlement) (*Entitlement, error)
}

// Registration is a reader's submission of the wall's email form: the
// address, the article it was sent from, and the browser it came from
// (the hash of its device cookie).
type Registration struct {
	Email      string
	ArticleID  int64
	DeviceHash []byte
	// PeriodStart is the start of the meter period holding now: a device
	// gets at most one registration unlock per period, whatever
	// addresses it submits, and a mailbox one, whatever devices submit
	// it.
	PeriodStart time.Time
	Now         time.Time
	// Newsletter, when set, is the slug of the newsletter whose box was
	// ticked, and ConsentWording the words beside it. The consent is
	// recorded only when this registration creates the member: an
	// existing member's choices are changed by that member alone.
	Newsletter     string
	ConsentWording string
	// Jobs are enqueued in the registration's transaction (the sign-in
	// email), so they exist exactly when the registration does.
	Jobs []Job
}

// MeterState is what the access decision needs to know of a member's
// free articles: the times of their unlocks since a period's start,
// whether one article is unlocked (in any period), and the credits of
// that period an earlier account of the same mailbox spent before it was
// deleted.
type MeterState struct {
	Unlocks  []time.Time
	Unlocked bool
	Carried  int
}

// MeterService keeps the free-article meter: members' unlocks spent with
// credits, and the registration unlocks that open one article to a
// browser at the moment it registers.
type MeterService interface {
	// MeterState returns the member's unlock times since since and
	// whether articleID is unlocked.
	MeterState(ctx context.Context, memberID, articleID int64, since time.Time) (MeterState, error)
	// SpendCredit unlocks articleID for the member unless it is already
	// unlocked, provided fewer than credits unlocks were made since
	// since; it reports whether a credit was spent. Concurrent calls
	// for one member spend at most what the limit allows. An exhausted
	// meter is EPAYMENTREQUIRED.
	SpendCredit(ctx context.Context, memberID, articleID int64, since time.Time, credits int, now time.Time) (bool, error)
	// MemberUnlocks lists the member's unlocked articles, newest first.
	MemberUnlocks(ctx context.Context, memberID int64) ([]Unlock, error)
	// Register finds the member whose mailbox r.Email reaches
	// (MailboxKey) or creates one, unverified, and records a
	// registration unlock of r.ArticleID for the device unless the
	// device or the mailbox (any spelling, any device, or an account of
	// it deleted in the period) already had one for another article this
	// period. It reports whether the device may now read the article.
	// The member returned may have another spelling of the address.
	Register(ctx context.Context, r Registration) (*Member, bool, error)
	// RegistrationUnlocked reports whether the device registered on
	// articleID.
	RegistrationUnlocked(ctx context.Context, deviceHash []byte, articleID int64) (bool, error)
}
