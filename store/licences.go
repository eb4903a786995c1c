package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"masthead"
)

// Licensed access's billing log (docs/licensing.md): one row per request
// made with a licence key, written in the transaction that checks the
// key's rates, so the count a limit reads is the log itself and every
// instance sees the same one. On PostgreSQL the key's row is locked for
// the check, so instances admit one request of a key at a time; SQLite
// has one writer.

// AdmitLicensed checks the licence of key against its rates at now and
// logs the request: decision and bytes as the caller will send them when
// it is admitted, LicenceRateLimited and no bytes when it is not. Over a
// rate, it returns how long until the oldest request of the full window
// leaves it (at least a second); zero when admitted.
func (db *DB) AdmitLicensed(ctx context.Context, key *masthead.APIKey, articleID int64, decision string, bytes int64) (time.Duration, error) {
	now := db.clock.Now()
	var wait time.Duration
	err := db.write(ctx, func(t *tx) error {
		var id int64
		if err := t.row(ctx, `SELECT id FROM api_keys WHERE id = ?`+t.p.d.forUpdate, key.ID).Scan(&id); err != nil {
			return fmt.Errorf("store: licence %d: %w", key.ID, translate(err))
		}
		wait = 0
		windows := [2]struct {
			limit  int
			window time.Duration
		}{{key.Licence.PerMinute, time.Minute}, {key.Licence.PerHour, time.Hour}}
		var widest time.Duration
		for _, w := range windows {
			if w.limit > 0 {
				widest = w.window
			}
		}
		if widest > 0 {
			// One scan serves both windows: the rows of the widest one
			// with a limit, the minute's counted among them. The index
			// (key_id, at) bounds it to those rows.
			var n [2]int
			var oldest [2]sql.NullInt64
			minute := micros(now.Add(-time.Minute))
			if err := t.row(ctx, `SELECT COALESCE(SUM(CASE WHEN at > ? THEN 1 ELSE 0 END), 0), MIN(CASE WHEN at > ? THEN at END),
					COUNT(*), MIN(at)
				FROM licence_requests WHERE key_id = ? AND at > ? AND decision <> ?`,
				minute, minute, key.ID, micros(now.Add(-widest)), masthead.LicenceRateLimited).Scan(&n[0], &oldest[0], &n[1], &oldest[1]); err != nil {
				return fmt.Errorf("store: licence %d rate: %w", key.ID, translate(err))
			}
			for i, w := range windows {
				if w.limit > 0 && n[i] >= w.limit {
					// The window frees a place when its oldest request leaves.
					d := fromMicros(oldest[i]).Add(w.window).Sub(now)
					wait = max(wait, d.Round(time.Second), time.Second)
				}
			}
		}
		d, b := decision, bytes
		if wait > 0 {
			d, b = masthead.LicenceRateLimited, 0
		}
		if _, err := t.exec(ctx, `INSERT INTO licence_requests (key_id, at, article_id, decision, bytes) VALUES (?, ?, ?, ?, ?)`,
			key.ID, micros(now), articleID, d, b); err != nil {
			return fmt.Errorf("store: log licensed request: %w", translate(err))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return wait, nil
}

// LicenceRequests calls fn with each request logged in [from, to), in
// the order they were logged; keyID 0 is every licence. It reads in
// pages by id, so a month of a busy licensee never sits in memory.
func (db *DB) LicenceRequests(ctx context.Context, keyID int64, from, to time.Time, fn func(masthead.LicenceRequest) error) error {
	const page = 5000
	var after int64
	for {
		rows, err := db.r.query(ctx, `SELECT l.id, l.key_id, k.name, l.at, l.article_id, COALESCE(a.slug, ''), l.decision, l.bytes
			FROM licence_requests l JOIN api_keys k ON k.id = l.key_id LEFT JOIN articles a ON a.id = l.article_id
			WHERE l.id > ? AND l.at >= ? AND l.at < ? AND (? = 0 OR l.key_id = ?)
			ORDER BY l.id LIMIT `+fmt.Sprint(page),
			after, micros(from), micros(to), keyID, keyID)
		if err != nil {
			return fmt.Errorf("store: licence requests: %w", err)
		}
		var batch []masthead.LicenceRequest
		for rows.Next() {
			var q masthead.LicenceRequest
			var at int64
			if err := rows.Scan(&after, &q.KeyID, &q.Licensee, &at, &q.ArticleID, &q.Slug, &q.Decision, &q.Bytes); err != nil {
				rows.Close()
				return fmt.Errorf("store: licence requests: %w", err)
			}
			q.At = time.UnixMicro(at).UTC()
			batch = append(batch, q)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("store: licence requests: %w", err)
		}
		for _, q := range batch {
			if err := fn(q); err != nil {
				return err
			}
		}
		if len(batch) < page {
			return nil
		}
	}
}

// LicenceUsage sums the requests logged in [from, to) per licence and
// UTC day, in day order then by licensee.
func (db *DB) LicenceUsage(ctx context.Context, from, to time.Time) ([]masthead.LicenceUsageDay, error) {
	// The day is written into the query: PostgreSQL groups by an
	// expression only when it is the selected one, parameters included.
	day := fmt.Sprintf("(l.at / %d) * %d", dayMicros, dayMicros)
	rows, err := db.r.query(ctx, `SELECT l.key_id, k.name, `+day+`,
			SUM(CASE WHEN l.decision = ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN l.decision = ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN l.decision = ? THEN 1 ELSE 0 END),
			SUM(l.bytes)
		FROM licence_requests l JOIN api_keys k ON k.id = l.key_id
		WHERE l.at >= ? AND l.at < ?
		GROUP BY l.key_id, k.name, `+day+`
		ORDER BY 3, 2, 1`,
		masthead.LicenceFull, masthead.LicenceTeaser, masthead.LicenceRateLimited, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("store: licence usage: %w", err)
	}
	defer rows.Close()
	var out []masthead.LicenceUsageDay
	for rows.Next() {
		var u masthead.LicenceUsageDay
		var day int64
		if err := rows.Scan(&u.KeyID, &u.Licensee, &day, &u.Full, &u.Teaser, &u.Limited, &u.Bytes); err != nil {
			return nil, fmt.Errorf("store: licence usage: %w", err)
		}
		u.Day = time.UnixMicro(day).UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}

// PruneLicenceRequests deletes the billing log's rows older than
// masthead.LicenceKeep at now, and returns how many.
func (db *DB) PruneLicenceRequests(ctx context.Context, now time.Time) (int64, error) {
	return db.deleteRows(ctx, "prune licence requests", `DELETE FROM licence_requests WHERE at < ?`, micros(now.Add(-masthead.LicenceKeep)))
}
