package masthead

import (
	"context"
	"strings"
	"time"
)

// Billing: the plans a reader can buy, the subscriptions a payment
// provider (Stripe) keeps for them, and gift subscriptions. Access is never
// decided from a subscription directly: each one is materialised into an
// Entitlement whose window is SubscriptionWindow's answer, written in the
// same transaction as the subscription's state, so Entitled, the one-query
// reader state and access.Decide stay the only path.

// PlanInterval is how often a plan bills.
type PlanInterval string

// Plan intervals.
const (
	IntervalMonth PlanInterval = "month"
	IntervalYear  PlanInterval = "year"
)

// Plan is an All-Access offer shown on the pricing page. Amount is in the
// currency's minor unit (cents).
type Plan struct {
	Slug      string
	Name      string
	Interval  PlanInterval
	Amount    int64
	Currency  string // ISO 4217, lower case
	TrialDays int
	// StripePriceID is the Stripe Price checkout uses; empty means
	// checkout describes the price inline from Amount, Currency and
	// Interval.
	StripePriceID string
	Active        bool
	Position      int
}

// Validate checks a plan before it is saved.
func (p *Plan) Validate() error {
	p.Currency = strings.ToLower(strings.TrimSpace(p.Currency))
	p.Name = strings.TrimSpace(p.Name)
	p.StripePriceID = strings.TrimSpace(p.StripePriceID)
	switch {
	case p.Slug == "":
		return Errorf(EINVALID, "A plan needs a slug.")
	case p.Name == "":
		return Errorf(EINVALID, "A plan needs a name.")
	case p.Interval != IntervalMonth && p.Interval != IntervalYear:
		return Errorf(EINVALID, "A plan bills monthly or yearly.")
	case p.Amount <= 0 || p.Amount > 100_000_00:
		return Errorf(EINVALID, "The price must be more than zero and at most 100,000.")
	case len(p.Currency) != 3 || strings.Trim(p.Currency, "abcdefghijklmnopqrstuvwxyz") != "":
		return Errorf(EINVALID, "The currency must be a three-letter ISO code such as usd or eur.")
	case p.TrialDays < 0 || p.TrialDays > 730:
		return Errorf(EINVALID, "Trial days must be between 0 and 730.")
	case p.StripePriceID != "" && !strings.HasPrefix(p.StripePriceID, "price_"):
		return Errorf(EINVALID, "A Stripe price id starts with price_.")
	}
	return nil
}

// SubscriptionStatus is Stripe's status of a subscription.
type SubscriptionStatus string

// Subscription statuses, as Stripe names them.
const (
	StatusActive            SubscriptionStatus = "active"
	StatusTrialing          SubscriptionStatus = "trialing"
	StatusPastDue           SubscriptionStatus = "past_due"
	StatusCanceled          SubscriptionStatus = "canceled"
	StatusUnpaid            SubscriptionStatus = "unpaid"
	StatusIncomplete        SubscriptionStatus = "incomplete"
	StatusIncompleteExpired SubscriptionStatus = "incomplete_expired"
	StatusPaused            SubscriptionStatus = "paused"
)

// Subscription is the state of one paid subscription as the payment
// provider last reported it.
type Subscription struct {
	ID         string // the provider's id, sub_…
	MemberID   int64
	CustomerID string
	PriceID    string
	Status     SubscriptionStatus
	// StartedAt is when the subscription began.
	StartedAt time.Time
	// PeriodStart and PeriodEnd bound the current billing period: what
	// was (or is being) paid for.
	PeriodStart, PeriodEnd time.Time
	CancelAtPeriodEnd      bool
	CanceledAt, EndedAt    time.Time
	// PaymentFailed is set when the provider ended the subscription
	// because payments failed (or were disputed) rather than at the
	// reader's request: the current period was then never paid.
	PaymentFailed bool
	// CheckoutID is the checkout that bought it, when the provider's
	// metadata names one (a subscription bought without an account).
	CheckoutID int64
	// Version is the provider's time of the state: the event's creation
	// time, or the time it was read back from the provider. An older
	// state never replaces a newer one.
	Version time.Time
}

