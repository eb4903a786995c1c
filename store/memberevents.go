package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"masthead"
)

var _ masthead.MemberEventService = (*DB)(nil)

// AddMemberEvent appends an event to a member's history.
func (db *DB) AddMemberEvent(ctx context.Context, e masthead.MemberEvent) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = db.clock.Now()
	}
	return db.write(ctx, func(t *tx) error { return t.addMemberEvent(ctx, e) })
}

// addMemberEvent appends an event inside a write, so a change and its
// line in the history commit together.
func (t *tx) addMemberEvent(ctx context.Context, e masthead.MemberEvent) error {
	e.Kind = strings.TrimSpace(e.Kind)
	if e.Kind == "" {
		return masthead.Errorf(masthead.EINVALID, "A member event needs a kind.")
	}
	var exists int
	if err := t.row(ctx, `SELECT COUNT(*) FROM members WHERE id = ?`, e.MemberID).Scan(&exists); err != nil {
		return fmt.Errorf("store: member event for %d: %w", e.MemberID, err)
	}
	if exists == 0 {
		return masthead.Errorf(masthead.ENOTFOUND, "Member %d not found.", e.MemberID)
	}
	actor := sql.NullInt64{Int64: e.ActorID, Valid: e.ActorID != 0}
	_, err := t.exec(ctx, `INSERT INTO member_events (member_id, kind, detail, actor_member_id, created_at)
		VALUES (?, ?, ?, ?, ?)`, e.MemberID, e.Kind, e.Detail, actor, micros(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: member event for %d: %w", e.MemberID, translate(err))
	}
	return nil
}

// MemberEvents returns the member's newest events first.
func (db *DB) MemberEvents(ctx context.Context, memberID int64, limit int) ([]masthead.MemberEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.r.query(ctx, `SELECT e.id, e.member_id, e.kind, e.detail, e.actor_member_id, COALESCE(a.email, ''), e.created_at
		FROM member_events e LEFT JOIN members a ON a.id = e.actor_member_id
		WHERE e.member_id = ? ORDER BY e.created_at DESC, e.id DESC LIMIT ?`, memberID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: member events of %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []masthead.MemberEvent
	for rows.Next() {
		var (
			e     masthead.MemberEvent
			actor sql.NullInt64
			at    int64
		)
		if err := rows.Scan(&e.ID, &e.MemberID, &e.Kind, &e.Detail, &actor, &e.ActorEmail, &at); err != nil {
			return nil, fmt.Errorf("store: member events of %d: %w", memberID, err)
		}
		e.ActorID = actor.Int64
		e.CreatedAt = time.UnixMicro(at).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: member events of %d: %w", memberID, err)
	}
	return out, nil
}
