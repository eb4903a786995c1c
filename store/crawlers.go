package store

import (
	"context"
	"fmt"
	"net/netip"

	"masthead"
)

// ReplaceCrawlerRanges makes prefixes the address ranges of the AI
// crawler family, in place of those it had, and records the change
// (masthead.KeyCrawlers) so every instance reloads them. It returns how
// many ranges the family had before.
func (db *DB) ReplaceCrawlerRanges(ctx context.Context, family string, prefixes []netip.Prefix) (int, error) {
	if _, ok := masthead.AICrawlerFamily(family); !ok {
		return 0, masthead.Errorf(masthead.EINVALID, "There is no AI crawler called %q.", family)
	}
	now := db.clock.Now()
	before := 0
	err := db.write(ctx, func(t *tx) error {
		if err := t.row(ctx, `SELECT COUNT(*) FROM crawler_ranges WHERE family = ?`, family).Scan(&before); err != nil {
			return fmt.Errorf("store: crawler ranges of %s: %w", family, err)
		}
		if _, err := t.exec(ctx, `DELETE FROM crawler_ranges WHERE family = ?`, family); err != nil {
			return fmt.Errorf("store: crawler ranges of %s: %w", family, err)
		}
		for _, p := range prefixes {
			if _, err := t.exec(ctx, `INSERT INTO crawler_ranges (family, prefix, loaded_at) VALUES (?, ?, ?)
				ON CONFLICT (family, prefix) DO NOTHING`, family, p.Masked().String(), micros(now)); err != nil {
				return fmt.Errorf("store: crawler ranges of %s: %w", family, err)
			}
		}
		t.touch(masthead.KeyCrawlers)
		return t.bumpVersion(ctx)
	})
	return before, err
}

// CrawlerRanges returns every family's address ranges.
func (db *DB) CrawlerRanges(ctx context.Context) (map[string][]netip.Prefix, error) {
	rows, err := db.r.query(ctx, `SELECT family, prefix FROM crawler_ranges ORDER BY family, prefix`)
	if err != nil {
		return nil, fmt.Errorf("store: crawler ranges: %w", err)
	}
	defer rows.Close()
	out := map[string][]netip.Prefix{}
	for rows.Next() {
		var family, prefix string
		if err := rows.Scan(&family, &prefix); err != nil {
			return nil, fmt.Errorf("store: crawler ranges: %w", err)
		}
		p, err := netip.ParsePrefix(prefix)
		if err != nil {
			return nil, fmt.Errorf("store: crawler range %q of %s: %w", prefix, family, err)
		}
		out[family] = append(out[family], p)
	}
	return out, rows.Err()
}
