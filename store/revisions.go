package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"masthead"
)

// Revisions (migration 0046): every save through the editor or the Admin
// API keeps the article as saved, in the transaction of the save. A save
// may name the newest revision its writer had seen; a newer one makes it
// stale and it is refused, so a second tab or a colleague is never
// overwritten without a word. Autosaves fold: a member's autosave or
// save replaces their autosave when it is the newest revision, so an
// hour of typing keeps one row, and a manual save after it keeps one.

// staleRevision refuses a save based on an older revision than the
// newest. The field lets the editor tell it from a slug conflict.
func staleRevision() error {
	return &masthead.Error{Code: masthead.ECONFLICT,
		Message: "This article was changed since it was opened; the save was refused so nothing is overwritten.",
		Fields:  map[string]string{"base_revision": "stale"}}
}

// checkBaseRevision refuses a write based on an older revision than the
// newest of article id. The caller holds the write lock (SQLite's one
// writer; on PostgreSQL the search index's row, taken first by every
// article write), so no save slips in between the check and the write.
func (t *tx) checkBaseRevision(ctx context.Context, id int64, base *int64) error {
	if base == nil {
		return nil
	}
	var newest int64
	if err := t.row(ctx, `SELECT COALESCE(MAX(id), 0) FROM article_revisions WHERE article_id = ?`, id).Scan(&newest); err != nil {
		return fmt.Errorf("store: article %d newest revision: %w", id, err)
	}
	if newest != *base {
		return staleRevision()
	}
	return nil
}

