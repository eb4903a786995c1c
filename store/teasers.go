package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"masthead/markdown"
)

// Teasers are cut when an article is written and stored beside its body,
// so that no reader's request ever cuts one. When the cut itself changes
// (markdown.TeaserVersion) or the budget does (--teaser-words), the
// stored teasers are cut again from each article's Markdown when the
// database is opened; teaser_state remembers which cut they have.

// recutBatch is how many articles one transaction of a re-cut rewrites.
const recutBatch = 500

// recutTeasers cuts every stored teaser again when teaser_state names
// another cut or budget than the renderer's. On PostgreSQL it holds the
// migration lock, so of instances starting together one does the work
// and the others find it done.
func (db *DB) recutTeasers(ctx context.Context) error {
	_, err := db.recutTo(ctx, db.render)
	return err
}

// recutTo cuts every stored teaser again with r when teaser_state names
// another cut or budget than r's: at Open with the renderer's budget,
// and when staff change the budget in the site settings (settings.go).
// It returns how many teasers changed.
func (db *DB) recutTo(ctx context.Context, r *markdown.Renderer) (int, error) {
	if ok, err := db.teasersCurrent(ctx, r); err != nil || ok {
		return 0, err
	}
	if db.d.lock != "" {
		conn, err := db.wdb.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("store: cut teasers: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, db.d.lock); err != nil {
			return 0, fmt.Errorf("store: cut teasers: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), db.d.unlock)
		if ok, err := db.teasersCurrent(ctx, r); err != nil || ok {
			return 0, err
		}
	}
	start := time.Now()
	db.log.Info("cutting teasers again", "version", markdown.TeaserVersion, "words", r.TeaserWords())
	n, changed, err := db.recutAll(ctx, r, nil)
	if err != nil {
		return 0, err
	}
	db.log.Info("cut teasers again", "articles", n, "changed", changed, "took", time.Since(start).Round(time.Millisecond).String())
	return changed, nil
}

// keepTeaserWords makes the renderer cut with the budget of the stored
// teasers (Options.KeepTeaserWords). A database whose teasers were never
// cut to a budget keeps the renderer's.
func (db *DB) keepTeaserWords(ctx context.Context) error {
	_, words, err := db.teaserState(ctx)
	if err != nil {
		return err
	}
	if words > 0 && words != db.render.TeaserWords() {
		db.render = markdown.NewWith(markdown.Options{TeaserWords: words})
	}
	return nil
}

// cutter returns the renderer that cuts teasers to the budget the stored
// teasers have. On one instance that is its own renderer's; another
// instance may have been started with another --teaser-words since and
// cut the library to it (recutTeasers), and what this one saves then is
// cut to that budget too, so that a rolling change of the setting leaves
// no article with a longer teaser than the rest.
func (db *DB) cutter(ctx context.Context) (*markdown.Renderer, error) {
	_, words, err := db.teaserState(ctx)
	if err != nil {
		return nil, err
	}
	if words <= 0 || words == db.render.TeaserWords() {
		return db.render, nil
	}
	db.cuttersMu.Lock()
	defer db.cuttersMu.Unlock()
	r, ok := db.cutters[words]
	if !ok {
		r = markdown.NewWith(markdown.Options{TeaserWords: words})
		if db.cutters == nil {
			db.cutters = map[int]*markdown.Renderer{}
		}
		db.cutters[words] = r
	}
	return r, nil
}

// TeaserRenderer returns the renderer that cuts teasers to the budget
// in force on every instance: the stored teasers' (cutter), which a
// budget saved in the site settings sets at once by cutting them again.
// The editor's preview marks the teaser's end with it.
func (db *DB) TeaserRenderer(ctx context.Context) (*markdown.Renderer, error) {
	return db.cutter(ctx)
}

// teasersCurrent reports whether the stored teasers were cut as r cuts
// them.
func (db *DB) teasersCurrent(ctx context.Context, r *markdown.Renderer) (bool, error) {
	version, words, err := db.teaserState(ctx)
	if err != nil {
		return false, err
	}
	return version == markdown.TeaserVersion && words == r.TeaserWords(), nil
}

// teaserState reads the cut and the budget the stored teasers have. On
// the writer: it sees what a re-cut just committed, and a command that
// only writes opens no SQLite reader (the last connection to close
// removes the -wal file only when it may write).
func (db *DB) teaserState(ctx context.Context) (version, words int, err error) {
	if err := db.w.row(ctx, `SELECT version, words FROM teaser_state WHERE id = 1`).Scan(&version, &words); err != nil {
		return 0, 0, fmt.Errorf("store: teaser state: %w", err)
	}
	return version, words, nil
}

// RecutTeasers renders every article again from its Markdown and stores
// the body, teaser and word count where they changed, with the search
// index of those articles, batch by batch; then it records the cut in
// teaser_state. It returns how many articles it read and how many
// changed. progress, when not nil, is called after each batch. Open runs
// it when the cut or the budget changed; running it again is harmless.
func (db *DB) RecutTeasers(ctx context.Context, progress func(done, total int)) (n, changed int, err error) {
	return db.recutAll(ctx, db.render, progress)
}

// recutAll is RecutTeasers with the renderer r.
func (db *DB) recutAll(ctx context.Context, render *markdown.Renderer, progress func(done, total int)) (n, changed int, err error) {
	// Reads go through the writer's pool too: at Open nothing else runs,
	// and on SQLite a read-only connection left open would keep the WAL
	// file from being removed when the database is closed.
	var total int
	if err := db.w.row(ctx, `SELECT COUNT(*) FROM articles`).Scan(&total); err != nil {
		return 0, 0, fmt.Errorf("store: cut teasers: %w", err)
	}
	type row struct {
		id               int64
		md, body, teaser string
		words            int
		out              markdown.Rendered
		err              error
	}
	var last int64
	for {
		rows, err := db.w.query(ctx, `SELECT id, body_md, body_html, teaser_html, word_count FROM articles
			WHERE id > ? ORDER BY id LIMIT ?`, last, recutBatch)
		if err != nil {
			return n, changed, fmt.Errorf("store: cut teasers: %w", err)
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.md, &r.body, &r.teaser, &r.words); err != nil {
				rows.Close()
				return n, changed, fmt.Errorf("store: cut teasers: %w", err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, changed, fmt.Errorf("store: cut teasers: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		// Render on every core, as UpsertArticles does, before the
		// writer is taken.
		onEveryCore(len(batch), func(i int) { batch[i].out, batch[i].err = render.Render(batch[i].md) })

		err = db.write(ctx, func(t *tx) error {
			// As every article write does, before the first change.
			if err := t.lockSearchIndex(ctx); err != nil {
				return err
			}
			k := 0
			for _, r := range batch {
				if r.err != nil {
					return fmt.Errorf("article %d: %w", r.id, r.err)
				}
				o := r.out
				if o.HTML == r.body && o.Teaser == r.teaser && o.WordCount == r.words {
					continue
				}
				// The Markdown read is the one rendered: an article
				// edited meanwhile was rendered by its writer already.
				res, err := t.exec(ctx, `UPDATE articles SET body_html = ?, teaser_html = ?, word_count = ?
					WHERE id = ? AND body_md = ?`, o.HTML, o.Teaser, o.WordCount, r.id, r.md)
				if err != nil {
					return fmt.Errorf("article %d: %w", r.id, err)
				}
				if rows, err := res.RowsAffected(); err != nil || rows == 0 {
					continue
				}
				if err := t.indexArticle(ctx, r.id); err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				k++
			}
			changed += k
			if k == 0 {
				return nil
			}
			// Cached pages and feeds hold the old teasers.
			return t.bumpVersion(ctx)
		})
		if err != nil {
			return n, changed, fmt.Errorf("store: cut teasers: %w", err)
		}
		n += len(batch)
		last = batch[len(batch)-1].id
		if progress != nil {
			progress(n, max(total, n))
		}
	}
	err = db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE teaser_state SET version = ?, words = ? WHERE id = 1`,
			markdown.TeaserVersion, render.TeaserWords())
		return err
	})
	if err != nil {
		return n, changed, fmt.Errorf("store: cut teasers: %w", err)
	}
	return n, changed, nil
}
