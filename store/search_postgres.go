package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"masthead/search"
)

// postgresFTS is search on PostgreSQL: a tsvector of the whole article
// (title A, dek B, teaser C, body D) with a GIN index for matching, the
// same of what everyone may read (the body of free articles only), a
// small vector of title and dek for ranking queries that match much of
// the library, an unstemmed title vector for suggestions, and a table of
// the words of titles and deks for "did you mean" (every write adds its
// new words; a reindex recounts them). See
// migrations/postgres/0004_search.sql and 0018_search_open.sql.
//
// Text is normalised in Go before PostgreSQL sees it (search.Normalize),
// so the lexemes are the words the query parser produces on both engines.
type postgresFTS struct{}

// index writes the article in two statements: the first makes its
// vector (title A, dek B, teaser C, body D), of which the code makes
// the word pairs of phrases (docPairs); the second writes the vector,
// the pairs, the open document and the head into every table. New
// words join the vocabulary; their counts are recomputed by a reindex
// (optimize), since keeping exact counts would rewrite a score of hot
// rows per write.
func (postgresFTS) index(ctx context.Context, t *tx, d *searchDoc) error {
	title, dek := search.Normalize(d.title), search.Normalize(d.dek)
	vocab := strings.Join(slices.Compact(slices.Sorted(slices.Values(search.Words(d.title+" "+d.dek)))), " ")
	var doc string
	err := t.row(ctx, `SELECT (`+pgDocVector("?", "?", "?", "?")+`)::text`, title, dek, search.Normalize(d.teaser), search.Normalize(d.body)).Scan(&doc)
	if err != nil {
		return err
	}
	free := d.openBody() != ""
	pairs, openPairs, err := docPairs(doc, free)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `WITH v AS (
			SELECT ?::tsvector AS doc
		), h AS (
			INSERT INTO search_heads (article_id, published_at, head, title, vocab)
			SELECT ?, ?, `+pgHeadOf+`, to_tsvector('simple', ?), ? FROM v
			ON CONFLICT (article_id) DO UPDATE SET published_at = excluded.published_at,
				head = excluded.head, title = excluded.title, vocab = excluded.vocab
		), w AS (
			INSERT INTO search_words (word, ndoc)
			SELECT x, 1 FROM unnest(string_to_array(?, ' ')) AS x WHERE x <> ''
			ON CONFLICT (word) DO NOTHING
		), o AS (
			INSERT INTO search_open (article_id, doc, pairs)
			SELECT ?, CASE WHEN ? THEN v.doc ELSE `+pgOpenOf+` END, ?::bigint[] FROM v
			ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc, pairs = excluded.pairs
		)
		INSERT INTO search_vectors (article_id, doc, pairs)
		SELECT ?, v.doc, ?::bigint[] FROM v
		ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc, pairs = excluded.pairs`,
		doc, d.id, d.published, title, vocab, vocab, d.id, free, openPairs, d.id, pairs)
	return err
}

// pgDocVector is the SQL that makes an article's vector from the
// expressions of its title, dek, teaser and body, normalised
// (search.Normalize).
func pgDocVector(title, dek, teaser, body string) string {
	return `setweight(to_tsvector('english', ` + title + `), 'A') || setweight(to_tsvector('english', ` + dek + `), 'B') ||
		setweight(to_tsvector('english', ` + teaser + `), 'C') || setweight(to_tsvector('english', ` + body + `), 'D')`
}

// pgHeadOf and pgOpenOf take out of an article's vector (v.doc) its head,
// title and dek, and its open document when the body is closed: title,
// dek and teaser. Concatenating vectors shifts the positions of the
// right one past the left's, so the parts that come first keep their
// positions, and these equal the vectors made of the parts alone.
const (
	pgHeadOf = `ts_filter(v.doc, '{a,b}')`
	pgOpenOf = `ts_filter(v.doc, '{a,b,c}')`
)

// docPairs returns the word pairs (search_pairs) of doc, an article's
// vector as text, and those of its open document, as array literals.
// When the body is not free the open document is the positions of
// weights A, B and C of doc (pgOpenOf), so both come from one parse.
func docPairs(doc string, free bool) (pairs, openPairs string, err error) {
	ps, err := parseTSVector(doc, nil)
	if err != nil {
		return "", "", err
	}
	order := tsOrder(ps, make([]uint64, 0, len(ps)))
	hs := tsPairs(ps, order, func(byte) bool { return true }, make([]int64, 0, len(ps)))
	pairs = pgBigintArray(hs)
	if free {
		return pairs, pairs, nil
	}
	return pairs, pgBigintArray(tsPairs(ps, order, func(w byte) bool { return w != 'D' }, hs[:0])), nil
}

