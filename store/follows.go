package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"masthead"
)

// The personal curator's data (docs/curator.md): follows, the article
// memberships the For-you list walks, saved articles, reading history,
// and the alerts' queue. Every method takes the member from its caller
// (the session), never from a form, and each owns its transaction.

// followTables maps a follow's kind to the table of its targets.
var followTables = map[masthead.FollowKind]string{
	masthead.FollowTopic: "topics", masthead.FollowRegion: "regions",
	masthead.FollowColumn: "columns", masthead.FollowAuthor: "authors",
}

// followTarget finds the id of the target of kind named slug.
func followTarget(ctx context.Context, q interface {
	row(context.Context, string, ...any) rowScanner
}, kind masthead.FollowKind, slug string) (int64, string, error) {
	table, ok := followTables[kind]
	if !ok || !masthead.ValidSlug(slug) {
		return 0, "", masthead.Errorf(masthead.ENOTFOUND, "There is nothing to follow here.")
	}
	var id int64
	var name string
	if err := q.row(ctx, `SELECT id, name FROM `+table+` WHERE slug = ?`, slug).Scan(&id, &name); err != nil {
		return 0, "", notFound(err, string(kind), slug)
	}
	return id, name, nil
}

// Follow makes member follow the kind's target named slug, with alert as
// its alert (a follow that exists keeps its time and takes the alert).
// An alert other than off records the member's consent to alerts in the
// same transaction unless their newest choice is already yes.
func (db *DB) Follow(ctx context.Context, memberID int64, kind masthead.FollowKind, slug string, alert masthead.AlertMode, now time.Time) error {
	if !alert.Valid() {
		return masthead.Errorf(masthead.EINVALID, "Choose when to be told: never, at once or in the daily digest.")
	}
	return db.write(ctx, func(t *tx) error {
		id, _, err := followTarget(ctx, t, kind, slug)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO follows (member_id, kind, target_id, alert, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (member_id, kind, target_id) DO UPDATE SET alert = excluded.alert`,
			memberID, string(kind), id, string(alert), micros(now)); err != nil {
			return fmt.Errorf("store: follow %s %q: %w", kind, slug, translate(err))
		}
		if err := t.touchCurator(ctx, memberID); err != nil {
			return err
		}
		if alert == masthead.AlertOff {
			return nil
		}
		return t.consentToAlerts(ctx, memberID, now)
	})
}

// consentToAlerts records the member's yes to alerts unless it is their
// newest choice already.
func (t *tx) consentToAlerts(ctx context.Context, memberID int64, now time.Time) error {
	var on bool
	err := t.row(ctx, `SELECT consented FROM newsletter_consents WHERE member_id = ? AND newsletter = ?
		ORDER BY at DESC, id DESC LIMIT 1`, memberID, masthead.NewsletterAlerts).Scan(&on)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: alerts consent of member %d: %w", memberID, err)
	}
	if on {
		return nil
	}
	return t.recordConsent(ctx, masthead.NewsletterConsent{MemberID: memberID, Newsletter: masthead.NewsletterAlerts,
		Consented: true, Wording: masthead.AlertsConsentWording, At: now})
}

// touchCurator raises member's curator version
// (masthead.ReaderState.CuratorVersion), in the transaction of a change
// to what they follow, saved or read: a page an instance keeps of their
// curator (the For-you page) is kept under the version it was built at.
func (t *tx) touchCurator(ctx context.Context, memberID int64) error {
	if _, err := t.exec(ctx, `UPDATE members SET curator_version = curator_version + 1 WHERE id = ?`, memberID); err != nil {
		return fmt.Errorf("store: curator version of member %d: %w", memberID, translate(err))
	}
	return nil
}

// Unfollow ends member's follow of the target; following nothing there
// is no error.
func (db *DB) Unfollow(ctx context.Context, memberID int64, kind masthead.FollowKind, slug string) error {
	return db.write(ctx, func(t *tx) error {
		id, _, err := followTarget(ctx, t, kind, slug)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM follows WHERE member_id = ? AND kind = ? AND target_id = ?`,
			memberID, string(kind), id); err != nil {
			return fmt.Errorf("store: unfollow %s %q: %w", kind, slug, err)
		}
		return t.touchCurator(ctx, memberID)
	})
}

// StopAlert turns off the alert of member's follow of the target, as the
// stop link of an alert email asks; the follow stays.
func (db *DB) StopAlert(ctx context.Context, memberID int64, kind masthead.FollowKind, slug string) error {
	return db.write(ctx, func(t *tx) error {
		id, _, err := followTarget(ctx, t, kind, slug)
		if err != nil {
			return err
		}
		if _, err = t.exec(ctx, `UPDATE follows SET alert = 'off' WHERE member_id = ? AND kind = ? AND target_id = ?`,
			memberID, string(kind), id); err != nil {
			return translate(err)
		}
		return t.touchCurator(ctx, memberID)
	})
}

// followsSQL lists a member's follows with their targets' slugs and
// names.
const followsSQL = `SELECT f.kind, f.target_id, f.alert, f.created_at,
			COALESCE(t.slug, r.slug, c.slug, au.slug, ''), COALESCE(t.name, r.name, c.name, au.name, '')
		FROM follows f
		LEFT JOIN topics t ON f.kind = 'topic' AND t.id = f.target_id
		LEFT JOIN regions r ON f.kind = 'region' AND r.id = f.target_id
		LEFT JOIN columns c ON f.kind = 'column' AND c.id = f.target_id
		LEFT JOIN authors au ON f.kind = 'author' AND au.id = f.target_id
		WHERE f.member_id = ?`

