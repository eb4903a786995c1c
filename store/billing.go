package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"masthead"
)

// Billing: plans, Stripe customers, subscriptions and gifts. A
// subscription's state and the entitlement it grants are written in one
// transaction (applySubscription), so the access decision, which reads
// entitlements only, never sees one without the other.

var _ masthead.BillingService = (*DB)(nil)

const planCols = `slug, name, bill_interval, amount, currency, trial_days, stripe_price_id, active, sort_order`

func scanPlan(sc rowScanner) (*masthead.Plan, error) {
	var p masthead.Plan
	var interval string
	var active int
	if err := sc.Scan(&p.Slug, &p.Name, &interval, &p.Amount, &p.Currency, &p.TrialDays,
		&p.StripePriceID, &active, &p.Position); err != nil {
		return nil, err
	}
	p.Interval = masthead.PlanInterval(interval)
	p.Active = active != 0
	return &p, nil
}

// Plans lists the plans in their order.
func (db *DB) Plans(ctx context.Context, onlyActive bool) ([]masthead.Plan, error) {
	rows, err := db.r.query(ctx, `SELECT `+planCols+` FROM plans
		WHERE active = 1 OR ? = 0 ORDER BY sort_order, slug`, boolInt(onlyActive))
	if err != nil {
		return nil, fmt.Errorf("store: plans: %w", err)
	}
	defer rows.Close()
	var ps []masthead.Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: plans: %w", err)
		}
		ps = append(ps, *p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: plans: %w", err)
	}
	return ps, nil
}

// Plan returns one plan by slug.
func (db *DB) Plan(ctx context.Context, slug string) (*masthead.Plan, error) {
	p, err := scanPlan(db.r.row(ctx, `SELECT `+planCols+` FROM plans WHERE slug = ?`, slug))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no plan %q.", slug)
		}
		return nil, fmt.Errorf("store: plan %q: %w", slug, err)
	}
	return p, nil
}

// SavePlan creates or replaces a plan.
func (db *DB) SavePlan(ctx context.Context, p masthead.Plan) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `INSERT INTO plans (`+planCols+`, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (slug) DO UPDATE SET name = excluded.name, bill_interval = excluded.bill_interval,
				amount = excluded.amount, currency = excluded.currency, trial_days = excluded.trial_days,
				stripe_price_id = excluded.stripe_price_id, active = excluded.active,
				sort_order = excluded.sort_order, updated_at = excluded.updated_at`,
			p.Slug, p.Name, string(p.Interval), p.Amount, p.Currency, p.TrialDays, p.StripePriceID,
			boolInt(p.Active), p.Position, micros(db.clock.Now()))
		if err != nil {
			return fmt.Errorf("store: save plan %q: %w", p.Slug, translate(err))
		}
		return nil
	})
}

// BillingCustomer returns the member's Stripe customer id.
func (db *DB) BillingCustomer(ctx context.Context, memberID int64) (string, error) {
	var id string
	err := db.r.row(ctx, `SELECT customer_id FROM billing_customers WHERE member_id = ?`, memberID).Scan(&id)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", masthead.Errorf(masthead.ENOTFOUND, "No billing account yet.")
		}
		return "", fmt.Errorf("store: billing customer of %d: %w", memberID, err)
	}
	return id, nil
}

// SetBillingCustomer records the member's customer id. A member keeps the
// first one recorded.
func (db *DB) SetBillingCustomer(ctx context.Context, memberID int64, customerID string) error {
	return db.write(ctx, func(t *tx) error { return t.setCustomer(ctx, memberID, customerID, db.clock.Now()) })
}

func (t *tx) setCustomer(ctx context.Context, memberID int64, customerID string, now time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO billing_customers (member_id, customer_id, created_at)
		VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, memberID, customerID, micros(now))
	if err != nil {
		return fmt.Errorf("store: billing customer %s of %d: %w", customerID, memberID, translate(err))
	}
	return nil
}

const subscriptionCols = `id, member_id, customer_id, price_id, status, started_at, period_start, period_end,
	cancel_at_period_end, canceled_at, ended_at, payment_failed, version`

