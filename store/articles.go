package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"masthead"
	"masthead/markdown"
)

// articleCols are the columns of a list row; articleBodyCols are added for
// a single article.
const articleCols = `a.id, a.slug, a.title, a.dek, a.kind, a.access, a.status,
	a.image_url, a.image_alt, a.image_caption, a.image_id, a.word_count,
	a.published_at, a.updated_at, a.created_at,
	c.id, c.slug, c.name, c.description, c.image_url, a.review, a.review_note,
	(SELECT i.credit FROM images i WHERE i.id = a.image_id)`

const articleBodyCols = `, a.body_md, a.body_html, a.teaser_html`

const articleFrom = ` FROM articles a LEFT JOIN columns c ON c.id = a.column_id`

// liveCond is what readers may see: not a draft and published by now. A
// scheduled article is live from its time on, before its publish-scheduled
// job has flipped its status.
const liveCond = `a.status <> 'draft' AND a.published_at <= ?`

func scanArticle(sc interface{ Scan(...any) error }, withBody bool) (*masthead.Article, error) {
	var (
		a                   masthead.Article
		pub                 sql.NullInt64
		upd, created        int64
		colID               sql.NullInt64
		colSlug, colName    sql.NullString
		colDesc, colImage   sql.NullString
		kind, access, state string
		imageID             sql.NullInt64
		imageCredit         sql.NullString
		review              string
	)
	dest := []any{&a.ID, &a.Slug, &a.Title, &a.Dek, &kind, &access, &state,
		&a.Image.URL, &a.Image.Alt, &a.Image.Caption, &imageID, &a.WordCount,
		&pub, &upd, &created, &colID, &colSlug, &colName, &colDesc, &colImage, &review, &a.ReviewNote, &imageCredit}
	if withBody {
		dest = append(dest, &a.BodyMarkdown, &a.BodyHTML, &a.TeaserHTML)
	}
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	a.Kind, a.Access, a.Status = masthead.Kind(kind), masthead.Access(access), masthead.Status(state)
	a.Image.ID, a.Image.Credit = imageID.Int64, imageCredit.String
	a.Review = masthead.ReviewState(review)
	a.PublishedAt = fromMicros(pub)
	a.UpdatedAt = time.UnixMicro(upd).UTC()
	a.CreatedAt = time.UnixMicro(created).UTC()
	if colID.Valid {
		a.Column = &masthead.Column{ID: colID.Int64, Slug: colSlug.String, Name: colName.String, Description: colDesc.String,
			ImageURL: colImage.String}
	}
	return &a, nil
}

// Article finds an article by slug in any status.
func (db *DB) Article(ctx context.Context, slug string) (*masthead.Article, error) {
	return db.findArticle(ctx, db.r, `a.slug = ?`, slug)
}

// ArticleByID finds an article by id in any status.
func (db *DB) ArticleByID(ctx context.Context, id int64) (*masthead.Article, error) {
	return db.findArticle(ctx, db.r, `a.id = ?`, id)
}

// ArticleLive reports whether article id exists and is live at now: one
// probe of the primary key's index and the row's status and time, no
// body, taxonomy or notes.
func (db *DB) ArticleLive(ctx context.Context, id int64, now time.Time) (bool, error) {
	var one int
	err := db.r.row(ctx, `SELECT 1 FROM articles a WHERE a.id = ? AND `+liveCond, id, micros(now)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: article %d live: %w", id, err)
	}
	return true, nil
}

func (db *DB) findArticle(ctx context.Context, q reader, cond string, arg any) (*masthead.Article, error) {
	row := q.row(ctx, `SELECT `+articleCols+articleBodyCols+articleFrom+` WHERE `+cond, arg)
	a, err := scanArticle(row, true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "article %v not found", arg)
	}
	if err != nil {
		return nil, fmt.Errorf("store: find article %v: %w", arg, err)
	}
	if err := db.loadTaxonomy(ctx, q, []*masthead.Article{a}); err != nil {
		return nil, err
	}
	if a.Notes, err = articleNotes(ctx, q, a.ID); err != nil {
		return nil, err
	}
	if err := q.row(ctx, `SELECT COALESCE(MAX(id), 0) FROM article_revisions WHERE article_id = ?`, a.ID).Scan(&a.Revision); err != nil {
		return nil, fmt.Errorf("store: article %d revision: %w", a.ID, err)
	}
	return a, nil
}

