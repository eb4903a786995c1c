package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"masthead"
)

// Gift links: a subscriber's link that opens one article for a bounded
// number of readers, for a bounded time. Only the token's hash is stored;
// readers are stored as hashes of their key (member or browser).

var (
	errGiftInvalid = masthead.Errorf(masthead.ENOTFOUND, "This gift link is not valid.")
	errGiftGone    = masthead.Errorf(masthead.EGONE, "This gift link has expired or was withdrawn by the reader who shared it.")
	errGiftFull    = masthead.Errorf(masthead.EFORBIDDEN, "This gift link has been opened by as many readers as it allows.")
)

// CreateGiftLink stores a new gift link for an article, provided the member
// made fewer than in.PerMonth links since in.MonthStart. Revoked links
// count too, or revoking would refill the allowance. The member's row is
// locked first, so two requests at once cannot both take the last link.
func (db *DB) CreateGiftLink(ctx context.Context, in masthead.GiftLinkInput) (*masthead.GiftLink, error) {
	if len(in.TokenHash) != sha256.Size || in.MaxReaders <= 0 || in.PerMonth <= 0 || !in.ExpiresAt.After(in.Now) {
		return nil, masthead.Errorf(masthead.EINVALID, "store: gift link: bad input")
	}
	g := &masthead.GiftLink{
		MemberID: in.MemberID, ArticleID: in.ArticleID, MaxReaders: in.MaxReaders,
		CreatedAt: time.UnixMicro(micros(in.Now)).UTC(), ExpiresAt: time.UnixMicro(micros(in.ExpiresAt)).UTC(),
	}
	err := db.write(ctx, func(t *tx) error {
		var id int64
		err := t.row(ctx, `SELECT id FROM members WHERE id = ? AND deleted_at IS NULL`+t.p.d.forUpdate, in.MemberID).Scan(&id)
		if err != nil {
			return notFound(err, "member", fmt.Sprint(in.MemberID))
		}
		var n int
		if err := t.row(ctx, `SELECT COUNT(*) FROM gift_links WHERE member_id = ? AND created_at >= ?`,
			in.MemberID, micros(in.MonthStart)).Scan(&n); err != nil {
			return fmt.Errorf("store: count gift links: %w", err)
		}
		if n >= in.PerMonth {
			return masthead.Errorf(masthead.EFORBIDDEN, "You have shared %d gift links this month, the most allowed. You can share more next month.", n)
		}
		if err := t.row(ctx, `SELECT slug, title FROM articles WHERE id = ?`, in.ArticleID).Scan(&g.ArticleSlug, &g.ArticleTitle); err != nil {
			return notFound(err, "article", fmt.Sprint(in.ArticleID))
		}
		err = t.row(ctx, `INSERT INTO gift_links (token_hash, member_id, article_id, max_readers, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			in.TokenHash, in.MemberID, in.ArticleID, in.MaxReaders, micros(in.Now), micros(in.ExpiresAt)).Scan(&g.ID)
		if err != nil {
			return fmt.Errorf("store: create gift link: %w", translate(err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// GiftLinks lists the member's gift links with their reader counts,
// newest first.
func (db *DB) GiftLinks(ctx context.Context, memberID int64) ([]masthead.GiftLink, error) {
	rows, err := db.r.query(ctx, `SELECT g.id, g.member_id, g.article_id, a.slug, a.title,
			(SELECT COUNT(*) FROM gift_link_readers r WHERE r.link_id = g.id),
			g.max_readers, g.created_at, g.expires_at, g.revoked_at
		FROM gift_links g JOIN articles a ON a.id = g.article_id
		WHERE g.member_id = ? ORDER BY g.created_at DESC, g.id DESC`, memberID)
	if err != nil {
		return nil, fmt.Errorf("store: gift links of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []masthead.GiftLink
	for rows.Next() {
		var g masthead.GiftLink
		var created, expires int64
		var revoked sql.NullInt64
		if err := rows.Scan(&g.ID, &g.MemberID, &g.ArticleID, &g.ArticleSlug, &g.ArticleTitle,
			&g.Readers, &g.MaxReaders, &created, &expires, &revoked); err != nil {
			return nil, fmt.Errorf("store: gift links of member %d: %w", memberID, err)
		}
		g.CreatedAt, g.ExpiresAt, g.RevokedAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC(), fromMicros(revoked)
		out = append(out, g)
	}
	return out, rows.Err()
}

// RevokeGiftLink stops one of the member's links. The member id is part
// of the match, so a link id of another member's is simply not found.
// Revoking twice is harmless.
func (db *DB) RevokeGiftLink(ctx context.Context, memberID, linkID int64, now time.Time) error {
	return db.write(ctx, func(t *tx) error {
		var revoked sql.NullInt64
		err := t.row(ctx, `SELECT revoked_at FROM gift_links WHERE id = ? AND member_id = ?`, linkID, memberID).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return masthead.Errorf(masthead.ENOTFOUND, "Gift link not found.")
		}
		if err != nil {
			return fmt.Errorf("store: revoke gift link %d: %w", linkID, err)
		}
		if revoked.Valid {
			return nil
		}
		if _, err := t.exec(ctx, `UPDATE gift_links SET revoked_at = ? WHERE id = ?`, micros(now), linkID); err != nil {
			return fmt.Errorf("store: revoke gift link %d: %w", linkID, err)
		}
		return nil
	})
}

// GiftLinkGiver returns the member who shared the gift link with the token
// hash tokenHash, and whether they hold an entitlement active at now (as
// Entitled would say), in one read. The member is nil when their account
// was deleted. An unknown token is ENOTFOUND. Nothing is counted: the
// reader site asks this before GiftLinkArticle, so a link whose giver lost
// access takes no reader's place.
func (db *DB) GiftLinkGiver(ctx context.Context, tokenHash []byte, now time.Time) (*masthead.Member, bool, error) {
	if len(tokenHash) != sha256.Size {
		return nil, false, errGiftInvalid
	}
	var (
		deleted    sql.NullInt64
		subscriber int
	)
	at := micros(now)
	m, err := scanMember(withExtra(db.r.row(ctx, `SELECT `+memberCols+`, m.deleted_at,
			CASE WHEN EXISTS (SELECT 1 FROM entitlements e
				WHERE e.member_id = m.id AND e.starts_at <= ? AND (e.ends_at IS NULL OR e.ends_at > ?)) THEN 1 ELSE 0 END
		FROM gift_links g JOIN members m ON m.id = g.member_id WHERE g.token_hash = ?`, at, at, tokenHash), &deleted, &subscriber))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, errGiftInvalid
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: gift link giver: %w", err)
	}
	if deleted.Valid {
		return nil, false, nil
	}
	return m, subscriber > 0, nil
}

// GiftLinkArticle returns the id of the article a gift token opens for the
// reader named by readerKey ("m:ID" for a member, "d:…" for a browser, as
// the caller chooses; it is stored hashed). A reader already counted comes
// back at the cost of one read; a new one is counted in a write that
// locks the link's row, so concurrent newcomers never exceed MaxReaders.
// Unknown tokens, and tokens tried on another article than articleID, are
// ENOTFOUND without counting anyone; expired or revoked links EGONE, and a
// full link EFORBIDDEN for newcomers.
func (db *DB) GiftLinkArticle(ctx context.Context, tokenHash []byte, articleID int64, readerKey string, now time.Time) (int64, error) {
	if len(tokenHash) != sha256.Size || readerKey == "" {
		return 0, errGiftInvalid
	}
	rk := sha256.Sum256([]byte(readerKey))
	var (
		linkID, linkArticle, maxReaders, expires int64
		revoked                                  sql.NullInt64
		known                                    bool
	)
	err := db.r.row(ctx, `SELECT g.id, g.article_id, g.max_readers, g.expires_at, g.revoked_at,
			EXISTS (SELECT 1 FROM gift_link_readers r WHERE r.link_id = g.id AND r.reader_key = ?)
		FROM gift_links g WHERE g.token_hash = ?`, rk[:], tokenHash).
		Scan(&linkID, &linkArticle, &maxReaders, &expires, &revoked, &known)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && linkArticle != articleID) {
		// A token tried on another article opens nothing and takes no
		// reader's place on the link.
		return 0, errGiftInvalid
	}
	if err != nil {
		return 0, fmt.Errorf("store: gift link: %w", err)
	}
	if revoked.Valid || expires <= micros(now) {
		return 0, errGiftGone
	}
	if known {
		return linkArticle, nil
	}
	err = db.write(ctx, func(t *tx) error {
		// Read the link again under its lock: it may have been revoked
		// or filled since.
		err := t.row(ctx, `SELECT expires_at, revoked_at FROM gift_links WHERE id = ?`+t.p.d.forUpdate, linkID).Scan(&expires, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return errGiftInvalid
		}
		if err != nil {
			return fmt.Errorf("store: gift link: %w", err)
		}
		if revoked.Valid || expires <= micros(now) {
			return errGiftGone
		}
		var n int64
		if err := t.row(ctx, `SELECT COUNT(*) FROM gift_link_readers WHERE link_id = ?`, linkID).Scan(&n); err != nil {
			return fmt.Errorf("store: gift link readers: %w", err)
		}
		if n >= maxReaders {
			// Full for newcomers; but this reader may have raced itself
			// in since the first read, and is welcome back.
			var one int
			err := t.row(ctx, `SELECT 1 FROM gift_link_readers WHERE link_id = ? AND reader_key = ?`, linkID, rk[:]).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return errGiftFull
			}
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO gift_link_readers (link_id, reader_key, first_at) VALUES (?, ?, ?)
			ON CONFLICT (link_id, reader_key) DO NOTHING`, linkID, rk[:], micros(now)); err != nil {
			return fmt.Errorf("store: count gift link reader: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return linkArticle, nil
}
