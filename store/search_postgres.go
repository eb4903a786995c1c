package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

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
// Text is normalised in Go (search.Words), so the words are those the
// query parser produces on both engines, and the vectors' and queries'
// lexemes are made of them in Go too (search_postgres_lexemes.go).
type postgresFTS struct{}

// index writes the article in one statement: its vector (title A, dek
// B, teaser C, body D) and the word pairs of phrases are made in Go
// (tsDoc, docPairs) and written with the open document and the head
// into every table. New words join the vocabulary; their counts are
// recomputed by a reindex (optimize), since keeping exact counts would
// rewrite a score of hot rows per write.
func (postgresFTS) index(ctx context.Context, t *tx, d *searchDoc) error {
	title := search.Normalize(d.title)
	vocab := strings.Join(slices.Compact(slices.Sorted(slices.Values(search.Words(d.title+" "+d.dek)))), " ")
	ps := tsDoc(newTSVec(tsLexicon{}), d)
	free := d.openBody() != ""
	// Not nil: an empty list is an empty array, not NULL.
	all, n := docPairs(ps, free, make([]int64, 0, len(ps)))
	pairs, openPairs := all[:n], all[n:]
	if free {
		openPairs = pairs
	}
	_, err := t.exec(ctx, `WITH v AS (
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
		tsVector(ps), d.id, d.published, title, vocab, vocab, d.id, free, openPairs, d.id, pairs)
	return err
}

// tsDoc returns the positions of d's vector, as
// `setweight(to_tsvector('english', title), 'A') || … dek B || teaser C
// || body D` makes it from the normalised texts (tsVec.add), lexeme by
// lexeme.
func tsDoc(v *tsVec, d *searchDoc) []tsPos {
	v.reset()
	ws := d.textWords()
	for i, w := range []byte("ABCD") {
		v.add(ws[i], w)
	}
	return v.positions()
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

// docPairs appends to dst the word pairs (search_pairs) of the vector
// of the positions ps, then, when the body is not free, those of its
// open document, the positions of weights A, B and C (pgOpenOf); n is
// the number of the first.
func docPairs(ps []tsPos, free bool, dst []int64) (out []int64, n int) {
	order := tsOrder(ps, make([]uint64, 0, len(ps)))
	start := len(dst)
	dst = tsPairs(ps, order, func(byte) bool { return true }, dst)
	n = len(dst) - start
	if !free {
		dst = tsPairs(ps, order, func(w byte) bool { return w != 'D' }, dst)
	}
	return dst, n
}

// indexBatch writes a batch of documents in one statement, as index
// does one: the arrays of their vectors, made in Go, go in as
// parameters, and their word pairs as one array of numbers, of which
// each article's are a slice, rather than a round trip and a plan per
// article. The vocabulary is left to optimize, which recounts it at the
// end of a reindex.
func (postgresFTS) indexBatch(ctx context.Context, t *tx, docs []*searchDoc) error {
	if len(docs) == 0 {
		return nil
	}
	n := len(docs)
	ids, pubs, opens := make([]int64, n), make([]int64, n), make([]bool, n)
	titles, vocabs, vectors := make([]string, n), make([]string, n), make([]pgtype.TSVector, n)
	// from and to bound each article's pairs in all, and openFrom and
	// openTo those of its open document, as 1-based inclusive
	// subscripts.
	from, to, openFrom, openTo := make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
	all := make([]int64, 0, 1024*n) // not nil, which is NULL
	v := newTSVec(tsLexicon{})
	for i, d := range docs {
		ids[i], pubs[i], opens[i] = d.id, d.published, d.openBody() != ""
		ws := d.textWords()
		titles[i] = strings.Join(ws[0], " ")
		vocabs[i] = strings.Join(slices.Compact(slices.Sorted(slices.Values(slices.Concat(ws[0], ws[1])))), " ")
		ps := tsDoc(v, d)
		vectors[i] = tsVector(ps)
		start := len(all)
		var np int
		all, np = docPairs(ps, opens[i], all)
		from[i], to[i] = int32(start+1), int32(start+np)
		openFrom[i], openTo[i] = from[i], to[i]
		if !opens[i] {
			openFrom[i], openTo[i] = int32(start+np+1), int32(len(all))
		}
	}
	_, err := t.exec(ctx, `WITH p AS (
			SELECT ?::bigint[] AS a
		), v AS MATERIALIZED (
			SELECT s.id, s.pub, s.title, s.vocab, s.open, s.doc, p.a[s.p0:s.p1] AS pairs, p.a[s.o0:s.o1] AS open_pairs
			FROM p, unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::boolean[], ?::tsvector[], ?::int[], ?::int[], ?::int[], ?::int[])
				AS s(id, pub, title, vocab, open, doc, p0, p1, o0, o1)
		), h AS (
			INSERT INTO search_heads (article_id, published_at, head, title, vocab)
			SELECT id, pub, `+pgHeadOf+`, to_tsvector('simple', title), vocab FROM v
		), o AS (
			INSERT INTO search_open (article_id, doc, pairs)
			SELECT id, CASE WHEN open THEN doc ELSE `+pgOpenOf+` END, open_pairs FROM v
		)
		INSERT INTO search_vectors (article_id, doc, pairs) SELECT id, doc, pairs FROM v`,
		all, ids, pubs, titles, vocabs, opens, vectors, from, to, openFrom, openTo)
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
// read through, are merged; the planner's statistics are taken with the
// vacuum that follows the rebuild's commit (dialect.settle).
func (postgresFTS) optimize(ctx context.Context, t *tx) error {
	for _, q := range []string{
		`DELETE FROM search_words`,
		`INSERT INTO search_words (word, ndoc)
			SELECT x, COUNT(*) FROM search_heads, unnest(string_to_array(vocab, ' ')) AS x WHERE x <> '' GROUP BY x`,
		`SELECT gin_clean_pending_list(x::regclass)
			FROM unnest(ARRAY['search_vectors_doc', 'search_vectors_pairs', 'search_open_doc', 'search_open_pairs',
				'search_heads_head', 'search_heads_title']) AS x`,
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
		WHERE article_id = ANY(?::bigint[]) AND access = 'metered' AND doc @@ ?::tsquery`,
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
		err := r.row(ctx, `SELECT search_head_`+what+`(?::tsquery)`, tq).Scan(&s)
		return s.String, err
	}
	whole, phrase := prefix+what, prefix+"phrase_"+what
	if phrases, alone := tsPhrases(q); len(phrases) > 0 {
		switch pairs := tsPhrasePairs(phrases); {
		case len(pairs) == 0: // phrases of stop words and one other word
		case alone && what == "ids" && len(pairs) == 1:
			err := r.row(ctx, `SELECT `+prefix+`pair_ids(?::bigint[])`, pgBigintArray(pairs)).Scan(&s)
			return s.String, err
		default:
			err := r.row(ctx, `SELECT `+phrase+`(?::tsquery, ?::bigint[])`, tq, pgBigintArray(pairs)).Scan(&s)
			return s.String, err
		}
	}
	err := r.row(ctx, `SELECT `+whole+`(?::tsquery)`, tq).Scan(&s)
	return s.String, err
}

// tsPhrases returns the phrases every match of q holds, each as its
// words: the clauses of a single phrase (a phrase in an OR or an
// exclusion narrows nothing), without a prefix's last word, whose pairs
// are unknown. alone is true when q is one such phrase and nothing
// else: its matches are the articles holding its pairs.
func tsPhrases(q *search.Query) (phrases [][]string, alone bool) {
	for _, c := range q.Must {
		if len(c) != 1 {
			continue
		}
		w := c[0].Words
		if c[0].Prefix {
			w = w[:len(w)-1]
		}
		if len(w) > 1 {
			phrases = append(phrases, w)
		}
	}
	alone = len(phrases) == 1 && len(q.Must) == 1 && !q.Must[0][0].Prefix && len(q.Not) == 0
	return phrases, alone
}

// heads visits the matches in title and dek once, telling those that
// match in the title too (migrations/postgres/0017_search_head_scores.sql);
// ranking either set then finds its rows by id. Asked as the parts of
// heads separately, the same rows were visited three times.
func (postgresFTS) heads(ctx context.Context, r reader, q *search.Query) (heads, error) {
	var s sql.NullString
	err := r.row(ctx, `SELECT search_head_matches(?::tsquery, ?::tsquery)`,
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
	err := h.r.row(ctx, `SELECT search_head_rank_ids(?::tsquery, ?::bigint[])`, tsQuery(h.q, sc), pgBigintArray(ids)).Scan(&s)
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
		parts[i] = string(appendTSLexeme(nil, w)) + ":*"
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

// tsQuery writes q as a tsquery literal, passed as one bound value: the
// words are lexemes made in Go (pgLexeme), as the articles' are, and
// the server reads them as they are. A stop word is dropped as
// to_tsquery('english', …) drops it: in a phrase it leaves its place
// (pgPlaced), and a term, clause or
// exclusion holding nothing else goes with it. Every lexeme is quoted,
// so no reader input is read as an operator. The title scope restricts
// every lexeme to weight A.
func tsQuery(q *search.Query, sc scope) string {
	weight := ""
	if sc == scopeTitle {
		weight = "A"
	}
	var b []byte
	and := func(part []byte, not bool) {
		if len(part) == 0 {
			return
		}
		if len(b) > 0 {
			b = append(b, " & "...)
		}
		if not {
			b = append(b, '!')
		}
		b = append(b, part...)
	}
	var scratch []byte
	for _, c := range q.Must {
		scratch = appendTSClause(scratch[:0], c, weight)
		and(scratch, false)
	}
	for _, t := range q.Not {
		scratch = appendTSClause(scratch[:0], search.Clause{t}, "")
		and(scratch, true)
	}
	return string(b)
}

// appendTSClause appends the alternatives of c, each a phrase, or
// nothing when every alternative is of stop words.
func appendTSClause(b []byte, c search.Clause, weight string) []byte {
	start, n := len(b), 0
	b = append(b, '(')
	for _, t := range c {
		mark := len(b)
		if n > 0 {
			b = append(b, " | "...)
		}
		b = append(b, '(')
		before := len(b)
		if b = appendTSTerm(b, t, weight); len(b) == before {
			b = b[:mark]
			continue
		}
		b = append(b, ')')
		n++
	}
	if n == 0 {
		return b[:start]
	}
	return append(b, ')')
}

// appendTSTerm appends the lexemes of t's words joined by the distances
// between them.
func appendTSTerm(b []byte, t search.Term, weight string) []byte {
	place, last := 0, 0
	for j, w := range t.Words {
		if !pgPlaced(w) {
			continue
		}
		place++
		l := pgLexeme(w)
		if l == "" {
			continue
		}
		switch {
		case last == 0:
		case place-last == 1:
			b = append(b, " <-> "...)
		default:
			b = append(b, " <"...)
			b = strconv.AppendInt(b, int64(place-last), 10)
			b = append(b, "> "...)
		}
		last = place
		b = appendTSLexeme(b, l)
		switch {
		case t.Prefix && j == len(t.Words)-1:
			b = append(b, ":*"+weight...)
		case weight != "":
			b = append(b, ":"+weight...)
		}
	}
	return b
}

// tsPhrasePairs returns the word pairs that every article holding the
// phrases holds, sorted, each once: those of the vector of each phrase,
// made as the articles' are (tsVec, tsPairs).
func tsPhrasePairs(phrases [][]string) []int64 {
	var out []int64
	v := newTSVec(tsLexicon{})
	all := func(byte) bool { return true }
	for _, p := range phrases {
		v.reset()
		v.add(p, 'D')
		ps := v.positions()
		out = tsPairs(ps, tsOrder(ps, nil), all, out)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