// Follows lists what member follows, by kind and then name.
func (db *DB) Follows(ctx context.Context, memberID int64) ([]masthead.Follow, error) {
	c, err := db.curation(ctx, memberID, 0)
	return c.Follows, err
}

// ReaderCuration returns what member follows and the ids of the (at
// most limit) articles they saved last, in one query: what a signed-in
// page of theirs needs of the curator.
func (db *DB) ReaderCuration(ctx context.Context, memberID int64, limit int) (masthead.ReaderCuration, error) {
	return db.curation(ctx, memberID, max(limit, 1))
}

// curation reads member's follows and, with limit above 0, the ids of
// the limit+1 articles they saved last (the extra one tells whether
// there are more), as the rows of one UNION ALL: the saved ones have
// kind 'saved'.
func (db *DB) curation(ctx context.Context, memberID int64, limit int) (masthead.ReaderCuration, error) {
	var c masthead.ReaderCuration
	q, args := followsSQL, []any{memberID}
	if limit > 0 {
		q += ` UNION ALL SELECT 'saved', s.article_id, '', s.saved_at, '', '' FROM (SELECT article_id, saved_at
			FROM saved_articles WHERE member_id = ? ORDER BY saved_at DESC, article_id DESC LIMIT ?) s`
		args = append(args, memberID, limit+1)
	}
	rows, err := db.r.query(ctx, q, args...)
	if err != nil {
		return c, fmt.Errorf("store: follows of member %d: %w", memberID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f masthead.Follow
		var kind, alert string
		var at int64
		if err := rows.Scan(&kind, &f.TargetID, &alert, &at, &f.Slug, &f.Name); err != nil {
			return c, fmt.Errorf("store: follows of member %d: %w", memberID, err)
		}
		if kind == "saved" {
			c.Saved = append(c.Saved, f.TargetID)
			continue
		}
		if f.Slug == "" {
			continue // its target was deleted
		}
		f.Kind, f.Alert, f.CreatedAt = masthead.FollowKind(kind), masthead.AlertMode(alert), time.UnixMicro(at).UTC()
		c.Follows = append(c.Follows, f)
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("store: follows of member %d: %w", memberID, err)
	}
	sortFollows(c.Follows)
	if c.SavedAll = len(c.Saved) <= limit; !c.SavedAll {
		c.Saved = c.Saved[:limit]
	}
	return c, nil
}

// sortFollows orders follows as pages list them: by kind, then name.
func sortFollows(fs []masthead.Follow) {
	rank := map[masthead.FollowKind]int{}
	for i, k := range masthead.FollowKinds {
		rank[k] = i
	}
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0; j-- {
			a, b := fs[j-1], fs[j]
			if rank[a.Kind] < rank[b.Kind] || (a.Kind == b.Kind && strings.ToLower(a.Name) <= strings.ToLower(b.Name)) {
				break
			}
			fs[j-1], fs[j] = b, a
		}
	}
}

// maxForYouFollows bounds the follows one For-you query reads, so its
// cost stays bounded whatever a script follows.
const maxForYouFollows = 200

// ForYou returns the live articles of what follows names, newest first,
// from offset, at most limit, and whether more follow. Each follow is
// one range of article_memberships' primary key read newest first and
// cut at offset+limit+1 rows, so the query reads at most that many index
// entries a follow, whatever the size of the library; their UNION (an
// article in two followed topics once) is ordered and cut again on the
// index's own columns, and only the page's articles are read from the
// articles table. The memberships hold exactly the articles that are
// not drafts, with their publication time, so the cut keeps every live
// article it should; the live test on the articles is a safety net.
func (db *DB) ForYou(ctx context.Context, follows []masthead.Follow, now time.Time, limit, offset int) ([]*masthead.Article, bool, error) {
	if len(follows) == 0 || limit <= 0 {
		return nil, false, nil
	}
	follows = follows[:min(len(follows), maxForYouFollows)]
	offset = max(offset, 0)
	per := offset + limit + 1
	var b strings.Builder
	args := make([]any, 0, 4*len(follows)+3)
	for i, f := range follows {
		if i > 0 {
			b.WriteString(" UNION ")
		}
		fmt.Fprintf(&b, `SELECT published_at, article_id FROM (SELECT m.published_at, m.article_id FROM article_memberships m
			WHERE m.kind = ? AND m.target_id = ? AND m.published_at <= ?
			ORDER BY m.published_at DESC, m.article_id DESC LIMIT ?) f%d`, i)
		args = append(args, string(f.Kind), f.TargetID, micros(now), per)
	}
	args = append(args, limit+1, offset, micros(now))
	rows, err := db.r.query(ctx, `SELECT `+articleCols+articleFrom+` WHERE a.id IN (
			SELECT article_id FROM (`+b.String()+`) u ORDER BY published_at DESC, article_id DESC LIMIT ? OFFSET ?)
		AND `+liveCond+` ORDER BY a.published_at DESC, a.id DESC`, args...)
	if err != nil {
		return nil, false, fmt.Errorf("store: for you: %w", err)
	}
	list, err := scanArticles(rows)
	if err != nil {
		return nil, false, fmt.Errorf("store: for you: %w", err)
	}
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	if err := db.loadTaxonomy(ctx, db.r, list); err != nil {
		return nil, false, err
	}
	return list, more, nil
}

