package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"masthead"
)

// Editing the taxonomy from the staff area (admin/columns.go,
// authors.go, taxonomy.go). Each save is one transaction: the row, the
// redirect from a retired slug's page, and a raised content version, so
// every instance's page cache forgets the old pages at once.
//
// A retired slug's page redirects through legacy_redirects, the table
// the 404 path already asks (http/redirects.go): "/topics/old" names
// "/topics/new" as its target. Renaming again moves every row that
// pointed at the old page too, so no chain of redirects grows, and an
// imported WordPress category that pointed at the page follows it.

// SaveColumn creates a column (old "") or changes the column whose slug
// is old. c.Columnist, when set, names the columnist by slug.
func (db *DB) SaveColumn(ctx context.Context, old string, c masthead.Column) (*masthead.Column, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	err := db.write(ctx, func(t *tx) error {
		var columnist sql.NullInt64
		if c.Columnist != nil && c.Columnist.Slug != "" {
			var id int64
			if err := t.row(ctx, `SELECT id FROM authors WHERE slug = ?`, c.Columnist.Slug).Scan(&id); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return fieldError("columnist", "There is no author with this slug.")
				}
				return fmt.Errorf("store: save column %q: %w", c.Slug, err)
			}
			columnist = sql.NullInt64{Int64: id, Valid: true}
		}
		id, err := t.saveTerm(ctx, masthead.TermColumn, old, c.Slug)
		if err != nil {
			return err
		}
		c.ID = id
		if _, err := t.exec(ctx, `UPDATE columns SET slug = ?, name = ?, description = ?, columnist_id = ?, position = ?, image_url = ?
			WHERE id = ?`, c.Slug, strings.TrimSpace(c.Name), c.Description, columnist, c.Position, c.ImageURL, id); err != nil {
			return fmt.Errorf("store: save column %q: %w", c.Slug, err)
		}
		return t.bumpVersion(ctx)
	})
	if err != nil {
		return nil, err
	}
	return db.Column(ctx, c.Slug)
}

// SaveAuthor creates an author (old "") or changes the author whose
// slug is old. A changed slug moves the staff account linked to the
// byline with it. account, when not nil, names the staff member who
// writes under the byline from now on (0: nobody); others linked to it
// are unlinked.
func (db *DB) SaveAuthor(ctx context.Context, old string, a masthead.Author, account *int64) (*masthead.Author, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	err := db.write(ctx, func(t *tx) error {
		id, err := t.saveTerm(ctx, masthead.TermAuthor, old, a.Slug)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE authors SET slug = ?, name = ?, bio = ?, photo_url = ?, links = ? WHERE id = ?`,
			a.Slug, strings.TrimSpace(a.Name), a.Bio, a.PhotoURL, strings.Join(a.Links, "\n"), id); err != nil {
			return fmt.Errorf("store: save author %q: %w", a.Slug, err)
		}
		if old != "" && old != a.Slug {
			if _, err := t.exec(ctx, `UPDATE members SET author_slug = ? WHERE author_slug = ?`, a.Slug, old); err != nil {
				return fmt.Errorf("store: save author %q: %w", a.Slug, err)
			}
		}
		if account != nil {
			if _, err := t.exec(ctx, `UPDATE members SET author_slug = '' WHERE author_slug = ? AND id <> ?`, a.Slug, *account); err != nil {
				return fmt.Errorf("store: save author %q: %w", a.Slug, err)
			}
			if *account != 0 {
				res, err := t.exec(ctx, `UPDATE members SET author_slug = ? WHERE id = ? AND role <> ''`, a.Slug, *account)
				if err != nil {
					return fmt.Errorf("store: save author %q: %w", a.Slug, err)
				}
				if n, err := res.RowsAffected(); err != nil || n == 0 {
					return fieldError("account", "Choose a member of staff.")
				}
			}
		}
		return t.bumpVersion(ctx)
	})
	if err != nil {
		return nil, err
	}
	return db.Author(ctx, a.Slug)
}

// SaveTerm creates a topic or region (old "") or renames and describes
// the one whose slug is old.
func (db *DB) SaveTerm(ctx context.Context, kind masthead.TermKind, old string, term masthead.Term) (*masthead.Term, error) {
	table, err := termTable(kind)
	if err != nil {
		return nil, err
	}
	if err := term.Validate(); err != nil {
		return nil, err
	}
	err = db.write(ctx, func(t *tx) error {
		id, err := t.saveTerm(ctx, kind, old, term.Slug)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE `+table+` SET slug = ?, name = ?, description = ? WHERE id = ?`,
			term.Slug, strings.TrimSpace(term.Name), term.Description, id); err != nil {
			return fmt.Errorf("store: save %s %q: %w", kind, term.Slug, err)
		}
		return t.bumpVersion(ctx)
	})
	if err != nil {
		return nil, err
	}
	return db.term(ctx, table, term.Slug)
}

