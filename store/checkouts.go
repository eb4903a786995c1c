package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"masthead"
)

// Checkouts: a purchase recorded before the reader pays, completed once
// by the payment. The completion matches or creates the member of an
// anonymous checkout's address, stores what was bought and enqueues the
// emails in one transaction; the browser that started it is signed in
// by a separate, single-use claim that only a member the completion
// created can pass (docs/billing.md).

const checkoutCols = `id, kind, plan, gift_id, email, member_id, anonymous, nonce_hash, session_id, next,
	created_at, completed_at, new_member, signed_in_at, receipt_url`

func scanCheckout(sc rowScanner) (*masthead.Checkout, error) {
	var (
		c                     masthead.Checkout
		kind                  string
		gift, member          sql.NullInt64
		anon, isNew           int
		created               int64
		completed, signedInAt sql.NullInt64
	)
	if err := sc.Scan(&c.ID, &kind, &c.Plan, &gift, &c.Email, &member, &anon, &c.NonceHash, &c.SessionID, &c.Next,
		&created, &completed, &isNew, &signedInAt, &c.ReceiptURL); err != nil {
		return nil, err
	}
	c.Kind = masthead.CheckoutKind(kind)
	c.GiftID, c.MemberID = gift.Int64, member.Int64
	c.Anonymous, c.NewMember = anon != 0, isNew != 0
	c.CreatedAt = time.UnixMicro(created).UTC()
	c.CompletedAt, c.SignedInAt = fromMicros(completed), fromMicros(signedInAt)
	return &c, nil
}