// ReadingRelated returns up to limit live articles related to the last
// few articles member read that they have not read, newest first.
// recent are articles member read that their history may not hold yet
// (reads waiting in a batch), the latest first: they are the last read,
// before the history's.
func (db *DB) ReadingRelated(ctx context.Context, memberID int64, now time.Time, limit int, recent []int64) ([]*masthead.Article, error) {
	recent = recent[:min(len(recent), readingRelatedFrom)]
	args := []any{memberID, readingRelatedFrom - len(recent)}
	var orRecent, notRecent string
	var recentArgs []any
	if len(recent) > 0 {
		var in string
		in, recentArgs = placeholders(recent)
		orRecent, notRecent = " OR r.article_id IN "+in, " AND a.id NOT IN "+in
	}
	args = append(args, recentArgs...)
	args = append(args, micros(now), memberID)
	args = append(args, recentArgs...)
	args = append(args, limit)
	rows, err := db.r.query(ctx, `SELECT `+articleCols+articleFrom+` WHERE a.id IN (
			SELECT r.related_id FROM related_articles r WHERE r.article_id IN (
				SELECT h.article_id FROM reading_history h WHERE h.member_id = ? ORDER BY h.read_at DESC LIMIT ?)`+orRecent+`)
		AND `+liveCond+` AND NOT EXISTS (SELECT 1 FROM reading_history h2 WHERE h2.member_id = ? AND h2.article_id = a.id)`+notRecent+`
		ORDER BY a.published_at DESC, a.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: related reading of member %d: %w", memberID, err)
	}
	list, err := scanArticles(rows)
	if err != nil {
		return nil, fmt.Errorf("store: related reading of member %d: %w", memberID, err)
	}
	if err := db.loadTaxonomy(ctx, db.r, list); err != nil {
		return nil, err
	}
	return list, nil
}

// readingRelatedFrom is how many of a member's last reads their related
// reading comes from.
const readingRelatedFrom = 5

// ReadAmong returns which of ids member has read.
func (db *DB) ReadAmong(ctx context.Context, memberID int64, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{memberID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.r.query(ctx, `SELECT article_id FROM reading_history WHERE member_id = ? AND article_id IN (?`+
		strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read among: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: read among: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// scanArticles reads list rows (articleCols) and closes rows.
func scanArticles(rows *sql.Rows) ([]*masthead.Article, error) {
	defer rows.Close()
	var list []*masthead.Article
	for rows.Next() {
		a, err := scanArticle(rows, false)
		if err != nil {
			return nil, err
		}
		list = append(list, a)
	}
	return list, rows.Err()
}

// SaveArticle keeps article id on member's reading list. Saving unlocks
// nothing: the list only remembers.
func (db *DB) SaveArticle(ctx context.Context, memberID, articleID int64, now time.Time) error {
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `INSERT INTO saved_articles (member_id, article_id, saved_at) VALUES (?, ?, ?)
			ON CONFLICT (member_id, article_id) DO NOTHING`, memberID, articleID, micros(now))
		if err != nil {
			return fmt.Errorf("store: save article %d: %w", articleID, translate(err))
		}
		return t.touchCurator(ctx, memberID)
	})
}

// UnsaveArticle takes article id off member's reading list.
func (db *DB) UnsaveArticle(ctx context.Context, memberID, articleID int64) error {
	return db.write(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `DELETE FROM saved_articles WHERE member_id = ? AND article_id = ?`, memberID, articleID); err != nil {
			return translate(err)
		}
		return t.touchCurator(ctx, memberID)
	})
}

// Saved reports whether member saved article id.
func (db *DB) Saved(ctx context.Context, memberID, articleID int64) (bool, error) {
	var n int
	if err := db.r.row(ctx, `SELECT COUNT(*) FROM saved_articles WHERE member_id = ? AND article_id = ?`,
		memberID, articleID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: saved: %w", err)
	}
	return n > 0, nil
}

// SavedArticles lists member's saved articles that are live at now, the
// newest saved first, from offset, at most limit, and whether more
// follow.
func (db *DB) SavedArticles(ctx context.Context, memberID int64, now time.Time, limit, offset int) ([]masthead.SavedArticle, bool, error) {
	rows, err := db.r.query(ctx, `SELECT `+articleCols+`, s.saved_at FROM saved_articles s JOIN articles a ON a.id = s.article_id
		LEFT JOIN columns c ON c.id = a.column_id WHERE s.member_id = ? AND `+liveCond+`
		ORDER BY s.saved_at DESC, a.id DESC LIMIT ? OFFSET ?`, memberID, micros(now), limit+1, max(offset, 0))
	if err != nil {
		return nil, false, fmt.Errorf("store: saved articles of member %d: %w", memberID, err)
	}
	var out []masthead.SavedArticle
	var list []*masthead.Article
	err = scanWithTime(rows, func(a *masthead.Article, at time.Time) {
		out = append(out, masthead.SavedArticle{Article: a, SavedAt: at})
		list = append(list, a)
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: saved articles of member %d: %w", memberID, err)
	}
	more := len(out) > limit
	if more {
		out, list = out[:limit], list[:limit]
	}
	return out, more, db.loadTaxonomy(ctx, db.r, list)
}

// scanWithTime reads rows of articleCols and one time, and closes rows.
func scanWithTime(rows *sql.Rows, fn func(*masthead.Article, time.Time)) error {
	defer rows.Close()
	for rows.Next() {
		var at int64
		a, err := scanArticle(extraScan{rowScanner: rows, extra: []any{&at}}, false)
		if err != nil {
			return err
		}
		fn(a, time.UnixMicro(at).UTC())
	}
	return rows.Err()
}

// RecordRead notes that member opened article id at now, unless their
// history is paused, or was cleared or resumed after now.
func (db *DB) RecordRead(ctx context.Context, memberID, articleID int64, now time.Time) error {
	return db.write(ctx, func(t *tx) error {
		return t.recordReads(ctx, readsOf([]masthead.InsightEvent{{Kind: masthead.InsightRead, MemberID: memberID, ArticleID: articleID, At: now}}))
	})
}

// recordReadsHead, recordReadsRow and recordReadsTail write reads, one
// VALUES row each, into the histories: a read is dropped when its member
// is deleted or has paused their history, or cleared or resumed it after
// the read (history_from), or its article is gone, so a batch written
// seconds late undoes none of these and fails for none of them; and it
// only moves a read's time forward, as batches from several instances
// may arrive out of order. The casts type PostgreSQL's parameters, which
// VALUES alone leaves as text.
const (
	recordReadsHead = `INSERT INTO reading_history (member_id, article_id, read_at)
	SELECT v.column1, v.column2, v.column3 FROM (VALUES `
	recordReadsRow  = `(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))`
	recordReadsTail = `) v
	JOIN members m ON m.id = v.column1 AND m.deleted_at IS NULL
	JOIN articles a ON a.id = v.column2
	LEFT JOIN curator_settings s ON s.member_id = v.column1
	WHERE s.member_id IS NULL OR (NOT s.history_paused AND v.column3 > s.history_from)
	ON CONFLICT (member_id, article_id) DO UPDATE SET read_at = excluded.read_at
	WHERE excluded.read_at > reading_history.read_at`
)

// readRows are a batch's reads (InsightRead events): the latest of each
// member and article once, in (member, article) order so that
// concurrent batches lock rows in the same order, and the members who
// read, once each.
type readRows struct {
	keys    [][3]int64 // member, article, read_at
	members []any
}

func readsOf(evs []masthead.InsightEvent) readRows {
	type key struct{ member, article int64 }
	latest := make(map[key]int64, len(evs))
	for _, e := range evs {
		if e.MemberID == 0 || e.ArticleID == 0 {
			continue
		}
		k, at := key{e.MemberID, e.ArticleID}, micros(e.At)
		if prev, ok := latest[k]; !ok || at > prev {
			latest[k] = at
		}
	}
	var r readRows
	for k, at := range latest {
		r.keys = append(r.keys, [3]int64{k.member, k.article, at})
	}
	slices.SortFunc(r.keys, func(a, b [3]int64) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	for i, k := range r.keys {
		if i == 0 || k[0] != r.keys[i-1][0] {
			r.members = append(r.members, k[0])
		}
	}
	return r
}

// recordReads writes a batch of reads into the members' histories.
func (t *tx) recordReads(ctx context.Context, r readRows) error {
	err := t.execRows(ctx, recordReadsHead, recordReadsRow, recordReadsTail, len(r.keys), insightBatch, func(into []any, i int) []any {
		k := r.keys[i]
		return append(into, k[0], k[1], k[2])
	})
	if err != nil {
		return fmt.Errorf("store: record reads: %w", err)
	}
	// What a reader read changes their For-you page: their curator
	// version moves, unless their history is paused.
	err = t.execRows(ctx, `UPDATE members SET curator_version = curator_version + 1 WHERE id IN (`, "?",
		`) AND NOT EXISTS (SELECT 1 FROM curator_settings s WHERE s.member_id = members.id AND s.history_paused)`,
		len(r.members), insightBatch, func(into []any, i int) []any { return append(into, r.members[i]) })
	if err != nil {
		return fmt.Errorf("store: record reads: curator version: %w", err)
	}
	return nil
}

// History lists the live articles member opened, the latest first, at
// most limit.
func (db *DB) History(ctx context.Context, memberID int64, now time.Time, limit int) ([]masthead.ReadArticle, error) {
	rows, err := db.r.query(ctx, `SELECT `+articleCols+`, h.read_at FROM reading_history h JOIN articles a ON a.id = h.article_id
		LEFT JOIN columns c ON c.id = a.column_id WHERE h.member_id = ? AND `+liveCond+`
		ORDER BY h.read_at DESC, a.id DESC LIMIT ?`, memberID, micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: history of member %d: %w", memberID, err)
	}
	var out []masthead.ReadArticle
	var list []*masthead.Article
	err = scanWithTime(rows, func(a *masthead.Article, at time.Time) {
		out = append(out, masthead.ReadArticle{Article: a, ReadAt: at})
		list = append(list, a)
	})
	if err != nil {
		return nil, fmt.Errorf("store: history of member %d: %w", memberID, err)
	}
	return out, db.loadTaxonomy(ctx, db.r, list)
}

// ClearHistory forgets everything member opened until now: reads from
// before now still waiting in a batch are not written after it.
func (db *DB) ClearHistory(ctx context.Context, memberID int64, now time.Time) error {
	return db.write(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `DELETE FROM reading_history WHERE member_id = ?`, memberID); err != nil {
			return translate(err)
		}
		if err := t.historyFrom(ctx, memberID, now); err != nil {
			return err
		}
		return t.touchCurator(ctx, memberID)
	})
}

// SetHistoryPaused pauses (or, at now, resumes) the recording of what
// member opens; what is recorded stays until cleared. A read made while
// paused and written after the resumption is not kept.
func (db *DB) SetHistoryPaused(ctx context.Context, memberID int64, paused bool, now time.Time) error {
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `INSERT INTO curator_settings (member_id, history_paused) VALUES (?, ?)
			ON CONFLICT (member_id) DO UPDATE SET history_paused = excluded.history_paused`, memberID, paused)
		if err != nil {
			return translate(err)
		}
		if !paused {
			if err := t.historyFrom(ctx, memberID, now); err != nil {
				return err
			}
		}
		return t.touchCurator(ctx, memberID)
	})
}

// historyFrom moves member's history_from forward to now: reads from
// before it are not written (recordReadsHead).
func (t *tx) historyFrom(ctx context.Context, memberID int64, now time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO curator_settings (member_id, history_from) VALUES (?, ?)
		ON CONFLICT (member_id) DO UPDATE SET history_from = excluded.history_from
		WHERE excluded.history_from > curator_settings.history_from`, memberID, micros(now))
	if err != nil {
		return fmt.Errorf("store: history of member %d: %w", memberID, translate(err))
	}
	return nil
}

