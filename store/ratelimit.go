package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"masthead"
)

// Allow counts one attempt under key and reports whether it is within limit
// attempts per window. The counter lives in the database, so the limit holds
// across every instance of the app.
//
// The window slides: the estimate is this fixed window's count plus the
// previous window's, weighed by how much of it still overlaps the last
// window-length of time. A burst at the end of one window and the start of
// the next therefore cannot double the limit, and each key costs one row.
//
// Refused attempts count too, up to limit+1: a client that keeps flooding
// stays refused, yet the carry-over into the next window is bounded, so the
// owner of an address that someone else hammered regains it in about one
// window. Keys are stored as SHA-256 hashes; callers may pass addresses.
func (db *DB) Allow(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, error) {
	if limit <= 0 || window <= 0 {
		return false, masthead.Errorf(masthead.EINVALID, "rate limit %q: limit and window must be positive", key)
	}
	w := window.Microseconds()
	start := now.UnixMicro() / w * w
	h := sha256.Sum256([]byte(key))
	var hits, prev int64
	// One statement does the read, the roll-over and the increment, so two
	// instances counting at once never lose a hit. In the SET clause the
	// table's columns hold the old row on both engines.
	err := db.write(ctx, func(t *tx) error {
		return t.row(ctx, `INSERT INTO rate_limits (key_hash, window_start, hits, prev_hits, expires_at)
			VALUES (?, ?, 1, 0, ?)
			ON CONFLICT (key_hash) DO UPDATE SET
				prev_hits = CASE
					WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.prev_hits
					WHEN rate_limits.window_start = excluded.window_start - ? THEN rate_limits.hits
					ELSE 0 END,
				hits = CASE
					WHEN rate_limits.window_start <> excluded.window_start THEN 1
					WHEN rate_limits.hits > ? THEN rate_limits.hits
					ELSE rate_limits.hits + 1 END,
				window_start = excluded.window_start,
				expires_at = excluded.expires_at
			RETURNING hits, prev_hits`,
			h[:], start, start+2*w, w, int64(limit)).Scan(&hits, &prev)
	})
	if err != nil {
		return false, fmt.Errorf("store: rate limit: %w", err)
	}
	if hits == 1 {
		// A window began for this key: a fitting, infrequent moment to
		// forget keys whose windows have both passed. It runs outside the
		// counting transaction so that a failure here (two instances
		// cleaning at once) never refuses or admits anyone; the next new
		// window tries again.
		if err := db.write(ctx, func(t *tx) error {
			_, err := t.exec(ctx, `DELETE FROM rate_limits WHERE expires_at <= ?`, now.UnixMicro())
			return err
		}); err != nil {
			db.log.Warn("rate limit cleanup", "err", err)
		}
	}
	elapsed := float64(now.UnixMicro()-start) / float64(w)
	estimate := float64(hits) + float64(prev)*(1-elapsed)
	return estimate <= float64(limit), nil
}
