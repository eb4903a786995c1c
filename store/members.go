package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"masthead"
)

const memberCols = `m.id, m.email, m.name, m.role, m.author_slug, m.verified_at, m.created_at`

func scanMember(sc rowScanner) (*masthead.Member, error) {
	var (
		m        masthead.Member
		role     string
		verified sql.NullInt64
		created  int64
	)
	if err := sc.Scan(&m.ID, &m.Email, &m.Name, &role, &m.AuthorSlug, &verified, &created); err != nil {
		return nil, err
	}
	m.Role = masthead.Role(role)
	m.VerifiedAt = fromMicros(verified)
	m.CreatedAt = time.UnixMicro(created).UTC()
	return &m, nil
}

// Member finds a member by id.
func (db *DB) Member(ctx context.Context, id int64) (*masthead.Member, error) {
	m, err := scanMember(db.r.row(ctx, `SELECT `+memberCols+` FROM members m WHERE m.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "member", fmt.Sprint(id))
	}
	return m, nil
}

// MemberByEmail finds the member an address belongs to: the member with
// exactly that address, else the oldest whose address reaches the same
// mailbox (masthead.MailboxKey).
func (db *DB) MemberByEmail(ctx context.Context, email string) (*masthead.Member, error) {
	var pw string
	m, err := memberByAddress(ctx, db.r, email, &pw)
	if err != nil {
		return nil, notFound(err, "member", email)
	}
	return m, nil
}

// EnsureMember returns the member whose mailbox email reaches, creating
// it if needed; a staff role replaces the member's role.
func (db *DB) EnsureMember(ctx context.Context, email string, role masthead.Role) (*masthead.Member, error) {
	email, err := masthead.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if role != masthead.RoleNone && !role.Valid() {
		return nil, &masthead.Error{Code: masthead.EINVALID, Message: "Role must be admin, editor or author.", Fields: map[string]string{"role": "Role must be admin, editor or author."}}
	}
	var m *masthead.Member
	err = db.write(ctx, func(t *tx) error {
		var err error
		m, _, err = t.ensureMember(ctx, email, db.clock.Now())
		if err != nil || !role.Valid() || m.Role == role {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE members SET role = ? WHERE id = ?`, string(role), m.ID); err != nil {
			return fmt.Errorf("store: set role: %w", err)
		}
		m.Role = role
		return nil
	})
	return m, err
}

// CreateSignInToken stores the hash of a one-time sign-in token.
func (db *DB) CreateSignInToken(ctx context.Context, email string, tokenHash []byte, expires time.Time) error {
	email, err := masthead.NormalizeEmail(email)
	if err != nil {
		return err
	}
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `INSERT INTO signin_tokens (hash, email, expires_at) VALUES (?, ?, ?)`, tokenHash, email, micros(expires))
		if err != nil {
			return fmt.Errorf("store: create sign-in token: %w", translate(err))
		}
		return nil
	})
}

var errBadToken = &masthead.Error{Code: masthead.EUNAUTHORIZED, Message: "This sign-in link is invalid, expired or already used. Ask for a new one."}

// ConsumeSignInToken spends a token once: the UPDATE matches only an
// unused, unexpired token, so two requests racing with the same link sign
// in at most once. The member is created if needed and marked verified.
func (db *DB) ConsumeSignInToken(ctx context.Context, tokenHash []byte) (*masthead.Member, error) {
	now := db.clock.Now()
	var m *masthead.Member
	err := db.write(ctx, func(t *tx) error {
		var email string
		err := t.row(ctx, `UPDATE signin_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING email`,
			micros(now), tokenHash, micros(now)).Scan(&email)
		if errors.Is(err, sql.ErrNoRows) {
			return errBadToken
		}
		if err != nil {
			return fmt.Errorf("store: consume sign-in token: %w", err)
		}
		if m, _, err = t.ensureMember(ctx, email, now); err != nil {
			return err
		}
		if m.VerifiedAt.IsZero() {
			if _, err := t.exec(ctx, `UPDATE members SET verified_at = ? WHERE id = ?`, micros(now), m.ID); err != nil {
				return fmt.Errorf("store: verify member: %w", err)
			}
			m.VerifiedAt = time.UnixMicro(micros(now)).UTC()
		}
		// An address at an institution's domain opens All-Access, on
		// the first verification and on any later sign-in
		// (institutions.go).
		return t.grantInstitutionByDomain(ctx, m, now)
	})
	return m, err
}

