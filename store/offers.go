package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"masthead"
)

// Offers: promotions on a plan, each with its own address. Saving one
// raises the content version, since the featured offer is on the walls
// of cached article pages. Redemptions are counted by applyOffer, in the
// transaction of the billing event of a completed checkout.

var _ masthead.OfferService = (*DB)(nil)

const offerCols = `id, slug, name, plan_slug, kind, percent_off, amount_off, months, trial_days, ends_at,
	max_redemptions, redemptions, active, featured, coupon_id, created_at, updated_at`

func scanOffer(sc rowScanner) (*masthead.Offer, error) {
	var (
		o                masthead.Offer
		kind             string
		ends             sql.NullInt64
		active, featured int
		created, updated int64
	)
	if err := sc.Scan(&o.ID, &o.Slug, &o.Name, &o.Plan, &kind, &o.PercentOff, &o.AmountOff, &o.Months, &o.TrialDays,
		&ends, &o.MaxRedemptions, &o.Redemptions, &active, &featured, &o.CouponID, &created, &updated); err != nil {
		return nil, err
	}
	o.Kind = masthead.OfferKind(kind)
	o.EndsAt = fromMicros(ends)
	o.Active, o.Featured = active != 0, featured != 0
	o.CreatedAt, o.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return &o, nil
}

// Offers lists every offer, newest first.
func (db *DB) Offers(ctx context.Context) ([]masthead.Offer, error) {
	rows, err := db.r.query(ctx, `SELECT `+offerCols+` FROM offers ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: offers: %w", err)
	}
	defer rows.Close()
	var out []masthead.Offer
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return nil, fmt.Errorf("store: offers: %w", err)
		}
		out = append(out, *o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: offers: %w", err)
	}
	return out, nil
}

func offerNotFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return masthead.Errorf(masthead.ENOTFOUND, "There is no such offer.")
	}
	return fmt.Errorf("store: offer %s: %w", what, err)
}

// Offer returns one offer by slug.
func (db *DB) Offer(ctx context.Context, slug string) (*masthead.Offer, error) {
	o, err := scanOffer(db.r.row(ctx, `SELECT `+offerCols+` FROM offers WHERE slug = ?`, slug))
	if err != nil {
		return nil, offerNotFound(err, fmt.Sprintf("%q", slug))
	}
	return o, nil
}

// OfferByID returns one offer by id.
func (db *DB) OfferByID(ctx context.Context, id int64) (*masthead.Offer, error) {
	o, err := scanOffer(db.r.row(ctx, `SELECT `+offerCols+` FROM offers WHERE id = ?`, id))
	if err != nil {
		return nil, offerNotFound(err, fmt.Sprint(id))
	}
	return o, nil
}

// FeaturedOffer returns the featured offer running at now. The partial
// unique index keeps at most one row featured, so this reads one row.
func (db *DB) FeaturedOffer(ctx context.Context, now time.Time) (*masthead.Offer, error) {
	o, err := scanOffer(db.r.row(ctx, `SELECT `+offerCols+` FROM offers WHERE featured = 1`))
	if err != nil {
		return nil, offerNotFound(err, "featured")
	}
	if !o.Running(now) {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such offer.")
	}
	return o, nil
}

// SaveOffer creates (o.ID 0) or updates an offer. The redemption count
// is the store's own and is never taken from o. A featured offer takes
// the place of the one featured before, in the same transaction. A slug
// in use is ECONFLICT; a plan that does not exist, EINVALID.
func (db *DB) SaveOffer(ctx context.Context, o masthead.Offer) (*masthead.Offer, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	now := db.clock.Now()
	var out *masthead.Offer
	err := db.write(ctx, func(t *tx) error {
		var n int
		if err := t.row(ctx, `SELECT COUNT(*) FROM plans WHERE slug = ?`, o.Plan).Scan(&n); err != nil {
			return fmt.Errorf("store: offer plan: %w", err)
		}
		if n == 0 {
			return masthead.Errorf(masthead.EINVALID, "Choose one of the plans for the offer.")
		}
		if o.Featured {
			if _, err := t.exec(ctx, `UPDATE offers SET featured = 0 WHERE featured = 1 AND id <> ?`, o.ID); err != nil {
				return fmt.Errorf("store: unfeature offers: %w", translate(err))
			}
		}
		args := []any{o.Slug, o.Name, o.Plan, string(o.Kind), o.PercentOff, o.AmountOff, o.Months, o.TrialDays,
			nullMicros(o.EndsAt), o.MaxRedemptions, boolInt(o.Active), boolInt(o.Featured), o.CouponID, micros(now)}
		var err error
		if o.ID == 0 {
			out, err = scanOffer(t.row(ctx, `INSERT INTO offers (slug, name, plan_slug, kind, percent_off, amount_off,
				months, trial_days, ends_at, max_redemptions, active, featured, coupon_id, updated_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+offerCols, append(args, micros(now))...))
		} else {
			out, err = scanOffer(t.row(ctx, `UPDATE offers SET slug = ?, name = ?, plan_slug = ?, kind = ?, percent_off = ?,
				amount_off = ?, months = ?, trial_days = ?, ends_at = ?, max_redemptions = ?, active = ?, featured = ?,
				coupon_id = ?, updated_at = ? WHERE id = ? RETURNING `+offerCols, append(args, o.ID)...))
		}
		if errors.Is(err, sql.ErrNoRows) {
			return masthead.Errorf(masthead.ENOTFOUND, "There is no such offer.")
		}
		if err != nil {
			err = translate(err)
			if masthead.ErrorCode(err) == masthead.ECONFLICT {
				return masthead.Errorf(masthead.ECONFLICT, "Another offer has the slug %q.", o.Slug)
			}
			return fmt.Errorf("store: save offer %q: %w", o.Slug, err)
		}
		return t.bumpVersion(ctx)
	})
	return out, err
}

// applyOffer counts the redemption of the offer a completed checkout
// names, once per checkout session: a second event about the same
// session (a replay under another id, the read-back) finds its row. An
// offer that no longer exists counts nothing.
func (t *tx) applyOffer(ctx context.Context, c *masthead.CheckoutResult, now time.Time) error {
	if c.Offer == "" || c.SessionID == "" {
		return nil
	}
	var id int64
	err := t.row(ctx, `SELECT id FROM offers WHERE slug = ?`, c.Offer).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: offer %q: %w", c.Offer, err)
	}
	member := sql.NullInt64{Int64: c.MemberID, Valid: c.MemberID != 0}
	if member.Valid {
		if gone, err := t.memberDeleted(ctx, c.MemberID); err != nil {
			return err
		} else if gone {
			member = sql.NullInt64{}
		}
	}
	res, err := t.exec(ctx, `INSERT INTO offer_redemptions (session_id, offer_id, member_id, redeemed_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (session_id) DO NOTHING`, c.SessionID, id, member, micros(now))
	if err != nil {
		return fmt.Errorf("store: redeem offer %q: %w", c.Offer, translate(err))
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	if _, err := t.exec(ctx, `UPDATE offers SET redemptions = redemptions + 1 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: count offer %q: %w", c.Offer, err)
	}
	return nil
}