func scanSubscription(sc rowScanner) (*masthead.Subscription, error) {
	var (
		s                                      masthead.Subscription
		status                                 string
		started, pstart, pend, canceled, ended sql.NullInt64
		cancelAtEnd, failed                    int
		version                                int64
	)
	if err := sc.Scan(&s.ID, &s.MemberID, &s.CustomerID, &s.PriceID, &status, &started, &pstart, &pend,
		&cancelAtEnd, &canceled, &ended, &failed, &version); err != nil {
		return nil, err
	}
	s.Status = masthead.SubscriptionStatus(status)
	s.StartedAt, s.PeriodStart, s.PeriodEnd = fromMicros(started), fromMicros(pstart), fromMicros(pend)
	s.CanceledAt, s.EndedAt = fromMicros(canceled), fromMicros(ended)
	s.CancelAtPeriodEnd, s.PaymentFailed = cancelAtEnd != 0, failed != 0
	s.Version = time.UnixMicro(version).UTC()
	return &s, nil
}

// MemberSubscriptions lists the member's subscriptions, newest first.
func (db *DB) MemberSubscriptions(ctx context.Context, memberID int64) ([]masthead.Subscription, error) {
	rows, err := db.r.query(ctx, `SELECT `+subscriptionCols+` FROM subscriptions
		WHERE member_id = ? ORDER BY started_at DESC, id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("store: subscriptions of %d: %w", memberID, err)
	}
	defer rows.Close()
	var subs []masthead.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("store: subscriptions of %d: %w", memberID, err)
		}
		subs = append(subs, *s)
	}
	return subs, rows.Err()
}

// ApplyBillingEvent records the event id and applies its effect in one
// transaction. The id goes in first: a replay, even one racing the
// original on another instance, conflicts there and changes nothing.
func (db *DB) ApplyBillingEvent(ctx context.Context, ev masthead.BillingEvent, grace time.Duration) (masthead.BillingOutcome, error) {
	var out masthead.BillingOutcome
	if ev.ID == "" || ev.Type == "" {
		return out, masthead.Errorf(masthead.EINVALID, "A billing event needs an id and a type.")
	}
	now := db.clock.Now()
	err := db.write(ctx, func(t *tx) error {
		out = masthead.BillingOutcome{}
		res, err := t.exec(ctx, `INSERT INTO billing_events (id, type, created, received_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, ev.ID, ev.Type, micros(ev.Created), micros(now))
		if err != nil {
			return fmt.Errorf("store: record billing event %s: %w", ev.ID, translate(err))
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("store: record billing event %s: %w", ev.ID, err)
		} else if n == 0 {
			out.Duplicate = true
			return nil
		}
		switch {
		case ev.Subscription != nil:
			s := *ev.Subscription
			s.Version = ev.Created
			if err := t.checkoutPending(ctx, s); err != nil {
				return err
			}
			applied, memberID, err := t.applySubscription(ctx, s, grace, now)
			out.Stale, out.MemberID = !applied, memberID
			return err
		case ev.Checkout != nil:
			return t.applyCheckout(ctx, ev, &out, grace, now)
		case ev.Invoice != nil:
			inv := ev.Invoice
			status := "failed"
			if inv.Paid {
				status = "paid"
			}
			err := t.row(ctx, `UPDATE subscriptions SET last_invoice = ?, updated_at = ?
				WHERE id = ? RETURNING member_id`, status, micros(now), inv.SubscriptionID).Scan(&out.MemberID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: invoice %s: %w", inv.InvoiceID, err)
			}
		}
		return nil
	})
	return out, err
}

