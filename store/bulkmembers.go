package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"masthead"
)

// BulkMember is a member to add in bulk (demo data, benchmarks, load
// tests), with the facts that decide what newsletters they get.
type BulkMember struct {
	Email    string
	Name     string
	Verified bool
	Created  time.Time
	// EntitledFrom and EntitledUntil, when EntitledFrom is set, add a
	// 'demo' entitlement (zero EntitledUntil: open-ended); an end in the
	// past makes a lapsed subscriber.
	EntitledFrom  time.Time
	EntitledUntil time.Time
	// Newsletters maps newsletter slugs to a consent given (true) or
	// withdrawn (false).
	Newsletters map[string]bool
}

// bulkRows is how many rows one multi-row INSERT carries.
const bulkRows = 400

// InsertMembers adds members in one transaction with multi-row INSERTs,
// fast enough for a hundred thousand. An address already present is
// ECONFLICT and nothing is added. It returns the new ids in order.
func (db *DB) InsertMembers(ctx context.Context, ms []BulkMember, wording string) ([]int64, error) {
	ids := make([]int64, 0, len(ms))
	err := db.write(ctx, func(t *tx) error {
		for start := 0; start < len(ms); start += bulkRows {
			chunk := ms[start:min(start+bulkRows, len(ms))]
			args := make([]any, 0, 5*len(chunk))
			for _, m := range chunk {
				var verified any
				if m.Verified {
					verified = micros(m.Created)
				}
				email := strings.ToLower(m.Email)
				args = append(args, email, masthead.MailboxKey(email), m.Name, verified, micros(m.Created))
			}
			rows, err := t.QueryContext(ctx, db.d.q(`INSERT INTO members (email, mailbox_key, name, verified_at, created_at) VALUES `+
				valueRows(len(chunk), "(?, ?, ?, ?, ?)")+` RETURNING id`), args...)
			if err != nil {
				return translate(err)
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return translate(err)
			}
		}
		if len(ids) != len(ms) {
			return fmt.Errorf("inserted %d members, want %d", len(ids), len(ms))
		}
		var ents, cons [][]any
		for i, m := range ms {
			if !m.EntitledFrom.IsZero() {
				ents = append(ents, []any{ids[i], micros(m.EntitledFrom), nullMicros(m.EntitledUntil)})
			}
			for slug, on := range m.Newsletters {
				cons = append(cons, []any{ids[i], slug, on, wording, micros(m.Created)})
			}
		}
		if err := bulkInsert(ctx, t, `INSERT INTO entitlements (member_id, source, starts_at, ends_at) VALUES `, "(?, 'demo', ?, ?)", ents); err != nil {
			return err
		}
		return bulkInsert(ctx, t, `INSERT INTO newsletter_consents (member_id, newsletter, consented, wording, at) VALUES `, "(?, ?, ?, ?, ?)", cons)
	})
	if err != nil {
		return nil, fmt.Errorf("store: insert %d members: %w", len(ms), err)
	}
	return ids, nil
}

// bulkInsert runs head followed by one tuple per row, bulkRows at a time.
func bulkInsert(ctx context.Context, t *tx, head, tuple string, rows [][]any) error {
	return t.execRows(ctx, head, tuple, ``, len(rows), bulkRows, func(into []any, i int) []any {
		return append(into, rows[i]...)
	})
}