// recordRevision keeps the revision in leaves article id at, and reports
// whether it replaced the same member's autosave.
func (t *tx) recordRevision(ctx context.Context, id int64, in masthead.ArticleInput, now time.Time) (bool, error) {
	kind := masthead.RevisionSave
	switch {
	case in.RestoredFrom != 0:
		kind = masthead.RevisionRestore
	case in.Autosave:
		kind = masthead.RevisionAutosave
	}
	c := masthead.RevisionContentOf(in)
	fields, err := json.Marshal(c)
	if err != nil {
		return false, fmt.Errorf("store: article %d revision: %w", id, err)
	}
	var (
		prevID                 int64
		prevMember             sql.NullInt64
		prevKind               string
		title, slug, dek, body string
		prevFields             string
	)
	folded := false
	err = t.row(ctx, `SELECT id, member_id, kind, title, slug, dek, body_md, fields FROM article_revisions
		WHERE article_id = ? ORDER BY id DESC LIMIT 1`, id).
		Scan(&prevID, &prevMember, &prevKind, &title, &slug, &dek, &body, &prevFields)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return false, fmt.Errorf("store: article %d revisions: %w", id, err)
	case kind == masthead.RevisionSave && prevKind != string(masthead.RevisionAutosave) &&
		title == c.Title && slug == c.Slug && dek == c.Dek && body == c.Body && prevFields == string(fields):
		// A save that changes nothing the revisions keep (a status
		// change, a save pressed twice) keeps no second copy.
		return false, nil
	case prevKind == string(masthead.RevisionAutosave) && in.By.MemberID != 0 && prevMember.Int64 == in.By.MemberID:
		if _, err := t.exec(ctx, `DELETE FROM article_revisions WHERE id = ?`, prevID); err != nil {
			return false, fmt.Errorf("store: article %d revisions: %w", id, err)
		}
		folded = true
	}
	_, err = t.exec(ctx, `INSERT INTO article_revisions (article_id, member_id, via, kind, restored_from, title, slug, dek, body_md, fields, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, nullID(in.By.MemberID), in.By.Via, string(kind), nullID(in.RestoredFrom), c.Title, c.Slug, c.Dek, c.Body, string(fields), micros(now))
	if err != nil {
		return false, fmt.Errorf("store: article %d revision: %w", id, translate(err))
	}
	return folded, nil
}

const revisionCols = `r.id, r.article_id, COALESCE(r.member_id, 0), COALESCE(m.email, ''), r.via, r.kind, COALESCE(r.restored_from, 0),
	r.title, r.slug, r.dek, r.body_md, r.fields, r.created_at`

const revisionFrom = ` FROM article_revisions r LEFT JOIN members m ON m.id = r.member_id`

func scanRevision(sc interface{ Scan(...any) error }) (masthead.ArticleRevision, error) {
	var (
		r      masthead.ArticleRevision
		kind   string
		fields string
		at     int64
	)
	if err := sc.Scan(&r.ID, &r.ArticleID, &r.MemberID, &r.MemberEmail, &r.Via, &kind, &r.RestoredFrom,
		&r.Content.Title, &r.Content.Slug, &r.Content.Dek, &r.Content.Body, &fields, &at); err != nil {
		return r, err
	}
	c := r.Content
	if err := json.Unmarshal([]byte(fields), &r.Content); err != nil {
		return r, fmt.Errorf("revision %d: %w", r.ID, err)
	}
	r.Content.Title, r.Content.Slug, r.Content.Dek, r.Content.Body = c.Title, c.Slug, c.Dek, c.Body
	r.Kind = masthead.RevisionKind(kind)
	r.CreatedAt = time.UnixMicro(at).UTC()
	return r, nil
}

// ArticleRevisions returns article id's revisions, newest first, at most
// limit (limit <= 0 means 100).
func (db *DB) ArticleRevisions(ctx context.Context, id int64, limit int) ([]masthead.ArticleRevision, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.r.query(ctx, `SELECT `+revisionCols+revisionFrom+` WHERE r.article_id = ? ORDER BY r.id DESC LIMIT ?`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("store: article %d revisions: %w", id, err)
	}
	defer rows.Close()
	var out []masthead.ArticleRevision
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, fmt.Errorf("store: article %d revisions: %w", id, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ArticleRevision returns revision rev of article id, or ENOTFOUND.
func (db *DB) ArticleRevision(ctx context.Context, id, rev int64) (*masthead.ArticleRevision, error) {
	r, err := scanRevision(db.r.row(ctx, `SELECT `+revisionCols+revisionFrom+` WHERE r.article_id = ? AND r.id = ?`, id, rev))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such revision of this article.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: article %d revision %d: %w", id, rev, err)
	}
	return &r, nil
}

// articleNotes reads article id's corrections and updates, oldest first.
func articleNotes(ctx context.Context, q reader, id int64) ([]masthead.ArticleNote, error) {
	rows, err := q.query(ctx, `SELECT id, kind, body, created_at FROM article_notes WHERE article_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: article %d notes: %w", id, err)
	}
	defer rows.Close()
	var out []masthead.ArticleNote
	for rows.Next() {
		n := masthead.ArticleNote{ArticleID: id}
		var (
			kind string
			at   int64
		)
		if err := rows.Scan(&n.ID, &kind, &n.Body, &at); err != nil {
			return nil, fmt.Errorf("store: article %d notes: %w", id, err)
		}
		n.Kind, n.CreatedAt = masthead.NoteKind(kind), time.UnixMicro(at).UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}

