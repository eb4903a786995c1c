package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"masthead"
	"masthead/search"
)

// Search runs inside the database, in the same transaction as every
// article write, so it is never stale. What differs between the engines
// (FTS5; tsvector with GIN) is the ftsEngine of the dialect, one file per
// engine; everything here is written once:
//
//   - The engine answers which articles match (all their ids, as one
//     string, so tens of thousands cost one row) and ranks bounded sets.
//   - Facet values of every indexed article are kept in memory (the
//     searchCache), read from the narrow search_docs table and brought up
//     to date by sequence number on each search, so filters and counts
//     over any number of matches cost microseconds in Go rather than a
//     join per match.
//   - Ranking is bounded: every match is ranked on all fields when there
//     are few; when a query matches much of the library, the best few
//     hundred articles of each of its words are read from the impact
//     lists, ordered by their weighted occurrences (search_impact.go),
//     and only those are scored, ahead of the rest by date. No query
//     ranks more than rankLimit documents by the engine.
//   - A reader matches only the text they may read: every body with the
//     library (SearchQuery.Library), else the open index (title, dek,
//     teaser, and the body of free articles) and the whole of the
//     articles they unlocked. A phrase or a prefix thus never confirms
//     text past the wall, and totals, facets and corrections count only
//     what the reader's own rule matched.
//   - Snippets are cut in Go, for the page shown only, from the text the
//     reader may read: the body when the access decision grants it, else
//     the title, dek and teaser. The index stores no text of its own.

// ftsEngine is the engine-specific part of search.
type ftsEngine interface {
	// index writes the article's documents, replacing earlier ones.
	index(ctx context.Context, t *tx, d *searchDoc) error
	// indexBatch writes the documents of articles the index does not
	// hold, during a reindex.
	indexBatch(ctx context.Context, t *tx, docs []*searchDoc) error
	// unindex removes the article's documents, if any.
	unindex(ctx context.Context, t *tx, id int64) error
	// clear removes every document, before a reindex.
	clear(ctx context.Context, t *tx) error
	// optimize compacts the index after a bulk load.
	optimize(ctx context.Context, t *tx) error
	// ids returns the ids of the documents matching q in scope.
	ids(ctx context.Context, r reader, q *search.Query, sc scope) ([]int64, error)
	// rank returns the documents matching q in scope with their
	// relevance, higher better. Callers bound the set (rankLimit).
	rank(ctx context.Context, r reader, q *search.Query, sc scope, st rankStats) (map[int64]float64, error)
	// among returns those of ids, a short list, whose whole document
	// matches q. Only metered articles count: an unlock opens nothing
	// else, as access.Decide has it (an article made for subscribers
	// since stays shut).
	among(ctx context.Context, r reader, q *search.Query, ids []int64) ([]int64, error)
	// heads returns the matches of q in title and dek, for ranking a
	// match set larger than rankLimit.
	heads(ctx context.Context, r reader, q *search.Query) (heads, error)
	// suggest returns up to n ids of live documents whose title has
	// words starting with words (the last a prefix, the others whole),
	// newest first.
	suggest(ctx context.Context, r reader, words []string, now int64, n int) ([]int64, error)
	// vocabulary returns the words of titles and deks in [from, to) with
	// the number of documents holding each.
	vocabulary(ctx context.Context, r reader, from, to string) ([]vocabWord, error)
}

// scope is the part of a document a query is matched against.
type scope int

const (
	scopeAll   scope = iota // title, dek, teaser and body
	scopeOpen               // what everyone may read: title, dek, teaser, and the body of a free article
	scopeHead               // title and dek
	scopeTitle              // title alone
)

// rankLimit is the largest match set ranked on every field (larger
// ones are ranked from the impact lists), and headRankLimit the largest
// ranked on title and dek, or on the title, when a query with more
// matches has no word the impact lists hold (a prefix). Beyond them the
// cost per document adds up on both engines (a bm25 reads each
// document's sizes; a ts_rank reads each toasted vector).
const (
	rankLimit     = 500
	headRankLimit = 500
)

// rankStats are what ranking needs to know of the whole index.
type rankStats struct {
	// avgWords and avgOpenWords are the mean numbers of words of the
	// indexed articles in the full index and in the open one, 0 when
	// unknown.
	avgWords, avgOpenWords float64
}

// heads are a query's matches in title and dek, which relevance reads
// when there are too many matches to rank them all. An engine may read
// everything asked of them at once, or each part when it is asked for.
type heads interface {
	// ids are the matches in title and dek.
	ids() []int64
	// rank scores them on title and dek.
	rank(ctx context.Context) (map[int64]float64, error)
	// title returns those that match in the title alone.
	title(ctx context.Context) ([]int64, error)
	// rankTitle scores those on the title.
	rankTitle(ctx context.Context) (map[int64]float64, error)
}

// lazyHeads asks the engine for each part of heads when relevance needs
// it, so that an engine whose ranking costs by the document only ever
// ranks a bounded set.
type lazyHeads struct {
	eng  ftsEngine
	r    reader
	q    *search.Query
	head []int64
}

func newLazyHeads(ctx context.Context, eng ftsEngine, r reader, q *search.Query) (heads, error) {
	head, err := eng.ids(ctx, r, q, scopeHead)
	return &lazyHeads{eng: eng, r: r, q: q, head: head}, err
}

func (h *lazyHeads) ids() []int64 { return h.head }

func (h *lazyHeads) rank(ctx context.Context) (map[int64]float64, error) {
	return h.eng.rank(ctx, h.r, h.q, scopeHead, rankStats{})
}

func (h *lazyHeads) title(ctx context.Context) ([]int64, error) {
	return h.eng.ids(ctx, h.r, h.q, scopeTitle)
}

func (h *lazyHeads) rankTitle(ctx context.Context) (map[int64]float64, error) {
	return h.eng.rank(ctx, h.r, h.q, scopeTitle, rankStats{})
}

// Snippet sizes in words.
const snippetWords = 32

type vocabWord struct {
	word string
	ndoc int
}

// searchDoc is what is indexed of an article.
type searchDoc struct {
	id                       int64
	title, dek, teaser, body string // plain text
	status, kind, access     string
	published                int64
	words, openWords         int // of the text in the full index, and in the open one
	column                   sql.NullInt64
	authors, topics, regions []int64
	// split holds the words (search.Words) of title, dek, teaser and
	// body once textWords has split them: the counts, the impact lists
	// and PostgreSQL's vector all read them.
	split *[4][]string
}

// textWords returns the words of d's title, dek, teaser and body.
func (d *searchDoc) textWords() *[4][]string {
	if d.split == nil {
		d.split = &[4][]string{search.Words(d.title), search.Words(d.dek), search.Words(d.teaser), search.Words(d.body)}
	}
	return d.split
}

// openBody is the body as the open index holds it: a free article's, for
// everyone may read it; nothing of any other.
func (d *searchDoc) openBody() string {
	if d.access == string(masthead.AccessFree) {
		return d.body
	}
	return ""
}

