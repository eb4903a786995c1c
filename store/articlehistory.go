package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"masthead"
)

// An article's history (migration 0022): each write that changes a field
// it follows appends one row, in the transaction of the write, naming who
// acted, through what, and each field's value before and after. Rows are
// never updated; they go with the article when it is deleted.

// articleState is what the history follows of an article, as stored
// before a write.
type articleState struct {
	slug, title, dek, status, access, kind, column, body, review string
	publishedAt                                                  time.Time
	authors                                                      []string
}

// articleState reads the followed fields of article id, or ENOTFOUND.
func (t *tx) articleState(ctx context.Context, id int64) (articleState, error) {
	var (
		s   articleState
		pub sql.NullInt64
	)
	err := t.row(ctx, `SELECT a.slug, a.title, a.dek, a.status, a.access, a.kind, COALESCE(c.slug, ''), a.body_md, a.published_at, a.review
		FROM articles a LEFT JOIN columns c ON c.id = a.column_id WHERE a.id = ?`, id).
		Scan(&s.slug, &s.title, &s.dek, &s.status, &s.access, &s.kind, &s.column, &s.body, &pub, &s.review)
	if err != nil {
		return s, notFound(err, "article", fmt.Sprint(id))
	}
	s.publishedAt = fromMicros(pub)
	rows, err := t.query(ctx, `SELECT au.slug FROM article_authors aa JOIN authors au ON au.id = aa.author_id
		WHERE aa.article_id = ? ORDER BY aa.position`, id)
	if err != nil {
		return s, fmt.Errorf("store: article %d authors: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var slug string
		if err := rows.Scan(&slug); err != nil {
			return s, fmt.Errorf("store: article %d authors: %w", id, err)
		}
		s.authors = append(s.authors, slug)
	}
	return s, rows.Err()
}

// stateOf is the state in describes once written.
func stateOf(in masthead.ArticleInput) articleState {
	return articleState{slug: in.Slug, title: in.Title, dek: in.Dek, status: string(in.Status), access: string(in.Access),
		kind: string(in.Kind), column: in.ColumnSlug, body: in.BodyMarkdown, publishedAt: in.PublishedAt, authors: in.AuthorSlugs,
		review: string(in.Review)}
}

// diffState lists the followed fields that differ between old and cur,
// in the order of the masthead.Field… constants. A new article has
// a zero old state.
func diffState(old, cur articleState) []masthead.FieldChange {
	var out []masthead.FieldChange
	add := func(field, from, to string) {
		if from != to {
			out = append(out, masthead.FieldChange{Field: field, From: from, To: to})
		}
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	add(masthead.FieldTitle, old.title, cur.title)
	add(masthead.FieldSlug, old.slug, cur.slug)
	add(masthead.FieldStatus, old.status, cur.status)
	add(masthead.FieldPublishedAt, when(old.publishedAt), when(cur.publishedAt))
	add(masthead.FieldAccess, old.access, cur.access)
	add(masthead.FieldAuthors, strings.Join(old.authors, ", "), strings.Join(cur.authors, ", "))
	add(masthead.FieldKind, old.kind, cur.kind)
	add(masthead.FieldColumn, old.column, cur.column)
	add(masthead.FieldDek, old.dek, cur.dek)
	if old.body != cur.body {
		out = append(out, masthead.FieldChange{Field: masthead.FieldBody})
	}
	add(masthead.FieldReview, old.review, cur.review)
	return out
}

// recordArticleChange appends a history entry for article id when fields
// is not empty.
func (t *tx) recordArticleChange(ctx context.Context, id int64, by masthead.ArticleActor, fields []masthead.FieldChange, now time.Time) error {
	if len(fields) == 0 {
		return nil
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("store: article %d history: %w", id, err)
	}
	actor := sql.NullInt64{Int64: by.MemberID, Valid: by.MemberID != 0}
	if _, err := t.exec(ctx, `INSERT INTO article_history (article_id, actor_member_id, via, changes, created_at) VALUES (?, ?, ?, ?, ?)`,
		id, actor, by.Via, string(b), micros(now)); err != nil {
		return fmt.Errorf("store: article %d history: %w", id, translate(err))
	}
	return nil
}

// promotedChanges is the history entry of a scheduled article whose
// time has come.
var promotedChanges = []masthead.FieldChange{{Field: masthead.FieldStatus,
	From: string(masthead.StatusScheduled), To: string(masthead.StatusPublished)}}

// ArticleHistory returns article id's history, newest first.
func (db *DB) ArticleHistory(ctx context.Context, id int64, limit int) ([]masthead.ArticleChange, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := db.r.query(ctx, `SELECT h.id, h.article_id, COALESCE(h.actor_member_id, 0), COALESCE(m.email, ''), h.via, h.changes, h.created_at
		FROM article_history h LEFT JOIN members m ON m.id = h.actor_member_id
		WHERE h.article_id = ? ORDER BY h.id DESC LIMIT ?`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("store: article %d history: %w", id, err)
	}
	defer rows.Close()
	var out []masthead.ArticleChange
	for rows.Next() {
		var (
			c       masthead.ArticleChange
			changes string
			at      int64
		)
		if err := rows.Scan(&c.ID, &c.ArticleID, &c.ActorID, &c.ActorEmail, &c.Via, &changes, &at); err != nil {
			return nil, fmt.Errorf("store: article %d history: %w", id, err)
		}
		if err := json.Unmarshal([]byte(changes), &c.Fields); err != nil {
			return nil, fmt.Errorf("store: article %d history entry %d: %w", id, c.ID, err)
		}
		c.CreatedAt = time.UnixMicro(at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