// indexBatch writes a batch of documents in two statements, as index
// does one: the arrays of their texts go in as parameters and every
// vector is made by one query, then written with its pairs by another,
// rather than two round trips and plans per article. The vocabulary
// is left to optimize, which recounts it at the end of a reindex.
func (postgresFTS) indexBatch(ctx context.Context, t *tx, docs []*searchDoc) error {
	if len(docs) == 0 {
		return nil
	}
	n := len(docs)
	ids, pubs, opens := make([]int64, n), make([]int64, n), make([]bool, n)
	titles, deks, teasers, bodies, vocabs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, d := range docs {
		ids[i], pubs[i], opens[i] = d.id, d.published, d.openBody() != ""
		titles[i], deks[i] = search.Normalize(d.title), search.Normalize(d.dek)
		teasers[i], bodies[i] = search.Normalize(d.teaser), search.Normalize(d.body)
		vocabs[i] = strings.Join(slices.Compact(slices.Sorted(slices.Values(search.Words(d.title+" "+d.dek)))), " ")
	}
	vectors := make([]string, 0, n)
	rows, err := t.query(ctx, `SELECT (`+pgDocVector("s.title", "s.dek", "s.teaser", "s.body")+`)::text
		FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS s(title, dek, teaser, body, i)
		ORDER BY s.i`, titles, deks, teasers, bodies)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		vectors = append(vectors, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(vectors) != n {
		return fmt.Errorf("store: index batch: %d vectors for %d articles", len(vectors), n)
	}
	pairs, openPairs := make([]string, n), make([]string, n)
	for i, v := range vectors {
		if pairs[i], openPairs[i], err = docPairs(v, opens[i]); err != nil {
			return err
		}
	}
	_, err = t.exec(ctx, `WITH v AS MATERIALIZED (
			SELECT s.id, s.pub, s.title, s.vocab, s.open, s.doc::tsvector AS doc, s.pairs::bigint[] AS pairs, s.open_pairs
			FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::boolean[], ?::text[], ?::text[], ?::text[])
				AS s(id, pub, title, vocab, open, doc, pairs, open_pairs)
		), h AS (
			INSERT INTO search_heads (article_id, published_at, head, title, vocab)
			SELECT id, pub, `+pgHeadOf+`, to_tsvector('simple', title), vocab FROM v
		), o AS (
			INSERT INTO search_open (article_id, doc, pairs)
			SELECT id, CASE WHEN open THEN doc ELSE `+pgOpenOf+` END, CASE WHEN open THEN pairs ELSE open_pairs::bigint[] END FROM v
		)
		INSERT INTO search_vectors (article_id, doc, pairs) SELECT id, doc, pairs FROM v`,
		ids, pubs, titles, vocabs, opens, vectors, pairs, openPairs)
	return err
}

func (postgresFTS) unindex(ctx context.Context, t *tx, id int64) error {
	for _, q := range []string{`DELETE FROM search_vectors WHERE article_id = ?`, `DELETE FROM search_open WHERE article_id = ?`,
		`DELETE FROM search_heads WHERE article_id = ?`} {
		if _, err := t.exec(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

// clear empties the search tables with TRUNCATE, which gives their space
// back at once: deleting every row would leave the tables twice their size
// until a vacuum. Searches wait for the (short) clearing transaction.
func (postgresFTS) clear(ctx context.Context, t *tx) error {
	_, err := t.exec(ctx, `TRUNCATE search_vectors, search_open, search_heads, search_words, search_impacts`)
	return err
}

// optimize counts the vocabulary afresh from the titles and deks
// indexed, dropping words none holds any more. It then does at once what
// autovacuum would do some minutes later: the GIN indexes' lists of
// pending entries, megabytes after a bulk load that every search would
// read through, are merged, and the planner's statistics are taken anew.
func (postgresFTS) optimize(ctx context.Context, t *tx) error {
	for _, q := range []string{
		`DELETE FROM search_words`,
		`INSERT INTO search_words (word, ndoc)
			SELECT x, COUNT(*) FROM search_heads, unnest(string_to_array(vocab, ' ')) AS x WHERE x <> '' GROUP BY x`,
		`SELECT gin_clean_pending_list(x::regclass)
			FROM unnest(ARRAY['search_vectors_doc', 'search_vectors_pairs', 'search_open_doc', 'search_open_pairs',
				'search_heads_head', 'search_heads_title']) AS x`,
		`ANALYZE search_vectors, search_open, search_heads, search_docs, search_impacts`,
	} {
		if _, err := t.exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (e postgresFTS) ids(ctx context.Context, r reader, q *search.Query, sc scope) ([]int64, error) {
	s, err := e.match(ctx, r, q, sc, "ids")
	return parseIDs(s), err
}

func (e postgresFTS) rank(ctx context.Context, r reader, q *search.Query, sc scope, _ rankStats) (map[int64]float64, error) {
	s, err := e.match(ctx, r, q, sc, "rank")
	return parseScores(s), err
}

// among looks the ids up by key and checks each one's vector: they are a
// member's unlocks, a few dozen at most.
func (postgresFTS) among(ctx context.Context, r reader, q *search.Query, ids []int64) ([]int64, error) {
	var s sql.NullString
	err := r.row(ctx, `SELECT string_agg(article_id::text, ',')
		FROM search_vectors JOIN search_docs USING (article_id)
		WHERE article_id = ANY(?::bigint[]) AND access = 'metered' AND doc @@ to_tsquery('english', ?)`,
		pgBigintArray(ids), tsQuery(q, scopeAll)).Scan(&s)
	return parseIDs(s.String), err
}

// match runs one of the search functions of the migrations, what being
// "ids" or "rank": search_ for scopeAll, search_open_ for scopeOpen,
// search_head_ for the others. A query over the whole article that must
// hold a phrase goes through the index of word pairs first
// (migrations/postgres/0016_search_pairs.sql, kept in a column since
// 0068_search_pairs_column.sql): the phrase_ functions for
// ids and ranks, and for the ids of a query that is one phrase of one
// pair, its pair alone (pair_ids). The phrases' pairs are made by
// PostgreSQL itself, with the articles' stemming, in a query of their
// own, so that the plan of the search is made knowing there are some.
func (postgresFTS) match(ctx context.Context, r reader, q *search.Query, sc scope, what string) (string, error) {
	var s sql.NullString
	tq := tsQuery(q, sc)
	prefix := "search_"
	switch sc {
	case scopeOpen:
		prefix = "search_open_"
	case scopeHead, scopeTitle:
		err := r.row(ctx, `SELECT search_head_`+what+`(to_tsquery('english', ?))`, tq).Scan(&s)
		return s.String, err
	}
	whole, phrase := prefix+what, prefix+"phrase_"+what
	if phrases, alone := tsPhrases(q); len(phrases) > 0 {
		var pairs string
		if err := r.row(ctx, `SELECT search_phrase_pairs(?::text[])::text`, pgTextArray(phrases)).Scan(&pairs); err != nil {
			return "", err
		}
		switch {
		case pairs == "{}": // phrases of stop words and one other word
		case alone && what == "ids" && !strings.Contains(pairs, ","):
			err := r.row(ctx, `SELECT `+prefix+`pair_ids(?::bigint[])`, pairs).Scan(&s)
			return s.String, err
		default:
			err := r.row(ctx, `SELECT `+phrase+`(to_tsquery('english', ?), ?::bigint[])`, tq, pairs).Scan(&s)
			return s.String, err
		}
	}
	err := r.row(ctx, `SELECT `+whole+`(to_tsquery('english', ?))`, tq).Scan(&s)
	return s.String, err
}

// tsPhrases returns the phrases every match of q holds: the clauses of a
// single phrase (a phrase in an OR or an exclusion narrows nothing),
// without a prefix's last word, whose pairs are unknown. alone is true
// when q is one such phrase and nothing else: its matches are the
// articles holding its pairs.
func tsPhrases(q *search.Query) (phrases []string, alone bool) {
	for _, c := range q.Must {
		if len(c) != 1 {
			continue
		}
		w := c[0].Words
		if c[0].Prefix {
			w = w[:len(w)-1]
		}
		if len(w) > 1 {
			phrases = append(phrases, strings.Join(w, " "))
		}
	}
	alone = len(phrases) == 1 && len(q.Must) == 1 && !q.Must[0][0].Prefix && len(q.Not) == 0
	return phrases, alone
}

// pgTextArray writes phrases as an array literal. Their words hold only
// letters and digits (search.Words); quotes and backslashes are escaped
// all the same.
func pgTextArray(phrases []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range phrases {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + strings.NewReplacer(`"`, `\"`, `\`, `\\`).Replace(p) + `"`)
	}
	b.WriteByte('}')
	return b.String()
}

// heads visits the matches in title and dek once, telling those that
// match in the title too (migrations/postgres/0017_search_head_scores.sql);
// ranking either set then finds its rows by id. Asked as the parts of
// heads separately, the same rows were visited three times.
func (postgresFTS) heads(ctx context.Context, r reader, q *search.Query) (heads, error) {
	var s sql.NullString
	err := r.row(ctx, `SELECT search_head_matches(to_tsquery('english', ?), to_tsquery('english', ?))`,
		tsQuery(q, scopeHead), tsQuery(q, scopeTitle)).Scan(&s)
	if err != nil {
		return nil, err
	}
	h := &pgHeads{r: r, q: q}
	for f := range strings.SplitSeq(s.String, ",") {
		f, inTitle := strings.CutSuffix(f, ":t")
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			h.matches = append(h.matches, id)
			if inTitle {
				h.titles = append(h.titles, id)
			}
		}
	}
	return h, nil
}

// pgHeads are heads whose ids are read.
type pgHeads struct {
	r               reader
	q               *search.Query
	matches, titles []int64
}

func (h *pgHeads) ids() []int64 { return h.matches }

func (h *pgHeads) rank(ctx context.Context) (map[int64]float64, error) {
	return h.rankIDs(ctx, scopeHead, h.matches)
}

func (h *pgHeads) title(context.Context) ([]int64, error) { return h.titles, nil }

func (h *pgHeads) rankTitle(ctx context.Context) (map[int64]float64, error) {
	return h.rankIDs(ctx, scopeTitle, h.titles)
}

func (h *pgHeads) rankIDs(ctx context.Context, sc scope, ids []int64) (map[int64]float64, error) {
	var s sql.NullString
	err := h.r.row(ctx, `SELECT search_head_rank_ids(to_tsquery('english', ?), ?::bigint[])`, tsQuery(h.q, sc), pgBigintArray(ids)).Scan(&s)
	return parseScores(s.String), err
}

// pgBigintArray writes ids as an array literal.
func pgBigintArray(ids []int64) string {
	b := make([]byte, 0, 8*len(ids)+2)
	b = append(b, '{')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, '}'))
}

func (postgresFTS) suggest(ctx context.Context, r reader, words []string, now int64, n int) ([]int64, error) {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = tsLexeme(w) + ":*"
	}
	// Newest first along the published_at index, stopping at n: for a
	// common prefix the first few titles match; for a rare one the
	// planner starts from the GIN index instead.
	rows, err := r.query(ctx, `SELECT article_id FROM search_heads
		WHERE title @@ to_tsquery('simple', ?) AND published_at <= ?
		ORDER BY published_at DESC, article_id DESC LIMIT ?`, strings.Join(parts, " & "), now, n)
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

func (postgresFTS) vocabulary(ctx context.Context, r reader, from, to string) ([]vocabWord, error) {
	return scanVocabulary(ctx, r, `SELECT word, ndoc FROM search_words WHERE word >= ? AND word < ? AND ndoc > 0`, from, to)
}

// tsQuery writes q in to_tsquery's syntax, passed as one bound value.
// Every word is a quoted lexeme and holds only letters and digits, so no
// reader input is read as an operator. The title scope restricts every
// lexeme to weight A.
func tsQuery(q *search.Query, sc scope) string {
	weight := ""
	if sc == scopeTitle {
		weight = "A"
	}
	var b strings.Builder
	for i, c := range q.Must {
		if i > 0 {
			b.WriteString(" & ")
		}
		writeTSClause(&b, c, weight)
	}
	for _, t := range q.Not {
		b.WriteString(" & !")
		writeTSClause(&b, search.Clause{t}, "")
	}
	return b.String()
}

func writeTSClause(b *strings.Builder, c search.Clause, weight string) {
	b.WriteByte('(')
	for i, t := range c {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteByte('(')
		for j, w := range t.Words {
			if j > 0 {
				b.WriteString(" <-> ")
			}
			b.WriteString(tsLexeme(w))
			switch {
			case t.Prefix && j == len(t.Words)-1:
				b.WriteString(":*" + weight)
			case weight != "":
				b.WriteString(":" + weight)
			}
		}
		b.WriteByte(')')
	}
	b.WriteByte(')')
}

func tsLexeme(w string) string {
	return `'` + strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(w) + `'`
}
