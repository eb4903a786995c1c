package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"masthead"
)

// The reader's account: name, password, sessions, newsletter consent and
// deletion. Gift links are in gifts.go.

var _ masthead.AccountService = (*DB)(nil)
var _ masthead.RateLimiter = (*DB)(nil)

// maxNameChars bounds a member's display name.
const maxNameChars = 100

// SetMemberName changes the name shown on the site. Names are plain text:
// the templates escape them, and control characters are refused so a name
// cannot forge lines in an email header or a log.
func (db *DB) SetMemberName(ctx context.Context, memberID int64, name string) error {
	name = strings.TrimSpace(name)
	msg := ""
	switch {
	case !utf8.ValidString(name):
		msg = "The name holds characters that cannot be read."
	case utf8.RuneCountInString(name) > maxNameChars:
		msg = fmt.Sprintf("Keep the name under %d characters.", maxNameChars)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		msg = "The name cannot hold line breaks or control characters."
	}
	if msg != "" {
		return &masthead.Error{Code: masthead.EINVALID, Message: msg, Fields: map[string]string{"name": msg}}
	}
	return db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE members SET name = ? WHERE id = ? AND deleted_at IS NULL`, name, memberID)
		if err != nil {
			return fmt.Errorf("store: set name of member %d: %w", memberID, err)
		}
		return oneRow(res, "member", memberID)
	})
}

// SetPassword hashes password with Argon2id and stores the hash. The hash
// is computed before the write transaction so the single SQLite writer is
// never held for it.
func (db *DB) SetPassword(ctx context.Context, memberID int64, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	h := hashPassword(password)
	return db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE members SET password_hash = ? WHERE id = ? AND deleted_at IS NULL`, h, memberID)
		if err != nil {
			return fmt.Errorf("store: set password of member %d: %w", memberID, err)
		}
		return oneRow(res, "member", memberID)
	})
}

// HasPassword reports whether the member set a password.
func (db *DB) HasPassword(ctx context.Context, memberID int64) (bool, error) {
	var h string
	err := db.r.row(ctx, `SELECT password_hash FROM members WHERE id = ?`, memberID).Scan(&h)
	if err != nil {
		return false, notFound(err, "member", fmt.Sprint(memberID))
	}
	return h != "", nil
}

var errBadPassword = &masthead.Error{Code: masthead.EUNAUTHORIZED, Message: "Wrong email or password."}

// Authenticate returns the member whose address (or another spelling of
// its mailbox, as MemberByEmail finds it) and password match. Every
// failure is the same error after the same work (an unknown address or a
// member without a password is checked against a dummy hash), so the form
// cannot tell who has an account.
func (db *DB) Authenticate(ctx context.Context, email, password string) (*masthead.Member, error) {
	email, err := masthead.NormalizeEmail(email)
	if err != nil {
		verifyPassword(dummyHash, password)
		return nil, errBadPassword
	}
	var h string
	m, err := memberByAddress(ctx, db.r, email, &h)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: authenticate: %w", err)
	}
	if m == nil || h == "" {
		verifyPassword(dummyHash, password)
		return nil, errBadPassword
	}
	if !verifyPassword(h, password) {
		return nil, errBadPassword
	}
	return m, nil
}