// SubscriptionWindow computes the entitlement a subscription grants: from
// start until end (end after start), or ok=false for none. The rules:
//
//   - active and trialing grant access to the end of the current period
//     plus grace, so a renewal the provider reports late never cuts a
//     paying reader off; when it renews, the new period moves the end;
//     with cancel_at_period_end set, access ends with the period;
//   - past_due keeps access for grace from the start of the period whose
//     payment failed;
//   - canceled keeps access until the end of the paid period; when it was
//     canceled because payments failed, that period was not paid, and
//     access is as for past_due;
//   - unpaid, incomplete, incomplete_expired, paused and anything unknown
//     grant nothing.
func SubscriptionWindow(s Subscription, grace time.Duration) (start, end time.Time, ok bool) {
	start = s.StartedAt
	if start.IsZero() || (!s.PeriodStart.IsZero() && s.PeriodStart.Before(start)) {
		start = s.PeriodStart
	}
	if start.IsZero() || s.PeriodEnd.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	switch s.Status {
	case StatusActive, StatusTrialing:
		end = s.PeriodEnd
		if !s.CancelAtPeriodEnd {
			end = end.Add(grace)
		}
	case StatusPastDue:
		end = s.PeriodStart.Add(grace)
	case StatusCanceled:
		end = s.PeriodEnd
		if s.PaymentFailed {
			if g := s.PeriodStart.Add(grace); g.Before(end) {
				end = g
			}
		}
	default:
		return time.Time{}, time.Time{}, false
	}
	if !end.After(start) {
		return time.Time{}, time.Time{}, false
	}
	return start, end, true
}

// Live reports whether the provider may still bill or grant access for
// s: it has not reached a final status (canceled, incomplete_expired).
func (s Subscription) Live() bool {
	return s.Status != StatusCanceled && s.Status != StatusIncompleteExpired
}

// SubscriptionAccess reports whether s grants access at now under the
// rules of SubscriptionWindow.
func SubscriptionAccess(s Subscription, grace time.Duration, now time.Time) bool {
	start, end, ok := SubscriptionWindow(s, grace)
	return ok && !now.Before(start) && now.Before(end)
}

// Member history kinds billing records (MemberEvent.Kind).
const (
	MemberEventSubscription = "subscription"
	MemberEventGiftRedeemed = "gift-redeemed"
)

// Billing event types the webhook acts on.
const (
	EventCheckoutCompleted    = "checkout.session.completed"
	EventSubscriptionCreated  = "customer.subscription.created"
	EventSubscriptionUpdated  = "customer.subscription.updated"
	EventSubscriptionDeleted  = "customer.subscription.deleted"
	EventInvoicePaid          = "invoice.paid"
	EventInvoicePaymentFailed = "invoice.payment_failed"
)

// BillingEvent is one verified webhook event from the payment provider,
// reduced to what Masthead acts on. Exactly one of Subscription, Checkout
// and Invoice is set for a handled type; other types carry none and are
// only recorded.
type BillingEvent struct {
	ID      string // the provider's event id, evt_…
	Type    string
	Created time.Time

	Subscription *Subscription
	Checkout     *CheckoutResult
	Invoice      *InvoiceResult
}

// CheckoutResult is a completed checkout.
type CheckoutResult struct {
	SessionID      string
	MemberID       int64 // from client_reference_id; 0 when absent
	CustomerID     string
	SubscriptionID string // subscription mode
	// GiftID is set for a gift purchase (payment mode), Paid when the
	// payment went through.
	GiftID int64
	Paid   bool
	// Offer is the slug of the offer the checkout was made with (from
	// its metadata); its redemption is counted once per session.
	Offer string
	// GiftTokenHash is the hash of the redeem token the site made for
	// the gift's email; the store keeps it when the payment completes.
	GiftTokenHash []byte
	// GiftJob, when set, is enqueued in the transaction that marks the
	// gift paid (its email); a replayed or late event enqueues nothing.
	GiftJob *Job
	// CheckoutID is the site's checkout (masthead.Checkout) the session
	// was made for, from its metadata; 0 for older sessions.
	CheckoutID int64
	// Email is the payer's address as the provider holds it (the
	// session's customer details, else its customer's email).
	Email string
	// ReceiptURL is the provider's hosted receipt or invoice, when known.
	ReceiptURL string
	// Subscription is the subscription's state, when it was read with the
	// session; it is stored with the checkout's completion.
	Subscription *Subscription
	// SignInJob and WelcomeJob go with the checkout's completion
	// (CheckoutCompletion).
	SignInJob, WelcomeJob *Job
}

