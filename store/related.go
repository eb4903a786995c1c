package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"masthead"
	"masthead/search"
)

// Related reading (docs/search.md, "Related reading"). Each article keeps
// its most distinctive words (related_terms): the words of its title, dek
// and body weighted by how often it uses them and by how rare they are in
// the library (tf-idf, the document frequencies counted by the last full
// build in related_df), the vector cut to its strongest words and made of
// unit length. Two articles are close by the sum of their shared words'
// weights (a cosine over the kept words), raised when they share topics,
// regions or a column, and lowered as their dates draw apart. The
// neighbours of an article are found from the index of terms alone and
// stored (related_articles), so an article page reads a handful of rows.
//
// A save writes its article to related_pending in its own transaction;
// the leader's loop (RelateArticles) computes the waiting articles, then
// the articles whose lists named them or that they now name, so an edit
// moves in and out of its neighbours' lists too. When the library has
// changed by a tenth since the last full build, the words of the whole
// library are counted again, each article's words written, and every
// article is queued (RebuildRelated; RefreshRelated hourly; `masthead
// related --rebuild`); so many waiting are computed together, from every
// article's words held in memory (relateAll, related_bulk.go).

const (
	// relatedTermsKept is how many words of an article are kept: enough
	// to find what it shares with others, few enough that a common
	// word's list stays short.
	relatedTermsKept = 16
	// relatedKept is how many neighbours are stored: more than a page
	// shows, so one that is unpublished or deleted leaves others.
	relatedKept = 8
	// relatedCandidates are the best by shared words that the taxonomy
	// and the dates then rank.
	relatedCandidates = 40
	// relatedBatch is how many waiting articles one pass takes.
	relatedBatch = 100
	// relatedMinScore leaves out neighbours that share next to nothing.
	relatedMinScore = 0.02
	// relatedCommon is the share of the library above which a word says
	// nothing of an article's subject (said, year, percent).
	relatedCommon = 0.1
)

// Bonuses added to the cosine of the words for each shared label, and the
// age gap in days that halves a neighbour's score.
const (
	relatedTopicBonus  = 0.08
	relatedRegionBonus = 0.04
	relatedColumnBonus = 0.04
	relatedHalfAgeDays = 365.0
)