// applyCheckout records what a completed checkout tells: the member's
// customer (subscription mode; the subscription's own events carry its
// state), or a gift's payment, and the redemption of its offer.
func (t *tx) applyCheckout(ctx context.Context, ev masthead.BillingEvent, out *masthead.BillingOutcome, grace time.Duration, now time.Time) error {
	c := ev.Checkout
	out.MemberID = c.MemberID
	if err := t.applyOffer(ctx, c, now); err != nil {
		return err
	}
	if c.GiftID != 0 {
		if !c.Paid || len(c.GiftTokenHash) == 0 {
			return nil
		}
		g, err := scanGift(t.row(ctx, `UPDATE gift_subscriptions SET paid_at = ?, token_hash = ?, session_id = ?
			WHERE id = ? AND paid_at IS NULL RETURNING `+giftCols,
			micros(now), c.GiftTokenHash, c.SessionID, c.GiftID))
		if errors.Is(err, sql.ErrNoRows) {
			return nil // unknown, or paid already: nothing to send twice
		}
		if err != nil {
			return fmt.Errorf("store: gift %d paid: %w", c.GiftID, translate(err))
		}
		out.Gift = g
		if c.GiftJob != nil {
			if err := t.enqueue(ctx, *c.GiftJob, now); err != nil {
				return err
			}
		}
		return t.applyCheckoutRow(ctx, c, out, grace, now)
	}
	if c.CheckoutID != 0 {
		if !c.Paid {
			return nil
		}
		return t.applyCheckoutRow(ctx, c, out, grace, now)
	}
	if c.MemberID != 0 && c.CustomerID != "" {
		if gone, err := t.memberDeleted(ctx, c.MemberID); err != nil || gone {
			return err
		}
		return t.setCustomer(ctx, c.MemberID, c.CustomerID, now)
	}
	return nil
}

// applyCheckoutRow completes the site's checkout a completed session
// names, if any (completeCheckout).
func (t *tx) applyCheckoutRow(ctx context.Context, c *masthead.CheckoutResult, out *masthead.BillingOutcome, grace time.Duration, now time.Time) error {
	if c.CheckoutID == 0 {
		return nil
	}
	done, err := t.completeCheckout(ctx, masthead.CheckoutCompletion{CheckoutID: c.CheckoutID, SessionID: c.SessionID,
		Email: c.Email, CustomerID: c.CustomerID, ReceiptURL: c.ReceiptURL, Subscription: c.Subscription,
		Grace: grace, SignInJob: c.SignInJob, WelcomeJob: c.WelcomeJob, Now: now})
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil // not a checkout of this site's: recorded only
	}
	if err != nil {
		return err
	}
	out.MemberID = done.Checkout.MemberID
	out.Checkout = done
	return nil
}

// checkoutPending refuses, for now, the event of a subscription bought
// without an account whose checkout is not completed yet: Stripe sends
// the subscription's events and the checkout's completion in any order,
// and until the completion matches or makes the member there is nobody
// to attach it to. The refusal rolls the event back (its id is not
// recorded), so Stripe delivers it again later and it applies then.
func (t *tx) checkoutPending(ctx context.Context, s masthead.Subscription) error {
	if s.MemberID != 0 || s.CheckoutID == 0 {
		return nil
	}
	var completed sql.NullInt64
	err := t.row(ctx, `SELECT completed_at FROM checkouts WHERE id = ?`, s.CheckoutID).Scan(&completed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: checkout %d: %w", s.CheckoutID, err)
	}
	if !completed.Valid {
		return masthead.Errorf(masthead.EUNAVAILABLE, "The checkout of subscription %s is not completed yet.", s.ID)
	}
	return nil
}

// memberDeleted reports whether the member deleted their account (or
// never existed): billing then records nothing for them. The row is
// locked as DeleteAccount locks it, so an event racing a deletion on
// PostgreSQL either lands before it (and is ended by it) or sees it.
func (t *tx) memberDeleted(ctx context.Context, memberID int64) (bool, error) {
	var deleted sql.NullInt64
	err := t.row(ctx, `SELECT deleted_at FROM members WHERE id = ?`+t.p.d.forUpdate, memberID).Scan(&deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: member %d: %w", memberID, err)
	}
	return deleted.Valid, nil
}

// SyncSubscription stores a subscription read back from Stripe, unless a
// newer state is stored.
func (db *DB) SyncSubscription(ctx context.Context, s masthead.Subscription, grace time.Duration) (bool, error) {
	var applied bool
	err := db.write(ctx, func(t *tx) error {
		var err error
		applied, _, err = t.applySubscription(ctx, s, grace, db.clock.Now())
		return err
	})
	return applied, err
}

