package store

import (
	"slices"
	"strings"
	"unicode"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/jackc/pgx/v5/pgtype"
)

// The lexemes of PostgreSQL's search are made here, in Go, for the
// articles and for the queries alike (migrations/postgres/
// 0072_search_lexemes.sql). Text reaches them normalised
// (search.Normalize): lowercase words of letters and digits separated by
// single spaces. What PostgreSQL's parser and its 'english' configuration
// make of such text is simple, and done here as PostgreSQL 15 does it:
//
//   - every word takes one position, the first 1;
//   - a word of letters is an English stop word (pgStopWords), which
//     keeps its position but gives no lexeme, or is stemmed by Snowball's
//     English stemmer; a word holding a digit is its own lexeme;
//   - a word of more than 2,047 bytes is dropped, without a position;
//   - positions past 16,383 are 16,383, and a lexeme keeps its first 255
//     positions in a vector of one text and its first 256 when vectors
//     are concatenated.
//
// The server then only reads each vector's literal, which costs a small
// part of to_tsvector, and the word pairs of phrases are made from the
// same positions without the vector's text going back and forth. The
// queries are written as lexemes too (tsQuery), so the two sides agree
// whatever the stemmer makes of a word; that they also agree with
// to_tsvector on real text is what the tests measure.

const (
	// pgMaxWord is the longest word PostgreSQL's parser indexes, in
	// bytes.
	pgMaxWord = 2047
	// pgMaxPos is the last position a vector holds; later words share
	// it.
	pgMaxPos = 16383
	// pgPartPositions and pgMaxPositions are the positions a lexeme
	// keeps in the vector of one text (to_tsvector) and in a
	// concatenation of vectors (||).
	pgPartPositions = 255
	pgMaxPositions  = 256
)

// pgStopWords are the words of PostgreSQL's english.stop, which its
// 'english' configuration indexes without a lexeme.
var pgStopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`i me my myself we our ours ourselves you your yours yourself yourselves
		he him his himself she her hers herself it its itself they them their theirs themselves what which who
		whom this that these those am is are was were be been being have has had having do does did doing a an
		the and but if or because as until while of at by for with about against between into through during
		before after above below to from up down in out on off over under again further then once here there
		when where why how all any both each few more most other some such no nor not only own same so than too
		very s t can will just don should now`) {
		m[w] = true
	}
	return m
}()

// pgPlaced reports whether the word w takes a position, in an article's
// vector (tsVec.add) as in a query's phrase (appendTSTerm): every word
// does, a stop word included, which keeps its place without a lexeme
// (the war of the worlds: 'war' <3> 'world'), but an empty one and one
// longer than the parser indexes.
func pgPlaced(w string) bool { return w != "" && len(w) <= pgMaxWord }

// pgLexeme returns the lexeme of a normalised word, "" for a stop word.
func pgLexeme(w string) string {
	for _, r := range w {
		if unicode.IsNumber(r) {
			return w
		}
	}
	if pgStopWords[w] {
		return ""
	}
	env := snowballstem.NewEnv(w)
	english.Stem(env)
	return env.Current()
}

// tsLexicon remembers the lexemes of the words it has seen: a batch of
// articles holds a few thousand words in hundreds of thousands of
// places.
type tsLexicon map[string]string

func (x tsLexicon) lexeme(w string) string {
	l, ok := x[w]
	if !ok {
		l = pgLexeme(w)
		x[w] = l
	}
	return l
}

// tsVec is a tsvector made in Go: each lexeme with its positions, in the
// order they were added. One is reused from article to article (reset).
type tsVec struct {
	lex     tsLexicon
	byWord  map[string]int // word → entries, -1 for a stop word
	index   map[string]int // lexeme → entries
	entries []tsEntry
	max     int   // the greatest position held
	touched []int // the entries of the part being added
}

type tsEntry struct {
	lexeme string
	pos    []tsPos // ascending
	part   []int   // the positions of the part being added
}

func newTSVec(lex tsLexicon) *tsVec {
	return &tsVec{lex: lex, byWord: map[string]int{}, index: map[string]int{}}
}

// reset empties v for another vector, keeping its memory.
func (v *tsVec) reset() {
	clear(v.byWord)
	clear(v.index)
	for i := range v.entries {
		v.entries[i].pos = v.entries[i].pos[:0]
	}
	v.entries, v.max = v.entries[:0], 0
}

