package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"masthead"
)

// The staff member pages: the searchable, filterable member list, a
// member's entitlements and unlocks, and complimentary grants.

var _ masthead.MemberAdminService = (*DB)(nil)

// currentEntitlement is the condition on e that it grants access at the
// instant bound twice after it.
const currentEntitlement = `e.starts_at <= ? AND (e.ends_at IS NULL OR e.ends_at > ?)`

// SearchMembers returns a page of members, newest first. The address and
// name conditions are prefix matches that the members_email_prefix and
// members_name_prefix indexes serve; the state conditions walk
// entitlements_source (by source among current grants) or probe
// entitlements_member per member. Pages are cut by id, so a page deep in
// the list costs what the first one does.
func (db *DB) SearchMembers(ctx context.Context, f masthead.MemberFilter) (*masthead.MemberPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 200)
	if f.Now.IsZero() {
		f.Now = db.clock.Now()
	}
	now := micros(f.Now)
	var (
		where = []string{"m.deleted_at IS NULL"}
		args  []any
	)
	// LIKE wildcards typed by staff are dropped rather than escaped: an
	// ESCAPE clause would keep SQLite from using the index.
	q := strings.ToLower(strings.TrimSpace(f.Query))
	q = strings.NewReplacer("%", "", "\\", "").Replace(q)
	if q != "" {
		where = append(where, "(m.email LIKE ? OR "+fmt.Sprintf(db.d.foldedPrefix, "m.name")+")")
		args = append(args, q+"%", q+"%")
	}
	if f.Before > 0 {
		where = append(where, "m.id < ?")
		args = append(args, f.Before)
	}
	bySource := func(sources ...string) {
		where = append(where, `m.id IN (SELECT e.member_id FROM entitlements e WHERE e.source IN (`+marks(len(sources))+`) AND `+currentEntitlement+`)`)
		for _, s := range sources {
			args = append(args, s)
		}
		args = append(args, now, now)
	}
	switch f.State {
	case "":
	case masthead.MemberRegistered:
		where = append(where, "m.verified_at IS NULL")
	case masthead.MemberVerified:
		where = append(where, "m.verified_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM entitlements e WHERE e.member_id = m.id AND "+currentEntitlement+")")
		args = append(args, now, now)
	case masthead.MemberSubscriber:
		bySource(string(masthead.EntitlementStripe), string(masthead.EntitlementGift), string(masthead.EntitlementDemo))
	case masthead.MemberComp:
		bySource(string(masthead.EntitlementComplimentary))
	case masthead.MemberInstitution:
		bySource(string(masthead.EntitlementInstitution))
	case masthead.MemberLapsed:
		// Driven from the ended entitlements (entitlements_ended), far
		// fewer than the members.
		where = append(where, `m.id IN (SELECT e.member_id FROM entitlements e WHERE e.ends_at <= ?)
			AND NOT EXISTS (SELECT 1 FROM entitlements e WHERE e.member_id = m.id AND (e.ends_at IS NULL OR e.ends_at > ?))`)
		args = append(args, now, now)
	default:
		return nil, masthead.Errorf(masthead.EINVALID, "Unknown member state %q.", f.State)
	}
	args = append(args, f.Limit+1)
	rows, err := db.r.query(ctx, `SELECT `+memberCols+` FROM members m WHERE `+strings.Join(where, " AND ")+
		` ORDER BY m.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search members: %w", err)
	}
	defer rows.Close()
	page := &masthead.MemberPage{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("store: search members: %w", err)
		}
		page.Members = append(page.Members, masthead.MemberListItem{Member: *m})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: search members: %w", err)
	}
	rows.Close()
	if len(page.Members) > f.Limit {
		page.Members = page.Members[:f.Limit]
		page.Next = page.Members[f.Limit-1].ID
	}
	if err := db.fillMemberSources(ctx, page.Members, f.Now); err != nil {
		return nil, err
	}
	return page, nil
}

// fillMemberSources reads the entitlements of a page of members in one
// query and marks each member's current sources and lapse.
func (db *DB) fillMemberSources(ctx context.Context, items []masthead.MemberListItem, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(items))
	args := make([]any, len(items))
	for i, it := range items {
		idx[it.ID] = i
		args[i] = it.ID
	}
	rows, err := db.r.query(ctx, `SELECT member_id, source, starts_at, ends_at FROM entitlements
		WHERE member_id IN (`+marks(len(items))+`) ORDER BY member_id, starts_at`, args...)
	if err != nil {
		return fmt.Errorf("store: member entitlements: %w", err)
	}
	defer rows.Close()
	ended := map[int64]bool{}
	for rows.Next() {
		var (
			e      masthead.Entitlement
			starts int64
			ends   sql.NullInt64
			source string
		)
		if err := rows.Scan(&e.MemberID, &source, &starts, &ends); err != nil {
			return fmt.Errorf("store: member entitlements: %w", err)
		}
		e.Source = masthead.EntitlementSource(source)
		e.StartsAt, e.EndsAt = time.UnixMicro(starts).UTC(), fromMicros(ends)
		it := &items[idx[e.MemberID]]
		switch {
		case e.ActiveAt(now):
			it.Sources = appendSource(it.Sources, e.Source)
		case !e.EndsAt.IsZero() && !now.Before(e.EndsAt):
			ended[e.MemberID] = true
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: member entitlements: %w", err)
	}
	for i := range items {
		items[i].Lapsed = ended[items[i].ID] && len(items[i].Sources) == 0
	}
	return nil
}

func appendSource(list []masthead.EntitlementSource, s masthead.EntitlementSource) []masthead.EntitlementSource {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

// MemberEntitlements lists every entitlement of the member, newest first.
func (db *DB) MemberEntitlements(ctx context.Context, memberID int64) ([]masthead.EntitlementRecord, error) {
	rows, err := db.r.query(ctx, `SELECT e.id, e.member_id, e.source, e.starts_at, e.ends_at, e.note,
			COALESCE(e.institution_id, 0), COALESCE(i.name, ''), COALESCE(g.email, ''), COALESCE(x.email, ''), e.created_at
		FROM entitlements e
		LEFT JOIN institutions i ON i.id = e.institution_id
		LEFT JOIN members g ON g.id = e.granted_by
		LEFT JOIN members x ON x.id = e.ended_by
		WHERE e.member_id = ? ORDER BY e.starts_at DESC, e.id DESC`, memberID)
	if err != nil {
		return nil, fmt.Errorf("store: entitlements of %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []masthead.EntitlementRecord
	for rows.Next() {
		var (
			r               masthead.EntitlementRecord
			source          string
			starts, created int64
			ends            sql.NullInt64
		)
		if err := rows.Scan(&r.ID, &r.MemberID, &source, &starts, &ends, &r.Note,
			&r.InstitutionID, &r.InstitutionName, &r.GrantedByEmail, &r.EndedByEmail, &created); err != nil {
			return nil, fmt.Errorf("store: entitlements of %d: %w", memberID, err)
		}
		r.Source = masthead.EntitlementSource(source)
		r.StartsAt, r.EndsAt = time.UnixMicro(starts).UTC(), fromMicros(ends)
		r.CreatedAt = time.UnixMicro(created).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: entitlements of %d: %w", memberID, err)
	}
	return out, nil
}

// GrantComplimentary gives the member All-Access from now until g.Until,
// with the grant and its line in the member's history in one write.
func (db *DB) GrantComplimentary(ctx context.Context, g masthead.CompGrant) (*masthead.Entitlement, error) {
	now := db.clock.Now()
	g.Note = strings.TrimSpace(g.Note)
	fields := map[string]string{}
	if g.Until.IsZero() || !g.Until.After(now) {
		fields["until"] = "Choose an end date in the future."
	}
	if g.Note == "" {
		fields["note"] = "Say why, for the member's history."
	} else if len(g.Note) > 500 {
		fields["note"] = "Keep the note under 500 characters."
	}
	if len(fields) > 0 {
		return nil, &masthead.Error{Code: masthead.EINVALID, Message: "No access was granted: correct the fields marked below.", Fields: fields}
	}
	e := &masthead.Entitlement{MemberID: g.MemberID, Source: masthead.EntitlementComplimentary,
		StartsAt: time.UnixMicro(micros(now)).UTC(), EndsAt: time.UnixMicro(micros(g.Until)).UTC(), Note: g.Note}
	err := db.write(ctx, func(t *tx) error {
		actor := sql.NullInt64{Int64: g.ActorID, Valid: g.ActorID != 0}
		err := t.row(ctx, `INSERT INTO entitlements (member_id, source, starts_at, ends_at, note, granted_by, created_at)
			SELECT id, 'complimentary', ?, ?, ?, ?, ? FROM members WHERE id = ? AND deleted_at IS NULL RETURNING id`,
			micros(e.StartsAt), micros(e.EndsAt), e.Note, actor, micros(now), g.MemberID).Scan(&e.ID)
		if err != nil {
			return notFound(err, "member", fmt.Sprint(g.MemberID))
		}
		return t.addMemberEvent(ctx, masthead.MemberEvent{MemberID: g.MemberID, Kind: masthead.MemberEventCompGranted,
			Detail:  fmt.Sprintf("Complimentary All-Access until %s. Note: %s", e.EndsAt.Format("2 January 2006"), e.Note),
			ActorID: g.ActorID, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// EndGrant ends one of the member's complimentary or institutional
// grants now, for good (revokeEntitlement). An institutional seat is then
// free, and the member is not granted through that institution again:
// they hold their one entitlement of it, ended.
func (db *DB) EndGrant(ctx context.Context, memberID, entitlementID, actorID int64) error {
	now := db.clock.Now()
	return db.write(ctx, func(t *tx) error {
		var (
			source, note, inst string
			ends, instID       sql.NullInt64
		)
		err := t.row(ctx, `SELECT source, ends_at, note, institution_id FROM entitlements
			WHERE id = ? AND member_id = ?`+t.p.d.forUpdate, entitlementID, memberID).Scan(&source, &ends, &note, &instID)
		if err != nil {
			return notFound(err, "entitlement", fmt.Sprint(entitlementID))
		}
		if instID.Valid {
			if err := t.row(ctx, `SELECT name FROM institutions WHERE id = ?`, instID.Int64).Scan(&inst); err != nil {
				return fmt.Errorf("store: end entitlement %d: %w", entitlementID, err)
			}
		}
		var ev masthead.MemberEvent
		switch masthead.EntitlementSource(source) {
		case masthead.EntitlementComplimentary:
			ev = masthead.MemberEvent{Kind: masthead.MemberEventCompEnded,
				Detail: fmt.Sprintf("Complimentary All-Access ended early (it was granted with the note: %s).", note)}
		case masthead.EntitlementInstitution:
			ev = masthead.MemberEvent{Kind: masthead.MemberEventInstitutionEnded,
				Detail: fmt.Sprintf("All-Access through %s ended by staff; the seat is free.", inst)}
		default:
			return masthead.Errorf(masthead.EINVALID, "Only complimentary and institutional grants can be ended here; this one comes from %s.", source)
		}
		if ends.Valid && ends.Int64 <= micros(now) {
			return masthead.Errorf(masthead.EINVALID, "This grant has already ended.")
		}
		if err := t.revokeEntitlement(ctx, entitlementID, actorID, now); err != nil {
			return err
		}
		ev.MemberID, ev.ActorID, ev.CreatedAt = memberID, actorID, now
		return t.addMemberEvent(ctx, ev)
	})
}
