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

// Pruned counts what Prune deleted.
type Pruned struct {
	Sessions, SignInTokens, RateLimits, ErasedMailboxes int64
}

// Prune deletes expired sessions, sign-in tokens a week past their expiry,
// expired rate-limit windows and the erased mailboxes of past meter
// periods. Every instance may run it; the deletes
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
