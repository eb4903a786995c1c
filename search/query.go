package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a query may hold. Longer input is cut, not refused: a
// reader who pastes a paragraph gets results for its start, never an
// error page, and no query can make the engines do unbounded work.
const (
	// MaxQueryBytes is how much of the input Parse reads.
	MaxQueryBytes = 256
	// MaxTerms bounds the terms and phrases of a query.
	MaxTerms = 12
	// MaxPhraseWords bounds the words of one phrase.
	MaxPhraseWords = 8
	// MaxWordBytes bounds a word; longer ones are cut. No language has
	// words that long; pasted hashes and URLs do.
	MaxWordBytes = 48
)

// Query is a parsed search: every clause must match, none of the
// excluded terms may.
type Query struct {
	// Must lists clauses that must all match.
	Must []Clause
	// Not lists terms that must not match.
	Not []Term
	// Truncated is set when the input was longer than the limits.
	Truncated bool
	// Dropped lists the very common words (stop words) left out.
	Dropped []string
}

// Clause is one or more terms of which any may match (OR).
type Clause []Term

// Term is a word or a phrase.
type Term struct {
	// Words are folded words; more than one make a phrase, matched in
	// order and next to each other.
	Words []string
	// Prefix is set when the last word is a prefix ("unemploy*").
	Prefix bool
}

// Phrase reports whether t has more than one word.
func (t Term) Phrase() bool { return len(t.Words) > 1 }

// String writes t in the syntax Parse reads.
func (t Term) String() string {
	s := strings.Join(t.Words, " ")
	// A lone stop word is quoted, or parsing it again would drop it.
	if t.Phrase() || (!t.Prefix && IsStopWord(s)) {
		s = `"` + s + `"`
	}
	if t.Prefix {
		s += "*"
	}
	return s
}

// Empty reports whether q has nothing to search for. A query of
// exclusions alone is empty: it would list the whole library.
func (q Query) Empty() bool { return len(q.Must) == 0 }

// String writes q in the syntax Parse reads, in a normal form: parsing it
// again gives the same Query.
func (q Query) String() string {
	var parts []string
	for _, c := range q.Must {
		var alts []string
		for _, t := range c {
			alts = append(alts, t.String())
		}
		parts = append(parts, strings.Join(alts, " OR "))
	}
	for _, t := range q.Not {
		parts = append(parts, "-"+t.String())
	}
	return strings.Join(parts, " ")
}

// Terms returns every positive term, for highlighting.
func (q Query) Terms() []Term {
	var out []Term
	for _, c := range q.Must {
		out = append(out, c...)
	}
	return out
}

// token is one lexical item of the input.
type token struct {
	words  []string
	quoted bool // came from "…"
	neg    bool // preceded by -
	prefix bool // followed by *
	or     bool // the OR operator
}

// Parse reads a reader's query: words (all must match), "exact phrases",
// -exclusions (of a word or a phrase), OR between two terms (binding
// tighter than the implicit AND, as in web search), and a trailing * for
// a prefix. It never fails: unbalanced quotes close at the end, operators
// with nothing to apply to are ignored, and any other punctuation
// separates words. Very common words (stop words) are left out of plain
// terms, as PostgreSQL does, so both engines match the same; they stay in
// phrases.
func Parse(s string) Query {
	var q Query
	if len(s) > MaxQueryBytes {
		s = s[:MaxQueryBytes]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		q.Truncated = true
	}
	s = strings.ToValidUTF8(s, " ")
	toks := lex(s)

	terms := 0
	var pending Clause // the clause being built
	orNext := false    // the last token was OR
	flush := func() {
		if len(pending) > 0 {
			q.Must = append(q.Must, pending)
			pending = nil
		}
	}
	for _, tk := range toks {
		if tk.or {
			orNext = len(pending) > 0
			continue
		}
		t, ok := q.term(tk)
		if !ok {
			orNext = false
			continue
		}
		if terms >= MaxTerms {
			q.Truncated = true
			break
		}
		terms++
		if tk.neg {
			q.Not = append(q.Not, t)
			orNext = false
			continue
		}
		if orNext {
			pending = append(pending, t)
		} else {
			flush()
			pending = Clause{t}
		}
		orNext = false
	}
	flush()
	q.dedupe()
	return q
}