// CreateCheckout records a checkout before the reader pays: a signed-in
// member's, or an anonymous reader's with the address they gave.
func (db *DB) CreateCheckout(ctx context.Context, in masthead.CheckoutStart) (*masthead.Checkout, error) {
	anonymous := in.MemberID == 0
	if anonymous {
		email, err := masthead.NormalizeEmail(in.Email)
		if err != nil {
			return nil, err
		}
		in.Email = email
		if len(in.NonceHash) == 0 {
			return nil, masthead.Errorf(masthead.EINVALID, "An anonymous checkout needs its browser's nonce.")
		}
	} else {
		in.Email = ""
	}
	switch in.Kind {
	case masthead.CheckoutSubscription, masthead.CheckoutDemo, masthead.CheckoutGift:
	default:
		return nil, masthead.Errorf(masthead.EINVALID, "Unknown checkout kind %q.", in.Kind)
	}
	var c *masthead.Checkout
	err := db.write(ctx, func(t *tx) error {
		var err error
		c, err = scanCheckout(t.row(ctx, `INSERT INTO checkouts (kind, plan, gift_id, email, member_id, anonymous, nonce_hash, next, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+checkoutCols,
			string(in.Kind), in.Plan, sql.NullInt64{Int64: in.GiftID, Valid: in.GiftID != 0}, in.Email,
			sql.NullInt64{Int64: in.MemberID, Valid: in.MemberID != 0}, boolInt(anonymous), in.NonceHash,
			in.Next, micros(in.Now)))
		if err != nil {
			return fmt.Errorf("store: create checkout: %w", translate(err))
		}
		return nil
	})
	return c, err
}

// SetCheckoutSession records the provider's session of a checkout.
func (db *DB) SetCheckoutSession(ctx context.Context, id int64, sessionID string) error {
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE checkouts SET session_id = ? WHERE id = ?`, sessionID, id)
		if err != nil {
			return fmt.Errorf("store: checkout %d session: %w", id, translate(err))
		}
		return nil
	})
}

// Checkout returns a checkout by id.
func (db *DB) Checkout(ctx context.Context, id int64) (*masthead.Checkout, error) {
	c, err := scanCheckout(db.r.row(ctx, `SELECT `+checkoutCols+` FROM checkouts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such checkout.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: checkout %d: %w", id, err)
	}
	return c, nil
}

// CompleteCheckout records a checkout's payment, once
// (masthead.CheckoutCompletion): in one transaction, the member (the
// signed-in starter, or the member of the paid address, created if new),
// the provider's customer, the subscription's state and entitlement (or
// the demo's entitlement, or the gift's purchaser), and the jobs. A
// checkout completed already changes nothing (Completed false).
func (db *DB) CompleteCheckout(ctx context.Context, c masthead.CheckoutCompletion) (*masthead.CheckoutDone, error) {
	var done *masthead.CheckoutDone
	err := db.write(ctx, func(t *tx) error {
		var err error
		done, err = t.completeCheckout(ctx, c)
		return err
	})
	return done, err
}

func (t *tx) completeCheckout(ctx context.Context, c masthead.CheckoutCompletion) (*masthead.CheckoutDone, error) {
	now := c.Now
	co, err := scanCheckout(t.row(ctx, `SELECT `+checkoutCols+` FROM checkouts WHERE id = ?`+t.p.d.forUpdate, c.CheckoutID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such checkout.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: complete checkout %d: %w", c.CheckoutID, err)
	}
	if c.SessionID != "" && co.SessionID != "" && c.SessionID != co.SessionID {
		return nil, masthead.Errorf(masthead.EINVALID, "The payment does not belong to this checkout.")
	}
	if !co.CompletedAt.IsZero() {
		return &masthead.CheckoutDone{Checkout: co}, nil
	}
	var (
		memberID int64
		created  bool
	)
	if !co.Anonymous {
		memberID = co.MemberID
		if gone, err := t.memberDeleted(ctx, memberID); err != nil {
			return nil, err
		} else if gone {
			memberID = 0
		}
	} else {
		// The provider's customer email is the address that paid; the
		// one the reader gave is the fallback (they are the same when
		// the provider was handed it, as checkout does).
		email := c.Email
		if email == "" {
			email = co.Email
		}
		email, err := masthead.NormalizeEmail(email)
		if err != nil {
			return nil, err
		}
		m, isNew, err := t.ensureMember(ctx, email, now)
		if err != nil {
			return nil, err
		}
		memberID, created = m.ID, isNew
	}
	if memberID != 0 {
		if c.CustomerID != "" {
			if err := t.setCustomer(ctx, memberID, c.CustomerID, now); err != nil {
				return nil, err
			}
		}
		if c.Subscription != nil {
			s := *c.Subscription
			s.MemberID = memberID
			if _, _, err := t.applySubscription(ctx, s, c.Grace, now); err != nil {
				return nil, err
			}
		}
		if c.Demo != nil {
			e := *c.Demo
			if _, err := t.exec(ctx, `INSERT INTO entitlements (member_id, source, starts_at, ends_at, note, created_at)
				VALUES (?, ?, ?, ?, ?, ?)`, memberID, string(e.Source), micros(e.StartsAt), nullMicros(e.EndsAt),
				e.Note, micros(now)); err != nil {
				return nil, fmt.Errorf("store: demo entitlement of checkout %d: %w", co.ID, translate(err))
			}
		}
		if co.GiftID != 0 {
			if _, err := t.exec(ctx, `UPDATE gift_subscriptions SET purchaser_id = ? WHERE id = ? AND purchaser_id IS NULL`,
				memberID, co.GiftID); err != nil {
				return nil, fmt.Errorf("store: gift %d purchaser: %w", co.GiftID, err)
			}
		}
	}
	session := co.SessionID
	if session == "" {
		session = c.SessionID
	}
	co, err = scanCheckout(t.row(ctx, `UPDATE checkouts SET completed_at = ?, member_id = ?, new_member = ?,
		receipt_url = ?, session_id = ? WHERE id = ? RETURNING `+checkoutCols,
		micros(now), sql.NullInt64{Int64: memberID, Valid: memberID != 0}, boolInt(created), c.ReceiptURL, session, co.ID))
	if err != nil {
		return nil, fmt.Errorf("store: complete checkout %d: %w", c.CheckoutID, translate(err))
	}
	if memberID != 0 {
		// An address that had a member already signs in by the link
		// emailed there, never by the paying browser.
		if co.Anonymous && !created && c.SignInJob != nil {
			if err := t.enqueue(ctx, *c.SignInJob, now); err != nil {
				return nil, err
			}
		}
		if c.WelcomeJob != nil && co.Kind != masthead.CheckoutGift {
			if err := t.enqueue(ctx, *c.WelcomeJob, now); err != nil {
				return nil, err
			}
		}
	}
	return &masthead.CheckoutDone{Checkout: co, Completed: true}, nil
}

// SignInByCheckout signs in the browser that started checkout id, once:
// only when it holds the checkout's nonce (nonceHash), the checkout was
// anonymous and completed, and its completion created the member. The
// claim and the session (sessionHash, until expires) are one
// transaction. Any other case is EUNAUTHORIZED and changes nothing.
func (db *DB) SignInByCheckout(ctx context.Context, id int64, nonceHash, sessionHash []byte, expires, now time.Time) (*masthead.Member, error) {
	if len(nonceHash) == 0 || len(sessionHash) == 0 {
		return nil, masthead.Errorf(masthead.EUNAUTHORIZED, "This checkout does not sign this browser in.")
	}
	var m *masthead.Member
	err := db.write(ctx, func(t *tx) error {
		var memberID int64
		err := t.row(ctx, `UPDATE checkouts SET signed_in_at = ?
			WHERE id = ? AND nonce_hash = ? AND anonymous = 1 AND new_member = 1
				AND completed_at IS NOT NULL AND signed_in_at IS NULL AND member_id IS NOT NULL
			RETURNING member_id`, micros(now), id, nonceHash).Scan(&memberID)
		if errors.Is(err, sql.ErrNoRows) {
			return masthead.Errorf(masthead.EUNAUTHORIZED, "This checkout does not sign this browser in.")
		}
		if err != nil {
			return fmt.Errorf("store: sign in by checkout %d: %w", id, err)
		}
		if gone, err := t.memberDeleted(ctx, memberID); err != nil {
			return err
		} else if gone {
			return masthead.Errorf(masthead.EUNAUTHORIZED, "This checkout does not sign this browser in.")
		}
		if _, err := t.exec(ctx, `INSERT INTO sessions (hash, member_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			sessionHash, memberID, micros(now), micros(expires)); err != nil {
			return fmt.Errorf("store: sign in by checkout %d: %w", id, translate(err))
		}
		m, err = scanMember(t.row(ctx, `SELECT `+memberCols+` FROM members m WHERE m.id = ?`, memberID))
		if err != nil {
			return fmt.Errorf("store: sign in by checkout %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}