// AddArticleNote adds a correction or an update to article id. In the
// same transaction the article counts as modified now (the page's
// dateModified, the feeds' updated dates, the sitemap), its history says
// what was added, and the content version moves so every cache forgets
// the page.
func (db *DB) AddArticleNote(ctx context.Context, id int64, in masthead.ArticleNoteInput) (*masthead.ArticleNote, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	now := db.clock.Now()
	n := &masthead.ArticleNote{ArticleID: id, Kind: in.Kind, Body: in.Body, CreatedAt: now.UTC().Truncate(time.Microsecond)}
	err := db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE articles SET updated_at = ? WHERE id = ?`, micros(now), id)
		if err != nil {
			return fmt.Errorf("store: article %d note: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return masthead.Errorf(masthead.ENOTFOUND, "article %d not found", id)
		}
		if err := t.row(ctx, `INSERT INTO article_notes (article_id, kind, body, member_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			id, string(in.Kind), in.Body, nullID(in.By.MemberID), micros(now)).Scan(&n.ID); err != nil {
			return fmt.Errorf("store: article %d note: %w", id, translate(err))
		}
		return t.noteChanged(ctx, id, in.By, masthead.FieldChange{Field: masthead.FieldNote, From: string(in.Kind), To: in.Body}, now)
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// noteChanged is what adding, editing and deleting a note of article id
// share, in their transaction: the history says what changed, the
// article's page and the lists and feeds that show its date are
// touched, and the content version moves.
func (t *tx) noteChanged(ctx context.Context, id int64, by masthead.ArticleActor, change masthead.FieldChange, now time.Time) error {
	if err := t.recordArticleChange(ctx, id, by, []masthead.FieldChange{change}, now); err != nil {
		return err
	}
	if err := t.touchArticle(ctx, id); err != nil {
		return err
	}
	return t.bumpVersion(ctx)
}

// articleNote reads note noteID of article id, for an edit or a delete,
// and makes the article modified now: both move dateModified as adding
// does.
func (t *tx) articleNote(ctx context.Context, id, noteID int64, now time.Time) (*masthead.ArticleNote, error) {
	n := &masthead.ArticleNote{ID: noteID, ArticleID: id}
	var (
		kind string
		at   int64
	)
	err := t.row(ctx, `SELECT kind, body, created_at FROM article_notes WHERE id = ? AND article_id = ?`, noteID, id).Scan(&kind, &n.Body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such note on this article.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: article %d note %d: %w", id, noteID, err)
	}
	n.Kind, n.CreatedAt = masthead.NoteKind(kind), time.UnixMicro(at).UTC()
	if _, err := t.exec(ctx, `UPDATE articles SET updated_at = ? WHERE id = ?`, micros(now), id); err != nil {
		return nil, fmt.Errorf("store: article %d note %d: %w", id, noteID, err)
	}
	return n, nil
}

// errUnchanged rolls back a write that would change nothing.
var errUnchanged = errors.New("store: unchanged")

// EditArticleNote changes the kind and the text of note noteID of
// article id; its date stays the day it was added. As adding one does,
// it makes the article modified now, writes the history and moves the
// content version. A note that is not the article's is ENOTFOUND; an
// edit that changes nothing writes nothing.
func (db *DB) EditArticleNote(ctx context.Context, id, noteID int64, in masthead.ArticleNoteInput) (*masthead.ArticleNote, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	now := db.clock.Now()
	var out *masthead.ArticleNote
	err := db.write(ctx, func(t *tx) error {
		n, err := t.articleNote(ctx, id, noteID, now)
		if err != nil {
			return err
		}
		out = n
		if n.Kind == in.Kind && n.Body == in.Body {
			return errUnchanged
		}
		if _, err := t.exec(ctx, `UPDATE article_notes SET kind = ?, body = ? WHERE id = ?`, string(in.Kind), in.Body, noteID); err != nil {
			return fmt.Errorf("store: article %d note %d: %w", id, noteID, translate(err))
		}
		n.Kind, n.Body = in.Kind, in.Body
		return t.noteChanged(ctx, id, in.By, masthead.FieldChange{Field: masthead.FieldNoteEdited, From: string(in.Kind), To: in.Body}, now)
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return nil, err
	}
	return out, nil
}

// DeleteArticleNote removes note noteID of article id. As adding one
// does, it makes the article modified now, writes the history (with the
// text removed) and moves the content version. A note that is not the
// article's is ENOTFOUND.
func (db *DB) DeleteArticleNote(ctx context.Context, id, noteID int64, by masthead.ArticleActor) error {
	now := db.clock.Now()
	return db.write(ctx, func(t *tx) error {
		n, err := t.articleNote(ctx, id, noteID, now)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM article_notes WHERE id = ?`, noteID); err != nil {
			return fmt.Errorf("store: article %d note %d: %w", id, noteID, translate(err))
		}
		return t.noteChanged(ctx, id, by, masthead.FieldChange{Field: masthead.FieldNoteDeleted, From: string(n.Kind), To: n.Body}, now)
	})
}