// searchDocCols reads an article for the index, with its labels, in one
// row: on PostgreSQL each round trip counts when a batch of 500 is
// indexed.
const searchDocCols = `a.id, a.status, a.published_at, a.title, a.dek, a.teaser_html, a.body_html, a.kind, a.access, a.column_id, a.word_count,
	COALESCE((SELECT string_agg(CAST(author_id AS TEXT), ',' ORDER BY position) FROM article_authors WHERE article_id = a.id), ''),
	COALESCE((SELECT string_agg(CAST(topic_id AS TEXT), ',' ORDER BY topic_id) FROM article_topics WHERE article_id = a.id), ''),
	COALESCE((SELECT string_agg(CAST(region_id AS TEXT), ',' ORDER BY region_id) FROM article_regions WHERE article_id = a.id), '')`

// scanSearchDoc reads a row of searchDocCols. live is false for an
// article the index must not hold (a draft, or one without a time),
// whose text is then left as HTML.
func scanSearchDoc(sc interface{ Scan(...any) error }) (d *searchDoc, live bool, err error) {
	var (
		pub                      sql.NullInt64
		teaserHTML, bodyHTML     string
		wordCount                int
		authors, topics, regions string
	)
	d = &searchDoc{}
	err = sc.Scan(&d.id, &d.status, &pub, &d.title, &d.dek, &teaserHTML, &bodyHTML, &d.kind, &d.access, &d.column,
		&wordCount, &authors, &topics, &regions)
	if err != nil || d.status == string(masthead.StatusDraft) || !pub.Valid {
		return d, false, err
	}
	d.published = pub.Int64
	d.teaser, d.body = search.HTMLText(teaserHTML), search.HTMLText(bodyHTML)
	d.authors, d.topics, d.regions = parseIDs(authors), parseIDs(topics), parseIDs(regions)
	ws := d.textWords()
	head := len(ws[0]) + len(ws[1])
	d.words, d.openWords = head+wordCount, head+len(ws[2])
	if d.access == string(masthead.AccessFree) {
		d.openWords += wordCount
	}
	return d, true, nil
}

// indexArticle brings the search index up to date with article id inside
// the write that changed it. Drafts are not indexed. During a bulk load
// (BulkLoad) nothing is indexed: the index is rebuilt at its end.
func (t *tx) indexArticle(ctx context.Context, id int64) error {
	if t.db != nil && t.db.deferIndex.Load() {
		return nil
	}
	errIndex := func(err error) error { return fmt.Errorf("store: index article %d: %w", id, translate(err)) }
	d, live, err := scanSearchDoc(t.row(ctx, `SELECT `+searchDocCols+` FROM articles a WHERE a.id = ?`, id))
	if err != nil {
		return errIndex(err)
	}
	if !live {
		return t.unindexArticle(ctx, id)
	}
	seq, err := t.nextSearchSeq(ctx)
	if err != nil {
		return errIndex(err)
	}
	// The engine goes first: on PostgreSQL it reads the previous row's
	// vocabulary before it is replaced.
	if err := t.p.d.fts.index(ctx, t, d); err != nil {
		return errIndex(err)
	}
	if err := t.writeSearchDocs(ctx, seq, []*searchDoc{d}); err != nil {
		return errIndex(err)
	}
	if err := t.writeImpacts(ctx, []*searchDoc{d}, true); err != nil {
		return errIndex(err)
	}
	return nil
}

// writeSearchDocs writes the facet rows of docs, numbered seq, in one
// statement.
func (t *tx) writeSearchDocs(ctx context.Context, seq int64, docs []*searchDoc) error {
	if len(docs) == 0 {
		return nil
	}
	var b strings.Builder
	args := make([]any, 0, 12*len(docs))
	b.WriteString(`INSERT INTO search_docs (article_id, seq, status, published_at, kind, access, column_id, authors, topics, regions, words, open_words) VALUES `)
	for i, d := range docs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		args = append(args, d.id, seq, d.status, d.published, d.kind, d.access, d.column,
			joinIDs(d.authors), joinIDs(d.topics), joinIDs(d.regions), d.words, d.openWords)
	}
	b.WriteString(` ON CONFLICT (article_id) DO UPDATE SET seq = excluded.seq, status = excluded.status,
			published_at = excluded.published_at, kind = excluded.kind, access = excluded.access,
			column_id = excluded.column_id, authors = excluded.authors, topics = excluded.topics, regions = excluded.regions,
			words = excluded.words, open_words = excluded.open_words`)
	_, err := t.exec(ctx, b.String(), args...)
	return err
}

// unindexArticle removes article id from the search index, before the
// article is deleted or when it goes back to draft.
func (t *tx) unindexArticle(ctx context.Context, id int64) error {
	if _, err := t.nextSearchSeq(ctx); err != nil {
		return fmt.Errorf("store: unindex article %d: %w", id, err)
	}
	if err := t.p.d.fts.unindex(ctx, t, id); err != nil {
		return fmt.Errorf("store: unindex article %d: %w", id, err)
	}
	if _, err := t.exec(ctx, `DELETE FROM search_docs WHERE article_id = ?`, id); err != nil {
		return fmt.Errorf("store: unindex article %d: %w", id, err)
	}
	if _, err := t.exec(ctx, `DELETE FROM search_impacts WHERE article_id = ?`, id); err != nil {
		return fmt.Errorf("store: unindex article %d: %w", id, err)
	}
	return nil
}

// indexPromoted records in the index that scheduled article id is now
// published, as PublishScheduled just made it.
func (t *tx) indexPromoted(ctx context.Context, id int64) error {
	seq, err := t.nextSearchSeq(ctx)
	if err != nil {
		return fmt.Errorf("store: index promoted articles: %w", err)
	}
	_, err = t.exec(ctx, `UPDATE search_docs SET status = 'published', seq = ? WHERE article_id = ?`, seq, id)
	if err != nil {
		return fmt.Errorf("store: index promoted articles: %w", err)
	}
	return nil
}

// lockSearchIndex takes, at the start of an article write, the row lock
// that indexing the article takes at its end (nextSearchSeq). Writes of
// articles sharing a label would otherwise deadlock on PostgreSQL: one
// holding the label's row and waiting for the index, the other holding
// the index and waiting for the label. SQLite's one writer needs nothing.
func (t *tx) lockSearchIndex(ctx context.Context) error {
	if t.p.d.forUpdate == "" {
		return nil
	}
	var seq int64
	return t.row(ctx, `SELECT seq FROM search_state WHERE id = 1`+t.p.d.forUpdate).Scan(&seq)
}