// term turns a token into a Term, leaving out stop words of plain terms.
// A word that the tokenizer splits ("covid-19", "U.S.") is a phrase, as a
// reader means it.
func (q *Query) term(tk token) (Term, bool) {
	words := tk.words
	if len(words) == 0 {
		return Term{}, false
	}
	if len(words) > MaxPhraseWords {
		words = words[:MaxPhraseWords]
		q.Truncated = true
	}
	for i, w := range words {
		if len(w) > MaxWordBytes {
			w = w[:MaxWordBytes]
			for !utf8.ValidString(w) {
				w = w[:len(w)-1]
			}
			words[i] = w
			q.Truncated = true
		}
	}
	t := Term{Words: words, Prefix: tk.prefix}
	if len(words) == 1 && !tk.quoted && !tk.prefix && !tk.neg && IsStopWord(words[0]) {
		q.Dropped = append(q.Dropped, words[0])
		return Term{}, false
	}
	return t, true
}

// dedupe removes repeated clauses and exclusions, which would only make
// the engines do the same work twice.
func (q *Query) dedupe() {
	seen := map[string]bool{}
	must := q.Must[:0]
	for _, c := range q.Must {
		k := Query{Must: []Clause{c}}
		if key := k.String(); !seen[key] {
			seen[key] = true
			must = append(must, c)
		}
	}
	q.Must = must
	not := q.Not[:0]
	for _, t := range q.Not {
		if key := "-" + t.String(); !seen[key] {
			seen[key] = true
			not = append(not, t)
		}
	}
	q.Not = not
	if len(q.Must) == 0 {
		q.Must = nil
	}
	if len(q.Not) == 0 {
		q.Not = nil
	}
}

// lex splits the input into tokens. Only ", -, * and the word OR (or |)
// mean anything; every other character is text or a separator.
func lex(s string) []token {
	var toks []token
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			end := strings.IndexByte(s[i+1:], '"')
			var body string
			if end < 0 {
				body, i = s[i+1:], len(s)
			} else {
				body, i = s[i+1:i+1+end], i+1+end+1
			}
			tk := token{words: Words(body), quoted: true}
			if i < len(s) && s[i] == '*' {
				tk.prefix = true
				i++
			}
			toks = append(toks, tk)
		case r == '|':
			toks = append(toks, token{or: true})
			i += size
		case r == '-' && (i == 0 || isSpaceBefore(s, i)) && i+1 < len(s) && (s[i+1] == '"' || startsWord(s[i+1:])):
			// An exclusion: the next token, quoted or not, is negated.
			sub := lex(s[i+1 : i+1+tokenLen(s[i+1:])])
			i += 1 + tokenLen(s[i+1:])
			if len(sub) > 0 && !sub[0].or {
				sub[0].neg = true
				toks = append(toks, sub[0])
			}
		case isWordRune(r) || r == '\'' || r == '.' || r == '-' || r == '_' || r == '@' || r == '&' || r == '/' || r == '+' || r == '#':
			// A run of non-space text: one token, possibly of several
			// words ("covid-19", "U.S.") that make a phrase.
			n := tokenLen(s[i:])
			raw := s[i : i+n]
			i += n
			tk := token{}
			if strings.HasSuffix(raw, "*") {
				raw = strings.TrimRight(raw, "*")
				tk.prefix = true
			}
			if raw == "OR" {
				toks = append(toks, token{or: true})
				continue
			}
			tk.words = Words(raw)
			if len(tk.words) > 1 {
				tk.quoted = true
			}
			toks = append(toks, tk)
		default:
			i += size
		}
	}
	return toks
}

// tokenLen is the length of the run of text at the start of s: up to a
// space, a quote or a bar.
func tokenLen(s string) int {
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return len(s)
		}
		n := 1 + end + 1
		if n < len(s) && s[n] == '*' {
			n++
		}
		return n
	}
	for i, r := range s {
		if unicode.IsSpace(r) || r == '"' || r == '|' || r == '(' || r == ')' {
			return i
		}
	}
	return len(s)
}

func startsWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isWordRune(r)
}

func isSpaceBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsSpace(r) || r == '(' || r == '"'
}
