package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"masthead/search"
)

// sqliteFTS is search on SQLite: FTS5 with the Porter stemmer for
// matching and BM25 ranking (search_fts), the same over what everyone may
// read (search_open: the bodies of free articles only) and over titles
// and deks alone (search_heads: the bounded ranking of large result
// sets), and an unstemmed index of titles and deks with prefix indexes
// for suggestions and the vocabulary (search_titles, search_vocab). See
// migrations/sqlite/0004_search.sql, 0011_search_heads.sql and
// 0018_search_open.sql.
type sqliteFTS struct{}

// bm25 weights of the columns title, dek, teaser, body: a word in the
// title counts as much as fifty in the body, one in the dek as ten.
// The teaser is also part of the body and counts nothing more. The
// weights are small on purpose: bm25 counts a word's occurrences through
// k1 (1.2), after which more of them count little; weighted occurrences
// far below k1 count in proportion, as PostgreSQL's cover density does
// (migrations/postgres/0030_search_words.sql). rank then undoes bm25's
// division by the article's length (rankStats): on the Reuters-21578
// check, the length made one-line stories outrank those about the
// subject (docs/search.md).
const sqliteBM25 = `bm25(search_fts, 0.001, 0.0002, 0.0, 0.00002)`

// sqliteHeadBM25 ranks within titles and deks, with the same weights.
const sqliteHeadBM25 = `bm25(search_heads, 10.0, 4.0)`

// sqliteOpenBM25 ranks what everyone may read, with the same weights.
const sqliteOpenBM25 = `bm25(search_open, 0.001, 0.0002, 0.0, 0.00002)`

// bm25B is bm25's b, which FTS5 fixes.
const bm25B = 0.75

// ftsTables are the tables each article has a row in, by rowid; the
// last two hold titles and deks alone.
var ftsTables = []string{"search_fts", "search_open", "search_heads", "search_titles"}

// scopeTable returns the table that answers queries of scope sc and the
// expression of its rank.
func scopeTable(sc scope) (table, bm25 string) {
	switch sc {
	case scopeAll:
		return "search_fts", sqliteBM25
	case scopeOpen:
		return "search_open", sqliteOpenBM25
	}
	return "search_heads", sqliteHeadBM25
}

func (f sqliteFTS) index(ctx context.Context, t *tx, d *searchDoc) error {
	if err := f.unindex(ctx, t, d.id); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `INSERT INTO search_fts (rowid, title, dek, teaser, body) VALUES (?, ?, ?, ?, ?)`,
		d.id, d.title, d.dek, d.teaser, d.body); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `INSERT INTO search_open (rowid, title, dek, teaser, body) VALUES (?, ?, ?, ?, ?)`,
		d.id, d.title, d.dek, d.teaser, d.openBody()); err != nil {
		return err
	}
	for _, table := range ftsTables[2:] {
		if _, err := t.exec(ctx, `INSERT INTO `+table+` (rowid, title, dek) VALUES (?, ?, ?)`, d.id, d.title, d.dek); err != nil {
			return err
		}
	}
	return nil
}

// indexBatch writes each document as index does: FTS5 takes rows one at
// a time whatever the statement.
func (f sqliteFTS) indexBatch(ctx context.Context, t *tx, docs []*searchDoc) error {
	for _, d := range docs {
		if err := f.index(ctx, t, d); err != nil {
			return err
		}
	}
	return nil
}

func (sqliteFTS) unindex(ctx context.Context, t *tx, id int64) error {
	for _, table := range ftsTables {
		if _, err := t.exec(ctx, `DELETE FROM `+table+` WHERE rowid = ?`, id); err != nil {
			return err
		}
	}
	return nil
}

func (sqliteFTS) clear(ctx context.Context, t *tx) error {
	if _, err := t.exec(ctx, `DELETE FROM search_impacts`); err != nil {
		return err
	}
	return ftsCommand(ctx, t, "delete-all")
}

// ftsCommand runs one of FTS5's special INSERT commands on every table.
func ftsCommand(ctx context.Context, t *tx, command string) error {
	for _, table := range ftsTables {
		if _, err := t.exec(ctx, `INSERT INTO `+table+` (`+table+`) VALUES (?)`, command); err != nil {
			return err
		}
	}
	return nil
}

// optimize merges the index's segments into one, which a bulk load leaves
// in dozens; queries then read one b-tree per term.
func (sqliteFTS) optimize(ctx context.Context, t *tx) error {
	return ftsCommand(ctx, t, "optimize")
}

// ids reads every match as one comma-separated string: a row per match
// through database/sql costs more than FTS5 takes to find it.
func (sqliteFTS) ids(ctx context.Context, r reader, q *search.Query, sc scope) ([]int64, error) {
	table, _ := scopeTable(sc)
	var s sql.NullString
	err := r.row(ctx, `SELECT group_concat(rowid) FROM `+table+` WHERE `+table+` MATCH ?`, fts5Query(q, sc)).Scan(&s)
	return parseIDs(s.String), err
}

// among asks FTS5 for the matches among ids in one statement: the rowid
// constraint makes it look each id up in the terms' lists rather than
// walk them (30 ids: 0.2 ms for a word in every article). Not bm25, whose
// counts of the matches in the whole table FTS5 would compute again for
// each id of the list.
func (sqliteFTS) among(ctx context.Context, r reader, q *search.Query, ids []int64) ([]int64, error) {
	ph, args := placeholders(ids)
	var s sql.NullString
	err := r.row(ctx, `SELECT group_concat(rowid) FROM search_fts WHERE search_fts MATCH ?
		AND rowid IN (SELECT article_id FROM search_docs WHERE article_id IN `+ph+` AND access = 'metered')`,
		append([]any{fts5Query(q, scopeAll)}, args...)...).Scan(&s)
	return parseIDs(s.String), err
}