// MarkPickerShown notes that the topic picker was offered to member, and
// reports whether this is the first time.
func (db *DB) MarkPickerShown(ctx context.Context, memberID int64, now time.Time) (bool, error) {
	var first bool
	err := db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `INSERT INTO curator_settings (member_id, picker_shown_at) VALUES (?, ?)
			ON CONFLICT (member_id) DO UPDATE SET picker_shown_at = excluded.picker_shown_at
			WHERE curator_settings.picker_shown_at IS NULL`, memberID, micros(now))
		if err != nil {
			return translate(err)
		}
		n, _ := res.RowsAffected()
		first = n == 1
		return nil
	})
	return first, err
}

// CuratorSettings returns member's curator settings.
func (db *DB) CuratorSettings(ctx context.Context, memberID int64) (masthead.CuratorSettings, error) {
	var s masthead.CuratorSettings
	var shown sql.NullInt64
	var from int64
	err := db.r.row(ctx, `SELECT history_paused, picker_shown_at, history_from FROM curator_settings WHERE member_id = ?`, memberID).
		Scan(&s.HistoryPaused, &shown, &from)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("store: curator settings of member %d: %w", memberID, err)
	}
	s.PickerShownAt = fromMicros(shown)
	if from > 0 {
		s.HistoryFrom = time.UnixMicro(from).UTC()
	}
	return s, nil
}

