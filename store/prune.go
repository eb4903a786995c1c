package store

import (
	"context"
	"fmt"
	"time"
)

// signInTokenKeep is how long a spent or expired sign-in token is kept
// after its expiry, so a reader who opens an old link is told it was used
// or has expired rather than that it never existed.
const signInTokenKeep = 7 * 24 * time.Hour

// checkoutKeep is how long a checkout that was never paid is kept: Stripe
// expires a Checkout Session after a day, so a week covers any payment
// still on its way, and the typed address goes with the row.
const checkoutKeep = 7 * 24 * time.Hour

// deleteRows runs query, a DELETE, in a write transaction of its own and
// returns how many rows went; what names it in an error.
func (db *DB) deleteRows(ctx context.Context, what, query string, args ...any) (int64, error) {
	var n int64
	err := db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store: %s: %w", what, translate(err))
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// Pruned counts what Prune deleted.
type Pruned struct {
	Sessions, SignInTokens, RateLimits, ErasedMailboxes int64
	// Checkouts counts the checkouts never paid (checkoutKeep).
	Checkouts int64
}

// Prune deletes expired sessions, sign-in tokens a week past their expiry,
// expired rate-limit windows, the erased mailboxes of past meter
// periods and checkouts a week old that were never paid. Every instance may run it; the deletes
// are idempotent.
func (db *DB) Prune(ctx context.Context, now time.Time) (Pruned, error) {
	var p Pruned
	err := db.write(ctx, func(t *tx) error {
		for _, d := range []struct {
			n     *int64
			query string
			arg   int64
		}{
			{&p.Sessions, `DELETE FROM sessions WHERE expires_at <= ?`, micros(now)},
			{&p.SignInTokens, `DELETE FROM signin_tokens WHERE expires_at <= ?`, micros(now.Add(-signInTokenKeep))},
			{&p.RateLimits, `DELETE FROM rate_limits WHERE expires_at <= ?`, micros(now)},
			{&p.ErasedMailboxes, `DELETE FROM erased_mailboxes WHERE expires_at <= ?`, micros(now)},
			{&p.Checkouts, `DELETE FROM checkouts WHERE completed_at IS NULL AND created_at <= ?`, micros(now.Add(-checkoutKeep))},
		} {
			res, err := t.exec(ctx, d.query, d.arg)
			if err != nil {
				return fmt.Errorf("store: prune: %w", err)
			}
			*d.n, _ = res.RowsAffected()
		}
		return nil
	})
	return p, err
}
