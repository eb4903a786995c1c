package store

import (
	"context"
	"strings"

	"masthead/search"
)

// Words a reader types apart that the library writes as one: "soy oil"
// and "soyoil", "web site" and "website", "health care" and
// "healthcare". Two neighbouring words of a query, each a clause of its
// own, also match their joined form when the library uses it: the
// clauses a and b become (a OR ab) and (b OR ab), which match exactly
// the articles holding both words or the joined one. Whether the joined
// form is used is read from the impact lists (a word an article uses
// twice, or once in its title or dek), over what the reader may read, so
// a word used once in passing or only past the wall joins nothing. The
// reverse, a word typed whole that the library splits, is not tried:
// where to split is a guess.

// minCompound is the shortest joined form tried: shorter ones ("a" +
// "to") are more often chance than a word.
const minCompound = 5

// joinCompounds returns q with the joined form of each pair of
// neighbouring single words the library uses as a word added to both
// clauses, and q itself when there is none.
func (db *DB) joinCompounds(ctx context.Context, q search.Query, open bool) (search.Query, error) {
	single := func(c search.Clause) (string, bool) {
		if len(c) != 1 || c[0].Prefix || len(c[0].Words) != 1 {
			return "", false
		}
		w := c[0].Words[0]
		return w, !search.IsStopWord(w) && !isNumber(w)
	}
	type pair struct {
		at   int // the first clause's index
		word string
	}
	var pairs []pair
	for i := 0; i+1 < len(q.Must); i++ {
		a, ok1 := single(q.Must[i])
		b, ok2 := single(q.Must[i+1])
		if w := a + b; ok1 && ok2 && len(w) >= minCompound && len(w) <= search.MaxWordBytes {
			pairs = append(pairs, pair{i, w})
		}
	}
	if len(pairs) == 0 {
		return q, nil
	}
	col := "impact"
	if open {
		col = "open_impact"
	}
	var b strings.Builder
	args := make([]any, 0, len(pairs))
	for i, p := range pairs {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString(`SELECT CAST(? AS TEXT) AS term`)
		args = append(args, impactTerm(p.word))
	}
	rows, err := db.r.query(ctx, `SELECT c.term FROM (`+b.String()+`) c
		WHERE EXISTS (SELECT 1 FROM search_impacts i WHERE i.term = c.term AND i.`+col+` > 0)`, args...)
	if err != nil {
		return q, err
	}
	defer rows.Close()
	used := map[string]bool{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return q, err
		}
		used[t] = true
	}
	if err := rows.Err(); err != nil || len(used) == 0 {
		return q, err
	}
	out := q
	out.Must = make([]search.Clause, len(q.Must))
	for i, c := range q.Must {
		out.Must[i] = c[:len(c):len(c)]
	}
	for _, p := range pairs {
		if used[impactTerm(p.word)] {
			t := search.Term{Words: []string{p.word}}
			out.Must[p.at] = append(out.Must[p.at], t)
			out.Must[p.at+1] = append(out.Must[p.at+1], t)
		}
	}
	return out, nil
}