// membershipsSQL writes the memberships of the articles whose ids are
// in, a placeholder list given four times, for articles that are not
// drafts.
func membershipsSQL(in string) string {
	return `INSERT INTO article_memberships (kind, target_id, published_at, article_id)
SELECT 'topic', x.topic_id, a.published_at, a.id FROM article_topics x JOIN articles a ON a.id = x.article_id
	WHERE a.id IN ` + in + ` AND a.status <> 'draft' AND a.published_at IS NOT NULL
UNION SELECT 'region', x.region_id, a.published_at, a.id FROM article_regions x JOIN articles a ON a.id = x.article_id
	WHERE a.id IN ` + in + ` AND a.status <> 'draft' AND a.published_at IS NOT NULL
UNION SELECT 'author', x.author_id, a.published_at, a.id FROM article_authors x JOIN articles a ON a.id = x.article_id
	WHERE a.id IN ` + in + ` AND a.status <> 'draft' AND a.published_at IS NOT NULL
UNION SELECT 'column', a.column_id, a.published_at, a.id FROM articles a
	WHERE a.id IN ` + in + ` AND a.column_id IS NOT NULL AND a.status <> 'draft' AND a.published_at IS NOT NULL`
}

// syncMemberships writes article id's memberships afresh, in the
// transaction of the write that changed its taxonomy, status or time.
func (t *tx) syncMemberships(ctx context.Context, id int64) error {
	if _, err := t.exec(ctx, `DELETE FROM article_memberships WHERE article_id = ?`, id); err != nil {
		return fmt.Errorf("store: memberships of article %d: %w", id, err)
	}
	return t.addMemberships(ctx, []int64{id})
}

// addMemberships writes the memberships of new articles ids, which have
// none yet, in one statement.
func (t *tx) addMemberships(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ph, idArgs := placeholders(ids)
	args := make([]any, 0, 4*len(ids))
	for range 4 {
		args = append(args, idArgs...)
	}
	if _, err := t.exec(ctx, membershipsSQL(ph), args...); err != nil {
		return fmt.Errorf("store: memberships of %d articles: %w", len(ids), err)
	}
	return nil
}

// mergeFollows moves the follows of a merged term to the term it was
// merged into (a follow of both stays one).
func (t *tx) mergeFollows(ctx context.Context, kind masthead.TermKind, fromID, intoID int64) error {
	k := string(kind)
	if _, err := t.exec(ctx, `UPDATE members SET curator_version = curator_version + 1
		WHERE id IN (SELECT member_id FROM follows WHERE kind = ? AND target_id = ?)`, k, fromID); err != nil {
		return fmt.Errorf("store: merge follows: %w", err)
	}
	if _, err := t.exec(ctx, `INSERT INTO follows (member_id, kind, target_id, alert, created_at)
		SELECT member_id, kind, ?, alert, created_at FROM follows WHERE kind = ? AND target_id = ?
		ON CONFLICT (member_id, kind, target_id) DO NOTHING`, intoID, k, fromID); err != nil {
		return fmt.Errorf("store: merge follows: %w", err)
	}
	_, err := t.exec(ctx, `DELETE FROM follows WHERE kind = ? AND target_id = ?`, k, fromID)
	return err
}

// curatorDeletion lists the statements that erase a member's curator
// data when their account is deleted (DeleteAccount).
var curatorDeletion = []string{
	`DELETE FROM follows WHERE member_id = ?`,
	`DELETE FROM saved_articles WHERE member_id = ?`,
	`DELETE FROM reading_history WHERE member_id = ?`,
	`DELETE FROM curator_settings WHERE member_id = ?`,
	`DELETE FROM alert_matches WHERE member_id = ?`,
}

// alertSlot returns the end of the instant alerts' slot holding t.
func (db *DB) alertSlot(t time.Time) time.Time {
	iv := db.alertInterval
	if iv <= 0 {
		iv = 5 * time.Minute
	}
	return t.Truncate(iv).Add(iv)
}