// nextSearchSeq numbers an index write. On PostgreSQL the UPDATE locks
// search_state's row until commit, so index writes commit in the order of
// their numbers and a reader that has seen number n has seen every write
// before it. It also keeps writers of search_words from deadlocking.
func (t *tx) nextSearchSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := t.row(ctx, `UPDATE search_state SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq)
	return seq, err
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// parseIDs reads a comma-separated list of ids, as the engines return
// match sets; anything unreadable is skipped.
func parseIDs(s string) []int64 {
	if s == "" {
		return nil
	}
	// By hand: strconv's generality is a fifth of the cost of reading
	// tens of thousands of matches.
	out := make([]int64, 0, strings.Count(s, ",")+1)
	var v int64
	digits := false
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if digits {
				out = append(out, v)
			}
			v, digits = 0, false
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || v > (1<<63-1-int64(c-'0'))/10 {
			// Not an id (never written by the engines): skip the field.
			for i < len(s) && s[i] != ',' {
				i++
			}
			i--
			v, digits = 0, false
			continue
		}
		v, digits = v*10+int64(c-'0'), true
	}
	return out
}

// parseScores reads "id:score,id:score".
func parseScores(s string) map[int64]float64 {
	out := map[int64]float64{}
	for _, f := range strings.Split(s, ",") {
		a, b, ok := strings.Cut(f, ":")
		if !ok {
			continue
		}
		id, err1 := strconv.ParseInt(a, 10, 64)
		v, err2 := strconv.ParseFloat(b, 64)
		if err1 == nil && err2 == nil {
			out[id] = v
		}
	}
	return out
}

// SearchIndexBuilt reports whether the index holds every article. A
// database that had articles before search arrived needs a reindex.
func (db *DB) SearchIndexBuilt(ctx context.Context) (bool, error) {
	var built int64
	if err := db.r.row(ctx, `SELECT built FROM search_state WHERE id = 1`).Scan(&built); err != nil {
		return false, fmt.Errorf("store: search state: %w", err)
	}
	return built == 1, nil
}

// reindexBatch is how many articles one reindex transaction indexes.
const reindexBatch = 500

// Reindex rebuilds the search index from the articles, calling progress
// (when not nil) after each batch. Searches keep working meanwhile and see
// the index fill up batch by batch.
//
// Batches are read, turned into text and written by one worker per core:
// on PostgreSQL, where making the vectors is the server's work, two
// connections keep two cores busy; on SQLite one batch's text is made
// while another holds the writer. Each batch is one statement per table
// (indexDocs). The reindex job goes in steps instead (ClearSearchIndex,
// ReindexBatch, FinishReindex), so that no run outlasts its lease.
func (db *DB) Reindex(ctx context.Context, progress func(done, total int)) error {
	var total int
	if err := db.r.row(ctx, `SELECT COUNT(*) FROM articles`).Scan(&total); err != nil {
		return fmt.Errorf("store: reindex: %w", err)
	}
	if err := db.ClearSearchIndex(ctx); err != nil {
		return err
	}
	err := db.write(ctx, func(t *tx) error {
		for _, ix := range db.d.rebuiltIndexes {
			if _, err := t.exec(ctx, `DROP INDEX IF EXISTS `+ix.name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: reindex: %w", err)
	}
	if err := db.reindexAll(ctx, total, progress); err != nil {
		return fmt.Errorf("store: reindex: %w", err)
	}
	return db.FinishReindex(ctx)
}

// ClearSearchIndex empties the search index and marks it incomplete: the
// first step of a reindex (Reindex, or the reindex job in steps).
func (db *DB) ClearSearchIndex(ctx context.Context) error {
	err := db.write(ctx, func(t *tx) error {
		if _, err := t.nextSearchSeq(ctx); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE search_state SET built = 0 WHERE id = 1`); err != nil {
			return err
		}
		if err := t.p.d.fts.clear(ctx, t); err != nil {
			return err
		}
		_, err := t.exec(ctx, `DELETE FROM search_docs`)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: reindex: clear: %w", err)
	}
	return nil
}

// ReindexBatch indexes the next batch of articles whose ids come after
// after (reindexBatch) and returns the last id it read and how many it
// read; none means the reindex has reached the end.
func (db *DB) ReindexBatch(ctx context.Context, after int64) (last int64, n int, err error) {
	ids, err := db.articleIDs(ctx, after, reindexBatch)
	if err != nil {
		return after, 0, fmt.Errorf("store: reindex: %w", err)
	}
	if len(ids) == 0 {
		return after, 0, nil
	}
	if err := db.reindexBatch(ctx, ids); err != nil {
		return after, 0, fmt.Errorf("store: reindex: %w", err)
	}
	return ids[len(ids)-1], len(ids), nil
}

// FinishReindex builds the indexes a full rebuild dropped, optimises
// the rebuilt index and records that the index is complete
// (SearchIndexBuilt).
func (db *DB) FinishReindex(ctx context.Context) error {
	if err := db.buildIndexes(ctx); err != nil {
		return fmt.Errorf("store: reindex: finish: %w", err)
	}
	err := db.write(ctx, func(t *tx) error {
		if err := t.p.d.fts.optimize(ctx, t); err != nil {
			return err
		}
		_, err := t.exec(ctx, `UPDATE search_state SET built = 1 WHERE id = 1`)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: reindex: finish: %w", err)
	}
	for _, q := range db.d.settle {
		if _, err := db.wdb.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: reindex: finish: %w", err)
		}
	}
	return nil
}

// buildIndexes makes those of the indexes a full rebuild drops
// (dialect.rebuiltIndexes) that are missing, one connection per core:
// building a GIN index is one core's work, and the largest take seconds.
// Each build is a transaction of its own, with memory to sort its rows
// in.
func (db *DB) buildIndexes(ctx context.Context) error {
	ixs := db.d.rebuiltIndexes
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	for range min(runtime.GOMAXPROCS(0), len(ixs)) {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				if i >= len(ixs) || first != nil {
					mu.Unlock()
					return
				}
				mu.Unlock()
				err := db.write(ctx, func(t *tx) error {
					if _, err := t.exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
						return err
					}
					_, err := t.exec(ctx, ixs[i].create)
					return err
				})
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("%s: %w", ixs[i].name, err)
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// reindexAll indexes every article in batches, on every core.
func (db *DB) reindexAll(ctx context.Context, total int, progress func(done, total int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []int64)
	var (
		mu    sync.Mutex
		done  int
		first error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
			cancel()
		}
	}
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for ids := range batches {
				if err := db.reindexBatch(ctx, ids); err != nil {
					fail(err)
					continue
				}
				mu.Lock()
				done += len(ids)
				if progress != nil {
					progress(done, max(total, done))
				}
				mu.Unlock()
			}
		})
	}
	var last int64
	for ctx.Err() == nil {
		ids, err := db.articleIDs(ctx, last, reindexBatch)
		if err != nil {
			fail(err)
			break
		}
		if len(ids) == 0 {
			break
		}
		last = ids[len(ids)-1]
		select {
		case batches <- ids:
		case <-ctx.Done():
		}
	}
	close(batches)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// articleIDs lists up to n article ids above after, in order.