// add appends the vector of the words of a text (search.Words), with
// weight, as
// `v || setweight(to_tsvector('english', text), weight)` does: the
// positions of text follow the greatest of v.
func (v *tsVec) add(words []string, weight byte) {
	pos := 0
	v.touched = v.touched[:0]
	for _, w := range words {
		if !pgPlaced(w) {
			continue
		}
		pos++
		i, ok := v.byWord[w]
		if !ok {
			i = v.entry(v.lex.lexeme(w))
			v.byWord[w] = i
		}
		if i < 0 {
			continue
		}
		e := &v.entries[i]
		p := min(pos, pgMaxPos)
		switch n := len(e.part); {
		case n == 0:
			v.touched = append(v.touched, i)
			e.part = append(e.part, p)
		case n < pgPartPositions && e.part[n-1] != pgMaxPos && e.part[n-1] != p:
			e.part = append(e.part, p)
		}
	}
	offset := v.max
	for _, i := range v.touched {
		e := &v.entries[i]
		for _, p := range e.part {
			if n := len(e.pos); n >= pgMaxPositions || (n > 0 && e.pos[n-1].pos == pgMaxPos) {
				break
			}
			p = min(p+offset, pgMaxPos)
			e.pos = append(e.pos, tsPos{lexeme: e.lexeme, pos: p, weight: weight})
			v.max = max(v.max, p)
		}
		e.part = e.part[:0]
	}
}

// entry returns the index of lexeme l's entry, made if new, or -1 for
// no lexeme.
func (v *tsVec) entry(l string) int {
	if l == "" {
		return -1
	}
	i, ok := v.index[l]
	if !ok {
		i = len(v.entries)
		v.index[l] = i
		if i < cap(v.entries) {
			// An entry of an earlier vector: its slices are reused.
			v.entries = v.entries[:i+1]
			v.entries[i].lexeme = l
		} else {
			v.entries = append(v.entries, tsEntry{lexeme: l})
		}
	}
	return i
}

// positions returns every position of v, lexeme by lexeme in byte order,
// as parseTSVector reads them from the vector's text.
func (v *tsVec) positions() []tsPos {
	order := make([]int, 0, len(v.entries))
	n := 0
	for i, e := range v.entries {
		if len(e.pos) > 0 {
			order = append(order, i)
			n += len(e.pos)
		}
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(v.entries[a].lexeme, v.entries[b].lexeme) })
	ps := make([]tsPos, 0, n)
	for _, i := range order {
		ps = append(ps, v.entries[i].pos...)
	}
	return ps
}

// tsVector returns the positions ps (lexeme by lexeme in byte order, as
// positions returns them) as a tsvector value, which pgx sends in
// PostgreSQL's binary form: the server reads it as given, where a
// literal had to be parsed, quotes and all. The lexemes are already in
// the server's order and each one's positions increase, as the binary
// form requires, so nothing is sorted on arrival. Each lexeme's
// positions are a slice of one array, appended to in place.
func tsVector(ps []tsPos) pgtype.TSVector {
	n := 0
	for i, p := range ps {
		if i == 0 || p.lexeme != ps[i-1].lexeme {
			n++
		}
	}
	lexemes := make([]pgtype.TSVectorLexeme, 0, n)
	positions := make([]pgtype.TSVectorPosition, len(ps))
	for i, p := range ps {
		if i == 0 || p.lexeme != ps[i-1].lexeme {
			lexemes = append(lexemes, pgtype.TSVectorLexeme{Word: p.lexeme, Positions: positions[i:i]})
		}
		l := &lexemes[len(lexemes)-1]
		l.Positions = append(l.Positions, pgtype.TSVectorPosition{Position: uint16(p.pos), Weight: pgtype.TSVectorWeight(p.weight)})
	}
	return pgtype.TSVector{Lexemes: lexemes, Valid: true}
}

// appendTSLexeme appends l quoted, a quote or a backslash in it doubled
// or escaped, as tsvector and tsquery literals read it.
func appendTSLexeme(b []byte, l string) []byte {
	b = append(b, '\'')
	for i := 0; i < len(l); i++ {
		switch c := l[i]; c {
		case '\'':
			b = append(b, '\'', '\'')
		case '\\':
			b = append(b, '\\', '\\')
		default:
			b = append(b, c)
		}
	}
	return append(b, '\'')
}
