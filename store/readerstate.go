package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"masthead"
)

var _ masthead.ReaderStateService = (*DB)(nil)

// sessionReaderQuery reads a signed-in reader in one statement: the
// session's member, whether an entitlement is active, and every unlock,
// one row per unlock (one row with NULLs when there is none). Each part
// walks an index: the session by its hash, entitlements by member, unlocks
// by (member, created_at), newest first as ReaderState.Meter expects.
const sessionReaderQuery = `SELECT ` + memberCols + `, s.expires_at, m.carried_credits, m.carried_since, m.curator_version,
	CASE WHEN EXISTS (SELECT 1 FROM entitlements e
		WHERE e.member_id = m.id AND e.starts_at <= ? AND (e.ends_at IS NULL OR e.ends_at > ?)) THEN 1 ELSE 0 END,
	u.article_id, u.created_at
	FROM sessions s
	JOIN members m ON m.id = s.member_id
	LEFT JOIN unlocks u ON u.member_id = m.id
	WHERE s.hash = ? AND s.expires_at > ?
	ORDER BY u.created_at DESC`

// SessionReader returns the state of the member of a live session: the
// member, whether they subscribe at now, and their unlocks, in one query.
// The session is live by the store's clock, as SessionMember has it.
func (db *DB) SessionReader(ctx context.Context, tokenHash []byte, now time.Time) (*masthead.ReaderState, error) {
	at := micros(now)
	rows, err := db.r.query(ctx, sessionReaderQuery, at, at, tokenHash, micros(db.clock.Now()))
	if err != nil {
		return nil, fmt.Errorf("store: session reader: %w", err)
	}
	defer rows.Close()
	var st *masthead.ReaderState
	for rows.Next() {
		var (
			m                 masthead.Member
			role              string
			verified          sql.NullInt64
			created, expires  int64
			carried           int
			carriedSince      int64
			curatorVersion    int64
			subscriber        int
			article, unlocked sql.NullInt64
		)
		if err := rows.Scan(&m.ID, &m.Email, &m.Name, &role, &m.AuthorSlug, &verified, &created,
			&expires, &carried, &carriedSince, &curatorVersion, &subscriber, &article, &unlocked); err != nil {
			return nil, fmt.Errorf("store: session reader: %w", err)
		}
		if st == nil {
			m.Role = masthead.Role(role)
			m.VerifiedAt = fromMicros(verified)
			m.CreatedAt = time.UnixMicro(created).UTC()
			st = &masthead.ReaderState{
				Member:         &m,
				Subscriber:     subscriber > 0,
				SessionExpires: time.UnixMicro(expires).UTC(),
				Carried:        carried,
				CarriedSince:   time.UnixMicro(carriedSince).UTC(),
				CuratorVersion: curatorVersion,
			}
		}
		if article.Valid && unlocked.Valid {
			st.UnlockedArticles = append(st.UnlockedArticles, article.Int64)
			st.UnlockTimes = append(st.UnlockTimes, time.UnixMicro(unlocked.Int64).UTC())
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: session reader: %w", err)
	}
	if st == nil {
		return nil, &masthead.Error{Code: masthead.EUNAUTHORIZED, Message: "Your session has ended. Please sign in again."}
	}
	return st, nil
}