func (db *DB) articleIDs(ctx context.Context, after int64, n int) ([]int64, error) {
	rows, err := db.r.query(ctx, `SELECT id FROM articles WHERE id > ? ORDER BY id LIMIT ?`, after, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// reindexBatch indexes the articles ids into an index that holds none of
// them. An article deleted since the list was read is skipped.
func (db *DB) reindexBatch(ctx context.Context, ids []int64) error {
	ph, args := placeholders(ids)
	rows, err := db.r.query(ctx, `SELECT `+searchDocCols+` FROM articles a WHERE a.id IN `+ph+` ORDER BY a.id`, args...)
	if err != nil {
		return err
	}
	var docs []*searchDoc
	for rows.Next() {
		d, live, err := scanSearchDoc(rows)
		if err != nil {
			rows.Close()
			return err
		}
		if live {
			docs = append(docs, d)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return db.write(ctx, func(t *tx) error {
		if err := t.p.d.fts.indexBatch(ctx, t, docs); err != nil {
			return err
		}
		if err := t.writeImpacts(ctx, docs, false); err != nil {
			return err
		}
		// The number is taken last: its row lock is held to the commit,
		// and the other workers' batches wait only for this statement.
		seq, err := t.nextSearchSeq(ctx)
		if err != nil {
			return err
		}
		return t.writeSearchDocs(ctx, seq, docs)
	})
}

// searchCache is the in-memory copy of search_docs. The zero value is
// empty and ready; the first search loads it whole, later ones read the
// rows written since.
type searchCache struct {
	mu     sync.RWMutex
	seq    int64
	loaded bool
	// dense holds the entries of ids below denseIDs, indexed by id (ids
	// are mostly consecutive); sparse holds any others. A slice index
	// costs a tenth of a map lookup, and a search looks up every match.
	dense  []*facetDoc
	sparse map[int64]*facetDoc
	// words, openWords and docs sum the entries' words and count them,
	// for the mean lengths ranking needs (rankStats).
	words, openWords, docs int64

	load sync.Mutex // one refresh at a time
}

// denseIDs bounds the ids kept in the slice: 8 bytes an id up to 32 MB.
const denseIDs = 1 << 22

func (c *searchCache) get(id int64) *facetDoc {
	if id >= 0 && id < int64(len(c.dense)) {
		return c.dense[id]
	}
	return c.sparse[id]
}

func (c *searchCache) put(id int64, f *facetDoc) {
	if old := c.get(id); old != nil {
		c.words, c.openWords, c.docs = c.words-int64(old.words), c.openWords-int64(old.openWords), c.docs-1
	}
	c.words, c.openWords, c.docs = c.words+int64(f.words), c.openWords+int64(f.openWords), c.docs+1
	if id >= 0 && id < denseIDs {
		if id >= int64(len(c.dense)) {
			c.dense = append(c.dense, make([]*facetDoc, int(id)+1-len(c.dense))...)
		}
		c.dense[id] = f
		return
	}
	if c.sparse == nil {
		c.sparse = map[int64]*facetDoc{}
	}
	c.sparse[id] = f
}

// size returns the number of indexed articles.
func (c *searchCache) size() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.docs
}

// stats returns what ranking needs of the index.
func (c *searchCache) stats() rankStats {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.docs == 0 || c.words <= 0 || c.openWords <= 0 {
		return rankStats{}
	}
	return rankStats{avgWords: float64(c.words) / float64(c.docs), avgOpenWords: float64(c.openWords) / float64(c.docs)}
}

// facetDoc is what filters and facets need of an indexed article.
type facetDoc struct {
	published int64
	words     int32 // search_docs.words and open_words
	openWords int32
	status    string
	kind      string
	column    int64 // 0 for none
	authors   []int64
	topics    []int64
	regions   []int64
}

// live is the same condition as liveCond, in Go.
func (f *facetDoc) live(now int64) bool {
	return f.status != string(masthead.StatusDraft) && f.published <= now
}

// refresh brings the cache up to date with the index and returns a
// snapshot view for one search. Entries of unindexed articles may linger;
// they are harmless, since they are consulted only for ids the engine
// matched, and an indexed article always has a current entry.
func (db *DB) refreshSearchCache(ctx context.Context) error {
	c := &db.facets
	var seq int64
	if err := db.r.row(ctx, `SELECT seq FROM search_state WHERE id = 1`).Scan(&seq); err != nil {
		return fmt.Errorf("store: search state: %w", err)
	}
	c.mu.RLock()
	current := c.loaded && c.seq >= seq
	c.mu.RUnlock()
	if current {
		return nil
	}
	c.load.Lock()
	defer c.load.Unlock()
	c.mu.RLock()
	from, loaded := c.seq, c.loaded
	c.mu.RUnlock()
	if loaded && from >= seq {
		return nil // another search refreshed it meanwhile
	}
	if !loaded {
		from = -1
	}
	rows, err := db.r.query(ctx, `SELECT article_id, seq, status, published_at, kind, column_id, authors, topics, regions, words, open_words
		FROM search_docs WHERE seq > ?`, from)
	if err != nil {
		return fmt.Errorf("store: load search facets: %w", err)
	}
	defer rows.Close()
	fresh := map[int64]*facetDoc{}
	maxSeq := seq
	intern := map[string]string{}
	in := func(s string) string {
		if v, ok := intern[s]; ok {
			return v
		}
		intern[s] = s
		return s
	}
	for rows.Next() {
		var (
			id, rowSeq               int64
			f                        facetDoc
			column                   sql.NullInt64
			authors, topics, regions string
		)
		if err := rows.Scan(&id, &rowSeq, &f.status, &f.published, &f.kind, &column, &authors, &topics, &regions, &f.words, &f.openWords); err != nil {
			return fmt.Errorf("store: load search facets: %w", err)
		}
		f.status, f.kind = in(f.status), in(f.kind)
		f.column = column.Int64
		f.authors, f.topics, f.regions = parseIDs(authors), parseIDs(topics), parseIDs(regions)
		fresh[id] = &f
		maxSeq = max(maxSeq, rowSeq)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: load search facets: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, f := range fresh {
		c.put(id, f)
	}
	c.seq, c.loaded = maxSeq, true
	return nil
}

// taxonomyNames maps ids to slugs and names for each kind of label.
type taxonomyNames struct {
	byID   map[string]map[int64]masthead.Term // "topic", "region", "author", "column"
	bySlug map[string]map[string]int64
}

func (db *DB) taxonomyNames(ctx context.Context) (*taxonomyNames, error) {
	rows, err := db.r.query(ctx, `SELECT 'topic', id, slug, name FROM topics
		UNION ALL SELECT 'region', id, slug, name FROM regions
		UNION ALL SELECT 'author', id, slug, name FROM authors
		UNION ALL SELECT 'column', id, slug, name FROM columns`)
	if err != nil {
		return nil, fmt.Errorf("store: search taxonomy: %w", err)
	}
	defer rows.Close()
	tn := &taxonomyNames{byID: map[string]map[int64]masthead.Term{}, bySlug: map[string]map[string]int64{}}
	for _, k := range []string{"topic", "region", "author", "column"} {
		tn.byID[k], tn.bySlug[k] = map[int64]masthead.Term{}, map[string]int64{}
	}
	for rows.Next() {
		var kind string
		var term masthead.Term
		if err := rows.Scan(&kind, &term.ID, &term.Slug, &term.Name); err != nil {
			return nil, fmt.Errorf("store: search taxonomy: %w", err)
		}
		tn.byID[kind][term.ID] = term
		tn.bySlug[kind][term.Slug] = term.ID
	}
	return tn, rows.Err()
}

// maxPerPage bounds a page of results.
const maxPerPage = 50

// Search runs a reader's query over the live library.
func (db *DB) Search(ctx context.Context, sq masthead.SearchQuery) (*masthead.SearchResults, error) {
	q := search.Parse(sq.Text)
	res, err := db.search(ctx, sq, q)
	if err != nil || res.Empty {
		return res, err
	}
	// Typo tolerance: a query that finds little gets a spelling-corrected
	// alternative from the index's own vocabulary; one that finds
	// nothing is replaced by it.
	if res.Total < 3 && sq.Page <= 1 {
		fixed, ok, err := db.correct(ctx, q)
		if err != nil {
			return nil, err
		}
		if ok {
			alt, err := db.search(ctx, sq, fixed)
			if err != nil {
				return nil, err
			}
			if alt.Total > res.Total {
				if res.Total == 0 {
					alt.DidYouMean, alt.Corrected = alt.Query, true
					alt.Query = res.Query
					return alt, nil
				}
				res.DidYouMean = alt.Query
			}
		}
	}
	return res, nil
}

func (db *DB) search(ctx context.Context, sq masthead.SearchQuery, q search.Query) (*masthead.SearchResults, error) {
	perPage := sq.PerPage
	if perPage <= 0 {
		perPage = 10
	}
	perPage = min(perPage, maxPerPage)
	page := max(sq.Page, 1)
	res := &masthead.SearchResults{Query: q.String(), Page: page, PerPage: perPage, Truncated: q.Truncated}
	if q.Empty() {
		res.Empty = true
		return res, nil
	}
	if sq.Now.IsZero() {
		sq.Now = db.clock.Now()
	}
	loc := sq.Location
	if loc == nil {
		loc = time.UTC
	}
	eng := db.d.fts
	rd := readableOf(sq)
	if err := db.refreshSearchCache(ctx); err != nil {
		return nil, err
	}
	// The query as typed is what the page shows; what is matched also
	// holds the joined forms of words typed apart (search_compound.go).
	// A query with no pair to join asks nothing.
	if cs := compounds(q); len(cs) > 0 {
		used, err := db.usedCompounds(ctx, cs, rd.sc == scopeOpen)
		if err != nil {
			return nil, fmt.Errorf("store: search %q: %w", res.Query, err)
		}
		q = withCompounds(q, cs, used)
	}
	// Ranking reads the index on a second connection, and so on a second
	// core, from the start: its first step, the matches in title and dek,
	// needs no answer from the first. It is told how many matches there
	// are when the first has them, and works on while they are filtered
	// and counted here.
	type ranked struct {
		scores map[int64]float64
		tier   map[int64]bool
		err    error
	}
	var rankc chan ranked
	var matches chan []int64
	if sq.Sort != masthead.SortNewest && sq.Sort != masthead.SortOldest {
		rankc, matches = make(chan ranked, 1), make(chan []int64, 1)
		go func() {
			var r ranked
			r.scores, r.tier, r.err = db.relevance(ctx, &q, rd, matches)
			rankc <- r
		}()
	}
	rankWait := func() ranked {
		if rankc == nil {
			return ranked{}
		}
		r := <-rankc
		rankc = nil
		return r
	}
	defer rankWait()
	ids, err := rd.ids(ctx, eng, db.r, &q)
	if matches != nil {
		if err == nil {
			matches <- ids // read only, by both
		}
		close(matches)
	}
	if err != nil {
		return nil, fmt.Errorf("store: search %q: %w", res.Query, err)
	}
	tn, err := db.taxonomyNames(ctx)
	if err != nil {
		return nil, err
	}

	// Filters and facets, from the in-memory copy.
	f, ok := newSearchFilter(sq, tn, loc)
	now := micros(sq.Now)
	// The matches of a common word are most of the library: their
	// slices come from a pool rather than from the collector each time.
	// The facets are counted in the same pass, while each entry is at
	// hand.
	scratch := getSearchScratch(len(ids), loc)
	defer putSearchScratch(scratch)
	cands, counts := scratch.cands, &scratch.counts
	count := !sq.NoFacets
	db.facets.mu.RLock()
	for _, id := range ids {
		d := db.facets.get(id)
		if d == nil || !d.live(now) || !ok || !f.keep(d) {
			continue
		}
		cands = append(cands, cand{id: id, published: d.published})
		if count {
			counts.add(d)
		}
	}
	db.facets.mu.RUnlock()
	scratch.cands = cands
	res.Total = len(cands)
	if count {
		res.Facets = counts.facets(tn)
	}
	if len(cands) == 0 {
		return res, nil
	}

	// Order: only as many as the page needs are put in order.
	from := (page - 1) * perPage
	if from >= len(cands) {
		return res, nil
	}
	need := from + perPage
	switch sq.Sort {
	case masthead.SortNewest:
		cands = topK(cands, need, newer)
	case masthead.SortOldest:
		cands = topK(cands, need, func(a, b cand) bool { return newer(b, a) })
	default:
		r := rankWait()
		if r.err != nil {
			return nil, fmt.Errorf("store: search %q: rank: %w", res.Query, r.err)
		}
		// The scored matches are few (relevance bounds them): when those
		// that pass the filters fill the page, they are all it needs, and
		// the rest of the matches are not looked at again.
		// The publisher's recency setting weighs each score by the
		// article's age.
		fresh := func(sc float64, published int64) float64 {
			return sc * sq.Recency.Factor(time.Duration(now-published)*time.Microsecond)
		}
		var top []cand
		db.facets.mu.RLock()
		for id, sc := range r.scores {
			if d := db.facets.get(id); d != nil && d.live(now) && ok && f.keep(d) {
				top = append(top, cand{id: id, published: d.published, score: fresh(sc, d.published)})
			}
		}
		db.facets.mu.RUnlock()
		if len(top) >= need {
			cands = topK(top, need, byRelevance)
			break
		}
		for i := range cands {
			c := &cands[i]
			if sc, ok := r.scores[c.id]; ok {
				c.score = fresh(sc, c.published)
			} else if r.tier[c.id] {
				c.class = 1
			} else {
				c.class = 2
			}
		}
		cands = topK(cands, need, byRelevance)
	}
	pageIDs := make([]int64, 0, perPage)
	for _, c := range cands[from:min(from+perPage, len(cands))] {
		pageIDs = append(pageIDs, c.id)
	}
	res.Hits, err = db.searchHits(ctx, pageIDs, &q, sq)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// readable is what of each article a search matches: the whole of every
// article for a reader with the library; for any other, what everyone may
// read (scopeOpen) and the whole of the articles they unlocked. Title and
// dek are in both, so the bounded ranking's matches in title and dek are
// matches under either.
type readable struct {
	sc       scope
	unlocked []int64 // sorted; only with scopeOpen
}

func readableOf(sq masthead.SearchQuery) readable {
	if sq.Library {
		return readable{sc: scopeAll}
	}
	u := slices.Clone(sq.Unlocked)
	slices.Sort(u)
	return readable{sc: scopeOpen, unlocked: slices.Compact(u)}
}

func (rd readable) isUnlocked(id int64) bool {
	_, ok := slices.BinarySearch(rd.unlocked, id)
	return ok
}

// ids returns the matches of q. An unlocked article is matched on its
// whole text in place of its open part: an exclusion may hold only in
// its body.
func (rd readable) ids(ctx context.Context, eng ftsEngine, r reader, q *search.Query) ([]int64, error) {
	ids, err := eng.ids(ctx, r, q, rd.sc)
	if err != nil || len(rd.unlocked) == 0 {
		return ids, err
	}
	whole, err := eng.among(ctx, r, q, rd.unlocked)
	if err != nil {
		return nil, err
	}
	return append(slices.DeleteFunc(ids, rd.isUnlocked), whole...), nil
}

// rank scores the matches of q on the open index. An unlocked article
// that matches only by its body scores lowest of those scored, which is
// where a match in the body alone ranks anyway (the body weighs least);
// one that the open index matched keeps its score. Ranking the unlocked
// articles on the full index instead would mix the scales of two indexes,
// and cost FTS5 a count of the matches in the whole table for each.
func (rd readable) rank(ctx context.Context, eng ftsEngine, r reader, q *search.Query, st rankStats) (map[int64]float64, error) {
	s, err := eng.rank(ctx, r, q, rd.sc, st)
	if err != nil || len(rd.unlocked) == 0 {
		return s, err
	}
	whole, err := eng.among(ctx, r, q, rd.unlocked)
	if err != nil {
		return nil, err
	}
	for _, id := range rd.unlocked {
		if !slices.Contains(whole, id) {
			delete(s, id)
		}
	}
	for _, id := range whole {
		if _, ok := s[id]; !ok {
			s[id] = 0
		}
	}
	return s, nil
}

// searchScratch holds a search's working slices and counters between
// searches.
type searchScratch struct {
	cands  []cand
	counts facetCounter
}

var searchScratchPool sync.Pool // of *searchScratch

func getSearchScratch(n int, loc *time.Location) *searchScratch {
	sc, _ := searchScratchPool.Get().(*searchScratch)
	if sc == nil {
		sc = &searchScratch{}
	}
	if cap(sc.cands) < n {
		sc.cands = make([]cand, 0, n)
	}
	sc.cands = sc.cands[:0]
	sc.counts.reset(loc)
	return sc
}

func putSearchScratch(sc *searchScratch) { searchScratchPool.Put(sc) }

// cand is a result being put in order: scored matches (class 0) by score,
// then unscored matches in title and dek (class 1), then the rest (class
// 2), newest first within each.
type cand struct {
	id        int64
	published int64
	score     float64
	class     int8
}

// byRelevance orders by class, then score, then date.
func byRelevance(a, b cand) bool {
	if a.class != b.class {
		return a.class < b.class
	}
	if a.score != b.score {
		return a.score > b.score
	}
	return newer(a, b)
}

func newer(a, b cand) bool {
	if a.published != b.published {
		return a.published > b.published
	}
	return a.id > b.id
}

// topK returns the k first of xs in the order of less, in order. A page
// near the start of tens of thousands of results needs only a few of them
// in order: a heap of k finds them in one pass.
func topK(xs []cand, k int, less func(a, b cand) bool) []cand {
	if k*4 >= len(xs) {
		slices.SortFunc(xs, func(a, b cand) int {
			switch {
			case less(a, b):
				return -1
			case less(b, a):
				return 1
			}
			return 0
		})
		return xs[:min(k, len(xs))]
	}
	// h is a heap whose root is the worst of the best k so far.
	h := make([]cand, 0, k)
	for _, x := range xs {
		if len(h) < k {
			h = append(h, x)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !less(h[p], h[i]) {
					break
				}
				h[p], h[i] = h[i], h[p]
				i = p
			}
			continue
		}
		if !less(x, h[0]) {
			continue
		}
		h[0] = x
		for i := 0; ; {
			w, l, r := i, 2*i+1, 2*i+2
			if l < len(h) && less(h[w], h[l]) {
				w = l
			}
			if r < len(h) && less(h[w], h[r]) {
				w = r
			}
			if w == i {
				break
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	return topK(h, k, less)
}

// relevance scores the matches of q, bounding the work: every match when
// there are few; else the best candidates of the query's words from the
// impact lists (search_impact.go), which are the articles most about
// them; else, for a query without such words (a prefix), the matches in
// title and dek, else in the title alone. tier marks the title-and-dek
// matches that were not scored, which come before the other unscored
// matches. matches brings the matches, or is closed without them when
// the search failed.
func (db *DB) relevance(ctx context.Context, q *search.Query, rd readable, matches <-chan []int64) (map[int64]float64, map[int64]bool, error) {
	eng := db.d.fts
	ids, ok := <-matches
	switch {
	case !ok || len(ids) == 0: // the search failed, or found nothing to rank
		return nil, nil, nil
	case len(ids) <= rankLimit:
		s, err := rd.rank(ctx, eng, db.r, q, db.facets.stats())
		return s, nil, err
	}
	s, err := db.impactRank(ctx, q, rd.sc == scopeOpen, ids)
	if err != nil || len(s) > 0 {
		return s, nil, err
	}
	h, err := eng.heads(ctx, db.r, q)
	if err != nil {
		return nil, nil, err
	}
	head := h.ids()
	if len(head) <= headRankLimit {
		s, err := h.rank(ctx)
		return s, nil, err
	}
	tier := make(map[int64]bool, len(head))
	for _, id := range head {
		tier[id] = true
	}
	title, err := h.title(ctx)
	if err != nil {
		return nil, nil, err
	}
	if len(title) <= headRankLimit {
		s, err := h.rankTitle(ctx)
		return s, tier, err
	}
	// A prefix in thousands of titles: title matches by date, then the
	// other head matches, then the rest. Scores of 1 keep the title
	// matches first without ranking them.
	s = make(map[int64]float64, len(title))
	for _, id := range title {
		s[id] = 1
	}
	return s, tier, nil
}

// searchFilter holds a query's filters resolved to ids.
type searchFilter struct {
	topic, region, column, author int64
	kind                          string
	from, to                      int64 // [from, to)
}

// newSearchFilter resolves slugs; ok is false when a slug names nothing,
// which no article matches.
func newSearchFilter(sq masthead.SearchQuery, tn *taxonomyNames, loc *time.Location) (searchFilter, bool) {
	f := searchFilter{kind: sq.Kind, from: -1 << 62, to: 1 << 62}
	ok := true
	for _, x := range []struct {
		slug, kind string
		dest       *int64
	}{{sq.Topic, "topic", &f.topic}, {sq.Region, "region", &f.region}, {sq.Column, "column", &f.column}, {sq.Author, "author", &f.author}} {
		if x.slug == "" {
			continue
		}
		id, found := tn.bySlug[x.kind][x.slug]
		ok = ok && found
		*x.dest = id
	}
	if !sq.From.IsZero() {
		f.from = micros(sq.From)
	}
	if !sq.To.IsZero() {
		f.to = micros(sq.To)
	}
	if sq.Year > 0 && sq.Year < 10000 {
		f.from = max(f.from, micros(time.Date(sq.Year, 1, 1, 0, 0, 0, 0, loc)))
		f.to = min(f.to, micros(time.Date(sq.Year+1, 1, 1, 0, 0, 0, 0, loc)))
	}
	return f, ok
}

func (f searchFilter) keep(d *facetDoc) bool {
	return (f.kind == "" || d.kind == f.kind) &&
		(f.column == 0 || d.column == f.column) &&
		(f.topic == 0 || slices.Contains(d.topics, f.topic)) &&
		(f.region == 0 || slices.Contains(d.regions, f.region)) &&
		(f.author == 0 || slices.Contains(d.authors, f.author)) &&
		d.published >= f.from && d.published < f.to
}

// facetCounter counts the facet values of matches as they are filtered:
// every match, tens of thousands for a common word, so the counts are
// slices indexed by id rather than maps, kept between searches
// (searchScratch).
type facetCounter struct {
	topics, regions, authors, columns idCounter
	kinds                             kindCounter
	years                             yearCounter
}

func (c *facetCounter) reset(loc *time.Location) {
	for _, x := range []*idCounter{&c.topics, &c.regions, &c.authors, &c.columns} {
		x.reset()
	}
	c.kinds.reset()
	c.years.reset(loc)
}

func (c *facetCounter) add(d *facetDoc) {
	for _, id := range d.topics {
		c.topics.add(id)
	}
	for _, id := range d.regions {
		c.regions.add(id)
	}
	for _, id := range d.authors {
		c.authors.add(id)
	}
	if d.column != 0 {
		c.columns.add(d.column)
	}
	c.kinds.add(d.kind)
	c.years.add(d.published)
}

// facets lists the counts: labels by count, then name; kinds in their
// order; years newest first.
func (c *facetCounter) facets(tn *taxonomyNames) []masthead.Facet {
	terms := func(name string, counts *idCounter) masthead.Facet {
		f := masthead.Facet{Name: name}
		counts.each(func(id int64, n int) {
			if t, ok := tn.byID[name][id]; ok {
				f.Values = append(f.Values, masthead.FacetValue{Slug: t.Slug, Label: t.Name, Count: n})
			}
		})
		sort.Slice(f.Values, func(i, j int) bool {
			a, b := f.Values[i], f.Values[j]
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return a.Label < b.Label
		})
		return f
	}
	out := []masthead.Facet{terms("topic", &c.topics), terms("region", &c.regions), terms("column", &c.columns), terms("author", &c.authors)}
	kf := masthead.Facet{Name: "kind"}
	for _, k := range masthead.Kinds {
		if n := c.kinds.count(string(k)); n > 0 {
			kf.Values = append(kf.Values, masthead.FacetValue{Slug: string(k), Label: k.Label(), Count: n})
		}
	}
	yf := masthead.Facet{Name: "year"}
	for i := len(c.years.counts) - 1; i >= 0; i-- { // newest first
		if n := c.years.counts[i]; n > 0 {
			y := strconv.Itoa(c.years.first + i)
			yf.Values = append(yf.Values, masthead.FacetValue{Slug: y, Label: y, Count: n})
		}
	}
	return append(out, kf, yf)
}

// idCounter counts ids: in a slice for the small ids labels have, in a
// map for any other.
type idCounter struct {
	dense  []int32
	sparse map[int64]int
}

const denseCounts = 1 << 16

func (c *idCounter) add(id int64) {
	if id >= 0 && id < denseCounts {
		if int(id) >= len(c.dense) {
			c.dense = append(c.dense, make([]int32, int(id)+1-len(c.dense)+len(c.dense)/2)...)
		}
		c.dense[id]++
		return
	}
	if c.sparse == nil {
		c.sparse = map[int64]int{}
	}
	c.sparse[id]++
}

func (c *idCounter) reset() {
	clear(c.dense)
	clear(c.sparse)
}

func (c *idCounter) each(fn func(id int64, n int)) {
	for id, n := range c.dense {
		if n > 0 {
			fn(int64(id), int(n))
		}
	}
	for id, n := range c.sparse {
		fn(id, n)
	}
}

// kindCounter counts the few kinds of article.
type kindCounter struct {
	kinds  []string
	counts []int
}

func (c *kindCounter) add(kind string) {
	for i, k := range c.kinds {
		if k == kind {
			c.counts[i]++
			return
		}
	}
	c.kinds, c.counts = append(c.kinds, kind), append(c.counts, 1)
}

func (c *kindCounter) reset() { c.kinds, c.counts = c.kinds[:0], c.counts[:0] }

func (c *kindCounter) count(kind string) int {
	if i := slices.Index(c.kinds, kind); i >= 0 {
		return c.counts[i]
	}
	return 0
}

// yearCounter counts times by their year in loc. The start of each year
// seen is computed once: converting each of tens of thousands of times
// through the zone database would cost more than all the counting.
type yearCounter struct {
	loc    *time.Location
	first  int     // the year counts[0] counts
	starts []int64 // the start of each year counted, and the end of the last
	counts []int
}

func (c *yearCounter) reset(loc *time.Location) {
	c.loc, c.first, c.starts, c.counts = loc, 0, c.starts[:0], c.counts[:0]
}

func (c *yearCounter) add(us int64) {
	if len(c.counts) == 0 || us < c.starts[0] || us >= c.starts[len(c.starts)-1] {
		c.extend(us)
	}
	lo, hi := 0, len(c.counts)-1 // the last year starting at or before us
	for lo < hi {
		if m := int(uint(lo+hi+1) >> 1); c.starts[m] <= us {
			lo = m
		} else {
			hi = m - 1
		}
	}
	c.counts[lo]++
}

// extend adds years to the range counted until it holds us.
func (c *yearCounter) extend(us int64) {
	start := func(y int) int64 { return micros(time.Date(y, 1, 1, 0, 0, 0, 0, c.loc)) }
	y := time.UnixMicro(us).In(c.loc).Year()
	if len(c.counts) == 0 {
		c.first = y
		c.starts = append(c.starts, start(y), start(y+1))
		c.counts = append(c.counts, 0)
		return
	}
	for ; c.first > y; c.first-- {
		c.starts = slices.Insert(c.starts, 0, start(c.first-1))
		c.counts = slices.Insert(c.counts, 0, 0)
	}
	for last := c.first + len(c.counts) - 1; last < y; last++ {
		c.starts = append(c.starts, start(last+2))
		c.counts = append(c.counts, 0)
	}
}

// searchHits loads the page's articles, still live, in order, with their
// highlighted title and snippet.
func (db *DB) searchHits(ctx context.Context, ids []int64, q *search.Query, sq masthead.SearchQuery) ([]masthead.SearchHit, error) {
	ph, args := placeholders(ids)
	rows, err := db.r.query(ctx, `SELECT `+articleCols+`, a.teaser_html`+articleFrom+
		` WHERE a.id IN `+ph+` AND `+liveCond, append(args, micros(sq.Now))...)
	if err != nil {
		return nil, fmt.Errorf("store: search results: %w", err)
	}
	byID := map[int64]*masthead.Article{}
	teasers := map[int64]string{}
	var list []*masthead.Article
	for rows.Next() {
		var teaser string
		a, err := scanArticle(scanPlus{rows, &teaser}, false)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: search results: %w", err)
		}
		byID[a.ID], teasers[a.ID] = a, teaser
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: search results: %w", err)
	}
	if err := db.loadTaxonomy(ctx, db.r, list); err != nil {
		return nil, err
	}

	terms := q.Terms()
	hits := make([]masthead.SearchHit, 0, len(ids))
	var full []int64
	for _, id := range ids {
		a := byID[id]
		if a == nil {
			continue // changed since it matched
		}
		h := masthead.SearchHit{Article: a, Title: snippets(search.Highlight(a.Title, terms))}
		h.Full = sq.FullText != nil && sq.FullText(a)
		if h.Full {
			full = append(full, id)
		} else {
			// The teaser decision: title, dek and teaser only; the body
			// is not even read.
			h.Snippet = teaserSnippet(a.Dek, search.HTMLText(teasers[id]), terms)
		}
		hits = append(hits, h)
	}
	if len(full) > 0 {
		bodies, err := db.bodies(ctx, full)
		if err != nil {
			return nil, err
		}
		for i := range hits {
			if hits[i].Full {
				hits[i].Snippet = snippets(search.Snippet(search.HTMLText(bodies[hits[i].Article.ID]), terms, snippetWords))
			}
		}
	}
	return hits, nil
}

// teaserSnippet cuts the snippet of a reader who gets the teaser: from the
// teaser, or from the dek when only the dek matched.
func teaserSnippet(dek, teaser string, terms []search.Term) []masthead.Snippet {
	s := search.Snippet(teaser, terms, snippetWords)
	if !hasMatch(s) {
		if d := search.Highlight(dek, terms); hasMatch(d) {
			return snippets(d)
		}
	}
	return snippets(s)
}

func hasMatch(ps []search.Part) bool {
	for _, p := range ps {
		if p.Match {
			return true
		}
	}
	return false
}

func snippets(ps []search.Part) []masthead.Snippet {
	out := make([]masthead.Snippet, len(ps))
	for i, p := range ps {
		out[i] = masthead.Snippet{Text: p.Text, Match: p.Match}
	}
	return out
}

func (db *DB) bodies(ctx context.Context, ids []int64) (map[int64]string, error) {
	ph, args := placeholders(ids)
	rows, err := db.r.query(ctx, `SELECT id, body_html FROM articles WHERE id IN `+ph, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search snippets: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, fmt.Errorf("store: search snippets: %w", err)
		}
		out[id] = body
	}
	return out, rows.Err()
}

// scanPlus scans a list row followed by extra columns.
type scanPlus struct {
	sc    interface{ Scan(...any) error }
	extra *string
}

func (s scanPlus) Scan(dest ...any) error { return s.sc.Scan(append(dest, s.extra)...) }

func placeholders(ids []int64) (string, []any) {
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = "?", id
	}
	return "(" + strings.Join(ph, ",") + ")", args
}

// correct replaces each word of q that the vocabulary of titles and deks
// lacks with the closest word it has (an edit or two away, the more
// common on a tie), and reports whether it changed anything.
func (db *DB) correct(ctx context.Context, q search.Query) (search.Query, bool, error) {
	changed := false
	fix := func(t search.Term) (search.Term, error) {
		words := slices.Clone(t.Words)
		for i, w := range words {
			if (t.Prefix && i == len(words)-1) || len([]rune(w)) < 3 || isNumber(w) {
				continue
			}
			best, err := db.closestWord(ctx, w)
			if err != nil {
				return t, err
			}
			if best != "" && best != w {
				words[i], changed = best, true
			}
		}
		return search.Term{Words: words, Prefix: t.Prefix}, nil
	}
	var out search.Query
	for _, c := range q.Must {
		var nc search.Clause
		for _, t := range c {
			ft, err := fix(t)
			if err != nil {
				return q, false, err
			}
			nc = append(nc, ft)
		}
		out.Must = append(out.Must, nc)
	}
	out.Not = q.Not
	return out, changed, nil
}

func isNumber(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// closestWord returns w when the vocabulary has it, else the nearest
// vocabulary word sharing its first letter, or "" when none is near.
func (db *DB) closestWord(ctx context.Context, w string) (string, error) {
	first := string([]rune(w)[:1])
	words, err := db.d.fts.vocabulary(ctx, db.r, first, first+"\U0010FFFF")
	if err != nil {
		return "", fmt.Errorf("store: search vocabulary: %w", err)
	}
	maxEdits := 1
	if len([]rune(w)) > 5 {
		maxEdits = 2
	}
	best, bestD, bestN := "", maxEdits+1, 0
	for _, v := range words {
		if v.word == w && v.ndoc > 0 {
			return w, nil
		}
		d := search.Distance(w, v.word, maxEdits)
		if d < bestD || (d == bestD && v.ndoc > bestN) {
			best, bestD, bestN = v.word, d, v.ndoc
		}
	}
	if bestD > maxEdits {
		return "", nil
	}
	return best, nil
}

// maxSuggestions bounds Suggest.
const maxSuggestions = 10

// Suggest offers live titles with words starting with what the reader
// typed: every word typed so far must begin a word of the title, the last
// being a prefix. It uses the unstemmed title index, so "clim" finds
// "climate" and never a stem.
func (db *DB) Suggest(ctx context.Context, prefix string, now time.Time, n int) ([]masthead.Suggestion, error) {
	if len(prefix) > search.MaxQueryBytes {
		prefix = prefix[:search.MaxQueryBytes]
	}
	words := search.Words(prefix)
	if len(words) > 6 {
		words = words[len(words)-6:]
	}
	// A single letter would match most titles and tell the reader little.
	if len(words) == 0 || (len(words) == 1 && len([]rune(words[0])) < 2) {
		return nil, nil
	}
	for i, w := range words {
		if len(w) > search.MaxWordBytes {
			words[i] = w[:search.MaxWordBytes]
		}
	}
	n = min(max(n, 1), maxSuggestions)
	ids, err := db.d.fts.suggest(ctx, db.r, words, micros(now), n)
	if err != nil {
		return nil, fmt.Errorf("store: suggest %q: %w", prefix, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ph, args := placeholders(ids)
	rows, err := db.r.query(ctx, `SELECT a.id, a.slug, a.title FROM articles a WHERE a.id IN `+ph+` AND `+liveCond,
		append(args, micros(now))...)
	if err != nil {
		return nil, fmt.Errorf("store: suggest %q: %w", prefix, err)
	}
	defer rows.Close()
	byID := map[int64]masthead.Suggestion{}
	for rows.Next() {
		var id int64
		var s masthead.Suggestion
		if err := rows.Scan(&id, &s.Slug, &s.Title); err != nil {
			return nil, fmt.Errorf("store: suggest %q: %w", prefix, err)
		}
		byID[id] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: suggest %q: %w", prefix, err)
	}
	out := make([]masthead.Suggestion, 0, len(ids))
	for _, id := range ids {
		if s, ok := byID[id]; ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// scanVocabulary runs an engine's vocabulary query, which selects a word
// and the number of documents holding it for words in [from, to).
func scanVocabulary(ctx context.Context, r reader, query, from, to string) ([]vocabWord, error) {
	rows, err := r.query(ctx, query, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vocabWord
	for rows.Next() {
		var v vocabWord
		if err := rows.Scan(&v.word, &v.ndoc); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
