package store

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// The whole library at once (docs/search.md, "Related reading"). A full
// build reads and counts each article's words once, on every core, and
// writes every article's kept words; the lists are then computed from
// those words held in memory, an index of words to articles, rather than
// one query an article.

// relatedBulk is how many articles must wait, their words unchanged, for
// their lists to be computed from the whole index in memory: reading it
// costs about what a few hundred articles' queries do.
var relatedBulk = 500

// relatedBulkBatch is how many articles' lists one write of the bulk path
// holds.
const relatedBulkBatch = 2000

// relCount is how often an article uses a word, the word as its number.
type relCount struct {
	term int32
	tf   float32
}

// RebuildRelated counts the words of every article that is or will be
// live, stores their document frequencies and every such article's kept
// words, and queues every such article for its list. progress, when set,
// is called as articles are read. The related job computes the lists
// (RelateArticles); `masthead related --rebuild` calls it after this.
func (db *DB) RebuildRelated(ctx context.Context, progress func(done, total int)) error {
	start := db.clock.Now()
	var total int
	if err := db.r.row(ctx, `SELECT COUNT(*) FROM articles WHERE status <> 'draft' AND published_at IS NOT NULL`).Scan(&total); err != nil {
		return fmt.Errorf("store: rebuild related reading: %w", err)
	}
	// Each article is read and counted once; its counts are kept, a few
	// hundred words of eight bytes, with the words numbered.
	number := map[string]int32{}
	var words []string
	var df []int32
	var ids []int64
	var counts [][]relCount
	var last int64
	for {
		docs, err := db.relatedDocs(ctx, `a.id > ? AND a.status <> 'draft' AND a.published_at IS NOT NULL ORDER BY a.id LIMIT 1000`, last)
		if err != nil {
			return fmt.Errorf("store: rebuild related reading: %w", err)
		}
		if len(docs) == 0 {
			break
		}
		maps := make([]map[string]float64, len(docs))
		parallel(len(docs), func(i int) {
			maps[i] = docs[i].counts()
			docs[i].title, docs[i].dek, docs[i].body = "", "", ""
		})
		for i, d := range docs {
			cs := make([]relCount, 0, len(maps[i]))
			for w, tf := range maps[i] {
				n, ok := number[w]
				if !ok {
					n = int32(len(words))
					number[w] = n
					words = append(words, w)
					df = append(df, 0)
				}
				df[n]++
				cs = append(cs, relCount{n, float32(tf)})
			}
			ids = append(ids, d.id)
			counts = append(counts, cs)
			last = d.id
		}
		if progress != nil {
			progress(len(ids), total)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	number = nil

	// Every article's kept words, as relateBatch weighs them.
	docs := len(ids)
	n, common := float64(max(docs, 2)), relatedCommonCap(docs)
	kept := make([][]termWeight, len(ids))
	parallel(len(ids), func(i int) {
		var out []termWeight
		for _, c := range counts[i] {
			f := float64(df[c.term])
			if f < 2 || f > common {
				continue
			}
			out = append(out, termWeight{words[c.term], (1 + math.Log(float64(c.tf))) * math.Log(n/f)})
		}
		kept[i] = keepTerms(out)
		counts[i] = nil
	})

	// The words in chunks, each its own write, so that saves are not held
	// up; the frequencies, the state and the queue last, in one write: a
	// build cut short leaves the library stale, and the next one starts
	// again.
	const chunk = 5000
	var from int64 // the chunk's words replace those of every article from here
	for lo := 0; lo < len(ids); lo += chunk {
		hi := min(lo+chunk, len(ids))
		to := ids[hi-1]
		if hi == len(ids) {
			to = math.MaxInt64
		}
		err := db.write(ctx, func(t *tx) error {
			if _, err := t.exec(ctx, `DELETE FROM related_terms WHERE article_id > ? AND article_id <= ?`, from, to); err != nil {
				return err
			}
			var args []any
			for i := lo; i < hi; i++ {
				for _, tw := range kept[i] {
					args = append(args, ids[i], tw.term, tw.weight)
				}
			}
			return insertRows(ctx, t, `INSERT INTO related_terms (article_id, term, weight) VALUES `, 3, args)
		})
		if err != nil {
			return fmt.Errorf("store: rebuild related reading: words: %w", err)
		}
		from = to
	}
	if len(ids) == 0 {
		if err := db.write(ctx, func(t *tx) error {
			_, err := t.exec(ctx, `DELETE FROM related_terms`)
			return err
		}); err != nil {
			return fmt.Errorf("store: rebuild related reading: words: %w", err)
		}
	}

	var terms []int32
	for i, f := range df {
		if f > 1 {
			terms = append(terms, int32(i))
		}
	}
	slices.SortFunc(terms, func(a, b int32) int { return strings.Compare(words[a], words[b]) })
	now := db.clock.Now()
	return db.write(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `DELETE FROM related_df`); err != nil {
			return fmt.Errorf("store: rebuild related reading: %w", err)
		}
		args := make([]any, 0, 2*len(terms))
		for _, w := range terms {
			args = append(args, words[w], df[w])
		}
		if err := insertRows(ctx, t, `INSERT INTO related_df (term, n) VALUES `, 2, args); err != nil {
			return fmt.Errorf("store: rebuild related reading: %w", err)
		}
		if _, err := t.exec(ctx, `UPDATE related_state SET docs = ?, changed = 0, built_at = ? WHERE id = 1`, docs, micros(now)); err != nil {
			return fmt.Errorf("store: rebuild related reading: %w", err)
		}
		// Every article again, with no spreading: all of them wait, with
		// the words just written. An article saved since the build began
		// is still counted again from its text, and spreads.
		if _, err := t.exec(ctx, `INSERT INTO related_pending (article_id, queued_at, spread)
			SELECT id, ?, 0 FROM articles WHERE status <> 'draft' AND published_at IS NOT NULL
			ON CONFLICT (article_id) DO UPDATE SET queued_at = excluded.queued_at,
				spread = CASE WHEN related_pending.queued_at <= ? THEN 0 ELSE related_pending.spread END`,
			micros(now), micros(start)); err != nil {
			return fmt.Errorf("store: rebuild related reading: %w", err)
		}
		return nil
	})
}

