// Package billing talks to Stripe: customers, Checkout Sessions (a
// subscription, or a one-time gift), the Customer Portal, reading
// subscriptions back for a sync, and verifying and parsing webhooks. It
// turns Stripe's objects into the domain's (masthead.Subscription,
// masthead.BillingEvent); what they mean for access is decided elsewhere
// (masthead.SubscriptionWindow), and stored by the store.
package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v82"

	"masthead"
)

// Config configures the Stripe client.
type Config struct {
	// SecretKey is the API key (sk_live_…, sk_test_…).
	SecretKey string
	// WebhookSecret is the endpoint's signing secret (whsec_…).
	WebhookSecret string
	// APIURL replaces https://api.stripe.com, for stripe-mock in tests
	// or a proxy. Empty means Stripe.
	APIURL string
	// Tolerance is how old a webhook's signed timestamp may be (either
	// way, for clock skew). Default 5 minutes, as Stripe's libraries.
	Tolerance time.Duration
	// HTTPClient makes the requests; nil means one with a 30 s timeout.
	HTTPClient *http.Client
}

// Client is Stripe as Masthead uses it. It implements
// masthead.PaymentProvider.
type Client struct {
	sc        *stripe.Client
	secret    []byte
	tolerance time.Duration
}

var _ masthead.PaymentProvider = (*Client)(nil)

// New returns a client. It makes no request.
func New(cfg Config) (*Client, error) {
	if cfg.SecretKey == "" {
		return nil, fmt.Errorf("billing: a Stripe secret key is required")
	}
	if cfg.WebhookSecret == "" {
		return nil, fmt.Errorf("billing: a Stripe webhook signing secret is required")
	}
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = 5 * time.Minute
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	retries := int64(2)
	bc := &stripe.BackendConfig{HTTPClient: hc, MaxNetworkRetries: &retries,
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelError}}
	if cfg.APIURL != "" {
		bc.URL = stripe.String(cfg.APIURL)
	}
	backends := &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, bc),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, bc),
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, bc),
	}
	return &Client{
		sc:        stripe.NewClient(cfg.SecretKey, stripe.WithBackends(backends)),
		secret:    []byte(cfg.WebhookSecret),
		tolerance: cfg.Tolerance,
	}, nil
}

// metaMember is the metadata key carrying the member id on customers,
// sessions and subscriptions; metaGift the gift id on a gift's session.
// metaCheckout the site's checkout (masthead.Checkout) on a session and
// its subscription.
const (
	metaMember   = "masthead_member_id"
	metaGift     = "masthead_gift_id"
	metaCheckout = "masthead_checkout_id"
	// metaOffer is the slug of the offer a subscription checkout was
	// made with, counted as a redemption when the checkout completes.
	metaOffer = "masthead_offer"
)

// CreateCustomer creates a Stripe customer for a member.
func (c *Client) CreateCustomer(ctx context.Context, memberID int64, email string) (string, error) {
	p := &stripe.CustomerCreateParams{Email: stripe.String(email)}
	p.AddMetadata(metaMember, strconv.FormatInt(memberID, 10))
	// Two clicks on Subscribe create one customer.
	p.SetIdempotencyKey("masthead-customer-" + strconv.FormatInt(memberID, 10))
	cust, err := c.sc.V1Customers.Create(ctx, p)
	if err != nil {
		return "", fmt.Errorf("billing: create customer for member %d: %w", memberID, err)
	}
	return cust.ID, nil
}