// InvoiceResult is an invoice paid or failed.
type InvoiceResult struct {
	InvoiceID      string
	CustomerID     string
	SubscriptionID string
	Paid           bool
}

// BillingOutcome is what applying an event did, for logs and follow-up
// work (the gift email).
type BillingOutcome struct {
	// Duplicate is set when the event id was seen before: nothing
	// changed.
	Duplicate bool
	// Stale is set when the event's state is older than what is stored:
	// only the event id was recorded.
	Stale bool
	// MemberID is the member the event concerns, when known.
	MemberID int64
	// Gift is the gift whose payment completed, to be emailed.
	Gift *Gift
	// Checkout is the site's checkout the event completed, if any.
	Checkout *CheckoutDone
}

// Gift is an All-Access gift: months bought for an email address,
// redeemed once.
type Gift struct {
	ID             int64
	PurchaserID    int64
	RecipientEmail string
	Months         int
	Message        string
	SessionID      string
	CreatedAt      time.Time
	PaidAt         time.Time // zero until paid
	RedeemedAt     time.Time // zero until redeemed
	RedeemedBy     int64
	// Token is the redeem token, present only when the gift was just
	// paid (BillingOutcome) or created; only its hash is stored.
	Token string
}

// GiftMonths are the lengths a gift can have.
var GiftMonths = []int{1, 3, 6, 12}

// ValidGiftMonths reports whether n is one of GiftMonths.
func ValidGiftMonths(n int) bool {
	for _, m := range GiftMonths {
		if m == n {
			return true
		}
	}
	return false
}

// GiftInput asks for a new gift, unpaid until its checkout completes (or,
// in demo mode, paid at once when Paid is set).
type GiftInput struct {
	PurchaserID    int64
	RecipientEmail string
	Months         int
	TokenHash      []byte
	Paid           bool
	Now            time.Time
	// Jobs are enqueued in the gift's transaction (its email).
	Jobs []Job
}

// BillingService is the data side of billing.
type BillingService interface {
	// Plans lists the plans in their order; onlyActive leaves out those
	// staff switched off.
	Plans(ctx context.Context, onlyActive bool) ([]Plan, error)
	// Plan returns one plan by slug.
	Plan(ctx context.Context, slug string) (*Plan, error)
	// SavePlan creates or replaces a plan.
	SavePlan(ctx context.Context, p Plan) error
	// BillingCustomer returns the provider's customer id of a member,
	// ENOTFOUND when none was created yet.
	BillingCustomer(ctx context.Context, memberID int64) (string, error)
	// SetBillingCustomer records the member's customer id.
	SetBillingCustomer(ctx context.Context, memberID int64, customerID string) error
	// MemberSubscriptions lists the member's subscriptions, newest
	// first.
	MemberSubscriptions(ctx context.Context, memberID int64) ([]Subscription, error)
	// ApplyBillingEvent records the event's id and its effect in one
	// transaction: an id seen before changes nothing, and a subscription
	// state older than the stored one only records the id.
	ApplyBillingEvent(ctx context.Context, ev BillingEvent, grace time.Duration) (BillingOutcome, error)
	// SyncSubscription stores a subscription read back from the provider
	// (its Version the time it was read), unless a newer state is stored.
	SyncSubscription(ctx context.Context, s Subscription, grace time.Duration) (bool, error)
	// CreateGift stores a gift. Its id goes into the checkout's metadata.
	CreateGift(ctx context.Context, in GiftInput) (*Gift, error)
	// SetGiftSession records the checkout session of a gift.
	SetGiftSession(ctx context.Context, giftID int64, sessionID string) error
	// GiftByToken returns the gift a redeem token names.
	GiftByToken(ctx context.Context, tokenHash []byte) (*Gift, error)
	// RedeemGift grants the gift's months from r.Now to a member, once:
	// the member r names, or the member of the gift's address (created
	// if needed), written in one transaction with the redemption and
	// r.Jobs. An unpaid gift is ENOTFOUND, a redeemed one ECONFLICT;
	// either leaves nothing behind.
	RedeemGift(ctx context.Context, r GiftRedemption) (*Entitlement, error)
	// CreateCheckout records a checkout before the reader pays.
	CreateCheckout(ctx context.Context, in CheckoutStart) (*Checkout, error)
	// SetCheckoutSession records the provider's session of a checkout.
	SetCheckoutSession(ctx context.Context, id int64, sessionID string) error
	// Checkout returns a checkout by id, ENOTFOUND if there is none.
	Checkout(ctx context.Context, id int64) (*Checkout, error)
	// CompleteCheckout records a checkout's payment once, with its
	// member (matched or created), what was bought and its jobs, in
	// one transaction.
	CompleteCheckout(ctx context.Context, c CheckoutCompletion) (*CheckoutDone, error)
	// SignInByCheckout starts a session (sessionHash, until expires)
	// for the member an anonymous checkout created, once, for the
	// browser holding its nonce; anything else is EUNAUTHORIZED.
	SignInByCheckout(ctx context.Context, id int64, nonceHash, sessionHash []byte, expires, now time.Time) (*Member, error)
}