// digestTime returns the first daily digest's time after t.
func (db *DB) digestTime(t time.Time) time.Time {
	at := db.digestAt
	if at <= 0 {
		at = 6 * time.Hour
	}
	d := t.UTC().Truncate(24 * time.Hour).Add(at)
	if !d.After(t) {
		d = d.Add(24 * time.Hour)
	}
	return d
}

// queueAlerts notes, in the transaction that puts article id live, that
// its followers are to be told, and enqueues the jobs that will: the
// instant alerts at the end of the slot and the daily digest, each once
// per slot however many articles go live in it. A mode nobody following
// the article has chosen adds no job, and the article is marked told for
// it at once (through the follows_target index: a few lookups per
// topic, region, column and author of the article).
func (t *tx) queueAlerts(ctx context.Context, id int64, now time.Time) error {
	var instant, daily bool
	const followers = `SELECT EXISTS (SELECT 1 FROM article_memberships m JOIN follows f
		ON f.kind = m.kind AND f.target_id = m.target_id AND f.alert = ? WHERE m.article_id = ?)`
	if err := t.row(ctx, followers, string(masthead.AlertInstant), id).Scan(&instant); err != nil {
		return fmt.Errorf("store: followers of article %d: %w", id, err)
	}
	if err := t.row(ctx, followers, string(masthead.AlertDaily), id).Scan(&daily); err != nil {
		return fmt.Errorf("store: followers of article %d: %w", id, err)
	}
	if !instant && !daily {
		return nil
	}
	told := func(on bool) any {
		if on {
			return nil // to be told
		}
		return int64(0) // nobody to tell
	}
	if _, err := t.exec(ctx, `INSERT INTO alert_queue (article_id, live_at, instant_issue, daily_issue) VALUES (?, ?, ?, ?)
		ON CONFLICT (article_id) DO NOTHING`, id, micros(now), told(instant), told(daily)); err != nil {
		return fmt.Errorf("store: queue alerts of article %d: %w", id, err)
	}
	var jobs []masthead.Job
	if instant {
		jobs = append(jobs, masthead.AlertsJob(masthead.AlertInstant, t.db.alertSlot(now)))
	}
	if daily {
		jobs = append(jobs, masthead.AlertsJob(masthead.AlertDaily, t.db.digestTime(now)))
	}
	for _, j := range jobs {
		if t.alerted[j.Key] {
			continue
		}
		if t.alerted == nil {
			t.alerted = map[string]bool{}
		}
		t.alerted[j.Key] = true
		if err := t.enqueue(ctx, j, now); err != nil {
			return err
		}
	}
	return nil
}

// maxAlertArticles bounds the articles one alert issue carries; the rest
// wait for the next slot's.
const maxAlertArticles = 100