// Checkout creates a Checkout Session: subscription mode for a plan,
// payment mode for a gift. The member id goes into client_reference_id
// and metadata (the session's and the subscription's), so every event
// about it names the member.
func (c *Client) Checkout(ctx context.Context, req masthead.CheckoutRequest) (*masthead.CheckoutSession, error) {
	member := strconv.FormatInt(req.MemberID, 10)
	checkout := strconv.FormatInt(req.CheckoutID, 10)
	p := &stripe.CheckoutSessionCreateParams{
		SuccessURL: stripe.String(req.SuccessURL),
		CancelURL:  stripe.String(req.CancelURL),
	}
	// A reader without an account has no member id yet: the checkout's
	// id names them until the payment matches or makes their member.
	if req.MemberID != 0 {
		p.ClientReferenceID = stripe.String(member)
		p.AddMetadata(metaMember, member)
	}
	if req.CheckoutID != 0 {
		p.AddMetadata(metaCheckout, checkout)
	}
	switch {
	case req.CustomerID != "":
		p.Customer = stripe.String(req.CustomerID)
	case req.Email != "":
		// Checkout shows the address and does not let it be changed, so
		// the customer Stripe makes has the address the reader gave.
		p.CustomerEmail = stripe.String(req.Email)
	}
	switch {
	case req.Plan != nil:
		plan := req.Plan
		p.Mode = stripe.String(string(stripe.CheckoutSessionModeSubscription))
		item := &stripe.CheckoutSessionCreateLineItemParams{Quantity: stripe.Int64(1)}
		if plan.StripePriceID != "" {
			item.Price = stripe.String(plan.StripePriceID)
		} else {
			item.PriceData = &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(plan.Currency),
				UnitAmount:  stripe.Int64(plan.Amount),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(plan.Name)},
				Recurring: &stripe.CheckoutSessionCreateLineItemPriceDataRecurringParams{
					Interval: stripe.String(string(plan.Interval)),
				},
			}
		}
		p.LineItems = []*stripe.CheckoutSessionCreateLineItemParams{item}
		p.SubscriptionData = &stripe.CheckoutSessionCreateSubscriptionDataParams{}
		if req.MemberID != 0 {
			p.SubscriptionData.AddMetadata(metaMember, member)
		}
		if req.CheckoutID != 0 {
			p.SubscriptionData.AddMetadata(metaCheckout, checkout)
		}
		trial := plan.TrialDays
		if req.TrialDays > 0 {
			trial = req.TrialDays
		}
		if trial > 0 {
			p.SubscriptionData.TrialPeriodDays = stripe.Int64(int64(trial))
		}
		if req.Coupon != "" {
			p.Discounts = []*stripe.CheckoutSessionCreateDiscountParams{{Coupon: stripe.String(req.Coupon)}}
		}
		if req.Offer != "" {
			p.AddMetadata(metaOffer, req.Offer)
			p.SubscriptionData.AddMetadata(metaOffer, req.Offer)
		}
	case req.Gift != nil:
		g := req.Gift
		p.Mode = stripe.String(string(stripe.CheckoutSessionModePayment))
		p.AddMetadata(metaGift, strconv.FormatInt(g.ID, 10))
		p.LineItems = []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:   stripe.String(req.Currency),
				UnitAmount: stripe.Int64(req.GiftAmount),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{
					Name: stripe.String(fmt.Sprintf("All-Access gift: %d months for %s", g.Months, g.RecipientEmail)),
				},
			},
		}}
	default:
		return nil, masthead.Errorf(masthead.EINVALID, "A checkout is for a plan or a gift.")
	}
	s, err := c.sc.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("billing: create checkout session: %w", err)
	}
	out := &masthead.CheckoutSession{ID: s.ID, URL: s.URL}
	if s.Customer != nil {
		out.CustomerID = s.Customer.ID
	}
	return out, nil
}

// CreateCoupon creates the Stripe coupon of a percent or amount offer:
// its share or amount off (in the plan's currency) for the offer's
// months, redeemable until the offer ends and at most as often as its
// limit, so Stripe refuses what the offer no longer allows even to a
// checkout opened before. The idempotency key names the offer and its
// terms: saving the same terms twice makes one coupon.
func (c *Client) CreateCoupon(ctx context.Context, o masthead.Offer, currency string, now time.Time) (string, error) {
	p := &stripe.CouponCreateParams{
		Name:             stripe.String(couponName(o.Name)),
		Duration:         stripe.String(string(stripe.CouponDurationRepeating)),
		DurationInMonths: stripe.Int64(int64(o.Months)),
	}
	switch o.Kind {
	case masthead.OfferPercent:
		p.PercentOff = stripe.Float64(float64(o.PercentOff))
	case masthead.OfferAmount:
		p.AmountOff = stripe.Int64(o.AmountOff)
		p.Currency = stripe.String(currency)
	default:
		return "", masthead.Errorf(masthead.EINVALID, "A free trial needs no coupon.")
	}
	if !o.EndsAt.IsZero() && o.EndsAt.After(now) {
		p.RedeemBy = stripe.Int64(o.EndsAt.Unix())
	}
	if o.MaxRedemptions > 0 {
		p.MaxRedemptions = stripe.Int64(int64(o.MaxRedemptions))
	}
	p.AddMetadata(metaOffer, o.Slug)
	p.SetIdempotencyKey(fmt.Sprintf("masthead-coupon-%s-%s-%d-%d-%s-%d-%d-%d", o.Slug, o.Kind, o.PercentOff,
		o.AmountOff, currency, o.Months, o.EndsAt.Unix(), o.MaxRedemptions))
	cp, err := c.sc.V1Coupons.Create(ctx, p)
	if err != nil {
		return "", fmt.Errorf("billing: create coupon for offer %q: %w", o.Slug, err)
	}
	return cp.ID, nil
}