// Articles lists article summaries matching f and counts all matches.
func (db *DB) Articles(ctx context.Context, f masthead.ArticleFilter) ([]*masthead.Article, int, error) {
	var where []string
	var args []any
	if f.Live {
		where, args = append(where, liveCond), append(args, micros(f.Now))
	}
	if f.Status != nil {
		where, args = append(where, `a.status = ?`), append(args, string(*f.Status))
	}
	if f.Access != nil {
		where, args = append(where, `a.access = ?`), append(args, string(*f.Access))
	}
	if f.Review != nil {
		where, args = append(where, `a.review = ?`), append(args, string(*f.Review))
	}
	if f.NotReview != nil {
		where, args = append(where, `a.review <> ?`), append(args, string(*f.NotReview))
	}
	if f.Kind != nil {
		where, args = append(where, `a.kind = ?`), append(args, string(*f.Kind))
	}
	if f.Column != nil {
		where, args = append(where, `a.column_id = (SELECT id FROM columns WHERE slug = ?)`), append(args, *f.Column)
	}
	if f.Author != nil {
		where, args = append(where, `a.id IN (SELECT aa.article_id FROM article_authors aa JOIN authors au ON au.id = aa.author_id WHERE au.slug = ?)`), append(args, *f.Author)
	}
	if f.Topic != nil {
		where, args = append(where, `a.id IN (SELECT at.article_id FROM article_topics at JOIN topics t ON t.id = at.topic_id WHERE t.slug = ?)`), append(args, *f.Topic)
	}
	if f.Region != nil {
		where, args = append(where, `a.id IN (SELECT ar.article_id FROM article_regions ar JOIN regions r ON r.id = ar.region_id WHERE r.slug = ?)`), append(args, *f.Region)
	}
	if f.From != nil {
		where, args = append(where, `a.published_at >= ?`), append(args, micros(*f.From))
	}
	if f.To != nil {
		where, args = append(where, `a.published_at < ?`), append(args, micros(*f.To))
	}
	if f.TitleQuery != nil && strings.TrimSpace(*f.TitleQuery) != "" {
		where = append(where, `LOWER(a.title) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(strings.ToLower(strings.TrimSpace(*f.TitleQuery)))+"%")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 10000)
	offset := max(f.Offset, 0)

	// Live lists follow the published_at index; the staff list also
	// shows drafts, which sort by their last change.
	order := ` ORDER BY a.published_at DESC, a.id DESC`
	if !f.Live {
		order = ` ORDER BY COALESCE(a.published_at, a.updated_at) DESC, a.id DESC`
	}
	rows, err := db.r.query(ctx, `SELECT `+articleCols+articleFrom+cond+order+` LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list articles: %w", err)
	}
	defer rows.Close()
	var list []*masthead.Article
	for rows.Next() {
		a, err := scanArticle(rows, false)
		if err != nil {
			return nil, 0, fmt.Errorf("store: list articles: %w", err)
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: list articles: %w", err)
	}
	rows.Close()

	total := len(list) + offset
	if len(list) == limit || (len(list) == 0 && offset > 0) {
		if err := db.r.row(ctx, `SELECT COUNT(*) FROM articles a`+cond, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("store: count articles: %w", err)
		}
	}
	if !f.Bare {
		if err := db.loadTaxonomy(ctx, db.r, list); err != nil {
			return nil, 0, err
		}
	}
	return list, total, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// loadTaxonomy fills authors, topics and regions of a page of articles in
// three queries, whatever the page size.
func (db *DB) loadTaxonomy(ctx context.Context, q reader, list []*masthead.Article) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[int64]*masthead.Article, len(list))
	ph := make([]string, len(list))
	ids := make([]any, len(list))
	for i, a := range list {
		byID[a.ID] = a
		ph[i] = "?"
		ids[i] = a.ID
	}
	in := "(" + strings.Join(ph, ",") + ")"

	rows, err := q.query(ctx, `SELECT aa.article_id, au.id, au.slug, au.name, au.bio, au.photo_url, au.links
		FROM article_authors aa JOIN authors au ON au.id = aa.author_id
		WHERE aa.article_id IN `+in+` ORDER BY aa.article_id, aa.position`, ids...)
	if err != nil {
		return fmt.Errorf("store: load authors: %w", err)
	}
	for rows.Next() {
		var id int64
		var au masthead.Author
		var links string
		if err := rows.Scan(&id, &au.ID, &au.Slug, &au.Name, &au.Bio, &au.PhotoURL, &links); err != nil {
			rows.Close()
			return fmt.Errorf("store: load authors: %w", err)
		}
		au.Links = masthead.SplitLines(links)
		byID[id].Authors = append(byID[id].Authors, au)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: load authors: %w", err)
	}

	for _, kind := range []string{"topic", "region"} {
		rows, err := q.query(ctx, `SELECT x.article_id, t.id, t.slug, t.name
			FROM article_`+kind+`s x JOIN `+kind+`s t ON t.id = x.`+kind+`_id
			WHERE x.article_id IN `+in+` ORDER BY x.article_id, t.name`, ids...)
		if err != nil {
			return fmt.Errorf("store: load %ss: %w", kind, err)
		}
		for rows.Next() {
			var id int64
			var t masthead.Term
			if err := rows.Scan(&id, &t.ID, &t.Slug, &t.Name); err != nil {
				rows.Close()
				return fmt.Errorf("store: load %ss: %w", kind, err)
			}
			if kind == "topic" {
				byID[id].Topics = append(byID[id].Topics, t)
			} else {
				byID[id].Regions = append(byID[id].Regions, t)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: load %ss: %w", kind, err)
		}
	}
	return nil
}

// prepared is an input checked and rendered, ready to write.
type prepared struct {
	in  masthead.ArticleInput
	out markdown.Rendered
	err error
}

func (db *DB) prepare(r *markdown.Renderer, in masthead.ArticleInput, now time.Time) prepared {
	in.Normalize(now)
	if err := in.Validate(); err != nil {
		return prepared{in: in, err: err}
	}
	out, err := r.Render(in.BodyMarkdown)
	if err != nil {
		return prepared{in: in, err: masthead.Errorf(masthead.EINVALID, "the body could not be rendered: %v", err)}
	}
	return prepared{in: in, out: out}
}

// CreateArticle stores a new article; a slug already taken by another
// article is a conflict on the slug field.
func (db *DB) CreateArticle(ctx context.Context, in masthead.ArticleInput) (*masthead.Article, error) {
	now := db.clock.Now()
	cut, cerr := db.cutter(ctx)
	if cerr != nil {
		return nil, cerr
	}
	p := db.prepare(cut, in, now)
	if p.err != nil {
		return nil, p.err
	}
	var id int64
	err := db.write(ctx, func(t *tx) error {
		var err error
		id, err = t.insertArticle(ctx, p, now)
		if err != nil {
			return err
		}
		return t.bumpVersion(ctx)
	})
	if err != nil {
		return nil, err
	}
	return db.findArticle(ctx, db.w, `a.id = ?`, id)
}

// UpdateArticle replaces article id. When the slug changes, the old slug
// keeps redirecting to the article.
func (db *DB) UpdateArticle(ctx context.Context, id int64, in masthead.ArticleInput) (*masthead.Article, error) {
	now := db.clock.Now()
	cut, cerr := db.cutter(ctx)
	if cerr != nil {
		return nil, cerr
	}
	p := db.prepare(cut, in, now)
	if p.err != nil {
		return nil, p.err
	}
	err := db.write(ctx, func(t *tx) error {
		if err := t.updateArticle(ctx, id, p, now); err != nil {
			return err
		}
		return t.bumpVersion(ctx)
	})
	if err != nil {
		return nil, err
	}
	return db.findArticle(ctx, db.w, `a.id = ?`, id)
}

// UpsertArticle creates the article with in.Slug or replaces it, and says
// whether it was created.
func (db *DB) UpsertArticle(ctx context.Context, in masthead.ArticleInput) (*masthead.Article, bool, error) {
	res, err := db.UpsertArticles(ctx, []masthead.ArticleInput{in})
	if err != nil {
		return nil, false, err
	}
	if res[0].Err != nil {
		return nil, false, res[0].Err
	}
	a, err := db.findArticle(ctx, db.w, `a.id = ?`, res[0].ID)
	return a, res[0].Created, err
}

// UpsertResult is the outcome for one input of UpsertArticles.
type UpsertResult struct {
	ID      int64
	Slug    string
	Created bool
	Err     error // validation error of this input; it was not written
}

// UpsertArticles creates or replaces articles by slug in one transaction.
// Inputs that fail validation are reported in their result and skipped;
// the rest are written. Markdown is rendered on every core before the
// transaction starts, so the single SQLite writer is held only for the
// inserts.
func (db *DB) UpsertArticles(ctx context.Context, ins []masthead.ArticleInput) ([]UpsertResult, error) {
	return db.writeArticles(ctx, ins, true)
}

// InsertArticles creates articles in one transaction as UpsertArticles
// does, but never replaces one: an input whose slug is an article's, or
// a retired slug that still redirects, is a conflict in its result and
// is not written.
func (db *DB) InsertArticles(ctx context.Context, ins []masthead.ArticleInput) ([]UpsertResult, error) {
	return db.writeArticles(ctx, ins, false)
}

func (db *DB) writeArticles(ctx context.Context, ins []masthead.ArticleInput, replace bool) ([]UpsertResult, error) {
	now := db.clock.Now()
	ps, err := db.prepareAll(ctx, ins, now)
	if err != nil {
		return nil, err
	}

	res := make([]UpsertResult, len(ins))
	err = db.write(ctx, func(t *tx) error {
		if len(ps) > touchMany {
			t.touchAll()
		}
		// In a bulk load the new articles go in first, together.
		var written map[int]bool
		if db.deferIndex.Load() {
			var err error
			if written, err = t.insertNewArticles(ctx, ps, res, replace, now); err != nil {
				return err
			}
		}
		for i, p := range ps {
			if written[i] {
				continue
			}
			res[i] = UpsertResult{Slug: p.in.Slug, Err: p.err}
			if p.err != nil {
				continue
			}
			if !replace {
				if err := t.slugFree(ctx, p.in.Slug); masthead.ErrorCode(err) == masthead.ECONFLICT {
					res[i].Err = err
					continue
				} else if err != nil {
					return err
				}
			}
			var id int64
			err := sql.ErrNoRows // a free slug: a new article
			if replace {
				err = t.row(ctx, `SELECT id FROM articles WHERE slug = ?`, p.in.Slug).Scan(&id)
			}
			switch {
			case errors.Is(err, sql.ErrNoRows):
				id, err = t.insertArticle(ctx, p, now)
				res[i].Created = true
			case err == nil:
				err = t.updateArticle(ctx, id, p, now)
			}
			if err != nil {
				return fmt.Errorf("store: upsert article %q: %w", p.in.Slug, err)
			}
			res[i].ID = id
		}
		return t.bumpVersion(ctx)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// slugFree is a conflict when slug is an article's or a retired slug
// that redirects to one: an import that is not to replace anything must
// not take it.
func (t *tx) slugFree(ctx context.Context, slug string) error {
	var n int
	if err := t.row(ctx, `SELECT (SELECT COUNT(*) FROM articles WHERE slug = ?) +
		(SELECT COUNT(*) FROM slug_redirects WHERE slug = ? AND article_id IS NOT NULL)`, slug, slug).Scan(&n); err != nil {
		return fmt.Errorf("store: slug %q: %w", slug, err)
	}
	if n > 0 {
		return slugTaken(slug)
	}
	return nil
}

// Slugs are the slugs in use, for an import to steer clear of.
type Slugs struct {
	// Articles are the articles' slugs; Retired the old slugs that still
	// redirect to an article.
	Articles, Retired map[string]bool
	// Authors are the bylines' slugs.
	Authors map[string]bool
}

// Slugs reads every slug in use. For 50,000 articles it is a few
// megabytes, once per import.
func (db *DB) Slugs(ctx context.Context) (Slugs, error) {
	s := Slugs{Articles: map[string]bool{}, Retired: map[string]bool{}, Authors: map[string]bool{}}
	for _, q := range []struct {
		into map[string]bool
		sql  string
	}{
		{s.Articles, `SELECT slug FROM articles`},
		{s.Retired, `SELECT slug FROM slug_redirects WHERE article_id IS NOT NULL`},
		{s.Authors, `SELECT slug FROM authors`},
	} {
		rows, err := db.r.query(ctx, q.sql)
		if err != nil {
			return s, fmt.Errorf("store: slugs: %w", err)
		}
		for rows.Next() {
			var slug string
			if err := rows.Scan(&slug); err != nil {
				rows.Close()
				return s, fmt.Errorf("store: slugs: %w", err)
			}
			q.into[slug] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s, fmt.Errorf("store: slugs: %w", err)
		}
	}
	return s, nil
}

// prepareAll prepares ins on every core, with the renderer that cuts to
// the stored teasers' budget, before a writer is taken.
func (db *DB) prepareAll(ctx context.Context, ins []masthead.ArticleInput, now time.Time) ([]prepared, error) {
	cut, err := db.cutter(ctx)
	if err != nil {
		return nil, err
	}
	ps := make([]prepared, len(ins))
	onEveryCore(len(ins), func(i int) { ps[i] = db.prepare(cut, ins[i], now) })
	return ps, nil
}

// onEveryCore calls fn for 0..n-1 from GOMAXPROCS goroutines and returns
// when every call has.
func onEveryCore(n int, fn func(i int)) {
	var wg sync.WaitGroup
	work := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range work {
				fn(i)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

func slugTaken(slug string) error {
	return &masthead.Error{Code: masthead.ECONFLICT, Message: "Another article already uses this slug.",
		Fields: map[string]string{"slug": "Another article already uses the slug “" + slug + "”."}}
}

func (t *tx) insertArticle(ctx context.Context, p prepared, now time.Time) (int64, error) {
	if err := t.lockSearchIndex(ctx); err != nil {
		return 0, fmt.Errorf("store: insert article: %w", err)
	}
	in := p.in
	if err := t.libraryImage(ctx, &in.Image); err != nil {
		return 0, err
	}
	var exists int
	if err := t.row(ctx, `SELECT COUNT(*) FROM articles WHERE slug = ?`, in.Slug).Scan(&exists); err != nil {
		return 0, fmt.Errorf("store: insert article: %w", err)
	}
	if exists > 0 {
		return 0, slugTaken(in.Slug)
	}
	colID, err := t.columnID(ctx, in.ColumnSlug, in.Names)
	if err != nil {
		return 0, err
	}
	var id int64
	err = t.row(ctx, `INSERT INTO articles (slug, title, dek, body_md, body_html, teaser_html, column_id,
			kind, access, status, image_url, image_alt, image_caption, image_id, word_count, published_at, updated_at, created_at,
			review, review_note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.Slug, in.Title, in.Dek, in.BodyMarkdown, p.out.HTML, p.out.Teaser, colID,
		string(in.Kind), string(in.Access), string(in.Status), in.Image.URL, in.Image.Alt, in.Image.Caption, nullID(in.Image.ID),
		p.out.WordCount, nullMicros(in.PublishedAt), micros(now), micros(now), string(in.Review), in.ReviewNote).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: insert article %q: %w", in.Slug, translate(err))
	}
	// A new article may take a slug that used to redirect elsewhere.
	if _, err := t.exec(ctx, `DELETE FROM slug_redirects WHERE slug = ?`, in.Slug); err != nil {
		return 0, fmt.Errorf("store: insert article: %w", err)
	}
	if err := t.setTaxonomy(ctx, id, in); err != nil {
		return 0, err
	}
	if err := t.touchArticle(ctx, id); err != nil {
		return 0, err
	}
	if err := t.syncMemberships(ctx, id); err != nil {
		return 0, err
	}
	if err := t.indexArticle(ctx, id); err != nil {
		return 0, err
	}
	if err := t.queueRelated(ctx, id, now); err != nil {
		return 0, err
	}
	if err := t.recordArticleEvent(ctx, id, "", in, now); err != nil {
		return 0, err
	}
	if err := t.schedulePublication(ctx, id, in, now); err != nil {
		return 0, err
	}
	// The history starts at creation when a person created the article;
	// an import's or the demo's articles start with their first change,
	// which keeps a 50,000-article import at one row each.
	if v := in.By.Via; v == masthead.ChangeViaEditor || v == masthead.ChangeViaAPI {
		if err := t.recordArticleChange(ctx, id, in.By, diffState(articleState{}, stateOf(in)), now); err != nil {
			return 0, err
		}
		if _, err := t.recordRevision(ctx, id, in, now); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func (t *tx) updateArticle(ctx context.Context, id int64, p prepared, now time.Time) error {
	if err := t.lockSearchIndex(ctx); err != nil {
		return fmt.Errorf("store: update article %d: %w", id, err)
	}
	in := p.in
	if err := t.libraryImage(ctx, &in.Image); err != nil {
		return err
	}
	before, err := t.articleState(ctx, id)
	if err != nil {
		if masthead.ErrorCode(err) == masthead.ENOTFOUND {
			return masthead.Errorf(masthead.ENOTFOUND, "article %d not found", id)
		}
		return fmt.Errorf("store: update article %d: %w", id, err)
	}
	oldSlug, oldStatus := before.slug, before.status
	if err := t.checkBaseRevision(ctx, id, in.BaseRevision); err != nil {
		return err
	}
	// The lists the article is on before the change, and (below) after.
	if err := t.touchArticle(ctx, id); err != nil {
		return err
	}
	if in.Slug != oldSlug {
		var other int
		if err := t.row(ctx, `SELECT COUNT(*) FROM articles WHERE slug = ? AND id <> ?`, in.Slug, id).Scan(&other); err != nil {
			return fmt.Errorf("store: update article %d: %w", id, err)
		}
		if other > 0 {
			return slugTaken(in.Slug)
		}
	}
	colID, err := t.columnID(ctx, in.ColumnSlug, in.Names)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `UPDATE articles SET slug = ?, title = ?, dek = ?, body_md = ?, body_html = ?, teaser_html = ?,
			column_id = ?, kind = ?, access = ?, status = ?, image_url = ?, image_alt = ?, image_caption = ?,
			image_id = ?, word_count = ?, published_at = ?, updated_at = ?, review = ?, review_note = ?
		WHERE id = ?`,
		in.Slug, in.Title, in.Dek, in.BodyMarkdown, p.out.HTML, p.out.Teaser, colID,
		string(in.Kind), string(in.Access), string(in.Status), in.Image.URL, in.Image.Alt, in.Image.Caption, nullID(in.Image.ID),
		p.out.WordCount, nullMicros(in.PublishedAt), micros(now), string(in.Review), in.ReviewNote, id)
	if err != nil {
		return fmt.Errorf("store: update article %d: %w", id, translate(err))
	}
	if in.Slug != oldSlug {
		if _, err := t.exec(ctx, `DELETE FROM slug_redirects WHERE slug = ?`, in.Slug); err != nil {
			return fmt.Errorf("store: update article %d: %w", id, err)
		}
		if _, err := t.exec(ctx, `INSERT INTO slug_redirects (slug, article_id) VALUES (?, ?)
			ON CONFLICT (slug) DO UPDATE SET article_id = excluded.article_id`, oldSlug, id); err != nil {
			return fmt.Errorf("store: update article %d: %w", id, err)
		}
	}
	for _, table := range []string{"article_authors", "article_topics", "article_regions"} {
		if _, err := t.exec(ctx, `DELETE FROM `+table+` WHERE article_id = ?`, id); err != nil {
			return fmt.Errorf("store: update article %d: %w", id, err)
		}
	}
	if err := t.setTaxonomy(ctx, id, in); err != nil {
		return err
	}
	if err := t.touchArticle(ctx, id); err != nil {
		return err
	}
	if err := t.syncMemberships(ctx, id); err != nil {
		return err
	}
	if err := t.indexArticle(ctx, id); err != nil {
		return err
	}
	if err := t.queueRelated(ctx, id, now); err != nil {
		return err
	}
	changes := diffState(before, stateOf(in))
	if in.RestoredFrom != 0 {
		changes = append(changes, masthead.FieldChange{Field: masthead.FieldRestored, To: fmt.Sprint(in.RestoredFrom)})
	}
	if v := in.By.Via; v == masthead.ChangeViaEditor || v == masthead.ChangeViaAPI {
		folded, err := t.recordRevision(ctx, id, in, now)
		if err != nil {
			return err
		}
		// An autosave that replaced the member's previous one adds
		// nothing to the history: the streak's first autosave said the
		// body was edited.
		if folded && in.Autosave {
			changes = nil
		}
	}
	if err := t.recordArticleChange(ctx, id, in.By, changes, now); err != nil {
		return err
	}
	if err := t.schedulePublication(ctx, id, in, now); err != nil {
		return err
	}
	return t.recordArticleEvent(ctx, id, masthead.Status(oldStatus), in, now)
}

// schedulePublication enqueues, for an article saved as scheduled, the
// job that publishes it at its time. The job is keyed by article and
// time: saving again at the same time adds nothing, a new time adds a
// job, and the job of the old time then finds nothing to do.
func (t *tx) schedulePublication(ctx context.Context, id int64, in masthead.ArticleInput, now time.Time) error {
	if in.Status != masthead.StatusScheduled || in.PublishedAt.IsZero() {
		return nil
	}
	return t.enqueue(ctx, masthead.PublishScheduledJob(id, in.PublishedAt), now)
}

func (t *tx) setTaxonomy(ctx context.Context, id int64, in masthead.ArticleInput) error {
	for i, slug := range in.AuthorSlugs {
		aid, err := t.termID(ctx, "authors", slug, in.Names)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO article_authors (article_id, author_id, position) VALUES (?, ?, ?)`, id, aid, i); err != nil {
			return fmt.Errorf("store: article author %q: %w", slug, err)
		}
	}
	for _, slug := range in.TopicSlugs {
		tid, err := t.termID(ctx, "topics", slug, in.Names)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO article_topics (article_id, topic_id) VALUES (?, ?)`, id, tid); err != nil {
			return fmt.Errorf("store: article topic %q: %w", slug, err)
		}
	}
	for _, slug := range in.RegionSlugs {
		rid, err := t.termID(ctx, "regions", slug, in.Names)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO article_regions (article_id, region_id) VALUES (?, ?)`, id, rid); err != nil {
			return fmt.Errorf("store: article region %q: %w", slug, err)
		}
	}
	return nil
}

func (t *tx) columnID(ctx context.Context, slug string, names map[string]string) (sql.NullInt64, error) {
	if slug == "" {
		return sql.NullInt64{}, nil
	}
	id, err := t.termID(ctx, "columns", slug, names)
	return sql.NullInt64{Int64: id, Valid: true}, err
}

// termID finds or creates a taxonomy row by slug. A name given in names
// replaces the stored one, except an author's; a new row without a given
// name is named from its slug.
func (t *tx) termID(ctx context.Context, table, slug string, names map[string]string) (int64, error) {
	name, given := names[slug]
	if !given || strings.TrimSpace(name) == "" {
		name, given = NameFromSlug(slug), false
	}
	update := `DO NOTHING`
	// A byline is a person's: a name given on the way (by an import's
	// front matter) names a new one but never renames one that exists.
	if given && table != "authors" {
		update = `DO UPDATE SET name = excluded.name`
	}
	if _, err := t.exec(ctx, `INSERT INTO `+table+` (slug, name) VALUES (?, ?) ON CONFLICT (slug) `+update, slug, name); err != nil {
		return 0, fmt.Errorf("store: %s %q: %w", table, slug, err)
	}
	var id int64
	if err := t.row(ctx, `SELECT id FROM `+table+` WHERE slug = ?`, slug).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: %s %q: %w", table, slug, err)
	}
	return id, nil
}

// NameFromSlug turns "middle-east" into "Middle East".
func NameFromSlug(slug string) string {
	words := strings.Split(slug, "-")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// DeleteArticle removes an article. Its slug and every slug that
// redirected to it answer 410 Gone afterwards.
func (db *DB) DeleteArticle(ctx context.Context, id int64) error {
	return db.write(ctx, func(t *tx) error {
		var slug string
		if err := t.row(ctx, `SELECT slug FROM articles WHERE id = ?`, id).Scan(&slug); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return masthead.Errorf(masthead.ENOTFOUND, "article %d not found", id)
			}
			return fmt.Errorf("store: delete article %d: %w", id, err)
		}
		if _, err := t.exec(ctx, `UPDATE slug_redirects SET article_id = NULL WHERE article_id = ?`, id); err != nil {
			return fmt.Errorf("store: delete article %d: %w", id, err)
		}
		if _, err := t.exec(ctx, `INSERT INTO slug_redirects (slug, article_id) VALUES (?, NULL)
			ON CONFLICT (slug) DO UPDATE SET article_id = NULL`, slug); err != nil {
			return fmt.Errorf("store: delete article %d: %w", id, err)
		}
		if err := t.touchArticle(ctx, id); err != nil {
			return err
		}
		if err := t.unindexArticle(ctx, id); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM articles WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: delete article %d: %w", id, err)
		}
		return t.bumpVersion(ctx)
	})
}

// Redirect resolves a retired slug to the current slug of its article,
// only while that article is live at now: the old slug of a draft, a
// scheduled or an unpublished article is not found, so it gives away
// neither the article nor its new slug.
func (db *DB) Redirect(ctx context.Context, slug string, now time.Time) (string, error) {
	var (
		article sql.NullInt64
		current sql.NullString
	)
	err := db.r.row(ctx, `SELECT r.article_id, a.slug FROM slug_redirects r
		LEFT JOIN articles a ON a.id = r.article_id AND `+liveCond+` WHERE r.slug = ?`, micros(now), slug).Scan(&article, &current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", masthead.Errorf(masthead.ENOTFOUND, "no article at %q", slug)
	case err != nil:
		return "", fmt.Errorf("store: redirect %q: %w", slug, err)
	case !article.Valid:
		return "", masthead.Errorf(masthead.EGONE, "the article at %q was removed", slug)
	case !current.Valid:
		return "", masthead.Errorf(masthead.ENOTFOUND, "no live article at %q", slug)
	}
	return current.String, nil
}

// ArchiveMonths counts live articles per month in loc, newest first. It
// reads only the published_at index.
func (db *DB) ArchiveMonths(ctx context.Context, now time.Time, loc *time.Location) ([]masthead.MonthCount, error) {
	rows, err := db.r.query(ctx, `SELECT a.published_at FROM articles a WHERE `+liveCond+` ORDER BY a.published_at DESC`, micros(now))
	if err != nil {
		return nil, fmt.Errorf("store: archive months: %w", err)
	}
	defer rows.Close()
	var out []masthead.MonthCount
	for rows.Next() {
		var us int64
		if err := rows.Scan(&us); err != nil {
			return nil, fmt.Errorf("store: archive months: %w", err)
		}
		t := time.UnixMicro(us).In(loc)
		if n := len(out); n > 0 && out[n-1].Year == t.Year() && out[n-1].Month == t.Month() {
			out[n-1].Count++
			continue
		}
		out = append(out, masthead.MonthCount{Year: t.Year(), Month: t.Month(), Count: 1})
	}
	return out, rows.Err()
}

// PublishScheduled publishes article id if it is still scheduled for at
// and that time has come, as the job the save enqueued: the status
// becomes published, the search index and the content version follow,
// and the history (via schedule) and the article.published event are
// written, all in one transaction. It reports whether it published; an
// article since rescheduled, published, unpublished or deleted is left
// as it is, so the job of an old time does nothing. A time still to come
// (a clock behind the one that claimed the job) is an error, retried.
func (db *DB) PublishScheduled(ctx context.Context, id int64, at time.Time) (bool, error) {
	now := db.clock.Now()
	published := false
	err := db.write(ctx, func(t *tx) error {
		published = false
		if err := t.lockSearchIndex(ctx); err != nil {
			return fmt.Errorf("store: publish scheduled article %d: %w", id, err)
		}
		var (
			status string
			pub    sql.NullInt64
		)
		err := t.row(ctx, `SELECT status, published_at FROM articles WHERE id = ?`+t.p.d.forUpdate, id).Scan(&status, &pub)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: publish scheduled article %d: %w", id, err)
		}
		if status != string(masthead.StatusScheduled) || !pub.Valid || pub.Int64 != micros(at) {
			return nil
		}
		if pub.Int64 > micros(now) {
			return fmt.Errorf("store: article %d is scheduled for %s, still to come", id, at.UTC().Format(time.RFC3339))
		}
		if err := t.recordPromotedArticle(ctx, id, now); err != nil {
			return err
		}
		if err := t.recordArticleChange(ctx, id, masthead.ArticleActor{Via: masthead.ChangeViaSchedule}, promotedChanges, now); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE articles SET status = 'published' WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: publish scheduled article %d: %w", id, err)
		}
		if err := t.indexPromoted(ctx, id); err != nil {
			return err
		}
		if err := t.touchArticle(ctx, id); err != nil {
			return err
		}
		published = true
		return t.bumpVersion(ctx)
	})
	return published, err
}