// insertRows inserts rows of cols values each (args, in order) with
// statements of a few hundred rows.
func insertRows(ctx context.Context, t *tx, prefix string, cols int, args []any) error {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return t.execRows(ctx, prefix, row, ``, len(args)/cols, 300, func(into []any, i int) []any {
		return append(into, args[i*cols:(i+1)*cols]...)
	})
}

// parallel calls fn for every index below n, on every core.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	const step = 16
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				lo := next
				next += step
				mu.Unlock()
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+step, n); i++ {
					fn(i)
				}
			}
		})
	}
	wg.Wait()
}

// relatedIndex is every article's kept words in memory: each article's
// words and, for each word, the articles that keep it.
type relatedIndex struct {
	ids   []int64         // by position, ascending
	at    map[int64]int32 // position of an article
	vecs  [][]relPosting  // by position: its words (term number, weight)
	posts [][]relPosting  // by term number: its articles (position, weight)
}

type relPosting struct {
	n int32
	w float64
}

// loadRelatedIndex reads related_terms whole.
func (db *DB) loadRelatedIndex(ctx context.Context) (*relatedIndex, error) {
	rows, err := db.r.query(ctx, `SELECT article_id, term, weight FROM related_terms ORDER BY article_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ix := &relatedIndex{at: map[int64]int32{}}
	number := map[string]int32{}
	for rows.Next() {
		var id int64
		var term string
		var w float64
		if err := rows.Scan(&id, &term, &w); err != nil {
			return nil, err
		}
		p, ok := ix.at[id]
		if !ok {
			p = int32(len(ix.ids))
			ix.at[id] = p
			ix.ids = append(ix.ids, id)
			ix.vecs = append(ix.vecs, nil)
		}
		t, ok := number[term]
		if !ok {
			t = int32(len(ix.posts))
			number[term] = t
			ix.posts = append(ix.posts, nil)
		}
		ix.vecs[p] = append(ix.vecs[p], relPosting{t, w})
		ix.posts[t] = append(ix.posts[t], relPosting{p, w})
	}
	return ix, rows.Err()
}

// candidates returns the best relatedCandidates articles for the article
// at position p by the sum of their shared words' weights, as the query of
// neighbours orders them (score, then the larger id). acc is a scratch
// array of one score an article, all zero, and left so.
func (ix *relatedIndex) candidates(p int32, acc []float64, touched []int32) ([]scored, []int32) {
	touched = touched[:0]
	for _, m := range ix.vecs[p] {
		for _, o := range ix.posts[m.n] {
			if o.n == p {
				continue
			}
			if acc[o.n] == 0 {
				touched = append(touched, o.n)
			}
			acc[o.n] += m.w * o.w
		}
	}
	// The best kept in a heap whose root is the worst of them: most
	// candidates are turned away by one comparison.
	top := make([]scored, 0, relatedCandidates)
	for _, o := range touched {
		c := scored{ix.ids[o], acc[o]}
		acc[o] = 0
		if len(top) < relatedCandidates {
			top = append(top, c)
			for i := len(top) - 1; i > 0; {
				up := (i - 1) / 2
				if !betterScored(top[up], top[i]) {
					break
				}
				top[up], top[i] = top[i], top[up]
				i = up
			}
			continue
		}
		if !betterScored(c, top[0]) {
			continue
		}
		top[0] = c
		for i := 0; ; {
			worst, l, r := i, 2*i+1, 2*i+2
			if l < len(top) && betterScored(top[worst], top[l]) {
				worst = l
			}
			if r < len(top) && betterScored(top[worst], top[r]) {
				worst = r
			}
			if worst == i {
				break
			}
			top[i], top[worst] = top[worst], top[i]
			i = worst
		}
	}
	slices.SortFunc(top, func(a, b scored) int {
		if betterScored(a, b) {
			return -1
		}
		if betterScored(b, a) {
			return 1
		}
		return 0
	})
	return top, touched
}

// betterScored orders candidates as the query of neighbours does: by
// score, then the larger id.
func betterScored(a, b scored) bool {
	return a.score > b.score || a.score == b.score && a.id > b.id
}

// relateAll computes, when at least relatedBulk articles wait unsaved,
// their lists from the whole index in memory, relatedBulkBatch articles a
// write, scored on every core, until none waits or ctx ends. Articles
// saved meanwhile are left to relateBatch.
func (db *DB) relateAll(ctx context.Context) (int, error) {
	var waiting int
	if err := db.r.row(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM related_pending WHERE spread = 0 LIMIT ?) w`, relatedBulk).Scan(&waiting); err != nil {
		return 0, fmt.Errorf("store: related reading: %w", err)
	}
	if waiting < relatedBulk {
		return 0, nil
	}
	ix, err := db.loadRelatedIndex(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: related reading: index: %w", err)
	}
	labels, err := db.relatedLabelsWhere(ctx, `1 = 1`)
	if err != nil {
		return 0, fmt.Errorf("store: related reading: labels: %w", err)
	}
	workers := runtime.GOMAXPROCS(0)
	type work struct {
		acc     []float64
		touched []int32
	}
	scratch := make(chan *work, workers)
	for range workers {
		scratch <- &work{acc: make([]float64, len(ix.ids))}
	}
	done := 0
	var after int64
	for ctx.Err() == nil {
		rows, err := db.r.query(ctx, `SELECT article_id, queued_at FROM related_pending WHERE spread = 0 AND article_id > ?
			ORDER BY article_id LIMIT ?`, after, relatedBulkBatch)
		if err != nil {
			return done, fmt.Errorf("store: related reading: %w", err)
		}
		var ids, ats []int64
		for rows.Next() {
			var id, at int64
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return done, fmt.Errorf("store: related reading: %w", err)
			}
			ids, ats = append(ids, id), append(ats, at)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return done, fmt.Errorf("store: related reading: %w", err)
		}
		if len(ids) == 0 {
			return done, nil
		}
		after = ids[len(ids)-1]
		lists := make([][]scored, len(ids))
		parallel(len(ids), func(i int) {
			d := labels[ids[i]]
			p, ok := ix.at[ids[i]]
			if d == nil || !d.live || !ok {
				return
			}
			w := <-scratch
			var cands []scored
			cands, w.touched = ix.candidates(p, w.acc, w.touched)
			scratch <- w
			lists[i] = rankRelated(d, cands, labels)
		})
		err = db.write(ctx, func(t *tx) error {
			for lo := 0; lo < len(ids); lo += 500 {
				in, args := placeholders(ids[lo:min(lo+500, len(ids))])
				if _, err := t.ExecContext(ctx, t.p.d.q(`DELETE FROM related_articles WHERE article_id IN `+in), args...); err != nil {
					return translate(err)
				}
			}
			var args []any
			for i, l := range lists {
				for pos, s := range l {
					args = append(args, ids[i], pos, s.id, s.score)
				}
			}
			if err := insertRows(ctx, t, `INSERT INTO related_articles (article_id, position, related_id, score) VALUES `, 4, args); err != nil {
				return err
			}
			for i, id := range ids {
				if _, err := t.exec(ctx, `DELETE FROM related_pending WHERE article_id = ? AND queued_at <= ? AND spread = 0`, id, ats[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("store: related reading: lists: %w", err)
		}
		done += len(ids)
	}
	return done, ctx.Err()
}

// relatedLabelsWhere reads the labels and dates of the articles matching
// cond.
func (db *DB) relatedLabelsWhere(ctx context.Context, cond string) (map[int64]*relatedDoc, error) {
	rows, err := db.r.query(ctx, `SELECT a.id, a.status, a.published_at, '', '', '', a.column_id,
			COALESCE((SELECT string_agg(CAST(topic_id AS TEXT), ',' ORDER BY topic_id) FROM article_topics WHERE article_id = a.id), ''),
			COALESCE((SELECT string_agg(CAST(region_id AS TEXT), ',' ORDER BY region_id) FROM article_regions WHERE article_id = a.id), '')
		FROM articles a WHERE `+cond)
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