// applySubscription stores a subscription's state and rewrites its
// entitlement to the window the rules give, unless the stored state is
// newer: a lower version, or a canceled subscription (canceled is final
// at Stripe, so an equal-time "active" seen after it is the older of the
// two). The member comes from the state, else from the customer; a
// subscription of no known member is not stored (applied false, member 0).
func (t *tx) applySubscription(ctx context.Context, s masthead.Subscription, grace time.Duration, now time.Time) (applied bool, memberID int64, err error) {
	if s.ID == "" {
		return false, 0, masthead.Errorf(masthead.EINVALID, "A subscription needs an id.")
	}
	var (
		oldVersion int64
		oldStatus  string
		oldMember  int64
	)
	err = t.row(ctx, `SELECT version, status, member_id FROM subscriptions WHERE id = ?`+t.p.d.forUpdate, s.ID).
		Scan(&oldVersion, &oldStatus, &oldMember)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, 0, fmt.Errorf("store: subscription %s: %w", s.ID, err)
	}
	if exists {
		if micros(s.Version) < oldVersion ||
			(micros(s.Version) == oldVersion && oldStatus == string(masthead.StatusCanceled) && s.Status != masthead.StatusCanceled) {
			return false, oldMember, nil
		}
	}
	memberID = s.MemberID
	if memberID == 0 && s.CustomerID != "" {
		err := t.row(ctx, `SELECT member_id FROM billing_customers WHERE customer_id = ?`, s.CustomerID).Scan(&memberID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return false, 0, fmt.Errorf("store: customer %s: %w", s.CustomerID, err)
		}
	}
	if memberID == 0 && s.CheckoutID != 0 {
		// A subscription bought without an account names its checkout,
		// whose completion matched or made the member.
		var m sql.NullInt64
		err := t.row(ctx, `SELECT member_id FROM checkouts WHERE id = ? AND completed_at IS NOT NULL`, s.CheckoutID).Scan(&m)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return false, 0, fmt.Errorf("store: checkout %d: %w", s.CheckoutID, err)
		}
		memberID = m.Int64
	}
	if memberID == 0 {
		memberID = oldMember
	}
	if memberID == 0 {
		return false, 0, nil
	}
	// A member who deleted their account is not brought back by a late
	// event: the subscription was cancelled before the deletion, and
	// nothing the provider says later attaches to the emptied row.
	if gone, err := t.memberDeleted(ctx, memberID); err != nil || gone {
		return false, 0, err
	}
	_, err = t.exec(ctx, `INSERT INTO subscriptions (`+subscriptionCols+`, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET member_id = excluded.member_id, customer_id = excluded.customer_id,
			price_id = excluded.price_id, status = excluded.status, started_at = excluded.started_at,
			period_start = excluded.period_start, period_end = excluded.period_end,
			cancel_at_period_end = excluded.cancel_at_period_end, canceled_at = excluded.canceled_at,
			ended_at = excluded.ended_at, payment_failed = excluded.payment_failed,
			version = excluded.version, updated_at = excluded.updated_at`,
		s.ID, memberID, s.CustomerID, s.PriceID, string(s.Status), nullMicros(s.StartedAt),
		nullMicros(s.PeriodStart), nullMicros(s.PeriodEnd), boolInt(s.CancelAtPeriodEnd),
		nullMicros(s.CanceledAt), nullMicros(s.EndedAt), boolInt(s.PaymentFailed), micros(s.Version), micros(now))
	if err != nil {
		return false, 0, fmt.Errorf("store: save subscription %s: %w", s.ID, translate(err))
	}
	// No access is an empty window (ends_at = starts_at) rather than no
	// row: the row keeps the link, and the next state reopens it.
	start, end, ok := masthead.SubscriptionWindow(s, grace)
	if !ok {
		start = s.StartedAt
		if start.IsZero() {
			start = s.Version
		}
		end = start
	}
	note := "Stripe " + s.ID + ": " + string(s.Status)
	res, err := t.exec(ctx, `UPDATE entitlements SET member_id = ?, starts_at = ?, ends_at = ?, note = ?
		WHERE subscription_id = ?`, memberID, micros(start), micros(end), note, s.ID)
	if err != nil {
		return false, 0, fmt.Errorf("store: entitlement of subscription %s: %w", s.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err = t.exec(ctx, `INSERT INTO entitlements (member_id, source, starts_at, ends_at, note, created_at, subscription_id)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, memberID, string(masthead.EntitlementStripe), micros(start), micros(end),
			note, micros(now), s.ID)
		if err != nil {
			return false, 0, fmt.Errorf("store: entitlement of subscription %s: %w", s.ID, translate(err))
		}
	}
	var accessUntil time.Time
	if ok {
		accessUntil = end
	}
	if err := t.recordSubscriptionChanged(ctx, s, memberID, accessUntil, now); err != nil {
		return false, 0, err
	}
	// The member's history gets a line when the status changes (or the
	// subscription is new), not for every renewal's update.
	if !exists || oldStatus != string(s.Status) {
		detail := fmt.Sprintf("Stripe subscription %s: %s", s.ID, s.Status)
		if exists {
			detail = fmt.Sprintf("Stripe subscription %s: %s → %s", s.ID, oldStatus, s.Status)
		}
		if ok {
			detail += ", access until " + end.UTC().Format("2 Jan 2006 15:04 MST")
		} else {
			detail += ", no access"
		}
		if err := t.addMemberEvent(ctx, masthead.MemberEvent{MemberID: memberID, Kind: masthead.MemberEventSubscription,
			Detail: detail, CreatedAt: now}); err != nil {
			return false, 0, err
		}
	}
	return true, memberID, nil
}

const giftCols = `id, purchaser_id, recipient_email, months, session_id, created_at, paid_at, redeemed_at, redeemed_by`

func scanGift(sc rowScanner) (*masthead.Gift, error) {
	var (
		g              masthead.Gift
		purchaser, by  sql.NullInt64
		session        sql.NullString
		created        int64
		paid, redeemed sql.NullInt64
	)
	if err := sc.Scan(&g.ID, &purchaser, &g.RecipientEmail, &g.Months, &session, &created, &paid, &redeemed, &by); err != nil {
		return nil, err
	}
	g.PurchaserID, g.RedeemedBy, g.SessionID = purchaser.Int64, by.Int64, session.String
	g.CreatedAt = time.UnixMicro(created).UTC()
	g.PaidAt, g.RedeemedAt = fromMicros(paid), fromMicros(redeemed)
	return &g, nil
}

// CreateGift stores a gift, unpaid unless in.Paid (a demo gift, whose
// token hash is given at once), and enqueues its jobs with it.
func (db *DB) CreateGift(ctx context.Context, in masthead.GiftInput) (*masthead.Gift, error) {
	email, err := masthead.NormalizeEmail(in.RecipientEmail)
	if err != nil {
		return nil, err
	}
	if !masthead.ValidGiftMonths(in.Months) {
		return nil, masthead.Errorf(masthead.EINVALID, "A gift is 1, 3, 6 or 12 months.")
	}
	if in.Paid && len(in.TokenHash) == 0 {
		return nil, masthead.Errorf(masthead.EINVALID, "A paid gift needs its redeem token.")
	}
	var hash any
	var paid sql.NullInt64
	if in.Paid {
		hash, paid = in.TokenHash, nullMicros(in.Now)
	}
	purchaser := sql.NullInt64{Int64: in.PurchaserID, Valid: in.PurchaserID != 0}
	var g *masthead.Gift
	err = db.write(ctx, func(t *tx) error {
		var err error
		g, err = scanGift(t.row(ctx, `INSERT INTO gift_subscriptions (purchaser_id, recipient_email, months, token_hash, created_at, paid_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING `+giftCols, purchaser, email, in.Months, hash, micros(in.Now), paid))
		if err != nil {
			return fmt.Errorf("store: create gift: %w", translate(err))
		}
		return t.enqueueAll(ctx, in.Jobs, in.Now)
	})
	return g, err
}

// SetGiftSession records the checkout session of a gift.
func (db *DB) SetGiftSession(ctx context.Context, giftID int64, sessionID string) error {
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE gift_subscriptions SET session_id = ? WHERE id = ?`, sessionID, giftID)
		if err != nil {
			return fmt.Errorf("store: gift %d session: %w", giftID, translate(err))
		}
		return nil
	})
}