// couponName fits an offer's name to the 40 characters Stripe allows a
// coupon's name, which the checkout page shows.
func couponName(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		r = r[:40]
	}
	return string(r)
}

// CheckoutSubscription reads a subscription checkout back, with its
// subscription expanded, so the reader returning from Stripe is a
// subscriber before any webhook arrives. The state is versioned with the
// subscription's creation time on Stripe's clock, not with now: every
// later event (a cancellation a minute after) is then newer and applies,
// whatever the skew between Stripe's clock and ours.
func (c *Client) CheckoutSubscription(ctx context.Context, sessionID string, now time.Time) (int64, *masthead.Subscription, error) {
	p := &stripe.CheckoutSessionRetrieveParams{}
	p.AddExpand("subscription")
	s, err := c.sc.V1CheckoutSessions.Retrieve(ctx, sessionID, p)
	if err != nil {
		return 0, nil, fmt.Errorf("billing: retrieve checkout session %s: %w", sessionID, err)
	}
	member := sessionMember(s)
	if s.Subscription == nil || s.Subscription.Status == "" {
		return member, nil, nil
	}
	sub := Subscription(s.Subscription)
	sub.Version = unix(s.Subscription.Created)
	if sub.Version.IsZero() {
		sub.Version = now
	}
	if sub.MemberID == 0 {
		sub.MemberID = member
	}
	return member, &sub, nil
}

// ReadCheckout reads a checkout session back with its subscription and
// invoice expanded: whether it is paid, who paid (the customer details'
// email, else the customer's), the site's checkout it names, the
// subscription's state (versioned as in CheckoutSubscription) and the
// invoice's hosted page as the receipt.
func (c *Client) ReadCheckout(ctx context.Context, sessionID string, now time.Time) (*masthead.CheckoutResult, error) {
	p := &stripe.CheckoutSessionRetrieveParams{}
	p.AddExpand("subscription")
	p.AddExpand("invoice")
	p.AddExpand("customer")
	s, err := c.sc.V1CheckoutSessions.Retrieve(ctx, sessionID, p)
	if err != nil {
		return nil, fmt.Errorf("billing: retrieve checkout session %s: %w", sessionID, err)
	}
	out := checkoutResult(s)
	if s.Subscription != nil && s.Subscription.Status != "" {
		sub := Subscription(s.Subscription)
		sub.Version = unix(s.Subscription.Created)
		if sub.Version.IsZero() {
			sub.Version = now
		}
		if sub.MemberID == 0 {
			sub.MemberID = out.MemberID
		}
		out.Subscription = &sub
	}
	if s.Invoice != nil {
		out.ReceiptURL = s.Invoice.HostedInvoiceURL
	}
	return out, nil
}

// checkoutResult is what a checkout session tells of its payment.
func checkoutResult(s *stripe.CheckoutSession) *masthead.CheckoutResult {
	cr := &masthead.CheckoutResult{SessionID: s.ID, MemberID: sessionMember(s),
		Paid: s.Status == stripe.CheckoutSessionStatusComplete &&
			(s.PaymentStatus == stripe.CheckoutSessionPaymentStatusPaid ||
				s.PaymentStatus == stripe.CheckoutSessionPaymentStatusNoPaymentRequired)}
	if s.Customer != nil {
		cr.CustomerID = s.Customer.ID
		cr.Email = s.Customer.Email
	}
	if s.CustomerDetails != nil && s.CustomerDetails.Email != "" {
		cr.Email = s.CustomerDetails.Email
	}
	if cr.Email == "" {
		cr.Email = s.CustomerEmail
	}
	if s.Subscription != nil {
		cr.SubscriptionID = s.Subscription.ID
	}
	cr.GiftID, _ = strconv.ParseInt(s.Metadata[metaGift], 10, 64)
	cr.CheckoutID, _ = strconv.ParseInt(s.Metadata[metaCheckout], 10, 64)
	cr.Offer = s.Metadata[metaOffer]
	return cr
}

// PortalURL creates a Customer Portal session, where the reader changes
// plan or card, or cancels.
func (c *Client) PortalURL(ctx context.Context, customerID, returnURL string) (string, error) {
	s, err := c.sc.V1BillingPortalSessions.Create(ctx, &stripe.BillingPortalSessionCreateParams{
		Customer:  stripe.String(customerID),
		ReturnURL: stripe.String(returnURL),
	})
	if err != nil {
		return "", fmt.Errorf("billing: create portal session for %s: %w", customerID, err)
	}
	return s.URL, nil
}