// MergeTerms folds the topic or region from into into: its articles
// are labelled with into (once), from is deleted, its page redirects to
// into's, and the articles' search entries follow. It returns how many
// articles carried from.
func (db *DB) MergeTerms(ctx context.Context, kind masthead.TermKind, from, into string) (int, error) {
	table, err := termTable(kind)
	if err != nil {
		return 0, err
	}
	if kind != masthead.TermTopic && kind != masthead.TermRegion {
		return 0, fmt.Errorf("store: merge: only topics and regions merge, not %ss", kind)
	}
	if from == into {
		return 0, fieldError("into", "Choose another "+strings.ToLower(kind.Label())+" to merge into.")
	}
	link, col := "article_"+table, string(kind)+"_id"
	var moved int
	err = db.write(ctx, func(t *tx) error {
		var fromID, intoID int64
		if err := t.row(ctx, `SELECT id FROM `+table+` WHERE slug = ?`, from).Scan(&fromID); err != nil {
			return notFound(err, string(kind), from)
		}
		if err := t.row(ctx, `SELECT id FROM `+table+` WHERE slug = ?`, into).Scan(&intoID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fieldError("into", "There is no "+strings.ToLower(kind.Label())+" with this slug.")
			}
			return fmt.Errorf("store: merge %s %q: %w", kind, from, err)
		}
		// As every article write does, before the first change.
		if err := t.lockSearchIndex(ctx); err != nil {
			return err
		}
		ids, err := t.int64s(ctx, `SELECT article_id FROM `+link+` WHERE `+col+` = ? ORDER BY article_id`, fromID)
		if err != nil {
			return fmt.Errorf("store: merge %s %q: %w", kind, from, err)
		}
		moved = len(ids)
		if _, err := t.exec(ctx, `INSERT INTO `+link+` (article_id, `+col+`) SELECT article_id, ? FROM `+link+`
			WHERE `+col+` = ? ON CONFLICT DO NOTHING`, intoID, fromID); err != nil {
			return fmt.Errorf("store: merge %s %q: %w", kind, from, err)
		}
		// The article links of from go with it (ON DELETE CASCADE).
		if _, err := t.exec(ctx, `DELETE FROM `+table+` WHERE id = ?`, fromID); err != nil {
			return fmt.Errorf("store: merge %s %q: %w", kind, from, err)
		}
		if err := t.redirectTermPage(ctx, kind, from, into); err != nil {
			return err
		}
		if err := t.mergeFollows(ctx, kind, fromID, intoID); err != nil {
			return err
		}
		for _, id := range ids {
			if err := t.indexArticle(ctx, id); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err := t.syncMemberships(ctx, id); err != nil {
				return err
			}
		}
		return t.bumpVersion(ctx)
	})
	return moved, err
}

// saveTerm makes sure a row of kind exists for the save and returns its
// id: a new row for old "", else the row whose slug is old. A slug that
// another row holds is a field error; a changed slug redirects the old
// page.
func (t *tx) saveTerm(ctx context.Context, kind masthead.TermKind, old, slug string) (int64, error) {
	table, err := termTable(kind)
	if err != nil {
		return 0, err
	}
	var id int64
	if old != "" {
		if err := t.row(ctx, `SELECT id FROM `+table+` WHERE slug = ?`, old).Scan(&id); err != nil {
			return 0, notFound(err, string(kind), old)
		}
	}
	if old != slug {
		// Asked before writing: on PostgreSQL a failed statement would
		// end the transaction.
		var n int
		if err := t.row(ctx, `SELECT COUNT(*) FROM `+table+` WHERE slug = ?`, slug).Scan(&n); err != nil {
			return 0, fmt.Errorf("store: save %s %q: %w", kind, slug, err)
		}
		if n > 0 {
			return 0, fieldError("slug", "Another "+strings.ToLower(kind.Label())+" has this slug.")
		}
	}
	if old == "" {
		// The name is set by the caller's UPDATE.
		err := t.row(ctx, `INSERT INTO `+table+` (slug, name) VALUES (?, ?) RETURNING id`, slug, slug).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("store: create %s %q: %w", kind, slug, translate(err))
		}
		// A page that was a redirect is a page again.
		if _, err := t.exec(ctx, `DELETE FROM legacy_redirects WHERE path = ? AND article_id IS NULL`, kind.Prefix()+slug); err != nil {
			return 0, fmt.Errorf("store: create %s %q: %w", kind, slug, err)
		}
		return id, nil
	}
	if old != slug {
		if err := t.redirectTermPage(ctx, kind, old, slug); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// redirectTermPage sends the page of kind at slug from to the page at
// slug to, with every redirect that led to from.
func (t *tx) redirectTermPage(ctx context.Context, kind masthead.TermKind, from, to string) error {
	oldPath, newPath := kind.Prefix()+from, kind.Prefix()+to
	if _, err := t.exec(ctx, `UPDATE legacy_redirects SET target = ? WHERE target = ? AND article_id IS NULL`, newPath, oldPath); err != nil {
		return fmt.Errorf("store: redirect %s: %w", oldPath, err)
	}
	if _, err := t.exec(ctx, `DELETE FROM legacy_redirects WHERE path = ? AND article_id IS NULL`, newPath); err != nil {
		return fmt.Errorf("store: redirect %s: %w", oldPath, err)
	}
	if _, err := t.exec(ctx, `INSERT INTO legacy_redirects (path, target, created_at) VALUES (?, ?, ?)
		ON CONFLICT (path) DO UPDATE SET article_id = NULL, target = excluded.target`, oldPath, newPath, micros(t.db.clock.Now())); err != nil {
		return fmt.Errorf("store: redirect %s: %w", oldPath, err)
	}
	return nil
}

func termTable(kind masthead.TermKind) (string, error) {
	if !kind.Valid() {
		return "", fmt.Errorf("store: unknown taxonomy kind %q", kind)
	}
	return string(kind) + "s", nil
}

// fieldError is a validation error on one field of a form.
func fieldError(field, msg string) error {
	v := masthead.Invalid{}
	v.Add(field, msg)
	return v.Err()
}

// int64s reads a one-column list of integers.
func (t *tx) int64s(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
