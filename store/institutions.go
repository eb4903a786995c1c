package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"masthead"
)

// Institutions: their ranges and domains, the checks that keep ranges
// from overlapping and domains from being listed twice, and the
// entitlements granted to members who verify an address at a listed
// domain. Every write first raises institutions_version: on PostgreSQL
// that row's lock serialises institution writes, so the overlap checks
// see every committed range; on SQLite the one writer already does.

var _ masthead.InstitutionService = (*DB)(nil)

const institutionCols = `i.id, i.name, i.seat_limit, i.starts_at, i.ends_at, i.note,
	i.seats_refused, i.last_refused_at, i.created_at, i.updated_at,
	(SELECT COUNT(*) FROM entitlements e WHERE e.institution_id = i.id AND e.source = 'institution'
		AND (e.ends_at IS NULL OR e.ends_at > ?))`

func scanInstitution(sc rowScanner) (*masthead.Institution, error) {
	var (
		in                            masthead.Institution
		seats, ends, refusedAt        sql.NullInt64
		starts, created, updated, use int64
	)
	if err := sc.Scan(&in.ID, &in.Name, &seats, &starts, &ends, &in.Note,
		&in.SeatsRefused, &refusedAt, &created, &updated, &use); err != nil {
		return nil, err
	}
	in.SeatLimit = int(seats.Int64)
	in.StartsAt = time.UnixMicro(starts).UTC()
	in.EndsAt = fromMicros(ends)
	in.LastRefusedAt = fromMicros(refusedAt)
	in.CreatedAt = time.UnixMicro(created).UTC()
	in.UpdatedAt = time.UnixMicro(updated).UTC()
	in.SeatsUsed = int(use)
	return &in, nil
}

