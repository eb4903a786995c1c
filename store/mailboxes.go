package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"masthead"
)

// Mailboxes: the spellings of an address that reach one inbox
// (masthead.MailboxKey) are one account, and an account deleted in the
// middle of a meter period leaves behind, until the period ends, the
// credits it spent and whether it used its registration unlock, under an
// HMAC of its mailbox, so registering again refills neither.

// mailboxSecretName names the key of erased mailboxes' HMAC in
// server_secrets.
const mailboxSecretName = "mailbox"

// backfillBatch bounds the members given a mailbox key per transaction
// when a database older than the mailbox keys is opened.
const backfillBatch = 500

// openMailboxes reads the HMAC key (making it on the first start) and
// gives a mailbox key to members older than migration 0020.
func (db *DB) openMailboxes(ctx context.Context) error {
	key, err := db.serverSecret(ctx, mailboxSecretName)
	if err != nil {
		return err
	}
	db.mailboxSecret = key
	return db.backfillMailboxKeys(ctx)
}

// serverSecret returns the 32-byte key named name, making it on first
// use: every instance reads the one the first made.
func (db *DB) serverSecret(ctx context.Context, name string) ([]byte, error) {
	var key []byte
	// Read first: after the first start there is nothing to write, and a
	// start should not take the writer for nothing. (Through the writer's
	// pool, as the other reads at Open, so SQLite keeps no read-only
	// connection open.)
	err := db.w.row(ctx, `SELECT secret FROM server_secrets WHERE name = ?`, name).Scan(&key)
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: server secret %q: %w", name, err)
	}
	err = db.write(ctx, func(t *tx) error {
		fresh := make([]byte, 32)
		rand.Read(fresh)
		if _, err := t.exec(ctx, `INSERT INTO server_secrets (name, secret) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
			return translate(err)
		}
		return t.row(ctx, `SELECT secret FROM server_secrets WHERE name = ?`, name).Scan(&key)
	})
	if err != nil {
		return nil, fmt.Errorf("store: server secret %q: %w", name, err)
	}
	return key, nil
}

// backfillMailboxKeys computes the mailbox key of members that have none,
// oldest first, in batches. It runs at every start and finds nothing to
// do once done; two instances starting at once write the same values.
func (db *DB) backfillMailboxKeys(ctx context.Context) error {
	var pending int
	if err := db.w.row(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM members WHERE mailbox_key IS NULL LIMIT 1) p`).Scan(&pending); err != nil {
		return fmt.Errorf("store: mailbox keys: %w", err)
	}
	if pending == 0 {
		return nil
	}
	for {
		n := 0
		err := db.write(ctx, func(t *tx) error {
			rows, err := t.query(ctx, `SELECT id, email FROM members WHERE mailbox_key IS NULL ORDER BY id LIMIT ?`, backfillBatch)
			if err != nil {
				return err
			}
			type member struct {
				id    int64
				email string
			}
			var ms []member
			for rows.Next() {
				var m member
				if err := rows.Scan(&m.id, &m.email); err != nil {
					rows.Close()
					return err
				}
				ms = append(ms, m)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, m := range ms {
				if _, err := t.exec(ctx, `UPDATE members SET mailbox_key = CASE WHEN deleted_at IS NULL THEN ? ELSE '' END WHERE id = ?`,
					masthead.MailboxKey(m.email), m.id); err != nil {
					return err
				}
			}
			n = len(ms)
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: mailbox keys: %w", err)
		}
		if n < backfillBatch {
			return nil
		}
	}
}

// erasedMailbox names a mailbox in erased_mailboxes: an HMAC of its key,
// which no one without the database's secret can test addresses against.
func (db *DB) erasedMailbox(mailbox string) []byte {
	mac := hmac.New(sha256.New, db.mailboxSecret)
	mac.Write([]byte(mailbox))
	return mac.Sum(nil)
}

// memberByAddress finds the member an address belongs to: the member with
// exactly that address, else the oldest member whose address reaches the
// same mailbox. q is the pool or a transaction.
func memberByAddress(ctx context.Context, q reader, email string, extra ...any) (*masthead.Member, error) {
	return scanMember(withExtra(q.row(ctx, `SELECT `+memberCols+`, m.password_hash FROM members m
		WHERE (m.email = ? OR m.mailbox_key = ?) AND m.deleted_at IS NULL
		ORDER BY CASE WHEN m.email = ? THEN 0 ELSE 1 END, m.id LIMIT 1`,
		email, masthead.MailboxKey(email), email), extra...))
}

// ensureMember returns the member whose mailbox email reaches, creating
// it when there is none and reporting whether it did. On PostgreSQL the
// mailbox's name is locked first, so two registrations of two spellings
// at once make one account; SQLite's single writer already serialises
// them. A new member inherits the credits an erased account of the same
// mailbox spent in the current period, and the time of its registration
// unlock in it.
func (t *tx) ensureMember(ctx context.Context, email string, now time.Time) (*masthead.Member, bool, error) {
	mailbox := masthead.MailboxKey(email)
	if t.p.d.lockName != "" {
		if _, err := t.exec(ctx, t.p.d.lockName, "mailbox:"+mailbox); err != nil {
			return nil, false, fmt.Errorf("store: ensure member: lock mailbox: %w", err)
		}
	}
	var pw string
	m, err := memberByAddress(ctx, t, email, &pw)
	if err == nil {
		return m, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("store: ensure member: %w", err)
	}
	var carried int
	var since, registration int64
	err = t.row(ctx, `SELECT credits, period_start, registration_unlock_at FROM erased_mailboxes WHERE key_hash = ? AND expires_at > ?`,
		t.db.erasedMailbox(mailbox), micros(now)).Scan(&carried, &since, &registration)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("store: ensure member: erased mailbox: %w", err)
	}
	// ON CONFLICT: an import or a bulk insert may have added the address
	// since, outside the lock.
	res, err := t.exec(ctx, `INSERT INTO members (email, mailbox_key, carried_credits, carried_since, carried_registration_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING`, email, mailbox, carried, since, registration, micros(now))
	if err != nil {
		return nil, false, fmt.Errorf("store: ensure member: %w", err)
	}
	if m, err = scanMember(t.row(ctx, `SELECT `+memberCols+` FROM members m WHERE m.email = ?`, email)); err != nil {
		return nil, false, fmt.Errorf("store: ensure member: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return m, false, nil
	}
	if err := t.recordMemberCreated(ctx, m, now); err != nil {
		return nil, false, err
	}
	return m, true, nil
}

// eraseMailbox remembers, until the end of the meter period, the credits
// a member being deleted spent in it and the time of their registration
// unlock in it, under the HMAC of their mailbox. A mailbox erased twice in
// one period keeps the larger values: the second account's already hold
// what it carried from the first.
func (t *tx) eraseMailbox(ctx context.Context, memberID int64, email string, periodStart, periodEnd time.Time) error {
	if periodEnd.IsZero() || !periodEnd.After(periodStart) {
		return nil
	}
	var carried int
	var since, carriedRegistration int64
	if err := t.row(ctx, `SELECT carried_credits, carried_since, carried_registration_at FROM members WHERE id = ?`,
		memberID).Scan(&carried, &since, &carriedRegistration); err != nil {
		return fmt.Errorf("store: erase mailbox: %w", err)
	}
	var used int
	var registration int64
	if err := t.row(ctx, `SELECT
			(SELECT COUNT(*) FROM unlocks WHERE member_id = ? AND created_at >= ?),
			(SELECT COALESCE(MAX(created_at), 0) FROM registration_unlocks WHERE member_id = ? AND created_at >= ?)`,
		memberID, micros(periodStart), memberID, micros(periodStart)).Scan(&used, &registration); err != nil {
		return fmt.Errorf("store: erase mailbox: %w", err)
	}
	if since >= micros(periodStart) {
		used += carried
	}
	if carriedRegistration >= micros(periodStart) && carriedRegistration > registration {
		registration = carriedRegistration
	}
	if used == 0 && registration == 0 {
		return nil
	}
	_, err := t.exec(ctx, `INSERT INTO erased_mailboxes (key_hash, period_start, credits, registration_unlock_at, expires_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (key_hash) DO UPDATE SET
			credits = CASE WHEN erased_mailboxes.period_start = excluded.period_start AND erased_mailboxes.credits > excluded.credits
				THEN erased_mailboxes.credits ELSE excluded.credits END,
			registration_unlock_at = CASE WHEN erased_mailboxes.period_start = excluded.period_start
				AND erased_mailboxes.registration_unlock_at > excluded.registration_unlock_at
				THEN erased_mailboxes.registration_unlock_at ELSE excluded.registration_unlock_at END,
			period_start = excluded.period_start,
			expires_at = excluded.expires_at`,
		t.db.erasedMailbox(masthead.MailboxKey(email)), micros(periodStart), used, registration, micros(periodEnd))
	if err != nil {
		return fmt.Errorf("store: erase mailbox: %w", err)
	}
	return nil
}