func (sqliteFTS) rank(ctx context.Context, r reader, q *search.Query, sc scope, st rankStats) (map[int64]float64, error) {
	// LIMIT -1 keeps SQLite from flattening the subquery, which would put
	// bm25() inside the aggregate where FTS5 cannot compute it.
	table, bm25 := scopeTable(sc)
	var s sql.NullString
	words, avg := "words", st.avgWords
	if sc == scopeOpen {
		words, avg = "open_words", st.avgOpenWords
	}
	if (sc == scopeAll || sc == scopeOpen) && avg > 0 {
		// bm25 divides each score by 1 - b + b × length / mean length;
		// multiplying by it leaves the weighted occurrences of the words
		// (each word's by its rarity). The lengths are the words of what
		// the index holds of each article (search_docs).
		err := r.row(ctx, `SELECT group_concat(f.id || ':' || (f.s * (? + ? * COALESCE(d.`+words+`, ?) / ?)))
			FROM (SELECT rowid AS id, -`+bm25+` AS s FROM `+table+` WHERE `+table+` MATCH ? LIMIT -1) f
			LEFT JOIN search_docs d ON d.article_id = f.id`,
			1-bm25B, bm25B, avg, avg, fts5RankQuery(q, sc)).Scan(&s)
		return parseScores(s.String), err
	}
	err := r.row(ctx, `SELECT group_concat(x) FROM (SELECT rowid || ':' || (-`+bm25+`) AS x
		FROM `+table+` WHERE `+table+` MATCH ? LIMIT -1)`, fts5Query(q, sc)).Scan(&s)
	return parseScores(s.String), err
}

// fts5RankQuery is q for ranking: the words of q, when it has several,
// are also asked for within a few words of each other, in an alternative
// every match already meets. The matches are the same; bm25 sums over
// every phrase of the query, so an article where the words stand
// together scores their nearness too, as PostgreSQL's cover density does.
// Only for scopeAll and scopeOpen, whose queries have no column filter.
func fts5RankQuery(q *search.Query, sc scope) string {
	base := fts5Query(q, sc)
	var words []string
	for _, c := range q.Must {
		if len(c) != 1 || c[0].Prefix || len(c[0].Words) != 1 {
			return base // an OR, a phrase or a prefix: as typed
		}
		words = append(words, c[0].Words[0])
	}
	if len(words) < 2 {
		return base
	}
	var b strings.Builder
	b.WriteString("NEAR(")
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fts5String(w))
	}
	fmt.Fprintf(&b, ", %d)", nearWords)
	whole, not, _ := strings.Cut(base, " NOT ")
	out := "(" + whole + " OR " + b.String() + ")"
	if not != "" {
		out += " NOT " + not
	}
	return out
}

// nearWords is how many other words may stand between a query's words
// for their nearness to count (fts5RankQuery).
const nearWords = 3

// heads are read a part at a time: bm25 over thousands of titles and
// deks is what the bounds of relevance are for.
func (e sqliteFTS) heads(ctx context.Context, r reader, q *search.Query) (heads, error) {
	return newLazyHeads(ctx, e, r, q)
}

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
	if sc == scopeTitle {
		// search_heads holds title and dek: scopeHead is all of it.
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
		writeFTS5Phrase(b, t)
	}
	b.WriteByte(')')
}

// writeFTS5Phrase writes one term: a word, or a phrase as a quoted
// string of several words. Very common words in a phrase hold their place
// without being matched, as on PostgreSQL: the positions of "the" in every
// document are what would make a phrase slow. The pieces between them are
// matched as phrases within the phrase's span (NEAR), in either order.
func writeFTS5Phrase(b *strings.Builder, t search.Term) {
	words := t.Words
	last := len(words) // a prefix is never dropped
	if t.Prefix {
		last--
	}
	lo, hi := 0, len(words)
	for lo < last && search.IsStopWord(words[lo]) {
		lo++
	}
	for hi > lo && hi <= last && search.IsStopWord(words[hi-1]) {
		hi--
	}
	if lo == hi { // only common words: the exact phrase
		lo, hi = 0, len(words)
	}
	words = words[lo:hi]
	prefix := t.Prefix && hi == len(t.Words)
	var groups [][]string
	start := -1
	for i, w := range words {
		if search.IsStopWord(w) && !(prefix && i == len(words)-1) {
			if start >= 0 {
				groups = append(groups, words[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		groups = append(groups, words[start:])
	}
	if len(groups) <= 1 {
		if len(groups) == 1 {
			words = groups[0]
		}
		b.WriteString(fts5String(strings.Join(words, " ")))
		if prefix {
			b.WriteString(" *")
		}
		return
	}
	b.WriteString("NEAR(")
	for i, g := range groups {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fts5String(strings.Join(g, " ")))
		if prefix && i == len(groups)-1 {
			b.WriteString(" *")
		}
	}
	// NEAR's distance counts the tokens between the first piece's end
	// and the last one's start.
	fmt.Fprintf(b, ", %d)", len(words)-len(groups[0])-len(groups[len(groups)-1]))
}

func fts5String(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