// Institutions lists every institution by name with its usage at now.
func (db *DB) Institutions(ctx context.Context, now time.Time) ([]*masthead.Institution, error) {
	rows, err := db.r.query(ctx, `SELECT `+institutionCols+` FROM institutions i ORDER BY i.name, i.id`, micros(now))
	if err != nil {
		return nil, fmt.Errorf("store: institutions: %w", err)
	}
	defer rows.Close()
	var out []*masthead.Institution
	byID := map[int64]*masthead.Institution{}
	for rows.Next() {
		in, err := scanInstitution(rows)
		if err != nil {
			return nil, fmt.Errorf("store: institutions: %w", err)
		}
		out = append(out, in)
		byID[in.ID] = in
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: institutions: %w", err)
	}
	rows.Close()
	if err := db.fillInstitutionLists(ctx, db.r, byID, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// Institution finds one institution by id with its usage at now.
func (db *DB) Institution(ctx context.Context, id int64, now time.Time) (*masthead.Institution, error) {
	in, err := scanInstitution(db.r.row(ctx, `SELECT `+institutionCols+` FROM institutions i WHERE i.id = ?`, micros(now), id))
	if err != nil {
		return nil, notFound(err, "institution", fmt.Sprint(id))
	}
	if err := db.fillInstitutionLists(ctx, db.r, map[int64]*masthead.Institution{id: in}, id); err != nil {
		return nil, err
	}
	return in, nil
}

// fillInstitutionLists reads the ranges and domains of the institutions
// in byID: of one (id) or of all (id 0).
func (db *DB) fillInstitutionLists(ctx context.Context, r reader, byID map[int64]*masthead.Institution, id int64) error {
	for _, q := range []string{
		`SELECT institution_id, cidr FROM institution_ranges WHERE institution_id = ? OR ? = 0`,
		`SELECT institution_id, domain FROM institution_domains WHERE institution_id = ? OR ? = 0 ORDER BY domain`,
	} {
		rows, err := r.query(ctx, q, id, id)
		if err != nil {
			return fmt.Errorf("store: institution lists: %w", err)
		}
		for rows.Next() {
			var (
				iid int64
				v   string
			)
			if err := rows.Scan(&iid, &v); err != nil {
				rows.Close()
				return fmt.Errorf("store: institution lists: %w", err)
			}
			in := byID[iid]
			if in == nil {
				continue
			}
			if strings.HasPrefix(q, "SELECT institution_id, cidr") {
				p, err := netip.ParsePrefix(v)
				if err != nil {
					rows.Close()
					return fmt.Errorf("store: institution %d: stored range %q: %w", iid, v, err)
				}
				in.Ranges = append(in.Ranges, p)
			} else {
				in.Domains = append(in.Domains, v)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("store: institution lists: %w", err)
		}
	}
	for _, in := range byID {
		sortPrefixes(in.Ranges)
	}
	return nil
}

func sortPrefixes(ps []netip.Prefix) {
	// The root package sorts the same way; NewNetworkTable relies on it
	// only for its own copy, so this is for display.
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && lessPrefix(ps[j], ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func lessPrefix(a, b netip.Prefix) bool {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c < 0
	}
	return a.Bits() < b.Bits()
}

// CreateInstitution stores a new institution after the checks that span
// institutions.
func (db *DB) CreateInstitution(ctx context.Context, in *masthead.Institution, actorID int64) (*masthead.Institution, error) {
	if err := checkInstitution(in); err != nil {
		return nil, err
	}
	now := db.clock.Now()
	var id int64
	err := db.write(ctx, func(t *tx) error {
		if err := t.bumpInstitutions(ctx); err != nil {
			return err
		}
		if err := t.checkInstitutionClashes(ctx, in, 0); err != nil {
			return err
		}
		err := t.row(ctx, `INSERT INTO institutions (name, seat_limit, starts_at, ends_at, note, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Name, nullInt(in.SeatLimit), micros(in.StartsAt), nullMicros(in.EndsAt), in.Note, micros(now), micros(now)).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: create institution: %w", translate(err))
		}
		return t.replaceInstitutionLists(ctx, id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.Institution(ctx, id, now)
}

// UpdateInstitution replaces an institution's details; its entitlements
// follow the new dates.
func (db *DB) UpdateInstitution(ctx context.Context, in *masthead.Institution, actorID int64) (*masthead.Institution, error) {
	if err := checkInstitution(in); err != nil {
		return nil, err
	}
	now := db.clock.Now()
	var ended []masthead.Member
	err := db.write(ctx, func(t *tx) error {
		if err := t.bumpInstitutions(ctx); err != nil {
			return err
		}
		var used int
		err := t.row(ctx, `SELECT COUNT(*) FROM entitlements WHERE institution_id = ? AND source = 'institution'
			AND (ends_at IS NULL OR ends_at > ?)`, in.ID, micros(now)).Scan(&used)
		if err != nil {
			return fmt.Errorf("store: update institution %d: %w", in.ID, err)
		}
		if err := t.checkInstitutionClashes(ctx, in, in.ID); err != nil {
			return err
		}
		ended = nil
		if in.SeatLimit > 0 && used > in.SeatLimit {
			if ended, err = t.endNewestSeats(ctx, in, used-in.SeatLimit, actorID, now); err != nil {
				return err
			}
		}
		res, err := t.exec(ctx, `UPDATE institutions SET name = ?, seat_limit = ?, starts_at = ?, ends_at = ?, note = ?, updated_at = ?
			WHERE id = ?`, in.Name, nullInt(in.SeatLimit), micros(in.StartsAt), nullMicros(in.EndsAt), in.Note, micros(now), in.ID)
		if err != nil {
			return fmt.Errorf("store: update institution %d: %w", in.ID, translate(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return masthead.Errorf(masthead.ENOTFOUND, "Institution %d not found.", in.ID)
		}
		// The grants follow the agreement: they end with it, and start
		// with it unless granted later. A grant ended for good (by staff,
		// a seat cut or the member's deletion) stays ended.
		_, err = t.exec(ctx, `UPDATE entitlements SET ends_at = ?,
				starts_at = CASE WHEN created_at > ? THEN created_at ELSE ? END
			WHERE institution_id = ? AND source = 'institution' AND revoked_at IS NULL`,
			nullMicros(in.EndsAt), micros(in.StartsAt), micros(in.StartsAt), in.ID)
		if err != nil {
			return fmt.Errorf("store: update institution %d: entitlements: %w", in.ID, err)
		}
		if _, err := t.exec(ctx, `DELETE FROM institution_ranges WHERE institution_id = ?`, in.ID); err != nil {
			return fmt.Errorf("store: update institution %d: %w", in.ID, err)
		}
		if _, err := t.exec(ctx, `DELETE FROM institution_domains WHERE institution_id = ?`, in.ID); err != nil {
			return fmt.Errorf("store: update institution %d: %w", in.ID, err)
		}
		return t.replaceInstitutionLists(ctx, in.ID, in)
	})
	if err != nil {
		return nil, err
	}
	saved, err := db.Institution(ctx, in.ID, now)
	if err != nil {
		return nil, err
	}
	saved.SeatsEnded = ended
	return saved, nil
}

// endNewestSeats ends the n newest current seats of the institution now,
// for good, each with a line in its member's history, and returns their
// members, newest seat first.
func (t *tx) endNewestSeats(ctx context.Context, in *masthead.Institution, n int, actorID int64, now time.Time) ([]masthead.Member, error) {
	rows, err := t.query(ctx, `SELECT `+memberCols+`, e.id FROM entitlements e JOIN members m ON m.id = e.member_id
		WHERE e.institution_id = ? AND e.source = 'institution' AND (e.ends_at IS NULL OR e.ends_at > ?)
		ORDER BY e.created_at DESC, e.id DESC LIMIT ?`, in.ID, micros(now), n)
	if err != nil {
		return nil, fmt.Errorf("store: institution %d: newest seats: %w", in.ID, err)
	}
	var (
		ids     []int64
		members []masthead.Member
	)
	for rows.Next() {
		var id int64
		m, err := scanMember(withExtra(rows, &id))
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: institution %d: newest seats: %w", in.ID, err)
		}
		ids = append(ids, id)
		members = append(members, *m)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("store: institution %d: newest seats: %w", in.ID, err)
	}
	for i, id := range ids {
		if err := t.revokeEntitlement(ctx, id, actorID, now); err != nil {
			return nil, err
		}
		err := t.addMemberEvent(ctx, masthead.MemberEvent{MemberID: members[i].ID, Kind: masthead.MemberEventInstitutionEnded,
			Detail:  fmt.Sprintf("All-Access through %s ended: the seat limit was lowered to %d and this was one of the newest seats.", in.Name, in.SeatLimit),
			ActorID: actorID, CreatedAt: now})
		if err != nil {
			return nil, err
		}
	}
	return members, nil
}

// revokeEntitlement ends an entitlement now, for good: nothing that
// follows dates (an institution's, a subscription's) reopens it. One
// that had not started yet ends before it begins.
func (t *tx) revokeEntitlement(ctx context.Context, id, actorID int64, now time.Time) error {
	actor := sql.NullInt64{Int64: actorID, Valid: actorID != 0}
	_, err := t.exec(ctx, `UPDATE entitlements SET revoked_at = ?, ended_by = ?, ends_at = ?,
			starts_at = CASE WHEN starts_at > ? THEN ? ELSE starts_at END
		WHERE id = ?`, micros(now), actor, micros(now), micros(now), micros(now), id)
	if err != nil {
		return fmt.Errorf("store: end entitlement %d: %w", id, err)
	}
	return nil
}

// checkInstitution repeats the checks of the form's parser, so that no
// caller can store what the form would refuse.
func checkInstitution(in *masthead.Institution) error {
	fields := map[string]string{}
	if strings.TrimSpace(in.Name) == "" {
		fields["name"] = "Enter the institution's name."
	}
	var text []string
	for _, p := range in.Ranges {
		text = append(text, p.String())
	}
	ranges, err := masthead.ParseRanges(strings.Join(text, "\n"))
	if err != nil {
		fields["ranges"] = err.Error()
	}
	domains, err := masthead.ParseDomains(strings.Join(in.Domains, "\n"))
	if err != nil {
		fields["domains"] = err.Error()
	}
	if in.SeatLimit < 0 {
		fields["seat_limit"] = "Enter a whole number of seats, 1 or more, or leave it empty for no limit."
	}
	if !in.EndsAt.IsZero() && !in.EndsAt.After(in.StartsAt) {
		fields["ends_at"] = "The end date must come after the start date."
	}
	if len(fields) > 0 {
		return &masthead.Error{Code: masthead.EINVALID, Message: "The institution was not saved: correct the fields marked below.", Fields: fields}
	}
	in.Ranges, in.Domains = ranges, domains
	return nil
}

// bumpInstitutions raises the version first thing in a write: it is the
// row every institution write locks.
func (t *tx) bumpInstitutions(ctx context.Context) error {
	if _, err := t.exec(ctx, `UPDATE institutions_version SET version = version + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("store: institutions version: %w", err)
	}
	return nil
}

// checkInstitutionClashes refuses ranges that overlap another
// institution's and domains another institution lists. self is the
// institution being edited (0 for a new one).
func (t *tx) checkInstitutionClashes(ctx context.Context, in *masthead.Institution, self int64) error {
	fields := map[string]string{}
	rows, err := t.query(ctx, `SELECT r.cidr, i.name FROM institution_ranges r JOIN institutions i ON i.id = r.institution_id
		WHERE r.institution_id <> ?`, self)
	if err != nil {
		return fmt.Errorf("store: check ranges: %w", err)
	}
	var clashes []string
	for rows.Next() {
		var cidr, name string
		if err := rows.Scan(&cidr, &name); err != nil {
			rows.Close()
			return fmt.Errorf("store: check ranges: %w", err)
		}
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			continue
		}
		for _, q := range in.Ranges {
			if q.Overlaps(p) {
				clashes = append(clashes, fmt.Sprintf("%s overlaps %s of %s", q, p, name))
			}
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("store: check ranges: %w", err)
	}
	if len(clashes) > 0 {
		fields["ranges"] = strings.Join(clashes, "; ") + "."
	}
	if len(in.Domains) > 0 {
		args := []any{self}
		for _, d := range in.Domains {
			args = append(args, d)
		}
		rows, err := t.query(ctx, `SELECT d.domain, i.name FROM institution_domains d JOIN institutions i ON i.id = d.institution_id
			WHERE d.institution_id <> ? AND d.domain IN (`+marks(len(in.Domains))+`) ORDER BY d.domain`, args...)
		if err != nil {
			return fmt.Errorf("store: check domains: %w", err)
		}
		var taken []string
		for rows.Next() {
			var d, name string
			if err := rows.Scan(&d, &name); err != nil {
				rows.Close()
				return fmt.Errorf("store: check domains: %w", err)
			}
			taken = append(taken, fmt.Sprintf("%s is already listed for %s", d, name))
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("store: check domains: %w", err)
		}
		if len(taken) > 0 {
			fields["domains"] = strings.Join(taken, "; ") + "."
		}
	}
	if len(fields) > 0 {
		return &masthead.Error{Code: masthead.EINVALID, Message: "The institution was not saved: correct the fields marked below.", Fields: fields}
	}
	return nil
}

func (t *tx) replaceInstitutionLists(ctx context.Context, id int64, in *masthead.Institution) error {
	for _, p := range in.Ranges {
		if _, err := t.exec(ctx, `INSERT INTO institution_ranges (institution_id, cidr) VALUES (?, ?)`, id, p.String()); err != nil {
			return fmt.Errorf("store: institution %d: range %s: %w", id, p, translate(err))
		}
	}
	for _, d := range in.Domains {
		if _, err := t.exec(ctx, `INSERT INTO institution_domains (institution_id, domain) VALUES (?, ?)`, id, d); err != nil {
			return fmt.Errorf("store: institution %d: domain %s: %w", id, d, translate(err))
		}
	}
	return nil
}

// InstitutionNetworks returns every range with its institution and the
// version they were read at, in one snapshot.
func (db *DB) InstitutionNetworks(ctx context.Context) (int64, []masthead.InstitutionNetwork, error) {
	var version int64
	var nets []masthead.InstitutionNetwork
	// Both reads in one transaction, so the version matches the ranges.
	sqlTx, err := db.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, nil, fmt.Errorf("store: institution networks: %w", err)
	}
	defer sqlTx.Rollback()
	t := &tx{Tx: sqlTx, p: db.r, missed: map[string]bool{}}
	if err := t.row(ctx, `SELECT version FROM institutions_version WHERE id = 1`).Scan(&version); err != nil {
		return 0, nil, fmt.Errorf("store: institution networks: %w", err)
	}
	rows, err := t.query(ctx, `SELECT r.cidr, i.id, i.name, i.starts_at, i.ends_at
		FROM institution_ranges r JOIN institutions i ON i.id = r.institution_id`)
	if err != nil {
		return 0, nil, fmt.Errorf("store: institution networks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			n      masthead.InstitutionNetwork
			cidr   string
			starts int64
			ends   sql.NullInt64
		)
		if err := rows.Scan(&cidr, &n.InstitutionID, &n.Name, &starts, &ends); err != nil {
			return 0, nil, fmt.Errorf("store: institution networks: %w", err)
		}
		if n.Prefix, err = netip.ParsePrefix(cidr); err != nil {
			return 0, nil, fmt.Errorf("store: institution %d: stored range %q: %w", n.InstitutionID, cidr, err)
		}
		n.StartsAt = time.UnixMicro(starts).UTC()
		n.EndsAt = fromMicros(ends)
		nets = append(nets, n)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("store: institution networks: %w", err)
	}
	return version, nets, nil
}

// InstitutionsVersion returns the counter every institution write raises.
func (db *DB) InstitutionsVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.r.row(ctx, `SELECT version FROM institutions_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: institutions version: %w", err)
	}
	return v, nil
}

// GrantInstitutionByDomain runs the domain check of a verified sign-in
// for a member who signed in another way (a password).
func (db *DB) GrantInstitutionByDomain(ctx context.Context, memberID int64) error {
	return db.write(ctx, func(t *tx) error {
		m, err := scanMember(t.row(ctx, `SELECT `+memberCols+` FROM members m WHERE m.id = ? AND m.deleted_at IS NULL`, memberID))
		if err != nil {
			return notFound(err, "member", fmt.Sprint(memberID))
		}
		return t.grantInstitutionByDomain(ctx, m, db.clock.Now())
	})
}

// grantInstitutionByDomain gives m an institutional entitlement when the
// domain of its verified address is listed by an institution whose
// agreement has not ended, within the seat limit. It runs inside the
// write that verifies the member (every sign-in link followed), so an
// institution listed after a member joined reaches them at their next
// sign-in. A member already granted through the institution is left
// alone: the grant follows the institution's dates.
func (t *tx) grantInstitutionByDomain(ctx context.Context, m *masthead.Member, now time.Time) error {
	if m.VerifiedAt.IsZero() {
		return nil
	}
	cands := masthead.EmailDomainCandidates(m.Email)
	if len(cands) == 0 {
		return nil
	}
	args := make([]any, len(cands))
	for i, d := range cands {
		args[i] = d
	}
	rows, err := t.query(ctx, `SELECT d.institution_id, d.domain FROM institution_domains d
		WHERE d.domain IN (`+marks(len(cands))+`)`, args...)
	if err != nil {
		return fmt.Errorf("store: institution for %d: %w", m.ID, err)
	}
	var (
		instID int64
		domain string
	)
	for rows.Next() {
		var id int64
		var d string
		if err := rows.Scan(&id, &d); err != nil {
			rows.Close()
			return fmt.Errorf("store: institution for %d: %w", m.ID, err)
		}
		if len(d) > len(domain) { // the most specific listed domain wins
			instID, domain = id, d
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("store: institution for %d: %w", m.ID, err)
	}
	if instID == 0 {
		return nil
	}
	var (
		name   string
		seats  sql.NullInt64
		starts int64
		ends   sql.NullInt64
	)
	// Locking the institution's row makes concurrent sign-ins on
	// PostgreSQL take seats one at a time.
	err = t.row(ctx, `SELECT name, seat_limit, starts_at, ends_at FROM institutions WHERE id = ?`+t.p.d.forUpdate, instID).
		Scan(&name, &seats, &starts, &ends)
	if err != nil {
		return fmt.Errorf("store: institution %d: %w", instID, err)
	}
	if ends.Valid && ends.Int64 <= micros(now) {
		return nil // the agreement is over
	}
	var held int
	if err := t.row(ctx, `SELECT COUNT(*) FROM entitlements WHERE institution_id = ? AND member_id = ?`, instID, m.ID).Scan(&held); err != nil {
		return fmt.Errorf("store: institution %d: %w", instID, err)
	}
	if held > 0 {
		return nil
	}
	if seats.Valid && seats.Int64 > 0 {
		var used int64
		err := t.row(ctx, `SELECT COUNT(*) FROM entitlements WHERE institution_id = ? AND source = 'institution'
			AND (ends_at IS NULL OR ends_at > ?)`, instID, micros(now)).Scan(&used)
		if err != nil {
			return fmt.Errorf("store: institution %d: seats: %w", instID, err)
		}
		if used >= seats.Int64 {
			if _, err := t.exec(ctx, `UPDATE institutions SET seats_refused = seats_refused + 1, last_refused_at = ? WHERE id = ?`,
				micros(now), instID); err != nil {
				return fmt.Errorf("store: institution %d: seats: %w", instID, err)
			}
			return t.addMemberEvent(ctx, masthead.MemberEvent{MemberID: m.ID, Kind: masthead.MemberEventInstitutionRefused,
				Detail:    fmt.Sprintf("No All-Access through %s (%s): all %d seats are taken.", name, domain, seats.Int64),
				CreatedAt: now})
		}
	}
	start := max(micros(now), starts)
	_, err = t.exec(ctx, `INSERT INTO entitlements (member_id, source, starts_at, ends_at, note, institution_id, created_at)
		VALUES (?, 'institution', ?, ?, ?, ?, ?)`,
		m.ID, start, ends, fmt.Sprintf("Through %s (%s)", name, domain), instID, micros(now))
	if err != nil {
		return fmt.Errorf("store: institution %d: grant to %d: %w", instID, m.ID, translate(err))
	}
	until := "with no end date"
	if ends.Valid {
		until = "until " + time.UnixMicro(ends.Int64).UTC().Format("2 January 2006")
	}
	return t.addMemberEvent(ctx, masthead.MemberEvent{MemberID: m.ID, Kind: masthead.MemberEventInstitutionGranted,
		Detail: fmt.Sprintf("All-Access through %s (verified address at %s), %s.", name, domain, until), CreatedAt: now})
}

func nullInt(n int) sql.NullInt64 {
	return sql.NullInt64{Int64: int64(n), Valid: n != 0}
}

// marks returns n comma-separated placeholders.
func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