// CreateSession stores a session under the hash of its token.
func (db *DB) CreateSession(ctx context.Context, memberID int64, tokenHash []byte, expires time.Time) error {
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `INSERT INTO sessions (hash, member_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			tokenHash, memberID, micros(db.clock.Now()), micros(expires))
		if err != nil {
			return fmt.Errorf("store: create session: %w", translate(err))
		}
		return nil
	})
}

// SessionMember returns the member of a live session.
func (db *DB) SessionMember(ctx context.Context, tokenHash []byte) (*masthead.Member, error) {
	m, err := scanMember(db.r.row(ctx, `SELECT `+memberCols+`
		FROM sessions s JOIN members m ON m.id = s.member_id
		WHERE s.hash = ? AND s.expires_at > ?`, tokenHash, micros(db.clock.Now())))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &masthead.Error{Code: masthead.EUNAUTHORIZED, Message: "Your session has ended. Please sign in again."}
	}
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	return m, nil
}

// DeleteSession ends one session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `DELETE FROM sessions WHERE hash = ?`, tokenHash)
		return err
	})
}

// DeleteMemberSessions ends every session of a member.
func (db *DB) DeleteMemberSessions(ctx context.Context, memberID int64) error {
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `DELETE FROM sessions WHERE member_id = ?`, memberID)
		return err
	})
}

// Compile-time checks that DB serves the domain's interfaces.
var (
	_ masthead.ArticleService  = (*DB)(nil)
	_ masthead.MemberService   = (*DB)(nil)
	_ masthead.TaxonomyService = (*DB)(nil)
)

// Staff lists members with a staff role, by email.
func (db *DB) Staff(ctx context.Context) ([]*masthead.Member, error) {
	rows, err := db.r.query(ctx, `SELECT `+memberCols+` FROM members m WHERE m.role <> '' ORDER BY m.email`)
	if err != nil {
		return nil, fmt.Errorf("store: staff: %w", err)
	}
	defer rows.Close()
	var out []*masthead.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("store: staff: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetAuthorSlug links a member to an author's byline, creating the author
// named from the slug if there is none yet.
func (db *DB) SetAuthorSlug(ctx context.Context, memberID int64, slug string) error {
	if slug != "" && !masthead.ValidSlug(slug) {
		return &masthead.Error{Code: masthead.EINVALID, Message: "Byline must be an author slug like “ada-lovelace”.", Fields: map[string]string{"author_slug": "Byline must be an author slug like “ada-lovelace”."}}
	}
	return db.write(ctx, func(t *tx) error {
		if slug != "" {
			if _, err := t.termID(ctx, "authors", slug, nil); err != nil {
				return err
			}
		}
		res, err := t.exec(ctx, `UPDATE members SET author_slug = ? WHERE id = ?`, slug, memberID)
		if err != nil {
			return fmt.Errorf("store: set author slug: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return masthead.Errorf(masthead.ENOTFOUND, "member %d not found", memberID)
		}
		return nil
	})
}

// RemoveStaff takes a member's staff role away, ends their sessions and
// revokes the Admin API tokens they made, in one write. Every
// administrator's row is locked first, in id order (PostgreSQL; SQLite has
// one writer), so two administrators removing each other at once cannot
// both succeed: the second counts one administrator and is refused.
func (db *DB) RemoveStaff(ctx context.Context, memberID, actorID int64) (*masthead.StaffRemoval, error) {
	now := db.clock.Now()
	var out masthead.StaffRemoval
	err := db.write(ctx, func(t *tx) error {
		out = masthead.StaffRemoval{}
		rows, err := t.query(ctx, `SELECT id FROM members WHERE role = 'admin' AND deleted_at IS NULL ORDER BY id`+t.p.d.forUpdate)
		if err != nil {
			return fmt.Errorf("store: remove staff %d: %w", memberID, err)
		}
		admins := 0
		for rows.Next() {
			admins++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("store: remove staff %d: %w", memberID, err)
		}
		m, err := scanMember(t.row(ctx, `SELECT `+memberCols+` FROM members m WHERE m.id = ? AND m.deleted_at IS NULL`+t.p.d.forUpdate, memberID))
		if err != nil {
			return notFound(err, "member", fmt.Sprint(memberID))
		}
		out.Member = *m
		switch {
		case !m.Role.Staff():
			return masthead.Errorf(masthead.EINVALID, "%s has no staff role.", m.Email)
		case m.Role == masthead.RoleAdmin && admins <= 1:
			return masthead.Errorf(masthead.ECONFLICT, "%s is the last administrator: make someone else an administrator first.", m.Email)
		}
		if _, err := t.exec(ctx, `UPDATE members SET role = '' WHERE id = ?`, memberID); err != nil {
			return fmt.Errorf("store: remove staff %d: %w", memberID, err)
		}
		res, err := t.exec(ctx, `DELETE FROM sessions WHERE member_id = ?`, memberID)
		if err != nil {
			return fmt.Errorf("store: remove staff %d: sessions: %w", memberID, err)
		}
		n, _ := res.RowsAffected()
		out.Sessions = int(n)
		res, err = t.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE created_by = ? AND kind = 'admin' AND revoked_at IS NULL`,
			micros(now), memberID)
		if err != nil {
			return fmt.Errorf("store: remove staff %d: tokens: %w", memberID, err)
		}
		n, _ = res.RowsAffected()
		out.Tokens = int(n)
		return t.addMemberEvent(ctx, masthead.MemberEvent{MemberID: memberID, Kind: masthead.MemberEventStaffRemoved,
			Detail:  fmt.Sprintf("Staff role %s removed: %d sessions ended, %d Admin API tokens revoked.", m.Role, out.Sessions, out.Tokens),
			ActorID: actorID, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
