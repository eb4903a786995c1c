package store

import (
	"context"
	"database/sql"
	"strings"

	"masthead/search"
)

// sqliteFTS is search on SQLite: FTS5 with the Porter stemmer for
// matching and BM25 ranking (search_fts), and an unstemmed index of titles
// and deks with prefix indexes for suggestions and the vocabulary
// (search_titles, search_vocab). See migrations/sqlite/0004_search.sql.
type sqliteFTS struct{}

// bm25 weights of the columns title, dek, teaser, body: a word in the
// title counts as much as ten in the body. The teaser is also part of
// the body, so a word in the opening paragraphs counts three times.
const sqliteBM25 = `bm25(search_fts, 10.0, 4.0, 2.0, 1.0)`

func (sqliteFTS) index(ctx context.Context, t *tx, d *searchDoc) error {
	for _, q := range []string{`DELETE FROM search_fts WHERE rowid = ?`, `DELETE FROM search_titles WHERE rowid = ?`} {
		if _, err := t.exec(ctx, q, d.id); err != nil {
			return err
		}
	}
	if _, err := t.exec(ctx, `INSERT INTO search_fts (rowid, title, dek, teaser, body) VALUES (?, ?, ?, ?, ?)`,
		d.id, d.title, d.dek, d.teaser, d.body); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO search_titles (rowid, title, dek) VALUES (?, ?, ?)`, d.id, d.title, d.dek)
	return err
}

func (sqliteFTS) unindex(ctx context.Context, t *tx, id int64) error {
	for _, q := range []string{`DELETE FROM search_fts WHERE rowid = ?`, `DELETE FROM search_titles WHERE rowid = ?`} {
		if _, err := t.exec(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

func (sqliteFTS) clear(ctx context.Context, t *tx) error {
	for _, q := range []string{
		`INSERT INTO search_fts (search_fts) VALUES ('delete-all')`,
		`INSERT INTO search_titles (search_titles) VALUES ('delete-all')`,
	} {
		if _, err := t.exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// optimize merges the index's segments into one, which a bulk load leaves
// in dozens; queries then read one b-tree per term.
func (sqliteFTS) optimize(ctx context.Context, t *tx) error {
	for _, q := range []string{
		`INSERT INTO search_fts (search_fts) VALUES ('optimize')`,
		`INSERT INTO search_titles (search_titles) VALUES ('optimize')`,
	} {
		if _, err := t.exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// ids reads every match as one comma-separated string: a row per match
// through database/sql costs more than FTS5 takes to find it.
func (sqliteFTS) ids(ctx context.Context, r reader, q *search.Query, sc scope) ([]int64, error) {
	var s sql.NullString
	err := r.row(ctx, `SELECT group_concat(rowid) FROM search_fts WHERE search_fts MATCH ?`, fts5Query(q, sc)).Scan(&s)
	return parseIDs(s.String), err
}

func (sqliteFTS) rank(ctx context.Context, r reader, q *search.Query, sc scope) (map[int64]float64, error) {
	// LIMIT -1 keeps SQLite from flattening the subquery, which would put
	// bm25() inside the aggregate where FTS5 cannot compute it.
	var s sql.NullString
	err := r.row(ctx, `SELECT group_concat(x) FROM (SELECT rowid || ':' || (-`+sqliteBM25+`) AS x
		FROM search_fts WHERE search_fts MATCH ? LIMIT -1)`, fts5Query(q, sc)).Scan(&s)
	return parseScores(s.String), err
}

func (sqliteFTS) rankLimit() int { return 2000 }

// suggestCandidates bounds the titles a suggestion looks at: the most
// recently indexed of those matching. Short prefixes match thousands.
const suggestCandidates = 500

func (sqliteFTS) suggest(ctx context.Context, r reader, words []string, now int64, n int) ([]int64, error) {
	var b strings.Builder
	b.WriteString("{title} : ")
	for i, w := range words {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(fts5String(w))
		b.WriteString(" *")
	}
	rows, err := r.query(ctx, `SELECT d.article_id FROM search_docs d
		WHERE d.article_id IN (SELECT rowid FROM search_titles WHERE search_titles MATCH ? ORDER BY rowid DESC LIMIT ?)
		  AND d.status <> 'draft' AND d.published_at <= ?
		ORDER BY d.published_at DESC, d.article_id DESC LIMIT ?`, b.String(), suggestCandidates, now, n)
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

func (sqliteFTS) vocabulary(ctx context.Context, r reader, from, to string) ([]vocabWord, error) {
	return scanVocabulary(ctx, r, `SELECT term, doc FROM search_vocab WHERE term >= ? AND term < ?`, from, to)
}

// fts5Query writes q in FTS5's query language. Every word is a quoted
// string, so nothing a reader types is read as an operator, a column
// name or NEAR(); the words themselves hold only letters and digits.
func fts5Query(q *search.Query, sc scope) string {
	var b strings.Builder
	switch sc {
	case scopeHead:
		b.WriteString("{title dek} : ")
	case scopeTitle:
		b.WriteString("{title} : ")
	}
	b.WriteByte('(')
	for i, c := range q.Must {
		if i > 0 {
			b.WriteString(" AND ")
		}
		writeFTS5Clause(&b, c)
	}
	b.WriteByte(')')
	if len(q.Not) > 0 {
		b.WriteString(" NOT ")
		writeFTS5Clause(&b, search.Clause(q.Not))
	}
	return b.String()
}

func writeFTS5Clause(b *strings.Builder, c search.Clause) {
	b.WriteByte('(')
	for i, t := range c {
		if i > 0 {
			b.WriteString(" OR ")
		}
		// A quoted string of several words is a phrase.
		b.WriteString(fts5String(strings.Join(t.Words, " ")))
		if t.Prefix {
			b.WriteString(" *")
		}
	}
	b.WriteByte(')')
}

func fts5String(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