// ComposeAlerts composes the alert issue of mode for the articles queued
// before until that it has not told yet, in one transaction: the issue
// (scheduled at now, with its send job), what it tells each follower
// whose follow of one of the articles' topics, regions, column or
// authors has this mode (alert_matches: one row a member however many
// follows match), and the queue's rows marked. It returns the issue's
// id, or 0 when nothing was queued or nobody follows it. The send starts
// with the send job: only members who are verified, not suppressed and
// whose newest choice of alerts is yes get a delivery (ClaimIssue).
func (db *DB) ComposeAlerts(ctx context.Context, mode masthead.AlertMode, until, now time.Time) (int64, error) {
	col := map[masthead.AlertMode]string{masthead.AlertInstant: "instant_issue", masthead.AlertDaily: "daily_issue"}[mode]
	if col == "" {
		return 0, masthead.Errorf(masthead.EINVALID, "Unknown alert mode %q.", mode)
	}
	var issueID int64
	err := db.write(ctx, func(t *tx) error {
		issueID = 0
		// Two composes of one mode must not take the same articles:
		// PostgreSQL locks the queue's rows (the second waits, then finds
		// them told); SQLite has one writer.
		lock := ""
		if t.p.d.forUpdate != "" {
			lock = " FOR UPDATE OF q"
		}
		ids, err := t.int64s(ctx, `SELECT q.article_id FROM alert_queue q JOIN articles a ON a.id = q.article_id
			WHERE q.`+col+` IS NULL AND q.live_at < ? ORDER BY a.published_at DESC, a.id DESC LIMIT ?`+lock,
			micros(until), maxAlertArticles)
		if err != nil {
			return fmt.Errorf("store: compose alerts: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		in := "(?" + strings.Repeat(", ?", len(ids)-1) + ")"
		idArgs := make([]any, len(ids))
		for i, id := range ids {
			idArgs[i] = id
		}
		// Only what is live now is told; an article unpublished since
		// is dropped with the rest.
		rows, err := t.query(ctx, `SELECT `+articleCols+articleFrom+` WHERE a.id IN `+in+` AND `+liveCond+`
			ORDER BY a.published_at DESC, a.id DESC`, append(append([]any{}, idArgs...), micros(now))...)
		if err != nil {
			return fmt.Errorf("store: compose alerts: %w", err)
		}
		list, err := scanArticles(rows)
		if err != nil {
			return fmt.Errorf("store: compose alerts: %w", err)
		}
		if err := db.loadTaxonomy(ctx, t, list); err != nil {
			return err
		}
		matches, err := t.alertFollowers(ctx, list, mode)
		if err != nil {
			return err
		}
		if len(matches) > 0 {
			if issueID, err = t.createAlertIssue(ctx, mode, list, until, now); err != nil {
				return err
			}
			if err := t.insertAlertMatches(ctx, issueID, matches); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, `UPDATE alert_queue SET `+col+` = ? WHERE article_id IN `+in,
			append([]any{issueID}, idArgs...)...); err != nil {
			return fmt.Errorf("store: compose alerts: %w", err)
		}
		_, err = t.exec(ctx, `DELETE FROM alert_queue WHERE instant_issue IS NOT NULL AND daily_issue IS NOT NULL`)
		return err
	})
	if err != nil {
		return 0, err
	}
	return issueID, nil
}

// memberMatch is what one member is told, gathered in member order: the
// match as JSON, shared by every member told the same (alertFollowers).
type memberMatch struct {
	member int64
	match  string
}

// alertFollowers finds the members following any of list's topics,
// regions, columns or authors with mode, each once, with the articles
// (positions in list) and follows that matched. A hundred thousand
// followers of one topic are told the same: what each is told is built
// and encoded once per set of follows that matched, not per member.
func (t *tx) alertFollowers(ctx context.Context, list []*masthead.Article, mode masthead.AlertMode) ([]memberMatch, error) {
	type key struct {
		kind masthead.FollowKind
		id   int64
	}
	targets := map[key][]int{}
	names := map[key]masthead.AlertFollowed{}
	add := func(k masthead.FollowKind, id int64, slug, name string, pos int) {
		kk := key{k, id}
		targets[kk] = append(targets[kk], pos)
		names[kk] = masthead.AlertFollowed{Kind: k, Slug: slug, Name: name}
	}
	for i, a := range list {
		for _, x := range a.Topics {
			add(masthead.FollowTopic, x.ID, x.Slug, x.Name, i)
		}
		for _, x := range a.Regions {
			add(masthead.FollowRegion, x.ID, x.Slug, x.Name, i)
		}
		for _, x := range a.Authors {
			add(masthead.FollowAuthor, x.ID, x.Slug, x.Name, i)
		}
		if a.Column != nil {
			add(masthead.FollowColumn, a.Column.ID, a.Column.Slug, a.Column.Name, i)
		}
	}
	if len(targets) == 0 {
		return nil, nil
	}
	// Each target gets a number; a member's matched targets, in the
	// query's order, spell the key of what they are told.
	var conds []string
	var args []any
	index := make(map[key]int, len(targets))
	order := make([]key, 0, len(targets))
	for k := range targets {
		index[k] = len(order)
		order = append(order, k)
		conds = append(conds, `(f.kind = ? AND f.target_id = ?)`)
		args = append(args, string(k.kind), k.id)
	}
	args = append(args, string(mode))
	rows, err := t.query(ctx, `SELECT f.member_id, f.kind, f.target_id FROM follows f
		WHERE (`+strings.Join(conds, " OR ")+`) AND f.alert = ? ORDER BY f.member_id, f.kind, f.target_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: alert followers: %w", err)
	}
	defer rows.Close()
	encoded := map[string]string{} // matched targets → the match's JSON
	encode := func(matched []int) (string, error) {
		sig := make([]byte, 0, 4*len(matched))
		for _, i := range matched {
			sig = binary.AppendUvarint(sig, uint64(i))
		}
		if js, ok := encoded[string(sig)]; ok {
			return js, nil
		}
		var m masthead.AlertMatch
		seen := map[int]bool{}
		for _, i := range matched {
			k := order[i]
			m.Follows = append(m.Follows, names[k])
			for _, pos := range targets[k] {
				if !seen[pos] {
					seen[pos] = true
					m.Articles = append(m.Articles, pos)
				}
			}
		}
		sortInts(m.Articles)
		b, err := json.Marshal(m)
		if err != nil {
			return "", err
		}
		encoded[string(sig)] = string(b)
		return string(b), nil
	}
	var out []memberMatch
	var matched []int
	last := int64(0)
	flush := func() error {
		if len(matched) == 0 {
			return nil
		}
		js, err := encode(matched)
		if err != nil {
			return err
		}
		out = append(out, memberMatch{member: last, match: js})
		matched = matched[:0]
		return nil
	}
	for rows.Next() {
		var member, target int64
		var kind string
		if err := rows.Scan(&member, &kind, &target); err != nil {
			return nil, fmt.Errorf("store: alert followers: %w", err)
		}
		if member != last {
			if err := flush(); err != nil {
				return nil, err
			}
			last = member
		}
		matched = append(matched, index[key{masthead.FollowKind(kind), target}])
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: alert followers: %w", err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j-1] > a[j]; j-- {
			a[j-1], a[j] = a[j], a[j-1]
		}
	}
}

// createAlertIssue writes the alert issue of list, scheduled at now, and
// its send job. Its window ends at until; an instant issue's starts one
// slot before, a digest's a day before and a microsecond later, so the
// two kinds never share a window start (one issue a newsletter and
// window).
func (t *tx) createAlertIssue(ctx context.Context, mode masthead.AlertMode, list []*masthead.Article, until, now time.Time) (int64, error) {
	var nlID int64
	if err := t.row(ctx, `SELECT id FROM newsletters WHERE slug = ?`, masthead.NewsletterAlerts).Scan(&nlID); err != nil {
		return 0, fmt.Errorf("store: alerts newsletter: %w", translate(err))
	}
	arts := make([]masthead.IssueArticle, len(list))
	for i, a := range list {
		ia := masthead.IssueArticle{ArticleID: a.ID, Slug: a.Slug, Title: a.Title, Dek: a.Dek, Kind: a.Kind,
			Access: a.Access, PublishedAt: a.PublishedAt}
		for _, au := range a.Authors {
			ia.Authors = append(ia.Authors, au.Name)
		}
		arts[i] = ia
	}
	b, err := json.Marshal(arts)
	if err != nil {
		return 0, err
	}
	subject := "New: " + list[0].Title
	start := until.Add(-t.db.alertIntervalOrDefault())
	if mode == masthead.AlertDaily {
		subject = "Your daily digest of what you follow"
		start = until.Add(-24*time.Hour + time.Microsecond)
	}
	// A slot composed again (an article gone live while its job ran)
	// takes the next free start: one issue a newsletter and window start.
	var startMicros int64
	if err := t.row(ctx, `SELECT COALESCE(MAX(window_start) + 1, ?) FROM newsletter_issues
		WHERE newsletter_id = ? AND window_start >= ? AND window_start < ?`,
		micros(start), nlID, micros(start), micros(until)).Scan(&startMicros); err != nil {
		return 0, fmt.Errorf("store: alert issue window: %w", err)
	}
	start = time.UnixMicro(startMicros).UTC()
	var id int64
	err = translate(t.row(ctx, `INSERT INTO newsletter_issues (newsletter_id, subject, articles, window_start, window_end,
			status, send_at, nonce, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?) RETURNING id`,
		nlID, subject, string(b), micros(start), micros(until), micros(now), newNonce(), micros(now), micros(now)).Scan(&id))
	if err != nil {
		return 0, fmt.Errorf("store: create alert issue: %w", err)
	}
	return id, t.queueIssueSend(ctx, id, now, now)
}

func (db *DB) alertIntervalOrDefault() time.Duration {
	if db.alertInterval <= 0 {
		return 5 * time.Minute
	}
	return db.alertInterval
}

// insertAlertMatches writes what the issue tells each member, a few
// hundred rows a statement.
func (t *tx) insertAlertMatches(ctx context.Context, issueID int64, ms []memberMatch) error {
	const batch = 300
	for len(ms) > 0 {
		n := min(len(ms), batch)
		args := make([]any, 0, 3*n)
		for _, m := range ms[:n] {
			args = append(args, issueID, m.member, m.match)
		}
		if _, err := t.exec(ctx, `INSERT INTO alert_matches (issue_id, member_id, matches) VALUES `+valueRows(n, "(?, ?, ?)"), args...); err != nil {
			return fmt.Errorf("store: alert matches: %w", translate(err))
		}
		ms = ms[n:]
	}
	return nil
}

// alertRecipientsSQL queues one delivery per member an alert issue tells
// (alert_matches), with what it tells them: verified members, not
// deleted, not suppressed, whose newest choice of alerts is yes. Like
// recipientsSQL, the segment is decided here.
const alertRecipientsSQL = `INSERT INTO newsletter_deliveries (issue_id, member_id, email, segment, status, message_id, matches)
SELECT ?, m.id, m.email,
	CASE WHEN EXISTS (SELECT 1 FROM entitlements e WHERE e.member_id = m.id AND e.starts_at <= ?
		AND (e.ends_at IS NULL OR e.ends_at > ?)) THEN 'subscriber' ELSE 'registered' END,
	'queued', ? || CAST(m.id AS TEXT) || ?, am.matches
FROM alert_matches am JOIN members m ON m.id = am.member_id
WHERE am.issue_id = ? AND m.verified_at IS NOT NULL AND m.deleted_at IS NULL
	AND NOT EXISTS (SELECT 1 FROM newsletter_suppressions s WHERE s.email = m.email)
	AND COALESCE((SELECT c.consented FROM newsletter_consents c WHERE c.member_id = m.id AND c.newsletter = 'alerts'
		ORDER BY c.at DESC, c.id DESC LIMIT 1), FALSE)
ON CONFLICT (issue_id, member_id) DO NOTHING`

// FollowAll makes every member whose address is in emails follow the
// kind's target named slug with alert, and records their consent to
// alerts when alert is not off: a few hundred members a statement, in
// one transaction. It is for imports and benchmarks; a reader's own
// follow is Follow.
func (db *DB) FollowAll(ctx context.Context, emails []string, kind masthead.FollowKind, slug string, alert masthead.AlertMode, now time.Time) error {
	if !alert.Valid() {
		return masthead.Errorf(masthead.EINVALID, "Unknown alert %q.", alert)
	}
	return db.write(ctx, func(t *tx) error {
		id, _, err := followTarget(ctx, t, kind, slug)
		if err != nil {
			return err
		}
		for len(emails) > 0 {
			n := min(len(emails), 500)
			args := []any{string(kind), id, string(alert), micros(now)}
			for _, e := range emails[:n] {
				args = append(args, e)
			}
			in := "(?" + strings.Repeat(", ?", n-1) + ")"
			if _, err := t.exec(ctx, `INSERT INTO follows (member_id, kind, target_id, alert, created_at)
				SELECT id, ?, ?, ?, ? FROM members WHERE email IN `+in+`
				ON CONFLICT (member_id, kind, target_id) DO UPDATE SET alert = excluded.alert`, args...); err != nil {
				return fmt.Errorf("store: follow all: %w", err)
			}
			if _, err := t.exec(ctx, `UPDATE members SET curator_version = curator_version + 1 WHERE email IN `+in,
				args[4:]...); err != nil {
				return fmt.Errorf("store: follow all: %w", err)
			}
			if alert != masthead.AlertOff {
				cargs := []any{masthead.NewsletterAlerts, masthead.AlertsConsentWording, micros(now)}
				for _, e := range emails[:n] {
					cargs = append(cargs, e)
				}
				if _, err := t.exec(ctx, `INSERT INTO newsletter_consents (member_id, newsletter, consented, wording, at)
					SELECT id, ?, TRUE, ?, ? FROM members WHERE email IN `+in, cargs...); err != nil {
					return fmt.Errorf("store: follow all: %w", err)
				}
			}
			emails = emails[n:]
		}
		return nil
	})
}
