package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"masthead"
)

// Content changes: every write that raises the content version records,
// in the same transaction, which keys it touched (masthead.ContentChange):
// the article written and the lists it is, or was, on. Instances poll the
// changes after the version they saw and drop only those pages; the CDN
// in front of them is asked to do the same by a cdn-purge job written
// here too, so the purge exists exactly when the change does.

// keptChanges is how many changes stay in content_changes: an instance
// polls every second, so it is never this far behind unless it was
// stopped, and then it drops everything.
const keptChanges = 1000

// touchMany is the size of a batch of article writes past which it is
// recorded as touching everything: an import's thousands of articles
// would otherwise cost a query each and a purge of thousands of keys.
const touchMany = 50

// touch records keys as changed by the transaction.
func (t *tx) touch(keys ...string) {
	if t.changed == nil {
		t.changed = map[string]bool{}
	}
	for _, k := range keys {
		t.changed[k] = true
	}
}

// touchAll records the transaction as touching every page.
func (t *tx) touchAll() { t.touch(masthead.KeySite) }

// touchArticle records article id and the pages that list it as it
// stands in the transaction: the home page, the site's feeds, the
// library's lists, its column, authors, topics and regions. A write
// calls it before and after changing an article, so the lists it left
// are dropped with those it joined.
func (t *tx) touchArticle(ctx context.Context, id int64) error {
	return t.touchArticles(ctx, []int64{id})
}

// touchArticlesBatch is how many articles one query of touchArticles
// reads the keys of: four lists of ids stay well inside both engines'
// limit on parameters.
const touchArticlesBatch = 250

// touchArticles is touchArticle for the articles ids, one query for a
// batch of them (a bulk load's up to touchMany).
func (t *tx) touchArticles(ctx context.Context, ids []int64) error {
	if t.changed[masthead.KeySite] || len(ids) == 0 {
		return nil
	}
	t.touch(masthead.KeyHome, masthead.KeyFeeds, masthead.KeyLists)
	for lo := 0; lo < len(ids); lo += touchArticlesBatch {
		batch := ids[lo:min(lo+touchArticlesBatch, len(ids))]
		for _, id := range batch {
			t.touch(masthead.ArticleKey(id))
		}
		in, args := placeholders(batch)
		rows, err := t.query(ctx, `SELECT 'column:' || c.slug FROM articles a JOIN columns c ON c.id = a.column_id WHERE a.id IN `+in+`
			UNION ALL SELECT 'author:' || au.slug FROM article_authors x JOIN authors au ON au.id = x.author_id WHERE x.article_id IN `+in+`
			UNION ALL SELECT 'topic:' || tp.slug FROM article_topics x JOIN topics tp ON tp.id = x.topic_id WHERE x.article_id IN `+in+`
			UNION ALL SELECT 'region:' || rg.slug FROM article_regions x JOIN regions rg ON rg.id = x.region_id WHERE x.article_id IN `+in,
			slices.Concat(args, args, args, args)...)
		if err != nil {
			return fmt.Errorf("store: keys of articles from %d: %w", batch[0], err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return fmt.Errorf("store: keys of articles from %d: %w", batch[0], err)
			}
			t.touch(k)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("store: keys of articles from %d: %w", batch[0], err)
		}
	}
	return nil
}

// changeKeys returns the keys recorded, sorted; just KeySite when none
// were, or when KeySite was.
func (t *tx) changeKeys() []string {
	if len(t.changed) == 0 || t.changed[masthead.KeySite] {
		return []string{masthead.KeySite}
	}
	keys := make([]string, 0, len(t.changed))
	for k := range t.changed {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// recordChange raises the content version and records the keys the
// transaction touched with it, forgetting the changes older than the
// kept ones, and enqueues the CDN's purge when one is set. The update of
// content_version's single row serialises writers, so versions commit in
// order and a poller never sees a later change before an earlier one.
func (t *tx) recordChange(ctx context.Context) error {
	var v int64
	if err := t.row(ctx, `UPDATE content_version SET version = version + 1 WHERE id = 1 RETURNING version`).Scan(&v); err != nil {
		return fmt.Errorf("store: raise content version: %w", translate(err))
	}
	keys := t.changeKeys()
	now := t.db.clock.Now()
	if _, err := t.exec(ctx, `INSERT INTO content_changes (version, keys, created_at) VALUES (?, ?, ?)`,
		v, strings.Join(keys, " "), micros(now)); err != nil {
		return fmt.Errorf("store: record content change: %w", translate(err))
	}
	if _, err := t.exec(ctx, `DELETE FROM content_changes WHERE version <= ?`, v-keptChanges); err != nil {
		return fmt.Errorf("store: forget content changes: %w", translate(err))
	}
	// A transaction that raises the version twice records its keys
	// once each time; the second record starts afresh.
	t.changed = nil
	if t.db.purgeCDN {
		return t.enqueue(ctx, masthead.CDNPurgeJob(v, keys), now)
	}
	return nil
}

// ContentChangesAfter returns the current content version and the
// changes recorded after version after, oldest first. When the first
// change returned is not after+1 (the poller was stopped for longer than
// the changes kept), the caller must drop everything.
func (db *DB) ContentChangesAfter(ctx context.Context, after int64) (int64, []masthead.ContentChange, error) {
	v, err := db.ContentVersion(ctx)
	if err != nil || v <= after {
		return v, nil, err
	}
	rows, err := db.r.query(ctx, `SELECT version, keys, created_at FROM content_changes
		WHERE version > ? AND version <= ? ORDER BY version`, after, v)
	if err != nil {
		return 0, nil, fmt.Errorf("store: content changes: %w", err)
	}
	defer rows.Close()
	var out []masthead.ContentChange
	for rows.Next() {
		var (
			c    masthead.ContentChange
			keys string
			at   int64
		)
		if err := rows.Scan(&c.Version, &keys, &at); err != nil {
			return 0, nil, fmt.Errorf("store: content changes: %w", err)
		}
		c.Keys = strings.Fields(keys)
		c.At = time.UnixMicro(at)
		out = append(out, c)
	}
	return v, out, rows.Err()
}
