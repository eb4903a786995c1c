package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"masthead"
)

// AcquireLease takes the named lease for holder until now+ttl, or renews it
// when holder already has it, and returns the lease as it stands after the
// attempt: held by holder, or by whoever else still has it. The caller
// tells which with Lease.HeldBy.
//
// One upsert decides, so two instances asking at once can never both win:
// PostgreSQL locks the conflicting row and re-checks the WHERE clause
// against the winner's version; SQLite's single writer serialises them. A
// lease is free when it has lapsed (held_until has passed, or was set to
// zero by ReleaseLease). The token rises whenever the lease is taken rather
// than renewed, including by the same holder after a lapse, since another
// instance may have believed it free meanwhile.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (masthead.Lease, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return masthead.Lease{}, masthead.Errorf(masthead.EINVALID, "lease %q for %q: a name, a holder and a positive duration are required", name, holder)
	}
	var l masthead.Lease
	err := db.write(ctx, func(t *tx) error {
		n := micros(now)
		if _, err := t.exec(ctx, `INSERT INTO leases (name, holder, held_until, token) VALUES (?, ?, ?, 1)
			ON CONFLICT (name) DO UPDATE SET
				token = CASE WHEN leases.holder = excluded.holder AND leases.held_until > ?
					THEN leases.token ELSE leases.token + 1 END,
				holder = excluded.holder,
				held_until = excluded.held_until
			WHERE leases.holder = excluded.holder AND leases.held_until > ? OR leases.held_until <= ?`,
			name, holder, micros(now.Add(ttl)), n, n, n); err != nil {
			return err
		}
		var err error
		l, err = readLease(ctx, t, name)
		return err
	})
	if err != nil {
		return masthead.Lease{}, fmt.Errorf("store: acquire lease %q: %w", name, translate(err))
	}
	return l, nil
}

// ReleaseLease gives the lease up at once, so another instance can take it
// on its next attempt instead of waiting for it to lapse. It does nothing
// when holder no longer holds that term of the lease (token).
func (db *DB) ReleaseLease(ctx context.Context, name, holder string, token int64) error {
	err := db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE leases SET held_until = 0 WHERE name = ? AND holder = ? AND token = ?`, name, holder, token)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: release lease %q: %w", name, translate(err))
	}
	return nil
}

// Lease returns the named lease as it stands; ENOTFOUND when nobody has
// ever taken it.
func (db *DB) Lease(ctx context.Context, name string) (masthead.Lease, error) {
	l, err := readLease(ctx, db.r, name)
	if err != nil {
		return masthead.Lease{}, fmt.Errorf("store: lease %q: %w", name, translate(err))
	}
	return l, nil
}

func readLease(ctx context.Context, r reader, name string) (masthead.Lease, error) {
	var until sql.NullInt64
	l := masthead.Lease{Name: name}
	if err := r.row(ctx, `SELECT holder, held_until, token FROM leases WHERE name = ?`, name).Scan(&l.Holder, &until, &l.Token); err != nil {
		return masthead.Lease{}, err
	}
	if until.Int64 > 0 {
		l.Until = fromMicros(until)
	}
	return l, nil
}
