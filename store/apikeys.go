package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"masthead"
)

// API keys and tokens (masthead.APIKeyService). Every API request looks
// its key up by hash: one lookup on the unique index.

// apiKeyColumns read the maker's role as it is now, with the key, so the
// Admin API checks a token against today's role in the same lookup.
const apiKeyColumns = `k.id, k.kind, k.name, k.hint, k.role, k.scopes, COALESCE(k.created_by, 0),
	COALESCE(m.email, ''), CASE WHEN m.deleted_at IS NULL THEN COALESCE(m.role, '') ELSE '' END, k.created_at, k.revoked_at,
	k.contact, k.terms, k.rate_minute, k.rate_hour, k.expires_at, k.family`

func scanAPIKey(s rowScanner) (*masthead.APIKey, error) {
	var (
		k       masthead.APIKey
		kind    string
		role    string
		creator string
		scopes  string
		created int64
		revoked sql.NullInt64
		terms   string
		expires sql.NullInt64
		lic     = &k.Licence
	)
	if err := s.Scan(&k.ID, &kind, &k.Name, &k.Hint, &role, &scopes, &k.CreatedBy, &k.CreatedByEmail, &creator, &created, &revoked,
		&lic.Contact, &terms, &lic.PerMinute, &lic.PerHour, &expires, &lic.Family); err != nil {
		return nil, err
	}
	// The terms were checked when the key was made; a word that no
	// longer parses narrows the licence rather than widening it.
	if terms != "" {
		ts, err := masthead.ParseLicenceTerms(terms)
		if err != nil || len(ts) == 0 {
			ts = masthead.LicenceTerms{{Kind: "topic", Slug: "-"}}
		}
		lic.Terms = ts
	}
	lic.ExpiresAt = fromMicros(expires)
	k.Kind, k.Role, k.CreatorRole = masthead.APIKeyKind(kind), masthead.Role(role), masthead.Role(creator)
	k.Scopes = strings.Fields(scopes)
	k.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
	k.RevokedAt = fromMicros(revoked)
	return &k, nil
}

// CreateAPIKey stores a key under the hash of its secret.
func (db *DB) CreateAPIKey(ctx context.Context, in masthead.APIKeyInput, hash []byte, hint string) (*masthead.APIKey, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if len(hash) == 0 {
		return nil, masthead.Errorf(masthead.EINVALID, "An API key needs the hash of its secret.")
	}
	now := db.clock.Now()
	creator := sql.NullInt64{Int64: in.CreatedBy, Valid: in.CreatedBy != 0}
	var id int64
	err := db.write(ctx, func(t *tx) error {
		lic := in.Licence
		expires := sql.NullInt64{Int64: micros(lic.ExpiresAt), Valid: !lic.ExpiresAt.IsZero()}
		return t.row(ctx, `INSERT INTO api_keys (kind, name, hint, token_hash, role, scopes, created_by, created_at,
				contact, terms, rate_minute, rate_hour, expires_at, family)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			string(in.Kind), in.Name, hint, hash, string(in.Role), strings.Join(in.Scopes, " "), creator, micros(now),
			lic.Contact, lic.Terms.String(), lic.PerMinute, lic.PerHour, expires, lic.Family).Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("store: create api key %q: %w", in.Name, translate(err))
	}
	return db.apiKey(ctx, `k.id = ?`, id)
}

func (db *DB) apiKey(ctx context.Context, where string, arg any) (*masthead.APIKey, error) {
	k, err := scanAPIKey(db.r.row(ctx, `SELECT `+apiKeyColumns+` FROM api_keys k
		LEFT JOIN members m ON m.id = k.created_by WHERE `+where, arg))
	if err != nil {
		return nil, translate(err)
	}
	return k, nil
}

// APIKeys lists every key, revoked ones too, newest first.
func (db *DB) APIKeys(ctx context.Context) ([]masthead.APIKey, error) {
	rows, err := db.r.query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys k
		LEFT JOIN members m ON m.id = k.created_by ORDER BY k.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: api keys: %w", err)
	}
	defer rows.Close()
	var out []masthead.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("store: api keys: %w", err)
		}
		out = append(out, *k)
	}
	return out, rows.Err()
}

// errBadKey is the one answer for a key that is unknown, revoked or past
// its licence's end, so a caller cannot tell which.
var errBadKey = masthead.Errorf(masthead.EUNAUTHORIZED, "The API key is not valid.")

// APIKeyByHash finds the key in use with that hash: not revoked, and for
// a licence, not expired.
func (db *DB) APIKeyByHash(ctx context.Context, hash []byte) (*masthead.APIKey, error) {
	k, err := db.apiKey(ctx, `k.token_hash = ?`, hash)
	switch {
	case masthead.ErrorCode(err) == masthead.ENOTFOUND:
		return nil, errBadKey
	case err != nil:
		return nil, fmt.Errorf("store: find api key: %w", err)
	case k.Revoked(), k.Licence.ExpiredAt(db.clock.Now()):
		return nil, errBadKey
	}
	return k, nil
}

// RevokeAPIKey stops a key for good. Revoking a revoked key changes
// nothing and is not an error.
func (db *DB) RevokeAPIKey(ctx context.Context, id int64) error {
	now := db.clock.Now()
	return db.write(ctx, func(t *tx) error {
		var n int
		if err := t.row(ctx, `SELECT COUNT(*) FROM api_keys WHERE id = ?`, id).Scan(&n); err != nil {
			return fmt.Errorf("store: revoke api key %d: %w", id, translate(err))
		}
		if n == 0 {
			return masthead.Errorf(masthead.ENOTFOUND, "There is no API key %d.", id)
		}
		_, err := t.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, micros(now), id)
		if err != nil {
			return fmt.Errorf("store: revoke api key %d: %w", id, translate(err))
		}
		return nil
	})
}

var _ masthead.APIKeyService = (*DB)(nil)
