package store

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"masthead/search"
)

// Impact lists bound the ranking of queries that match much of the
// library. Ranking counts each article's occurrences of the query's words,
// a word in the title as fifty in the body and one in the dek as ten; to
// rank every match of a common word would read thousands of documents.
// So every write of an article also writes its words with their weighted
// occurrences (its impacts) to search_impacts (migration 0038), indexed by
// word and impact. A query with more matches than rankLimit reads the
// best impactCandidates articles of each of its words from that index,
// keeps those that match, and scores them in Go as ranking does: each
// word's weighted occurrences times its rarity. The work is bounded by the
// number of words, whatever the number of matches, and the candidates are
// the articles most about the words, not the newest.
//
// Words are folded, lightly stemmed (search.Stem) and stop words left
// out, the same for the articles and the query; an article whose stem
// differs from the engine's (Porter's, Snowball's) is still matched by the
// engine, and only its place among the candidates depends on the stem.

const (
	// impactTitle and impactDek are what an occurrence in the title and
	// the dek count, an occurrence in the body counting 1: the weights of
	// the ranking (title 1, dek 0.2, body 0.02).
	impactTitle = 50
	impactDek   = 10
	// impactFloor is the least impact kept: a word used once in the body
	// of an article is in thousands and tells nothing of it.
	impactFloor = 2
	// impactsPerArticle bounds the words kept of an article: its most
	// used ones.
	impactsPerArticle = 48
	// impactCandidates is how many of a word's best articles a query
	// reads.
	impactCandidates = 400
	// impactDFCap bounds the count of a word's articles, for its rarity:
	// beyond it a word is common and counting more costs more.
	impactDFCap = 3000
)

// docImpact is one word of an article with its weighted occurrences in
// the full text and in what everyone may read.
type docImpact struct {
	term       string
	full, open int
}

// impactTerm is the form of a folded word in the impact lists, "" for a
// word left out.
func impactTerm(w string) string {
	if len(w) < 2 || search.IsStopWord(w) {
		return ""
	}
	return search.Stem(w)
}

// impactLists makes articles' impact lists (docImpacts), one after
// another: its maps and list are kept from one article to the next, so
// a batch grows them once rather than every article growing its own
// (a third of the time of making the lists).
type impactLists struct {
	// byTerm holds each term's index in list; byWord, each word's, or -1
	// for a word left out, which spares a word met again its stemming
	// and its term's lookup.
	byTerm, byWord map[string]int
	list           []docImpact
}

// docImpacts returns the impacts kept of d, the greatest first.
func (m *impactLists) docImpacts(d *searchDoc) []docImpact {
	if m.byTerm == nil {
		m.byTerm, m.byWord = map[string]int{}, map[string]int{}
	}
	clear(m.byTerm)
	clear(m.byWord)
	m.list = m.list[:0]
	add := func(words []string, weight int, open bool) {
		for _, w := range words {
			i, ok := m.byWord[w]
			if !ok {
				i = -1
				if t := impactTerm(w); t != "" {
					if i, ok = m.byTerm[t]; !ok {
						i = len(m.list)
						m.list = append(m.list, docImpact{term: t})
						m.byTerm[t] = i
					}
				}
				m.byWord[w] = i
			}
			if i < 0 {
				continue
			}
			m.list[i].full += weight
			if open {
				m.list[i].open += weight
			}
		}
	}
	ws := d.textWords()
	add(ws[0], impactTitle, true)
	add(ws[1], impactDek, true)
	add(ws[3], 1, d.openBody() != "")
	out := make([]docImpact, 0, len(m.list))
	for _, im := range m.list {
		if im.full >= impactFloor {
			out = append(out, im)
		}
	}
	slices.SortFunc(out, func(a, b docImpact) int {
		if a.full != b.full {
			return b.full - a.full
		}
		return strings.Compare(a.term, b.term)
	})
	return out[:min(len(out), impactsPerArticle)]
}

// impactsFromArrays writes a batch's impact lists from four arrays (terms,
// article ids, impacts, open impacts) in one statement, on the engines
// that take arrays as parameters: a reindex writes 2.4 million rows on
// the 50,000-article demo library, and as rows of values they were 4,800
// statements of 2,000 parameters, each parsed and planned by the server.
// Elsewhere the rows go 500 a statement.
var impactsFromArrays = map[*dialect]string{
	postgresDialect: `INSERT INTO search_impacts (term, article_id, impact, open_impact)
		SELECT * FROM unnest(?::text[], ?::bigint[], ?::int[], ?::int[])`,
}

