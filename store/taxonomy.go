package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"masthead"
)

// authorCols are the columns scanAuthor reads, in its order.
const authorCols = `id, slug, name, bio, photo_url, links`

func scanAuthor(sc interface{ Scan(...any) error }, a *masthead.Author) error {
	var links string
	if err := sc.Scan(&a.ID, &a.Slug, &a.Name, &a.Bio, &a.PhotoURL, &links); err != nil {
		return err
	}
	a.Links = masthead.SplitLines(links)
	return nil
}

// Authors lists every author by name.
func (db *DB) Authors(ctx context.Context) ([]masthead.Author, error) {
	rows, err := db.r.query(ctx, `SELECT `+authorCols+` FROM authors ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: authors: %w", err)
	}
	defer rows.Close()
	var out []masthead.Author
	for rows.Next() {
		var a masthead.Author
		if err := scanAuthor(rows, &a); err != nil {
			return nil, fmt.Errorf("store: authors: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Author finds an author by slug.
func (db *DB) Author(ctx context.Context, slug string) (*masthead.Author, error) {
	var a masthead.Author
	if err := scanAuthor(db.r.row(ctx, `SELECT `+authorCols+` FROM authors WHERE slug = ?`, slug), &a); err != nil {
		return nil, notFound(err, "author", slug)
	}
	return &a, nil
}

// UpsertAuthor creates or updates the author with a.Slug.
func (db *DB) UpsertAuthor(ctx context.Context, a masthead.Author) (*masthead.Author, error) {
	if err := validTerm(a.Slug, a.Name); err != nil {
		return nil, err
	}
	err := db.write(ctx, func(t *tx) error {
		err := t.row(ctx, `INSERT INTO authors (slug, name, bio) VALUES (?, ?, ?)
			ON CONFLICT (slug) DO UPDATE SET name = excluded.name, bio = excluded.bio RETURNING id`,
			a.Slug, a.Name, a.Bio).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("store: upsert author %q: %w", a.Slug, err)
		}
		return t.bumpVersion(ctx)
	})
	return &a, err
}

// columnCols are the columns scanColumn reads, in its order: the
// column and its columnist, if any.
const columnCols = `c.id, c.slug, c.name, c.description, c.position, c.image_url,
	au.id, COALESCE(au.slug, ''), COALESCE(au.name, '')
	FROM columns c LEFT JOIN authors au ON au.id = c.columnist_id`

func scanColumn(sc interface{ Scan(...any) error }, c *masthead.Column) error {
	var (
		aid        sql.NullInt64
		slug, name string
	)
	if err := sc.Scan(&c.ID, &c.Slug, &c.Name, &c.Description, &c.Position, &c.ImageURL, &aid, &slug, &name); err != nil {
		return err
	}
	if aid.Valid {
		c.Columnist = &masthead.Author{ID: aid.Int64, Slug: slug, Name: name}
	}
	return nil
}

// Columns lists every column in the order editors gave them, then by
// name.
func (db *DB) Columns(ctx context.Context) ([]masthead.Column, error) {
	rows, err := db.r.query(ctx, `SELECT `+columnCols+` ORDER BY c.position, c.name, c.id`)
	if err != nil {
		return nil, fmt.Errorf("store: columns: %w", err)
	}
	defer rows.Close()
	var out []masthead.Column
	for rows.Next() {
		var c masthead.Column
		if err := scanColumn(rows, &c); err != nil {
			return nil, fmt.Errorf("store: columns: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Column finds a column by slug.
func (db *DB) Column(ctx context.Context, slug string) (*masthead.Column, error) {
	var c masthead.Column
	if err := scanColumn(db.r.row(ctx, `SELECT `+columnCols+` WHERE c.slug = ?`, slug), &c); err != nil {
		return nil, notFound(err, "column", slug)
	}
	return &c, nil
}

// UpsertColumn creates or updates the column with c.Slug.
func (db *DB) UpsertColumn(ctx context.Context, c masthead.Column) (*masthead.Column, error) {
	if err := validTerm(c.Slug, c.Name); err != nil {
		return nil, err
	}
	err := db.write(ctx, func(t *tx) error {
		err := t.row(ctx, `INSERT INTO columns (slug, name, description) VALUES (?, ?, ?)
			ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description RETURNING id`,
			c.Slug, c.Name, c.Description).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("store: upsert column %q: %w", c.Slug, err)
		}
		return t.bumpVersion(ctx)
	})
	return &c, err
}

// Topics lists every topic by name.
func (db *DB) Topics(ctx context.Context) ([]masthead.Term, error) { return db.terms(ctx, "topics") }

// Regions lists every region by name.
func (db *DB) Regions(ctx context.Context) ([]masthead.Term, error) { return db.terms(ctx, "regions") }

// Topic finds a topic by slug.
func (db *DB) Topic(ctx context.Context, slug string) (*masthead.Term, error) {
	return db.term(ctx, "topics", slug)
}

// Region finds a region by slug.
func (db *DB) Region(ctx context.Context, slug string) (*masthead.Term, error) {
	return db.term(ctx, "regions", slug)
}

// UpsertTopic creates or renames the topic with t.Slug.
func (db *DB) UpsertTopic(ctx context.Context, t masthead.Term) (*masthead.Term, error) {
	return db.upsertTerm(ctx, "topics", t)
}

// UpsertRegion creates or renames the region with t.Slug.
func (db *DB) UpsertRegion(ctx context.Context, t masthead.Term) (*masthead.Term, error) {
	return db.upsertTerm(ctx, "regions", t)
}

func (db *DB) terms(ctx context.Context, table string) ([]masthead.Term, error) {
	rows, err := db.r.query(ctx, `SELECT id, slug, name, description FROM `+table+` ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", table, err)
	}
	defer rows.Close()
	var out []masthead.Term
	for rows.Next() {
		var t masthead.Term
		if err := rows.Scan(&t.ID, &t.Slug, &t.Name, &t.Description); err != nil {
			return nil, fmt.Errorf("store: %s: %w", table, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (db *DB) term(ctx context.Context, table, slug string) (*masthead.Term, error) {
	var t masthead.Term
	err := db.r.row(ctx, `SELECT id, slug, name, description FROM `+table+` WHERE slug = ?`, slug).Scan(&t.ID, &t.Slug, &t.Name, &t.Description)
	if err != nil {
		return nil, notFound(err, table[:len(table)-1], slug)
	}
	return &t, nil
}

func (db *DB) upsertTerm(ctx context.Context, table string, term masthead.Term) (*masthead.Term, error) {
	if err := validTerm(term.Slug, term.Name); err != nil {
		return nil, err
	}
	err := db.write(ctx, func(t *tx) error {
		err := t.row(ctx, `INSERT INTO `+table+` (slug, name) VALUES (?, ?)
			ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id`, term.Slug, term.Name).Scan(&term.ID)
		if err != nil {
			return fmt.Errorf("store: upsert %s %q: %w", table, term.Slug, err)
		}
		return t.bumpVersion(ctx)
	})
	return &term, err
}

func validTerm(slug, name string) error {
	v := masthead.Invalid{}
	if !masthead.ValidSlug(slug) {
		v.Add("slug", "Slug must be lowercase letters, digits and single hyphens.")
	}
	if name == "" {
		v.Add("name", "Name is required.")
	}
	return v.Err()
}

func notFound(err error, what, key string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return masthead.Errorf(masthead.ENOTFOUND, "%s %q not found", what, key)
	}
	return fmt.Errorf("store: find %s %q: %w", what, key, err)
}
