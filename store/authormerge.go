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
// staff account behind from's byline moves to into unless into has one
// (then it is unlinked, as linking a byline unlinks any other), from is
// deleted and its page redirects to into's. It returns how many articles
// carried from.
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
		var linked int
		if err := t.row(ctx, `SELECT COUNT(*) FROM members WHERE author_slug = ?`, into).Scan(&linked); err != nil {
			return fmt.Errorf("store: merge author %q: %w", from, err)
		}
		to := into
		if linked > 0 {
			to = ""
		}
		if _, err := t.exec(ctx, `UPDATE members SET author_slug = ? WHERE author_slug = ?`, to, from); err != nil {
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
