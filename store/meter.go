package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"masthead"
)

// The meter: entitlements, unlocks spent with credits, and registration
// unlocks. Every rule that must hold under concurrency (one credit per
// article, no more than the period's credits, one registration unlock per
// browser and per mailbox per period) is enforced inside one write
// transaction that first locks what stands for the actor: the member's
// row for credits; the mailbox's name and the device's row for
// registrations.

var _ masthead.MeterService = (*DB)(nil)
var _ masthead.EntitlementService = (*DB)(nil)

// Entitled reports whether the member holds an entitlement active at now.
func (db *DB) Entitled(ctx context.Context, memberID int64, now time.Time) (bool, error) {
	var n int
	err := db.r.row(ctx, `SELECT COUNT(*) FROM entitlements
		WHERE member_id = ? AND starts_at <= ? AND (ends_at IS NULL OR ends_at > ?)`,
		memberID, micros(now), micros(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: entitled %d: %w", memberID, err)
	}
	return n > 0, nil
}

// GrantEntitlement stores a new entitlement. A zero StartsAt means now.
func (db *DB) GrantEntitlement(ctx context.Context, e masthead.Entitlement) (*masthead.Entitlement, error) {
	if !e.Source.Valid() {
		return nil, masthead.Errorf(masthead.EINVALID, "Unknown entitlement source %q.", e.Source)
	}
	if e.StartsAt.IsZero() {
		e.StartsAt = db.clock.Now()
	}
	if !e.EndsAt.IsZero() && !e.EndsAt.After(e.StartsAt) {
		return nil, masthead.Errorf(masthead.EINVALID, "An entitlement must end after it starts.")
	}
	err := db.write(ctx, func(t *tx) error {
		err := t.row(ctx, `INSERT INTO entitlements (member_id, source, starts_at, ends_at, note)
			VALUES (?, ?, ?, ?, ?) RETURNING id`,
			e.MemberID, string(e.Source), micros(e.StartsAt), nullMicros(e.EndsAt), e.Note).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("store: grant entitlement to %d: %w", e.MemberID, translate(err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.StartsAt = time.UnixMicro(micros(e.StartsAt)).UTC()
	if !e.EndsAt.IsZero() {
		e.EndsAt = time.UnixMicro(micros(e.EndsAt)).UTC()
	}
	return &e, nil
}

// MeterState reads the member's unlocks in one indexed query: those since
// the period's start, and the row of this article if it was unlocked
// earlier; then the credits carried into the period from an erased
// account of the same mailbox.
func (db *DB) MeterState(ctx context.Context, memberID, articleID int64, since time.Time) (masthead.MeterState, error) {
	var st masthead.MeterState
	rows, err := db.r.query(ctx, `SELECT article_id, created_at FROM unlocks
		WHERE member_id = ? AND (created_at >= ? OR article_id = ?)`, memberID, micros(since), articleID)
	if err != nil {
		return st, fmt.Errorf("store: meter of %d: %w", memberID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			return st, fmt.Errorf("store: meter of %d: %w", memberID, err)
		}
		if id == articleID {
			st.Unlocked = true
		}
		if at >= micros(since) {
			st.Unlocks = append(st.Unlocks, time.UnixMicro(at).UTC())
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("store: meter of %d: %w", memberID, err)
	}
	if err := db.r.row(ctx, `SELECT CASE WHEN carried_since >= ? THEN carried_credits ELSE 0 END FROM members WHERE id = ?`,
		micros(since), memberID).Scan(&st.Carried); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("store: meter of %d: %w", memberID, err)
	}
	return st, nil
}

var errMeterExhausted = masthead.Errorf(masthead.EPAYMENTREQUIRED, "You have read all your free articles for this period. Subscribe for full access.")

// SpendCredit unlocks an article with one credit; the credits carried
// from an erased account of the same mailbox count as spent. The
// member's row is
// locked first (FOR UPDATE on PostgreSQL; SQLite's single writer already
// serialises), so two clicks at once, on two instances, count and insert
// one after the other: the second finds the article unlocked and spends
// nothing.
func (db *DB) SpendCredit(ctx context.Context, memberID, articleID int64, since time.Time, credits int, now time.Time) (bool, error) {
	spent := false
	err := db.write(ctx, func(t *tx) error {
		var carried int
		var carriedSince int64
		err := t.row(ctx, `SELECT carried_credits, carried_since FROM members WHERE id = ?`+t.p.d.forUpdate, memberID).Scan(&carried, &carriedSince)
		if errors.Is(err, sql.ErrNoRows) {
			return masthead.Errorf(masthead.ENOTFOUND, "member %d not found", memberID)
		}
		if err != nil {
			return fmt.Errorf("store: spend credit: lock member %d: %w", memberID, err)
		}
		var have int
		if err := t.row(ctx, `SELECT COUNT(*) FROM unlocks WHERE member_id = ? AND article_id = ?`, memberID, articleID).Scan(&have); err != nil {
			return fmt.Errorf("store: spend credit: %w", err)
		}
		if have > 0 {
			return nil
		}
		var used int
		if err := t.row(ctx, `SELECT COUNT(*) FROM unlocks WHERE member_id = ? AND created_at >= ?`, memberID, micros(since)).Scan(&used); err != nil {
			return fmt.Errorf("store: spend credit: %w", err)
		}
		if carriedSince >= micros(since) {
			used += carried
		}
		if used >= credits {
			return errMeterExhausted
		}
		if _, err := t.exec(ctx, `INSERT INTO unlocks (member_id, article_id, created_at) VALUES (?, ?, ?)`,
			memberID, articleID, micros(now)); err != nil {
			return fmt.Errorf("store: spend credit: %w", translate(err))
		}
		spent = true
		return nil
	})
	return spent, err
}

// MemberUnlocks lists the member's unlocked articles, newest first.
func (db *DB) MemberUnlocks(ctx context.Context, memberID int64) ([]masthead.Unlock, error) {
	rows, err := db.r.query(ctx, `SELECT a.id, a.slug, a.title, u.created_at
		FROM unlocks u JOIN articles a ON a.id = u.article_id
		WHERE u.member_id = ? ORDER BY u.created_at DESC, a.id DESC`, memberID)
	if err != nil {
		return nil, fmt.Errorf("store: unlocks of %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []masthead.Unlock
	for rows.Next() {
		var u masthead.Unlock
		var at int64
		if err := rows.Scan(&u.ArticleID, &u.Slug, &u.Title, &at); err != nil {
			return nil, fmt.Errorf("store: unlocks of %d: %w", memberID, err)
		}
		u.At = time.UnixMicro(at).UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}

// Register creates or finds the member of the address's mailbox and
// grants the device its registration unlock, unless the device or the
// mailbox used theirs on another article in the period. The device's row
// is written, which locks it on PostgreSQL until the transaction ends,
// so registrations racing from one browser see each other's unlock;
// ensureMember locks the mailbox likewise. A ticked newsletter box is
// recorded only for a member this registration created: anyone may type
// anyone's address, so a registration never changes an existing member's
// choices. The registration's jobs (its sign-in email) are enqueued in
// the same transaction.
func (db *DB) Register(ctx context.Context, r masthead.Registration) (*masthead.Member, bool, error) {
	email, err := masthead.NormalizeEmail(r.Email)
	if err != nil {
		return nil, false, err
	}
	if len(r.DeviceHash) == 0 {
		return nil, false, masthead.Errorf(masthead.EINVALID, "register: no device")
	}
	var (
		m        *masthead.Member
		unlocked bool
	)
	now, mailbox := micros(r.Now), masthead.MailboxKey(email)
	err = db.write(ctx, func(t *tx) error {
		var created bool
		var err error
		if m, created, err = t.ensureMember(ctx, email, r.Now); err != nil {
			return err
		}
		if created && r.Newsletter != "" {
			if err := t.recordConsent(ctx, masthead.NewsletterConsent{MemberID: m.ID, Newsletter: r.Newsletter,
				Consented: true, Wording: r.ConsentWording, At: r.Now}); err != nil {
				return err
			}
		}
		if err := t.enqueueAll(ctx, r.Jobs, r.Now); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO devices (hash, created_at, seen_at) VALUES (?, ?, ?)
			ON CONFLICT (hash) DO UPDATE SET seen_at = excluded.seen_at`, r.DeviceHash, now, now); err != nil {
			return fmt.Errorf("store: register: device: %w", err)
		}
		var same, others int
		if err := t.row(ctx, `SELECT
				COALESCE(SUM(CASE WHEN article_id = ? THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN article_id <> ? AND created_at >= ? THEN 1 ELSE 0 END), 0)
			FROM registration_unlocks WHERE device_hash = ?`,
			r.ArticleID, r.ArticleID, micros(r.PeriodStart), r.DeviceHash).Scan(&same, &others); err != nil {
			return fmt.Errorf("store: register: %w", err)
		}
		switch {
		case same > 0:
			unlocked = true
			return nil
		case others > 0:
			return nil
		}
		// The mailbox's own unlock, under any spelling and from any
		// browser, or carried from an account of it deleted in the
		// period. ensureMember holds the mailbox's lock, so two
		// registrations of one mailbox count one after the other.
		var used int
		if err := t.row(ctx, `SELECT
				(SELECT COUNT(*) FROM registration_unlocks u JOIN members o ON o.id = u.member_id
					WHERE o.mailbox_key = ? AND u.article_id <> ? AND u.created_at >= ?)
				+ (SELECT COUNT(*) FROM members WHERE mailbox_key = ? AND carried_registration_at > 0 AND carried_registration_at >= ?)`,
			mailbox, r.ArticleID, micros(r.PeriodStart), mailbox, micros(r.PeriodStart)).Scan(&used); err != nil {
			return fmt.Errorf("store: register: mailbox: %w", err)
		}
		if used > 0 {
			return nil
		}
		if _, err := t.exec(ctx, `INSERT INTO registration_unlocks (device_hash, article_id, member_id, created_at)
			VALUES (?, ?, ?, ?)`, r.DeviceHash, r.ArticleID, m.ID, now); err != nil {
			return fmt.Errorf("store: register: unlock: %w", translate(err))
		}
		unlocked = true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return m, unlocked, nil
}

// RegistrationUnlocked reports whether the device registered on the
// article: one primary-key lookup.
func (db *DB) RegistrationUnlocked(ctx context.Context, deviceHash []byte, articleID int64) (bool, error) {
	var n int
	err := db.r.row(ctx, `SELECT COUNT(*) FROM registration_unlocks WHERE device_hash = ? AND article_id = ?`,
		deviceHash, articleID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: registration unlock: %w", err)
	}
	return n > 0, nil
}
