package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"masthead"
)

// bulkMinArticles is the smallest load BulkLoad defers indexing for.
var bulkMinArticles = 1000

// BulkLoad runs load, which writes about n articles (the demo library, an
// import), in the bulk mode where the engine gains by it: the articles
// are written without being indexed, and the index is then rebuilt as
// Reindex does, calling progress after each batch. That is on PostgreSQL,
// and only for a load of at least 1,000 articles and half the library
// already there, since the rebuild indexes every article again. Elsewhere
// load runs as it is, indexing as it writes.
//
// The index is marked as needing a rebuild while the load runs; if load
// fails or the process dies, it stays so (serve warns) until a reindex or
// another bulk load ends. Searches meanwhile find the articles indexed
// before the load.
func (db *DB) BulkLoad(ctx context.Context, n int, load func(ctx context.Context) error, progress func(done, total int)) (deferred bool, err error) {
	if !db.d.bulkDefersIndex || n < bulkMinArticles {
		return false, load(ctx)
	}
	var have int
	if err := db.r.row(ctx, `SELECT COUNT(*) FROM articles`).Scan(&have); err != nil {
		return false, fmt.Errorf("store: bulk load: %w", err)
	}
	if n < have/2 {
		return false, load(ctx)
	}
	err = db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE search_state SET built = 0 WHERE id = 1`)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: bulk load: %w", err)
	}
	db.deferIndex.Store(true)
	err = load(ctx)
	db.deferIndex.Store(false)
	if err != nil {
		return true, err
	}
	return true, db.Reindex(ctx, progress)
}

// insertNewArticles writes, in few statements, the articles of a batch
// that a bulk load creates: those valid, whose slug neither the library
// nor an earlier article of the batch holds (nor, when the batch may not
// replace, a retired slug that redirects). It returns which it wrote;
// the caller writes the others one by one after them, as before, and the
// outcome is the same as writing the batch in order. One statement a
// table for the whole batch, rather than a score of statements an
// article, is most of what a bulk load saves on PostgreSQL.
//
// What writing one article does (insertArticle) is done here for many:
// the same rows, the same keys touched, the same jobs. The search index
// is left to the bulk load's rebuild, so this is only called in bulk
// mode.
func (t *tx) insertNewArticles(ctx context.Context, ps []prepared, res []UpsertResult, replace bool, now time.Time) (map[int]bool, error) {
	slugs := make([]string, 0, len(ps))
	seen := map[string]bool{}
	for _, p := range ps {
		if p.err == nil && !seen[p.in.Slug] {
			seen[p.in.Slug] = true
			slugs = append(slugs, p.in.Slug)
		}
	}
	if len(slugs) == 0 {
		return nil, nil
	}
	taken, err := t.slugsTaken(ctx, slugs, !replace)
	if err != nil {
		return nil, err
	}
	var picked []int
	for i, p := range ps {
		if p.err == nil && seen[p.in.Slug] && !taken[p.in.Slug] {
			seen[p.in.Slug] = false // a later article of the same slug goes one by one
			picked = append(picked, i)
		}
	}
	if len(picked) == 0 {
		return nil, nil
	}
	if err := t.lockSearchIndex(ctx); err != nil {
		return nil, fmt.Errorf("store: insert articles: %w", err)
	}
	// The labels, resolved in the order writing one by one resolves
	// them, each asked again only when its name differs from the last
	// asked, so the names stored are the same.
	terms := termResolver{t: t}
	type row struct {
		i      int
		in     masthead.ArticleInput
		col    sql.NullInt64
		labels [3][]int64 // authors, topics, regions
	}
	rows := make([]row, len(picked))
	for k, i := range picked {
		r := row{i: i, in: ps[i].in}
		if err := t.libraryImage(ctx, &r.in.Image); err != nil {
			return nil, err
		}
		if r.in.ColumnSlug != "" {
			id, err := terms.id(ctx, "columns", r.in.ColumnSlug, r.in.Names)
			if err != nil {
				return nil, err
			}
			r.col = sql.NullInt64{Int64: id, Valid: true}
		}
		for j, l := range []struct {
			table string
			slugs []string
		}{{"authors", r.in.AuthorSlugs}, {"topics", r.in.TopicSlugs}, {"regions", r.in.RegionSlugs}} {
			for _, slug := range l.slugs {
				id, err := terms.id(ctx, l.table, slug, r.in.Names)
				if err != nil {
					return nil, err
				}
				r.labels[j] = append(r.labels[j], id)
			}
		}
		rows[k] = r
	}

	ids := map[string]int64{}
	const perStatement = 200 // 20 values a row; well within either engine's limit
	for from := 0; from < len(rows); from += perStatement {
		part := rows[from:min(from+perStatement, len(rows))]
		var b strings.Builder
		args := make([]any, 0, 20*len(part))
		b.WriteString(`INSERT INTO articles (slug, title, dek, body_md, body_html, teaser_html, column_id,
			kind, access, status, image_url, image_alt, image_caption, image_id, word_count, published_at, updated_at, created_at,
			review, review_note) VALUES `)
		for k, r := range part {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			in, out := r.in, ps[r.i].out
			args = append(args, in.Slug, in.Title, in.Dek, in.BodyMarkdown, out.HTML, out.Teaser, r.col,
				string(in.Kind), string(in.Access), string(in.Status), in.Image.URL, in.Image.Alt, in.Image.Caption, nullID(in.Image.ID),
				out.WordCount, nullMicros(in.PublishedAt), micros(now), micros(now), string(in.Review), in.ReviewNote)
		}
		b.WriteString(` RETURNING id, slug`)
		if err := t.scanPairs(ctx, b.String(), args, func(id int64, slug string) { ids[slug] = id }); err != nil {
			return nil, fmt.Errorf("store: insert articles: %w", translate(err))
		}
	}
	all := make([]int64, len(rows))
	for k, r := range rows {
		id, ok := ids[r.in.Slug]
		if !ok {
			return nil, fmt.Errorf("store: insert articles: no id for %q", r.in.Slug)
		}
		all[k] = id
	}

	// New articles may take slugs that used to redirect elsewhere.
	slugArgs := make([]any, len(rows))
	for k, r := range rows {
		slugArgs[k] = r.in.Slug
	}
	if _, err := t.exec(ctx, `DELETE FROM slug_redirects WHERE slug IN (`+strings.TrimSuffix(strings.Repeat("?,", len(rows)), ",")+`)`, slugArgs...); err != nil {
		return nil, fmt.Errorf("store: insert articles: %w", err)
	}
	for j, q := range []struct{ head, row string }{
		{`INSERT INTO article_authors (article_id, author_id, position) VALUES `, "(?, ?, ?)"},
		{`INSERT INTO article_topics (article_id, topic_id) VALUES `, "(?, ?)"},
		{`INSERT INTO article_regions (article_id, region_id) VALUES `, "(?, ?)"},
	} {
		var vals [][]any
		for k, r := range rows {
			for pos, id := range r.labels[j] {
				if j == 0 {
					vals = append(vals, []any{all[k], id, pos})
				} else {
					vals = append(vals, []any{all[k], id})
				}
			}
		}
		if err := bulkInsert(ctx, t, q.head, q.row, vals); err != nil {
			return nil, fmt.Errorf("store: insert articles: labels: %w", err)
		}
	}
	if err := t.touchArticles(ctx, all); err != nil {
		return nil, err
	}
	if err := t.addMemberships(ctx, all); err != nil {
		return nil, err
	}
	if err := t.queueRelatedMany(ctx, all, now); err != nil {
		return nil, err
	}
	// An article's events reach webhooks and followers; with neither
	// there is nothing to record, and the batch asks once.
	events, err := t.articleEventsHeard(ctx)
	if err != nil {
		return nil, err
	}
	done := make(map[int]bool, len(rows))
	for k, r := range rows {
		id, in := all[k], r.in
		if events {
			if err := t.recordArticleEvent(ctx, id, "", in, now); err != nil {
				return nil, err
			}
		}
		if err := t.schedulePublication(ctx, id, in, now); err != nil {
			return nil, err
		}
		if v := in.By.Via; v == masthead.ChangeViaEditor || v == masthead.ChangeViaAPI {
			if err := t.recordArticleChange(ctx, id, in.By, diffState(articleState{}, stateOf(in)), now); err != nil {
				return nil, err
			}
			if _, err := t.recordRevision(ctx, id, in, now); err != nil {
				return nil, err
			}
		}
		res[r.i] = UpsertResult{Slug: in.Slug, ID: id, Created: true}
		done[r.i] = true
	}
	return done, nil
}

// slugsTaken returns those of slugs an article holds and, with retired,
// those that still redirect to one.
func (t *tx) slugsTaken(ctx context.Context, slugs []string, retired bool) (map[string]bool, error) {
	args := make([]any, len(slugs))
	for i, s := range slugs {
		args[i] = s
	}
	in := `(` + strings.TrimSuffix(strings.Repeat("?,", len(slugs)), ",") + `)`
	q := `SELECT slug FROM articles WHERE slug IN ` + in
	if retired {
		q += ` UNION ALL SELECT slug FROM slug_redirects WHERE article_id IS NOT NULL AND slug IN ` + in
		args = append(args, args...)
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: slugs: %w", err)
	}
	defer rows.Close()
	taken := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("store: slugs: %w", err)
		}
		taken[s] = true
	}
	return taken, rows.Err()
}

// scanPairs runs q and calls fn with each row's id and text.
func (t *tx) scanPairs(ctx context.Context, q string, args []any, fn func(int64, string)) error {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return err
		}
		fn(id, s)
	}
	return rows.Err()
}

// termResolver finds or creates labels by slug for a batch (termID),
// asking the database again only for a slug whose name differs from the
// one it was last asked with.
type termResolver struct {
	t    *tx
	last map[string]resolvedTerm // table + " " + slug
}

type resolvedTerm struct {
	name string
	id   int64
}

func (r *termResolver) id(ctx context.Context, table, slug string, names map[string]string) (int64, error) {
	key := table + " " + slug
	name := names[slug]
	if got, ok := r.last[key]; ok && got.name == name {
		return got.id, nil
	}
	id, err := r.t.termID(ctx, table, slug, names)
	if err != nil {
		return 0, err
	}
	if r.last == nil {
		r.last = map[string]resolvedTerm{}
	}
	r.last[key] = resolvedTerm{name: name, id: id}
	return id, nil
}
