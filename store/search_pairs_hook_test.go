package store

import (
	"fmt"
	"masthead/search"
	"strconv"
	"strings"
)

// PGHashText is the code's hashtextextended(s, 0), which the word pairs
// of phrases are made with on PostgreSQL (search_postgres_pairs.go).
func PGHashText(s string) int64 { return pgHashBytes([]byte(s)) }

// DocPairs is docPairs of a vector, given in PostgreSQL's text form, for
// a closed body: the pairs of the whole vector and of its positions of
// weights A, B and C.
func DocPairs(doc string) (pairs, openPairs string, err error) {
	ps, err := parseTSVector(doc, nil)
	if err != nil {
		return "", "", err
	}
	all, n := docPairs(ps, false, nil)
	return pgBigintArray(all[:n]), pgBigintArray(all[n:]), nil
}

// DocVector is the vector the code makes of an article's normalised
// title, dek, teaser and body (tsDoc), as a tsvector literal, and its
// pairs and those of its open document for a closed body.
func DocVector(title, dek, teaser, body string) (doc, pairs, openPairs string) {
	ps := tsDoc(newTSVec(tsLexicon{}), &searchDoc{title: title, dek: dek, teaser: teaser, body: body})
	all, n := docPairs(ps, false, nil)
	return tsLiteral(ps), pgBigintArray(all[:n]), pgBigintArray(all[n:])
}

// Lexeme is the lexeme the code makes of a normalised word, "" for a
// stop word.
func Lexeme(w string) string { return pgLexeme(w) }

// TSQuery is the tsquery literal of a query as typed (tsQuery), over
// the whole article.
func TSQuery(s string) string {
	q := search.Parse(s)
	return tsQuery(&q, scopeAll)
}

// PhrasePairs is the pairs of the phrases, each of words separated by
// spaces, as the code makes them for a query (tsPhrasePairs), as an
// array literal.
func PhrasePairs(phrases ...string) string {
	words := make([][]string, len(phrases))
	for i, p := range phrases {
		words[i] = strings.Split(p, " ")
	}
	return pgBigintArray(tsPhrasePairs(words))
}

// parseTSVector reads a tsvector in PostgreSQL's text form: quoted
// lexemes, a quote or a backslash inside doubled, each followed by its
// positions when it has any (`'settl':3,17B 'year':4A`), weight D
// unmarked. It appends every position to dst, lexeme by lexeme, as the
// vector holds them (lexemes in byte order).
func parseTSVector(s string, dst []tsPos) ([]tsPos, error) {
	bad := func(i int) error { return fmt.Errorf("store: tsvector: unexpected text at %d: %.20q", i, s[i:]) }
	var lex strings.Builder
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		if s[i] != '\'' {
			return dst, bad(i)
		}
		i++
		// The lexeme is a slice of s unless it holds an escape.
		from, lexeme, escaped := i, "", false
		lex.Reset()
		for {
			if i >= len(s) {
				return dst, bad(len(s))
			}
			c := s[i]
			if c == '\\' || (c == '\'' && i+1 < len(s) && s[i+1] == '\'') {
				if i+1 >= len(s) {
					return dst, bad(i)
				}
				if !escaped {
					lex.WriteString(s[from:i])
					escaped = true
				}
				lex.WriteByte(s[i+1])
				i += 2
				continue
			}
			if c == '\'' {
				lexeme = s[from:i]
				i++
				break
			}
			if escaped {
				lex.WriteByte(c)
			}
			i++
		}
		if escaped {
			lexeme = lex.String()
		}
		if i >= len(s) || s[i] != ':' {
			continue // no positions
		}
		i++
		for {
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			pos, err := strconv.Atoi(s[i:j])
			if err != nil {
				return dst, bad(i)
			}
			w := byte('D')
			if j < len(s) && s[j] >= 'A' && s[j] <= 'D' {
				w = s[j]
				j++
			}
			dst = append(dst, tsPos{lexeme: lexeme, pos: pos, weight: w})
			i = j
			if i >= len(s) || s[i] != ',' {
				break
			}
			i++
		}
	}
	return dst, nil
}

// tsLiteral writes the positions ps (lexeme by lexeme, as positions
// returns them) as a tsvector literal.
func tsLiteral(ps []tsPos) string {
	b := make([]byte, 0, 8*len(ps))
	for i, p := range ps {
		switch {
		case i == 0:
		case p.lexeme == ps[i-1].lexeme:
			b = append(b, ',')
		default:
			b = append(b, ' ')
		}
		if i == 0 || p.lexeme != ps[i-1].lexeme {
			b = appendTSLexeme(b, p.lexeme)
			b = append(b, ':')
		}
		b = strconv.AppendInt(b, int64(p.pos), 10)
		if p.weight != 'D' {
			b = append(b, p.weight)
		}
	}
	return string(b)
}
