package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"masthead/search"
)

// postgresFTS is search on PostgreSQL: a tsvector of the whole article
// (title A, dek B, teaser C, body D) with a GIN index for matching, a
// small vector of title and dek for ranking queries that match much of
// the library, an unstemmed title vector for suggestions, and a table of
// the words of titles and deks for "did you mean" (every write adds its
// new words; a reindex recounts them). See
// migrations/postgres/0004_search.sql.
//
// Text is normalised in Go before PostgreSQL sees it (search.Normalize),
// so the lexemes are the words the query parser produces on both engines.
type postgresFTS struct{}

// index writes the article in one statement (one round trip): the title
// and dek vectors are made once and go into both tables. New words join
// the vocabulary; their counts are recomputed by a reindex (optimize),
// since keeping exact counts would rewrite a score of hot rows per write.
func (postgresFTS) index(ctx context.Context, t *tx, d *searchDoc) error {
	title, dek := search.Normalize(d.title), search.Normalize(d.dek)
	vocab := strings.Join(slices.Compact(slices.Sorted(slices.Values(search.Words(d.title+" "+d.dek)))), " ")
	_, err := t.exec(ctx, `WITH v AS (
			SELECT setweight(to_tsvector('english', ?), 'A') || setweight(to_tsvector('english', ?), 'B') AS head
		), h AS (
			INSERT INTO search_heads (article_id, published_at, head, title, vocab)
			SELECT ?, ?, v.head, to_tsvector('simple', ?), ? FROM v
			ON CONFLICT (article_id) DO UPDATE SET published_at = excluded.published_at,
				head = excluded.head, title = excluded.title, vocab = excluded.vocab
		), w AS (
			INSERT INTO search_words (word, ndoc)
			SELECT x, 1 FROM unnest(string_to_array(?, ' ')) AS x WHERE x <> ''
			ON CONFLICT (word) DO NOTHING
		)
		INSERT INTO search_vectors (article_id, doc)
		SELECT ?, v.head || setweight(to_tsvector('english', ?), 'C') || setweight(to_tsvector('english', ?), 'D') FROM v
		ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc`,
		title, dek, d.id, d.published, title, vocab, vocab, d.id, search.Normalize(d.teaser), search.Normalize(d.body))
	return err
}

func (postgresFTS) unindex(ctx context.Context, t *tx, id int64) error {
	for _, q := range []string{`DELETE FROM search_vectors WHERE article_id = ?`, `DELETE FROM search_heads WHERE article_id = ?`} {
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
	_, err := t.exec(ctx, `TRUNCATE search_vectors, search_heads, search_words`)
	return err
}

// optimize counts the vocabulary afresh from the titles and deks
// indexed, dropping words none holds any more. GIN indexes need nothing:
// autovacuum merges their pending lists.
func (postgresFTS) optimize(ctx context.Context, t *tx) error {
	if _, err := t.exec(ctx, `DELETE FROM search_words`); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO search_words (word, ndoc)
		SELECT x, COUNT(*) FROM search_heads, unnest(string_to_array(vocab, ' ')) AS x WHERE x <> '' GROUP BY x`)
	return err
}

func (postgresFTS) ids(ctx context.Context, r reader, q *search.Query, sc scope) ([]int64, error) {
	fn := `search_ids`
	if sc != scopeAll {
		fn = `search_head_ids`
	}
	var s sql.NullString
	err := r.row(ctx, `SELECT `+fn+`(to_tsquery('english', ?))`, tsQuery(q, sc)).Scan(&s)
	return parseIDs(s.String), err
}

func (postgresFTS) rank(ctx context.Context, r reader, q *search.Query, sc scope) (map[int64]float64, error) {
	fn := `search_rank`
	if sc != scopeAll {
		fn = `search_head_rank`
	}
	var s sql.NullString
	err := r.row(ctx, `SELECT `+fn+`(to_tsquery('english', ?))`, tsQuery(q, sc)).Scan(&s)
	return parseScores(s.String), err
}

// rankLimit is lower than SQLite's: ranking on the whole vector reads
// each matching article's toasted vector.
func (postgresFTS) rankLimit() int { return 500 }

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