// ScheduleMissingPublications gives every scheduled article that has no
// job for its time (pending, running, done or failed) one, and reports
// how many it added: a database written before scheduling enqueued jobs,
// or filled by an export's import, is covered. A failed job is left for
// staff to see rather than tried again behind their back.
func (db *DB) ScheduleMissingPublications(ctx context.Context) (int, error) {
	now := db.clock.Now()
	n := 0
	err := db.write(ctx, func(t *tx) error {
		n = 0
		rows, err := t.query(ctx, `SELECT id, published_at FROM articles WHERE status = 'scheduled' AND published_at IS NOT NULL`)
		if err != nil {
			return fmt.Errorf("store: scheduled articles: %w", err)
		}
		var want []masthead.Job
		for rows.Next() {
			var id, at int64
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return fmt.Errorf("store: scheduled articles: %w", err)
			}
			want = append(want, masthead.PublishScheduledJob(id, time.UnixMicro(at)))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: scheduled articles: %w", err)
		}
		for _, j := range want {
			var exists int
			if err := t.row(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND dedupe_key = ?`, j.Kind, j.Key).Scan(&exists); err != nil {
				return fmt.Errorf("store: scheduled article's job: %w", err)
			}
			if exists > 0 {
				continue
			}
			added, err := t.insertJob(ctx, j, now)
			if err != nil {
				return err
			}
			if added {
				n++
			}
		}
		return nil
	})
	return n, err
}

// ContentVersion returns the number every content write raises.
func (db *DB) ContentVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.r.row(ctx, `SELECT version FROM content_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: content version: %w", err)
	}
	return v, nil
}