// Related returns up to n live articles related to article id, best first:
// one query along related_articles' primary key, joined to the articles,
// which drops drafts, scheduled and deleted ones.
func (db *DB) Related(ctx context.Context, id int64, now time.Time, n int) ([]*masthead.Article, error) {
	if n <= 0 {
		n = masthead.RelatedShown
	}
	rows, err := db.r.query(ctx, `SELECT `+articleCols+` FROM related_articles r
		JOIN articles a ON a.id = r.related_id LEFT JOIN columns c ON c.id = a.column_id
		WHERE r.article_id = ? AND `+liveCond+` ORDER BY r.position LIMIT ?`, id, micros(now), n)
	if err != nil {
		return nil, fmt.Errorf("store: related articles of %d: %w", id, err)
	}
	defer rows.Close()
	var out []*masthead.Article
	for rows.Next() {
		a, err := scanArticle(rows, false)
		if err != nil {
			return nil, fmt.Errorf("store: related articles of %d: %w", id, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: related articles of %d: %w", id, err)
	}
	return out, nil
}

// queueRelated notes, in the transaction of a save, that article id is to
// be computed again, with the articles around it (queueRelatedMany).
func (t *tx) queueRelated(ctx context.Context, id int64, now time.Time) error {
	return t.queueRelatedMany(ctx, []int64{id}, now)
}

// queueRelatedMany notes, in the transaction of a save or a load, that
// the articles ids are to be computed again, with the articles around
// them, in one statement per few hundred. related_pending is the outbox
// of related reading: the row exists exactly when the save does, and a
// relate-articles job, written with it, computes what it holds
// (RelateArticles). ids holds each article once: PostgreSQL refuses a
// statement that updates a row twice.
func (t *tx) queueRelatedMany(ctx context.Context, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	at := micros(now)
	if err := t.execRows(ctx, `INSERT INTO related_pending (article_id, queued_at, spread) VALUES `, "(?, ?, 1)",
		` ON CONFLICT (article_id) DO UPDATE SET queued_at = excluded.queued_at, spread = 1`, len(ids), bulkRows,
		func(into []any, i int) []any { return append(into, ids[i], at) }); err != nil {
		return fmt.Errorf("store: queue related reading of %d articles from %d: %w", len(ids), ids[0], err)
	}
	if t.relatedJob {
		return nil
	}
	// One job for all the rows waiting: left out while one is pending or
	// running (enqueue), and asked once per transaction, so an import of
	// thousands of articles adds one statement, not thousands.
	t.relatedJob = true
	return t.enqueue(ctx, masthead.Job{Kind: masthead.JobRelateArticles, Key: "library"}, now)
}

// RelatedRun reports what RelateArticles did.
type RelatedRun struct {
	Rebuilt  bool // the words of the whole library were counted again
	Articles int  // articles computed
}

// RelateArticles computes the related reading of the waiting articles,
// counting the library's words again first when it has changed by a
// tenth since they were last counted. It returns when nothing waits or
// the context ends; progress is kept batch by batch. One process at a
// time should call it (serve's leader does): two would compute the same
// articles twice.
func (db *DB) RelateArticles(ctx context.Context) (RelatedRun, error) {
	var run RelatedRun
	var waiting int
	if err := db.r.row(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM related_pending LIMIT 1) w`).Scan(&waiting); err != nil {
		return run, fmt.Errorf("store: related reading: %w", err)
	}
	if waiting == 0 {
		return run, nil
	}
	rebuilt, err := db.RefreshRelated(ctx)
	if err != nil {
		return run, err
	}
	run.Rebuilt = rebuilt
	df, docs, err := db.relatedDF(ctx)
	if err != nil {
		return run, err
	}
	labels := map[int64]*relatedDoc{} // for this run: neighbours share candidates
	// The saved articles first: their words change, and the lists around
	// them are queued. Then, when many articles wait with their words
	// unchanged (after a full build), their lists are computed from every
	// article's words held in memory (relateAll); what is left, a few
	// saves and their neighbours, one query an article.
	for _, onlySaved := range []bool{true, false} {
		if !onlySaved {
			n, err := db.relateAll(ctx)
			run.Articles += n
			if err != nil {
				return run, err
			}
		}
		for ctx.Err() == nil {
			n, err := db.relateBatch(ctx, df, docs, labels, onlySaved)
			run.Articles += n
			if err != nil {
				return run, err
			}
			if n == 0 {
				break
			}
		}
	}
	return run, ctx.Err()
}

// RefreshRelated counts the library's words again, and queues every
// article, when the library has changed by a tenth since they were last
// counted (RebuildRelated); it reports whether it did. The hourly
// refresh-related job calls it, so that articles written without a save
// (a bulk load) are caught too.
func (db *DB) RefreshRelated(ctx context.Context) (bool, error) {
	stale, err := db.relatedStale(ctx)
	if err != nil || !stale {
		return false, err
	}
	return true, db.RebuildRelated(ctx, nil)
}

// relatedStale reports whether the library has changed by a tenth (in
// number, or in articles saved) since its words were counted.
func (db *DB) relatedStale(ctx context.Context) (bool, error) {
	var docs, changed, now int64
	err := db.r.row(ctx, `SELECT s.docs, s.changed,
			(SELECT COUNT(*) FROM articles WHERE status <> 'draft' AND published_at IS NOT NULL)
		FROM related_state s WHERE s.id = 1`).Scan(&docs, &changed, &now)
	if err != nil {
		return false, fmt.Errorf("store: related reading state: %w", err)
	}
	if now == 0 {
		return docs != 0, nil
	}
	limit := max(docs/10, 1)
	return docs == 0 || changed >= limit || abs64(now-docs) >= limit, nil
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// relatedDF reads the document frequencies of the last full build.
func (db *DB) relatedDF(ctx context.Context) (map[string]int32, int, error) {
	var docs int
	if err := db.r.row(ctx, `SELECT docs FROM related_state WHERE id = 1`).Scan(&docs); err != nil {
		return nil, 0, fmt.Errorf("store: related reading frequencies: %w", err)
	}
	rows, err := db.r.query(ctx, `SELECT term, n FROM related_df`)
	if err != nil {
		return nil, 0, fmt.Errorf("store: related reading frequencies: %w", err)
	}
	defer rows.Close()
	df := map[string]int32{}
	for rows.Next() {
		var w string
		var n int32
		if err := rows.Scan(&w, &n); err != nil {
			return nil, 0, fmt.Errorf("store: related reading frequencies: %w", err)
		}
		df[w] = n
	}
	return df, docs, rows.Err()
}

// relatedDoc is an article as related reading reads it.
type relatedDoc struct {
	id               int64
	live             bool // not a draft, with a publication time
	title, dek, body string
	published        int64
	column           sql.NullInt64
	topics, regions  []int64
}

// counts returns how often each kept word is in the article, a word of
// the title counting three times and of the dek twice.
func (d *relatedDoc) counts() map[string]float64 {
	c := map[string]float64{}
	add := func(text string, w float64) {
		for _, word := range search.Words(text) {
			if len(word) < 3 || search.IsStopWord(word) || allDigits(word) {
				continue
			}
			c[search.Stem(word)] += w
		}
	}
	add(d.title, 3)
	add(d.dek, 2)
	if d.body != "" {
		add(search.HTMLText(d.body), 1)
	}
	return c
}

func allDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// termWeight is one kept word of an article.
type termWeight struct {
	term   string
	weight float64
}

// terms weighs the article's words by tf-idf against the library's
// frequencies and keeps the strongest, as a unit vector. A word in no
// other article at the last build, or in more than a tenth of the
// library, is left out: it links the article to nothing, or to
// everything.
func (d *relatedDoc) terms(df map[string]int32, docs int) []termWeight {
	n := float64(max(docs, 2))
	common := relatedCommonCap(docs)
	var out []termWeight
	for w, tf := range d.counts() {
		f := float64(df[w])
		if f < 2 || f > common {
			continue
		}
		out = append(out, termWeight{w, (1 + math.Log(tf)) * math.Log(n/f)})
	}
	return keepTerms(out)
}

// relatedCommonCap is the document frequency above which a word is left
// out of a library of docs articles.
func relatedCommonCap(docs int) float64 {
	n := float64(max(docs, 2))
	// In a small library a tenth is no one; up to five articles still
	// share a subject.
	return max(relatedCommon*n, min(n/2, 5))
}

// keepTerms keeps the strongest of an article's weighed words, the ties
// broken by the words, as a unit vector.
func keepTerms(out []termWeight) []termWeight {
	slices.SortFunc(out, func(a, b termWeight) int {
		if a.weight != b.weight {
			if a.weight > b.weight {
				return -1
			}
			return 1
		}
		return strings.Compare(a.term, b.term)
	})
	out = out[:min(len(out), relatedTermsKept)]
	var norm float64
	for _, t := range out {
		norm += t.weight * t.weight
	}
	norm = math.Sqrt(norm)
	for i := range out {
		out[i].weight /= norm
	}
	return out
}

// relatedDocs reads articles matching cond (with its argument), with
// their text and labels, in one statement.
func (db *DB) relatedDocs(ctx context.Context, cond string, arg any) ([]*relatedDoc, error) {
	rows, err := db.r.query(ctx, `SELECT a.id, a.status, a.published_at, a.title, a.dek, a.body_html, a.column_id,
			COALESCE((SELECT string_agg(CAST(topic_id AS TEXT), ',' ORDER BY topic_id) FROM article_topics WHERE article_id = a.id), ''),
			COALESCE((SELECT string_agg(CAST(region_id AS TEXT), ',' ORDER BY region_id) FROM article_regions WHERE article_id = a.id), '')
		FROM articles a WHERE `+cond, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*relatedDoc
	for rows.Next() {
		d, err := scanRelatedDoc(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// relateBatch computes up to relatedBatch waiting articles (only saved
// ones when onlySaved): the words of those saved first, in one write, then
// each one's neighbours from the index of words, in a second write that
// also queues the articles around those saved and clears what it served.
// An article waiting unsaved (a neighbour of a saved one, or queued by a
// full build, which wrote its words) keeps the words it has.
func (db *DB) relateBatch(ctx context.Context, df map[string]int32, docs int, labels map[int64]*relatedDoc, onlySaved bool) (int, error) {
	cond := ""
	if onlySaved {
		cond = "WHERE spread <> 0 "
	}
	rows, err := db.r.query(ctx, `SELECT article_id, queued_at, spread FROM related_pending `+cond+`ORDER BY spread DESC, article_id LIMIT ?`, relatedBatch)
	if err != nil {
		return 0, fmt.Errorf("store: related reading: %w", err)
	}
	wait := map[int64]relatedWait{}
	var ids []int64
	for rows.Next() {
		var id, at int64
		var spread int
		if err := rows.Scan(&id, &at, &spread); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: related reading: %w", err)
		}
		wait[id] = relatedWait{at, spread != 0}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: related reading: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	var saved, unsaved []int64
	for _, id := range ids {
		if wait[id].spread {
			saved = append(saved, id)
		} else {
			unsaved = append(unsaved, id)
		}
	}
	byID := map[int64]*relatedDoc{}
	if len(saved) > 0 {
		in, args := placeholders(saved)
		list, err := db.relatedDocsIn(ctx, in, args)
		if err != nil {
			return 0, fmt.Errorf("store: related reading: %w", err)
		}
		for _, d := range list {
			byID[d.id] = d
		}
	}
	if len(unsaved) > 0 {
		in, args := placeholders(unsaved)
		others, err := db.relatedLabels(ctx, in, args)
		if err != nil {
			return 0, fmt.Errorf("store: related reading: %w", err)
		}
		for id, d := range others {
			byID[id] = d
		}
	}
	// Words first: an article's neighbours among the batch need theirs.
	err = db.write(ctx, func(t *tx) error {
		for _, id := range saved {
			if _, err := t.exec(ctx, `DELETE FROM related_terms WHERE article_id = ?`, id); err != nil {
				return err
			}
			d := byID[id]
			if d == nil || !d.live {
				continue
			}
			ts := d.terms(df, docs)
			if len(ts) == 0 {
				continue
			}
			if err := t.execRows(ctx, `INSERT INTO related_terms (article_id, term, weight) VALUES `, "(?, ?, ?)", ``,
				len(ts), len(ts), func(into []any, i int) []any { return append(into, id, ts[i].term, ts[i].weight) }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: related reading: words: %w", err)
	}

	lists := map[int64][]scored{}
	around := map[int64]bool{} // articles to compute again after these
	for _, id := range ids {
		d := byID[id]
		if d == nil || !d.live {
			continue
		}
		l, err := db.neighbours(ctx, d, labels)
		if err != nil {
			return 0, fmt.Errorf("store: related reading of %d: %w", id, err)
		}
		lists[id] = l
		if wait[id].spread {
			for _, s := range l {
				around[s.id] = true
			}
		}
	}
	now := db.clock.Now()
	err = db.write(ctx, func(t *tx) error {
		for _, id := range ids {
			if wait[id].spread {
				// The lists that named this article, before it changed.
				rs, err := t.query(ctx, `SELECT article_id FROM related_articles WHERE related_id = ?`, id)
				if err != nil {
					return err
				}
				for rs.Next() {
					var o int64
					if err := rs.Scan(&o); err != nil {
						rs.Close()
						return err
					}
					around[o] = true
				}
				rs.Close()
				if err := rs.Err(); err != nil {
					return err
				}
			}
			if _, err := t.exec(ctx, `DELETE FROM related_articles WHERE article_id = ?`, id); err != nil {
				return err
			}
			l := lists[id]
			if err := t.execRows(ctx, `INSERT INTO related_articles (article_id, position, related_id, score) VALUES `, "(?, ?, ?, ?)", ``,
				len(l), len(l), func(into []any, i int) []any { return append(into, id, i, l[i].id, l[i].score) }); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `DELETE FROM related_pending WHERE article_id = ? AND queued_at <= ?`, id, wait[id].at); err != nil {
				return err
			}
		}
		for o := range around {
			if _, ok := wait[o]; ok {
				continue
			}
			if _, err := t.exec(ctx, `INSERT INTO related_pending (article_id, queued_at, spread) VALUES (?, ?, 0)
				ON CONFLICT (article_id) DO NOTHING`, o, micros(now)); err != nil {
				return err
			}
		}
		_, err := t.exec(ctx, `UPDATE related_state SET changed = changed + ? WHERE id = 1`, countSpread(wait))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: related reading: lists: %w", err)
	}
	return len(ids), nil
}

// countSpread counts the saved articles among those computed: the
// library's change since its words were counted.
func countSpread(m map[int64]relatedWait) int {
	n := 0
	for _, w := range m {
		if w.spread {
			n++
		}
	}
	return n
}

// relatedWait is a waiting article's request.
type relatedWait struct {
	at     int64
	spread bool
}

func (db *DB) relatedDocsIn(ctx context.Context, in string, args []any) ([]*relatedDoc, error) {
	rows, err := db.r.query(ctx, `SELECT a.id, a.status, a.published_at, a.title, a.dek, a.body_html, a.column_id,
			COALESCE((SELECT string_agg(CAST(topic_id AS TEXT), ',' ORDER BY topic_id) FROM article_topics WHERE article_id = a.id), ''),
			COALESCE((SELECT string_agg(CAST(region_id AS TEXT), ',' ORDER BY region_id) FROM article_regions WHERE article_id = a.id), '')
		FROM articles a WHERE a.id IN `+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*relatedDoc
	for rows.Next() {
		d, err := scanRelatedDoc(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// scored is a neighbour with its score.
type scored struct {
	id    int64
	score float64
}

// neighbours finds d's closest articles: the best by shared words from
// the index of words, then ranked with their labels and dates, read once
// per run into labels.
func (db *DB) neighbours(ctx context.Context, d *relatedDoc, labels map[int64]*relatedDoc) ([]scored, error) {
	rows, err := db.r.query(ctx, `SELECT o.article_id, SUM(m.weight * o.weight) FROM related_terms m
		JOIN related_terms o ON o.term = m.term AND o.article_id <> m.article_id
		WHERE m.article_id = ? GROUP BY o.article_id ORDER BY 2 DESC, 1 DESC LIMIT ?`, d.id, relatedCandidates)
	if err != nil {
		return nil, err
	}
	var cands []scored
	for rows.Next() {
		var s scored
		if err := rows.Scan(&s.id, &s.score); err != nil {
			rows.Close()
			return nil, err
		}
		cands = append(cands, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(cands) == 0 {
		return nil, err
	}
	var ids []int64
	for _, c := range cands {
		if _, ok := labels[c.id]; !ok {
			ids = append(ids, c.id)
		}
	}
	if len(ids) > 0 {
		in, args := placeholders(ids)
		others, err := db.relatedLabels(ctx, in, args)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			labels[id] = others[id] // nil: gone
		}
	}
	return rankRelated(d, cands, labels), nil
}

// rankRelated ranks d's candidates, the best by shared words, with their
// labels and dates, and keeps the best: the live ones above the least
// score.
func rankRelated(d *relatedDoc, cands []scored, labels map[int64]*relatedDoc) []scored {
	var out []scored
	for _, c := range cands {
		o := labels[c.id]
		if o == nil || !o.live {
			continue
		}
		s := c.score + relatedTopicBonus*float64(min(shared(d.topics, o.topics), 2)) +
			relatedRegionBonus*float64(min(shared(d.regions, o.regions), 2))
		if d.column.Valid && d.column == o.column {
			s += relatedColumnBonus
		}
		days := math.Abs(float64(d.published-o.published)) / float64(dayMicros)
		s /= 1 + days/relatedHalfAgeDays
		if s >= relatedMinScore {
			out = append(out, scored{c.id, s})
		}
	}
	slices.SortFunc(out, func(a, b scored) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return int(b.id - a.id)
	})
	return out[:min(len(out), relatedKept)]
}

// relatedLabels reads the labels and dates of the articles in the list.
func (db *DB) relatedLabels(ctx context.Context, in string, args []any) (map[int64]*relatedDoc, error) {
	rows, err := db.r.query(ctx, `SELECT a.id, a.status, a.published_at, '', '', '', a.column_id,
			COALESCE((SELECT string_agg(CAST(topic_id AS TEXT), ',' ORDER BY topic_id) FROM article_topics WHERE article_id = a.id), ''),
			COALESCE((SELECT string_agg(CAST(region_id AS TEXT), ',' ORDER BY region_id) FROM article_regions WHERE article_id = a.id), '')
		FROM articles a WHERE a.id IN `+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*relatedDoc{}
	for rows.Next() {
		d, err := scanRelatedDoc(rows)
		if err != nil {
			return nil, err
		}
		out[d.id] = d
	}
	return out, rows.Err()
}

func scanRelatedDoc(rows *sql.Rows) (*relatedDoc, error) {
	var (
		d               relatedDoc
		status, body    string
		pub             sql.NullInt64
		topics, regions string
	)
	if err := rows.Scan(&d.id, &status, &pub, &d.title, &d.dek, &body, &d.column, &topics, &regions); err != nil {
		return nil, err
	}
	d.live = status != string(masthead.StatusDraft) && pub.Valid
	d.published = pub.Int64
	d.body = body // its text is read by counts, on whichever core counts it
	d.topics, d.regions = parseIDs(topics), parseIDs(regions)
	return &d, nil
}

// shared counts the values two sorted lists share.
func shared(a, b []int64) int {
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
		}
	}
	return n
}