// GiftByToken returns the paid gift a redeem token names.
func (db *DB) GiftByToken(ctx context.Context, tokenHash []byte) (*masthead.Gift, error) {
	g, err := scanGift(db.r.row(ctx, `SELECT `+giftCols+` FROM gift_subscriptions
		WHERE token_hash = ? AND paid_at IS NOT NULL`, tokenHash))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, masthead.Errorf(masthead.ENOTFOUND, "This gift link is not valid.")
		}
		return nil, fmt.Errorf("store: gift by token: %w", err)
	}
	return g, nil
}

// RedeemGift grants the gift's months from r.Now to a member, once: the
// member r names, or the member of the gift's address, created here if
// need be, so that a redemption that fails registers nobody. The gift's
// row is locked (PostgreSQL) or the one writer holds it (SQLite), so two
// redeems at once grant one entitlement. r.Jobs are enqueued with it.
func (db *DB) RedeemGift(ctx context.Context, r masthead.GiftRedemption) (*masthead.Entitlement, error) {
	var e *masthead.Entitlement
	now := r.Now
	err := db.write(ctx, func(t *tx) error {
		g, err := scanGift(t.row(ctx, `SELECT `+giftCols+` FROM gift_subscriptions
			WHERE token_hash = ? AND paid_at IS NOT NULL`+t.p.d.forUpdate, r.TokenHash))
		if errors.Is(err, sql.ErrNoRows) {
			return masthead.Errorf(masthead.ENOTFOUND, "This gift link is not valid.")
		}
		if err != nil {
			return fmt.Errorf("store: redeem gift: %w", err)
		}
		memberID := r.MemberID
		if memberID == 0 {
			m, _, err := t.ensureMember(ctx, g.RecipientEmail, now)
			if err != nil {
				return err
			}
			memberID = m.ID
		}
		if !g.RedeemedAt.IsZero() {
			return masthead.Errorf(masthead.ECONFLICT, "This gift was already redeemed on %s.", g.RedeemedAt.Format("2 January 2006"))
		}
		if err := t.enqueueAll(ctx, r.Jobs, now); err != nil {
			return err
		}
		e = &masthead.Entitlement{MemberID: memberID, Source: masthead.EntitlementGift,
			StartsAt: time.UnixMicro(micros(now)).UTC(), EndsAt: time.UnixMicro(micros(now.AddDate(0, g.Months, 0))).UTC(),
			Note: fmt.Sprintf("Gift of %d months", g.Months)}
		if err := t.row(ctx, `INSERT INTO entitlements (member_id, source, starts_at, ends_at, note, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, memberID, string(e.Source), micros(e.StartsAt), micros(e.EndsAt),
			e.Note, micros(now)).Scan(&e.ID); err != nil {
			return fmt.Errorf("store: redeem gift %d: %w", g.ID, translate(err))
		}
		_, err = t.exec(ctx, `UPDATE gift_subscriptions SET redeemed_at = ?, redeemed_by = ?, entitlement_id = ? WHERE id = ?`,
			micros(now), memberID, e.ID, g.ID)
		if err != nil {
			return fmt.Errorf("store: redeem gift %d: %w", g.ID, err)
		}
		return t.addMemberEvent(ctx, masthead.MemberEvent{MemberID: memberID, Kind: masthead.MemberEventGiftRedeemed,
			Detail: fmt.Sprintf("Gift of %d months (sent to %s), until %s", g.Months, g.RecipientEmail,
				e.EndsAt.Format("2 Jan 2006")), CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