// MemberSessions lists the member's live sessions, newest first. The
// tokens are not stored, so a session is known only by its times.
func (db *DB) MemberSessions(ctx context.Context, memberID int64) ([]masthead.Session, error) {
	rows, err := db.r.query(ctx, `SELECT member_id, created_at, expires_at FROM sessions
		WHERE member_id = ? AND expires_at > ? ORDER BY created_at DESC`, memberID, micros(db.clock.Now()))
	if err != nil {
		return nil, fmt.Errorf("store: sessions of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []masthead.Session
	for rows.Next() {
		var s masthead.Session
		var created, expires int64
		if err := rows.Scan(&s.MemberID, &created, &expires); err != nil {
			return nil, fmt.Errorf("store: sessions of member %d: %w", memberID, err)
		}
		s.CreatedAt, s.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

// RecordConsent appends a consent given or withdrawn. Rows are never
// updated: the history is the proof of what the reader agreed to.
func (db *DB) RecordConsent(ctx context.Context, c masthead.NewsletterConsent) error {
	if c.At.IsZero() {
		c.At = db.clock.Now()
	}
	return db.write(ctx, func(t *tx) error { return t.recordConsent(ctx, c) })
}

// RecordConsents appends consents in one transaction: a refused one
// leaves none of them.
func (db *DB) RecordConsents(ctx context.Context, cs []masthead.NewsletterConsent) error {
	now := db.clock.Now()
	return db.write(ctx, func(t *tx) error {
		for _, c := range cs {
			if c.At.IsZero() {
				c.At = now
			}
			if err := t.recordConsent(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// recordConsent checks and appends a consent inside a transaction.
func (t *tx) recordConsent(ctx context.Context, c masthead.NewsletterConsent) error {
	if !masthead.ValidSlug(c.Newsletter) {
		return masthead.Errorf(masthead.EINVALID, "Unknown newsletter %q.", c.Newsletter)
	}
	if strings.TrimSpace(c.Wording) == "" {
		return masthead.Errorf(masthead.EINVALID, "A consent needs the wording the reader saw.")
	}
	_, err := t.exec(ctx, `INSERT INTO newsletter_consents (member_id, newsletter, consented, wording, at) VALUES (?, ?, ?, ?, ?)`,
		c.MemberID, c.Newsletter, c.Consented, c.Wording, micros(c.At))
	if err != nil {
		return fmt.Errorf("store: record consent of member %d: %w", c.MemberID, translate(err))
	}
	return nil
}

// Consents returns the member's consent history, newest first; the first
// row for each newsletter is the current choice.
func (db *DB) Consents(ctx context.Context, memberID int64) ([]masthead.NewsletterConsent, error) {
	rows, err := db.r.query(ctx, `SELECT member_id, newsletter, consented, wording, at FROM newsletter_consents
		WHERE member_id = ? ORDER BY at DESC, id DESC`, memberID)
	if err != nil {
		return nil, fmt.Errorf("store: consents of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []masthead.NewsletterConsent
	for rows.Next() {
		var c masthead.NewsletterConsent
		var at int64
		if err := rows.Scan(&c.MemberID, &c.Newsletter, &c.Consented, &c.Wording, &at); err != nil {
			return nil, fmt.Errorf("store: consents of member %d: %w", memberID, err)
		}
		c.At = time.UnixMicro(at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteAccount removes a member's personal data in one transaction. The
// members row stays, emptied, with a placeholder address that no form
// accepts (it has no @), so the rows that only count (unlocks per article,
// entitlements for the books, registration unlocks) keep a valid owner
// and the numbers survive. What goes: address, mailbox key, name,
// password, staff byline, sessions, pending sign-in links, newsletter
// consents, gift links and their readers, and the link from a browser's
// registration to the member. What ends: every entitlement still running,
// revoked now, so an institution's seat is free at once and no later
// change of its dates reopens it; the link to the billing customer
// (billing_customers, and the customer on the member's subscriptions), so
// a later webhook about that customer finds no one (applySubscription also
// refuses a deleted member). Paid subscriptions must have been cancelled
// at the provider first; the caller does that. A gift the member bought
// stays valid for its recipient and only loses its purchaser. What stays
// until the meter period ends: the credits spent in it and the time of the
// registration unlock, under an HMAC of the mailbox (eraseMailbox), so
// that registering again in the period refills neither. Staff accounts are closed by an administrator
// instead, as their byline and role matter to others.
func (db *DB) DeleteAccount(ctx context.Context, d masthead.AccountDeletion) error {
	memberID, now := d.MemberID, d.Now
	return db.write(ctx, func(t *tx) error {
		var email, role string
		err := t.row(ctx, `SELECT email, role FROM members WHERE id = ? AND deleted_at IS NULL`+t.p.d.forUpdate, memberID).Scan(&email, &role)
		if err != nil {
			return notFound(err, "member", fmt.Sprint(memberID))
		}
		if masthead.Role(role).Staff() {
			return masthead.Errorf(masthead.EFORBIDDEN, "Staff accounts are closed by an administrator.")
		}
		if err := t.eraseMailbox(ctx, memberID, email, d.PeriodStart, d.PeriodEnd); err != nil {
			return err
		}
		steps := []struct {
			query string
			args  []any
		}{
			{`UPDATE members SET email = ?, mailbox_key = '', name = '', password_hash = '', author_slug = '', verified_at = NULL,
				carried_credits = 0, carried_since = 0, carried_registration_at = 0, deleted_at = ? WHERE id = ?`,
				[]any{fmt.Sprintf("deleted:%d", memberID), micros(d.Now), memberID}},
			{`DELETE FROM sessions WHERE member_id = ?`, []any{memberID}},
			{`DELETE FROM signin_tokens WHERE email = ?`, []any{email}},
			{`DELETE FROM newsletter_consents WHERE member_id = ?`, []any{memberID}},
			{`DELETE FROM gift_links WHERE member_id = ?`, []any{memberID}},
			{`UPDATE registration_unlocks SET member_id = NULL WHERE member_id = ?`, []any{memberID}},
			{`UPDATE entitlements SET revoked_at = ?, ends_at = ?, starts_at = CASE WHEN starts_at > ? THEN ? ELSE starts_at END
				WHERE member_id = ? AND (ends_at IS NULL OR ends_at > ?)`,
				[]any{micros(now), micros(now), micros(now), micros(now), memberID, micros(now)}},
			{`DELETE FROM billing_customers WHERE member_id = ?`, []any{memberID}},
			{`UPDATE subscriptions SET customer_id = '' WHERE member_id = ?`, []any{memberID}},
			{`UPDATE gift_subscriptions SET purchaser_id = NULL WHERE purchaser_id = ?`, []any{memberID}},
			{`DELETE FROM checkouts WHERE member_id = ?`, []any{memberID}},
		}
		for _, s := range steps {
			if _, err := t.exec(ctx, s.query, s.args...); err != nil {
				return fmt.Errorf("store: delete account %d: %w", memberID, err)
			}
		}
		// Follows, saved articles and reading history (follows.go).
		for _, q := range curatorDeletion {
			if _, err := t.exec(ctx, q, memberID); err != nil {
				return fmt.Errorf("store: delete account %d: %w", memberID, err)
			}
		}
		return nil
	})
}

// extraScan scans a row whose first columns are scanned by another
// function (scanMember) and whose last ones go to extra.
type extraScan struct {
	rowScanner
	extra []any
}

func (e extraScan) Scan(dest ...any) error { return e.rowScanner.Scan(append(dest, e.extra...)...) }

func withExtra(sc rowScanner, extra ...any) rowScanner { return extraScan{sc, extra} }

// oneRow turns an UPDATE that matched nothing into ENOTFOUND.
func oneRow(res sql.Result, what string, id int64) error {
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return masthead.Errorf(masthead.ENOTFOUND, "%s %d not found", what, id)
	}
	return nil
}