// writeImpacts writes the impact lists of docs; replace removes their
// earlier ones first.
func (t *tx) writeImpacts(ctx context.Context, docs []*searchDoc, replace bool) error {
	if len(docs) == 0 {
		return nil
	}
	if replace {
		ids := make([]int64, len(docs))
		for i, d := range docs {
			ids[i] = d.id
		}
		ph, args := placeholders(ids)
		if _, err := t.exec(ctx, `DELETE FROM search_impacts WHERE article_id IN `+ph, args...); err != nil {
			return err
		}
	}
	if q, ok := impactsFromArrays[t.p.d]; ok {
		var (
			terms        []string
			ids          []int64
			full, opened []int32
		)
		var m impactLists
		for _, d := range docs {
			for _, im := range m.docImpacts(d) {
				terms, ids = append(terms, im.term), append(ids, d.id)
				full, opened = append(full, int32(im.full)), append(opened, int32(im.open))
			}
		}
		_, err := t.exec(ctx, q, terms, ids, full, opened)
		return err
	}
	const rowsPerStatement = 500
	var b strings.Builder
	args := make([]any, 0, 4*rowsPerStatement)
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := t.exec(ctx, b.String(), args...)
		b.Reset()
		args, n = args[:0], 0
		return err
	}
	var m impactLists
	for _, d := range docs {
		for _, im := range m.docImpacts(d) {
			if n == 0 {
				b.WriteString(`INSERT INTO search_impacts (term, article_id, impact, open_impact) VALUES `)
			} else {
				b.WriteByte(',')
			}
			b.WriteString(`(?, ?, ?, ?)`)
			args = append(args, im.term, d.id, im.full, im.open)
			if n++; n == rowsPerStatement {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// impactWords returns the impact terms of the words every match holds
// some of: each clause's words (an OR's alternatives together), a
// prefix's last word left out. nil means the query has none, and is
// ranked as before.
func impactWords(q *search.Query) []string {
	var out []string
	for _, c := range q.Must {
		for _, tm := range c {
			words := tm.Words
			if tm.Prefix {
				words = words[:len(words)-1]
			}
			for _, w := range words {
				if t := impactTerm(w); t != "" && !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

// impactRank scores the best candidates of q's words that are among
// matches: the bounded ranking of a query with many matches. open ranks
// what everyone may read. It returns nil when the query has no words the
// lists hold (a prefix alone) or none of their candidates match.
func (db *DB) impactRank(ctx context.Context, q *search.Query, open bool, matches []int64) (map[int64]float64, error) {
	terms := impactWords(q)
	if len(terms) == 0 || len(matches) == 0 {
		return nil, nil
	}
	col := "impact"
	if open {
		col = "open_impact"
	}
	// One statement: each word's best articles, and, when there are
	// several words, the count of each one's articles up to impactDFCap
	// (its rarity), both read along the word's index.
	var b strings.Builder
	args := make([]any, 0, 4*len(terms))
	for i, t := range terms {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString(`SELECT * FROM (SELECT CAST(? AS INTEGER) AS k, article_id, ` + col + ` AS v FROM search_impacts
			WHERE term = ? AND ` + col + ` > 0 ORDER BY ` + col + ` DESC, article_id LIMIT ?) c` + strconv.Itoa(i))
		args = append(args, i, t, impactCandidates)
		if len(terms) > 1 { // one word's rarity orders nothing
			b.WriteString(` UNION ALL SELECT CAST(? AS INTEGER), -1, COUNT(*) FROM (SELECT 1 AS one FROM search_impacts
			WHERE term = ? AND ` + col + ` > 0 LIMIT ?) n` + strconv.Itoa(i))
			args = append(args, i, t, impactDFCap)
		}
	}
	rows, err := db.r.query(ctx, b.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type list struct {
		got map[int64]int
		df  int
	}
	lists := make([]list, len(terms))
	for i := range lists {
		lists[i].got = map[int64]int{}
	}
	cand := map[int64]bool{}
	for rows.Next() {
		var k int
		var id int64
		var v int
		if err := rows.Scan(&k, &id, &v); err != nil {
			return nil, err
		}
		if k < 0 || k >= len(lists) {
			continue
		}
		if id == -1 {
			lists[k].df = v
			continue
		}
		lists[k].got[id] = v
		cand[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	// Only candidates that match the query count.
	var ids []int64
	for _, id := range matches {
		if cand[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	// A candidate of one word that is not among another's best: its
	// impact for that word, read by article, else under the floor.
	if len(terms) > 1 {
		var missing []int64
		for _, id := range ids {
			for _, l := range lists {
				if _, ok := l.got[id]; !ok && len(l.got) >= impactCandidates {
					missing = append(missing, id)
					break
				}
			}
		}
		if len(missing) > 0 {
			idPH, idArgs := placeholders(missing)
			termArgs := make([]any, len(terms))
			for i, t := range terms {
				termArgs[i] = t
			}
			// Along the key (article, word).
			rows, err := db.r.query(ctx, `SELECT term, article_id, `+col+` FROM search_impacts
				WHERE article_id IN `+idPH+` AND term IN (`+strings.TrimSuffix(strings.Repeat("?,", len(terms)), ",")+`)`,
				append(idArgs, termArgs...)...)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			for rows.Next() {
				var t string
				var id int64
				var v int
				if err := rows.Scan(&t, &id, &v); err != nil {
					return nil, err
				}
				if i := slices.Index(terms, t); i >= 0 {
					lists[i].got[id] = v
				}
			}
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	n := float64(max(db.facets.size(), 1))
	scores := make(map[int64]float64, len(ids))
	for _, id := range ids {
		var s float64
		for _, l := range lists {
			df := float64(max(l.df, len(l.got)))
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			v, ok := l.got[id]
			if !ok {
				v = 1 // a match not kept: under the floor
			}
			s += idf * float64(v)
		}
		scores[id] = s
	}
	return scores, nil
}