// GiftRedemption asks to redeem the gift whose redeem token has the hash
// TokenHash, at Now.
type GiftRedemption struct {
	TokenHash []byte
	// MemberID is the member who redeems it; 0 means the member of the
	// gift's address, registered by the redemption if need be.
	MemberID int64
	Now      time.Time
	// Jobs are enqueued in the redemption's transaction (a sign-in link
	// to the gift's address).
	Jobs []Job
}

// CheckoutRequest asks the payment provider for a checkout page.
type CheckoutRequest struct {
	MemberID   int64
	Email      string
	CustomerID string // reused when set; else Email is handed to the provider
	// CheckoutID is the site's checkout, carried in the session's
	// metadata (and its subscription's) so the webhook finds it.
	CheckoutID int64
	Plan       *Plan // subscription mode
	// Gift is set for a one-time gift purchase; Amount is the total in
	// minor units.
	Gift       *Gift
	GiftAmount int64
	Currency   string
	SuccessURL string
	CancelURL  string
	// Coupon is the provider's coupon to apply (an offer's discount),
	// TrialDays a trial that replaces the plan's (an offer's trial), and
	// Offer the offer's slug, carried in the session's metadata so the
	// completed checkout counts a redemption.
	Coupon    string
	TrialDays int
	Offer     string
}

// CheckoutSession is a checkout page to send the reader to.
type CheckoutSession struct {
	ID         string
	URL        string
	CustomerID string
}

// PaymentProvider is the payment provider's API as Masthead uses it.
type PaymentProvider interface {
	// CreateCustomer creates a customer for a member.
	CreateCustomer(ctx context.Context, memberID int64, email string) (string, error)
	// Checkout creates a checkout session.
	Checkout(ctx context.Context, req CheckoutRequest) (*CheckoutSession, error)
	// CheckoutSubscription reads back a completed subscription checkout:
	// the member it was for and the subscription's state now, versioned
	// no later than any event Stripe sends about it afterwards.
	CheckoutSubscription(ctx context.Context, sessionID string, now time.Time) (memberID int64, s *Subscription, err error)
	// ReadCheckout reads a checkout session back: whether it is paid, its
	// customer and email, the site's checkout it names, its
	// subscription's state (versioned as CheckoutSubscription's) and
	// receipt, so a reader returning from the provider has what they
	// paid for before the webhook.
	ReadCheckout(ctx context.Context, sessionID string, now time.Time) (*CheckoutResult, error)
	// PortalURL creates a customer portal session returning to returnURL.
	PortalURL(ctx context.Context, customerID, returnURL string) (string, error)
	// CancelSubscription cancels a subscription at once. One the
	// provider no longer knows or that already ended is not an error.
	CancelSubscription(ctx context.Context, id string) error
	// ParseWebhook verifies a webhook's signature and timestamp on the
	// raw body and parses it. Anything wrong is EINVALID.
	ParseWebhook(payload []byte, signature string, now time.Time) (*BillingEvent, error)
}