// CancelSubscription cancels a subscription at once, without a refund,
// as when its member deletes their account. One that Stripe no longer
// knows, or that has already ended there, is not an error: the point is
// that it bills no more.
func (c *Client) CancelSubscription(ctx context.Context, id string) error {
	p := &stripe.SubscriptionCancelParams{CancellationDetails: &stripe.SubscriptionCancelCancellationDetailsParams{
		Comment: stripe.String("The member deleted their account."),
	}}
	p.SetIdempotencyKey("masthead-cancel-" + id)
	_, err := c.sc.V1Subscriptions.Cancel(ctx, id, p)
	if err == nil {
		return nil
	}
	var se *stripe.Error
	if errors.As(err, &se) && se.Code == stripe.ErrorCodeResourceMissing {
		return nil
	}
	if s, rerr := c.sc.V1Subscriptions.Retrieve(ctx, id, nil); rerr == nil &&
		(s.Status == stripe.SubscriptionStatusCanceled || s.Status == stripe.SubscriptionStatusIncompleteExpired) {
		return nil
	}
	return fmt.Errorf("billing: cancel subscription %s: %w", id, err)
}

// Subscriptions calls fn with every subscription Stripe holds, in any
// status, versioned now, for a sync.
func (c *Client) Subscriptions(ctx context.Context, now time.Time, fn func(masthead.Subscription) error) error {
	p := &stripe.SubscriptionListParams{Status: stripe.String("all")}
	p.Limit = stripe.Int64(100)
	for s, err := range c.sc.V1Subscriptions.List(ctx, p) {
		if err != nil {
			return fmt.Errorf("billing: list subscriptions: %w", err)
		}
		sub := Subscription(s)
		sub.Version = now
		if err := fn(sub); err != nil {
			return err
		}
	}
	return nil
}

// RetrieveSubscription reads one subscription, versioned now.
func (c *Client) RetrieveSubscription(ctx context.Context, id string, now time.Time) (*masthead.Subscription, error) {
	s, err := c.sc.V1Subscriptions.Retrieve(ctx, id, nil)
	if err != nil {
		return nil, fmt.Errorf("billing: retrieve subscription %s: %w", id, err)
	}
	sub := Subscription(s)
	sub.Version = now
	return &sub, nil
}

// Subscription converts Stripe's subscription. Since API version
// 2025-03-31 the billing period is on the items; a subscription to one
// plan has one item, and the widest period of its items is taken.
func Subscription(s *stripe.Subscription) masthead.Subscription {
	out := masthead.Subscription{
		ID:                s.ID,
		Status:            masthead.SubscriptionStatus(s.Status),
		StartedAt:         unix(s.StartDate),
		CancelAtPeriodEnd: s.CancelAtPeriodEnd,
		CanceledAt:        unix(s.CanceledAt),
		EndedAt:           unix(s.EndedAt),
	}
	if s.Customer != nil {
		out.CustomerID = s.Customer.ID
	}
	out.MemberID, _ = strconv.ParseInt(s.Metadata[metaMember], 10, 64)
	out.CheckoutID, _ = strconv.ParseInt(s.Metadata[metaCheckout], 10, 64)
	if s.CancellationDetails != nil {
		switch s.CancellationDetails.Reason {
		case stripe.SubscriptionCancellationDetailsReasonPaymentFailed,
			stripe.SubscriptionCancellationDetailsReasonPaymentDisputed:
			out.PaymentFailed = true
		}
	}
	// A cancel_at date is a cancellation at that time, which the
	// portal sets instead of cancel_at_period_end.
	if s.CancelAt != 0 && s.Status != stripe.SubscriptionStatusCanceled {
		out.CancelAtPeriodEnd = true
	}
	if s.Items != nil {
		for _, it := range s.Items.Data {
			if ps := unix(it.CurrentPeriodStart); !ps.IsZero() && (out.PeriodStart.IsZero() || ps.Before(out.PeriodStart)) {
				out.PeriodStart = ps
			}
			if pe := unix(it.CurrentPeriodEnd); pe.After(out.PeriodEnd) {
				out.PeriodEnd = pe
			}
			if it.Price != nil && out.PriceID == "" {
				out.PriceID = it.Price.ID
			}
		}
	}
	if out.CancelAtPeriodEnd && s.CancelAt != 0 {
		if ca := unix(s.CancelAt); ca.Before(out.PeriodEnd) {
			out.PeriodEnd = ca
		}
	}
	return out
}

func sessionMember(s *stripe.CheckoutSession) int64 {
	if id, err := strconv.ParseInt(s.ClientReferenceID, 10, 64); err == nil {
		return id
	}
	id, _ := strconv.ParseInt(s.Metadata[metaMember], 10, 64)
	return id
}

func unix(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}
