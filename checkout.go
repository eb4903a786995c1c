package masthead

import "time"

// A checkout is one attempt to buy, recorded before the reader is sent
// to the payment provider (or through the demo's test checkout): what
// was chosen, by whom, and, for a reader who was not signed in, the
// address they gave and the hash of a nonce their browser holds in a
// cookie. The payment completes it, once; the member it ends with is the
// signed-in reader who started it, or the member of the paid address,
// matched or created (docs/billing.md, "Subscribing without an
// account"). Only a member created by the checkout is ever signed in,
// and only on the browser holding the nonce.

// CheckoutKind is what a checkout buys.
type CheckoutKind string

// Checkout kinds.
const (
	// CheckoutSubscription is a plan through the payment provider.
	CheckoutSubscription CheckoutKind = "subscription"
	// CheckoutDemo is a plan through the demo's TEST checkout.
	CheckoutDemo CheckoutKind = "demo"
	// CheckoutGift is a gift subscription bought for an address.
	CheckoutGift CheckoutKind = "gift"
)

// Checkout is a checkout as stored.
type Checkout struct {
	ID   int64
	Kind CheckoutKind
	// Plan is the plan's slug (subscriptions); GiftID the gift bought.
	Plan   string
	GiftID int64
	// Email is the address an anonymous reader gave; empty for a
	// signed-in one.
	Email string
	// MemberID is the signed-in reader who started it, and once
	// completed, the member it was completed for.
	MemberID int64
	// Anonymous is set when nobody was signed in at the start.
	Anonymous bool
	// NonceHash is the hash of the nonce the starting browser holds.
	NonceHash []byte
	SessionID string
	// Next is the local path the reader returns to.
	Next      string
	CreatedAt time.Time
	// CompletedAt is when the payment was recorded; zero until then.
	CompletedAt time.Time
	// NewMember is set when the completion created the member.
	NewMember bool
	// SignedInAt is when the starting browser was signed in by it.
	SignedInAt time.Time
	// ReceiptURL is the provider's hosted receipt, when known.
	ReceiptURL string
}

// CheckoutStart asks to record a checkout before the reader pays.
type CheckoutStart struct {
	Kind      CheckoutKind
	Plan      string
	GiftID    int64
	Email     string
	MemberID  int64
	NonceHash []byte
	Next      string
	Now       time.Time
}

// CheckoutCompletion is the payment of a checkout, from the provider's
// webhook, from reading the session back on the reader's return, or from
// the demo's test checkout.
type CheckoutCompletion struct {
	CheckoutID int64
	// SessionID, when set, must be the checkout's session.
	SessionID string
	// Email is the address the provider holds for the payer (its
	// customer's email); empty means the address the reader gave.
	Email      string
	CustomerID string
	ReceiptURL string
	// Subscription, when known, is stored with the completion, so the
	// member has their entitlement in the same transaction.
	Subscription *Subscription
	Grace        time.Duration
	// Demo, for a demo checkout, is the entitlement to grant (its
	// MemberID is filled in).
	Demo *Entitlement
	// SignInJob is enqueued when an anonymous checkout's address
	// belonged to a member already: they sign in by the emailed link.
	SignInJob *Job
	// WelcomeJob is enqueued with the completion of a subscription,
	// once.
	WelcomeJob *Job
	Now        time.Time
}

// CheckoutDone is what a completion did.
type CheckoutDone struct {
	Checkout *Checkout
	// Completed is set when this call completed it; false when it was
	// completed already (nothing changed).
	Completed bool
}

// WelcomeEmail is the payload of a JobWelcomeEmail: the checkout whose
// first payment it welcomes.
type WelcomeEmail struct {
	CheckoutID int64 `json:"checkout_id"`
}

// JobWelcomeEmail emails a new subscriber their welcome and receipt link
// (WelcomeEmail), once per checkout.
const JobWelcomeEmail = "welcome-email"
