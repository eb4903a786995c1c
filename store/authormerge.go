package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"masthead"
)

// MergeAuthors folds the author from into into, as MergeTerms does for
// topics: every byline of from becomes into's, in its place (an article
// with both keeps into's once), columns written by from are into's, the
// staff account behind from's byline moves to into, from is deleted and
// its page redirects to into's. It returns how many articles carried
// from.
//
// No staff account loses its byline silently: when both authors have an
// account behind them the merge is refused (invalid, on the form's
// "into"), naming both, so the editor unlinks the one that should go on
// its author page first and merges again.
func (db *DB) MergeAuthors(ctx context.Context, from, into string) (int, error) {
	if from == into {
		return 0, fieldError("into", "Choose another author to merge into.")
	}
	var moved int
	err := db.write(ctx, func(t *tx) error {
		var fromID, intoID int64
		if err := t.row(ctx, `SELECT id FROM authors WHERE slug = ?`, from).Scan(&fromID); err != nil {
			return notFound(err, "author", from)
		}
		if err := t.row(ctx, `SELECT id FROM authors WHERE slug = ?`, into).Scan(&intoID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fieldError("into", "There is no author with this slug.")
			}
			return fmt.Errorf("store: merge author %q: %w", from, err)
		}
		// Checked before anything is written. Linking a byline keeps one
		// account on it (taxonomy_edit.go), so each side has at most one.
		fromAcct, err := t.accountOf(ctx, from)
		if err != nil {
			return fmt.Errorf("store: merge author %q: %w", from, err)
		}
		intoAcct, err := t.accountOf(ctx, into)
		if err != nil {
			return fmt.Errorf("store: merge author %q: %w", from, err)
		}
		if fromAcct != "" && intoAcct != "" {
			return fieldError("into", fmt.Sprintf("Both authors have a staff account behind the byline (%s on %s, %s on %s), "+
				"and a byline keeps one. Unlink the account that should not write as %s on its author page, then merge again.",
				fromAcct, from, intoAcct, into, into))
		}
		if err := t.lockSearchIndex(ctx); err != nil {
			return err
		}
		ids, err := t.int64s(ctx, `SELECT article_id FROM article_authors WHERE author_id = ? ORDER BY article_id`, fromID)
		if err != nil {
			return fmt.Errorf("store: merge author %q: %w", from, err)
		}
		moved = len(ids)
		steps := []struct {
			q    string
			args []any
		}{
			// An article with both bylines keeps into's, in its place.
			{`DELETE FROM article_authors WHERE author_id = ? AND article_id IN (SELECT article_id FROM article_authors WHERE author_id = ?)`,
				[]any{fromID, intoID}},
			{`UPDATE article_authors SET author_id = ? WHERE author_id = ?`, []any{intoID, fromID}},
			{`UPDATE columns SET columnist_id = ? WHERE columnist_id = ?`, []any{intoID, fromID}},
		}
		for _, s := range steps {
			if _, err := t.exec(ctx, s.q, s.args...); err != nil {
				return fmt.Errorf("store: merge author %q: %w", from, err)
			}
		}
		if _, err := t.exec(ctx, `UPDATE members SET author_slug = ? WHERE author_slug = ?`, into, from); err != nil {
			return fmt.Errorf("store: merge author %q: %w", from, err)
		}
		if _, err := t.exec(ctx, `DELETE FROM authors WHERE id = ?`, fromID); err != nil {
			return fmt.Errorf("store: merge author %q: %w", from, err)
		}
		if err := t.redirectTermPage(ctx, masthead.TermAuthor, from, into); err != nil {
			return err
		}
		for _, id := range ids {
			if err := t.indexArticle(ctx, id); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		return t.bumpVersion(ctx)
	})
	return moved, err
}

// accountOf returns the email of the staff account behind the byline
// slug, or "" when there is none.
func (t *tx) accountOf(ctx context.Context, slug string) (string, error) {
	var email string
	err := t.row(ctx, `SELECT email FROM members WHERE author_slug = ? AND role <> '' ORDER BY id LIMIT 1`, slug).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return email, err
}
