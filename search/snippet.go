package search

import (
	"math/bits"
	"strings"
	"unicode/utf8"
)

// Part is a piece of a snippet: text that matched the query or text
// around it. Templates escape each part and wrap matches in <mark>, so a
// snippet never needs to be trusted HTML.
type Part struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// PartsText joins parts back into plain text.
func PartsText(ps []Part) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Text)
	}
	return b.String()
}

// span is a word of a text: its byte range.
type span struct{ start, end int }

func spans(text string) []span {
	out := make([]span, 0, len(text)/6)
	start := -1
	for i := 0; i < len(text); {
		c := text[i]
		size, word := 1, false
		if c < utf8.RuneSelf {
			word = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(text[i:])
			word = isWordRune(r)
		}
		if word && start < 0 {
			start = i
		} else if !word && start >= 0 {
			out = append(out, span{start, i})
			start = -1
		}
		i += size
	}
	if start >= 0 {
		out = append(out, span{start, len(text)})
	}
	return out
}

// matcher holds the query's terms with their words stemmed once.
type matcher struct {
	terms [][]string // stems (or, for a prefix's last word, the prefix)
	pfx   []bool
}

func newMatcher(terms []Term) matcher {
	var m matcher
	for _, t := range terms {
		st := make([]string, len(t.Words))
		for i, w := range t.Words {
			st[i] = Stem(w)
			if t.Prefix && i == len(t.Words)-1 {
				st[i] = w
			}
		}
		m.terms = append(m.terms, st)
		m.pfx = append(m.pfx, t.Prefix)
	}
	return m
}

// wordMatches reports whether the text word w matches the query word s (a
// stem, or a prefix). Most words of a text share no first letters with
// any query word; they are turned down before any folding or stemming.
func wordMatches(w, s string, prefix bool) bool {
	if len(w) > 0 && len(s) > 0 && w[0] < utf8.RuneSelf && s[0] < utf8.RuneSelf && w[0]|0x20 != s[0] {
		return false
	}
	f := Fold(w)
	if prefix {
		return strings.HasPrefix(f, s)
	}
	return f == s || Stem(f) == s
}

// at reports the term matching at word i, and how many words it covers.
func (m matcher) at(text string, ws []span, i int) (term, n int) {
	for k, st := range m.terms {
		if i+len(st) > len(ws) {
			continue
		}
		ok := true
		for j, s := range st {
			w := ws[i+j]
			if ok = wordMatches(text[w.start:w.end], s, m.pfx[k] && j == len(st)-1); !ok {
				break
			}
		}
		if ok {
			return k, len(st)
		}
	}
	return -1, 0
}

// Snippet cuts about size words from text around the passage where the
// most distinct query terms occur, with the matching words marked. Text
// without a match gives its opening words, unmarked. An ellipsis marks
// each side that was cut.
func Snippet(text string, terms []Term, size int) []Part {
	ws := spans(text)
	if len(ws) == 0 {
		return nil
	}
	m := newMatcher(terms)
	type hit struct{ pos, n, term int }
	var hits []hit
	for i := 0; i < len(ws); {
		if k, n := m.at(text, ws, i); k >= 0 {
			hits = append(hits, hit{i, n, k})
			i += n
			continue
		}
		i++
	}
	from := 0
	if len(hits) > 0 {
		// The window of size words starting at a hit that covers the
		// most distinct terms, then the most hits; earliest wins ties.
		best, bestDistinct, bestCount := 0, -1, -1
		for a := range hits {
			var seen uint64 // terms are fewer than 64 (MaxTerms)
			count := 0
			for b := a; b < len(hits) && hits[b].pos+hits[b].n <= hits[a].pos+size; b++ {
				seen |= 1 << (hits[b].term % 64)
				count++
			}
			if d := bits.OnesCount64(seen); d > bestDistinct || (d == bestDistinct && count > bestCount) {
				best, bestDistinct, bestCount = a, d, count
			}
		}
		from = hits[best].pos
		// Start at the beginning of the sentence when it is near, and
		// otherwise give the match a few words of context.
		back := max(from-size/3, 0)
		for j := from; j > back; j-- {
			if sentenceEnd(text[ws[j-1].end:ws[j].start]) {
				back = j
				break
			}
		}
		from = back
		if from > 0 && len(ws)-from < size {
			from = max(len(ws)-size, 0)
		}
	}
	to := min(from+size, len(ws))

	var parts []Part
	add := func(s string, match bool) {
		if s == "" {
			return
		}
		if n := len(parts); n > 0 && parts[n-1].Match == match {
			parts[n-1].Text += s
			return
		}
		parts = append(parts, Part{Text: s, Match: match})
	}
	if from > 0 {
		add("…", false)
	}
	pos := ws[from].start
	if from == 0 {
		pos = 0 // keep an opening quote or bracket
	}
	h := 0
	for h < len(hits) && hits[h].pos < from {
		h++
	}
	for ; h < len(hits) && hits[h].pos+hits[h].n <= to; h++ {
		a, b := ws[hits[h].pos].start, ws[hits[h].pos+hits[h].n-1].end
		add(text[pos:a], false)
		add(text[a:b], true)
		pos = b
	}
	end := ws[to-1].end
	if to == len(ws) {
		end = len(text)
	}
	add(text[pos:end], false)
	if to < len(ws) {
		add(" …", false)
	}
	return parts
}

// Highlight marks the query's terms in the whole of a short text, such as
// a title.
func Highlight(text string, terms []Term) []Part {
	n := len(spans(text))
	if n == 0 {
		return []Part{{Text: text}}
	}
	return Snippet(text, terms, n)
}

func sentenceEnd(gap string) bool { return strings.ContainsAny(gap, ".!?:;") }
