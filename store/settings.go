package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"masthead"
	"masthead/markdown"
)

// Settings staff change in the staff area live in the settings table,
// one JSON document a key, so every instance reads the same. A save
// raises the content version: page caches forget pages that show the
// old name or layout, and each instance's reader site reloads its copy
// of the settings when it sees the version move (http/sitesettings.go).

// Keys of the settings table.
const (
	settingSite = "site"
	settingHome = "home"
)

// Settings returns the site settings staff saved; a fresh database has
// none set.
func (db *DB) Settings(ctx context.Context) (*masthead.SiteSettings, error) {
	var s masthead.SiteSettings
	if err := db.setting(ctx, db.r, settingSite, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// SaveSettings replaces the site settings, by the staff member by. A
// changed teaser budget cuts every stored teaser again before it
// returns, as a changed --teaser-words does at start (teasers.go). An
// emptied one goes back to this instance's budget (its --teaser-words,
// or the stored teasers' when it was started without one); a save that
// leaves the budget as it was cuts nothing, so changing the name never
// moves the wall. It returns how many teasers changed.
func (db *DB) SaveSettings(ctx context.Context, s masthead.SiteSettings, by int64) (int, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	var prev masthead.SiteSettings
	if err := db.setting(ctx, db.w, settingSite, &prev); err != nil {
		return 0, err
	}
	if err := db.putSetting(ctx, settingSite, s, by); err != nil {
		return 0, err
	}
	if s.TeaserWords == prev.TeaserWords {
		return 0, nil
	}
	r := db.render
	if s.TeaserWords > 0 {
		r = markdown.NewWith(markdown.Options{TeaserWords: s.TeaserWords})
	}
	// The re-cut writes batches of its own: a request that goes away
	// must not stop it half done.
	return db.recutTo(context.WithoutCancel(ctx), r)
}

// HomeLayout returns the home page's layout staff chose; a fresh
// database has none (the newest articles lead).
func (db *DB) HomeLayout(ctx context.Context) (*masthead.HomeLayout, error) {
	var h masthead.HomeLayout
	if err := db.setting(ctx, db.r, settingHome, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// SaveHomeLayout replaces the home page's layout. Every article, topic
// and column it names must exist; an article that is not live yet may
// be chosen, and leads once it is.
func (db *DB) SaveHomeLayout(ctx context.Context, h masthead.HomeLayout, by int64) error {
	if err := h.Validate(); err != nil {
		return err
	}
	bad := masthead.Invalid{}
	exists := func(table, slug string) bool {
		var n int
		if err := db.r.row(ctx, `SELECT COUNT(*) FROM `+table+` WHERE slug = ?`, slug).Scan(&n); err != nil {
			bad.Add("_", err.Error())
			return true
		}
		return n > 0
	}
	if h.Lead != "" && !exists("articles", h.Lead) {
		bad.Add("lead", fmt.Sprintf("There is no article “%s”.", h.Lead))
	}
	for _, p := range h.Pinned {
		if !exists("articles", p) {
			bad.Add("pinned", fmt.Sprintf("There is no article “%s”.", p))
		}
	}
	for _, sec := range h.Sections {
		if (sec.Source == "topic" || sec.Source == "column") && !exists(sec.Source+"s", sec.Slug) {
			bad.Add("sections", fmt.Sprintf("There is no %s “%s”.", sec.Source, sec.Slug))
		}
	}
	if msg, ok := bad["_"]; ok {
		return fmt.Errorf("store: save home layout: %s", msg)
	}
	if err := bad.Err(); err != nil {
		return err
	}
	return db.putSetting(ctx, settingHome, h, by)
}

// setting reads key into v; a key without a row leaves v as it is.
func (db *DB) setting(ctx context.Context, p *pool, key string, v any) error {
	var raw string
	err := p.row(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: setting %s: %w", key, err)
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return fmt.Errorf("store: setting %s: %w", key, err)
	}
	return nil
}

func (db *DB) putSetting(ctx context.Context, key string, v any, by int64) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: setting %s: %w", key, err)
	}
	var who sql.NullInt64
	if by > 0 {
		who = sql.NullInt64{Int64: by, Valid: true}
	}
	return db.write(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			key, string(raw), micros(db.clock.Now()), who); err != nil {
			return fmt.Errorf("store: save setting %s: %w", key, err)
		}
		return t.bumpVersion(ctx)
	})
}

// settingsTeaser makes the renderer cut with the teaser budget of the
// site settings, when staff set one: the database value wins over the
// operator's --teaser-words once set. It runs at Open, before the
// teasers are checked.
func (db *DB) settingsTeaser(ctx context.Context) (bool, error) {
	var s masthead.SiteSettings
	if err := db.setting(ctx, db.w, settingSite, &s); err != nil {
		return false, err
	}
	if s.TeaserWords <= 0 {
		return false, nil
	}
	if s.TeaserWords != db.render.TeaserWords() {
		db.render = markdown.NewWith(markdown.Options{TeaserWords: s.TeaserWords})
	}
	return true, nil
}
