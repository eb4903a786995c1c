package store

import (
	"context"
	"slices"
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

// compound is a pair of neighbouring single words of a query that may
// join: the first clause's index, the joined form, and its term in the
// impact lists.
type compound struct {
	at         int
	word, term string
}

// compounds returns the pairs of neighbouring single words of q whose
// joined form could be a word; none for a query of one word or of
// phrases only, which then asks the database nothing.
func compounds(q search.Query) []compound {
	single := func(c search.Clause) (string, bool) {
		if len(c) != 1 || c[0].Prefix || len(c[0].Words) != 1 {
			return "", false
		}
		w := c[0].Words[0]
		return w, !search.IsStopWord(w) && !isNumber(w)
	}
	var out []compound
	for i := 0; i+1 < len(q.Must); i++ {
		a, ok1 := single(q.Must[i])
		b, ok2 := single(q.Must[i+1])
		if w := a + b; ok1 && ok2 && len(w) >= minCompound && len(w) <= search.MaxWordBytes {
			if t := impactTerm(w); t != "" {
				out = append(out, compound{at: i, word: w, term: t})
			}
		}
	}
	return out
}

// usedCompounds reports which of cs the library uses as a word, in the
// impact lists of scope open (the open index) or of every body. Each
// term is a bound parameter of its own EXISTS, which stops at the
// term's first row in the index on (term, impact). A list of terms in
// one parameter (json_each, json_array_elements_text) joined against
// the table instead cost more on both engines, about twice as much on
// PostgreSQL (BenchmarkSearchCompound, join).
func (db *DB) usedCompounds(ctx context.Context, cs []compound, open bool) ([]bool, error) {
	col := "impact"
	if open {
		col = "open_impact"
	}
	exists := `EXISTS (SELECT 1 FROM search_impacts WHERE term = ? AND ` + col + ` > 0)`
	args := make([]any, len(cs))
	for i, c := range cs {
		args[i] = c.term
	}
	used := make([]bool, len(cs))
	dst := make([]any, len(cs))
	for i := range used {
		dst[i] = &used[i]
	}
	err := db.r.row(ctx, `SELECT `+exists+strings.Repeat(", "+exists, len(cs)-1), args...).Scan(dst...)
	return used, err
}

// withCompounds returns q with the joined form of each of cs used added
// to both of its clauses, and q itself when none is.
func withCompounds(q search.Query, cs []compound, used []bool) search.Query {
	if !slices.Contains(used, true) {
		return q
	}
	out := q
	out.Must = make([]search.Clause, len(q.Must))
	for i, c := range q.Must {
		out.Must[i] = c[:len(c):len(c)]
	}
	for i, c := range cs {
		if used[i] {
			t := search.Term{Words: []string{c.word}}
			out.Must[c.at] = append(out.Must[c.at], t)
			out.Must[c.at+1] = append(out.Must[c.at+1], t)
		}
	}
	return out
}
