// Package search parses what readers type into a search box and cuts
// highlighted snippets from text. It is pure Go and knows nothing of the
// database: the store translates a parsed Query into each engine's own
// query language, quoting every word, so no reader input ever reaches an
// engine's parser as syntax.
package search

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Words splits s into words the way the engines' tokenizers do (SQLite's
// unicode61, PostgreSQL's parser after Normalize): runs of letters and
// digits, lowercased and with common diacritics removed. Everything else
// separates words.
func Words(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, Fold(s[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, Fold(s[start:]))
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// Fold lowercases w and removes the diacritics of Latin letters, so that
// "Café" and "cafe" are one word on both engines.
func Fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= utf8.RuneSelf || (c >= 'A' && c <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range w {
		r = unicode.ToLower(r)
		if f, ok := foldLatin[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// foldLatin maps accented Latin letters to their base letters, as SQLite's
// remove_diacritics does for letters that decompose.
var foldLatin = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'ç': "c", 'ć': "c", 'č': "c", 'ĉ': "c", 'ċ': "c", 'ď': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ė': "e", 'ę': "e", 'ě': "e",
	'ğ': "g", 'ģ': "g", 'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'į': "i", 'ı': "i",
	'ķ': "k", 'ĺ': "l", 'ļ': "l", 'ľ': "l", 'ñ': "n", 'ń': "n", 'ņ': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'ö': "o", 'õ': "o", 'ō': "o", 'ő': "o",
	'ŕ': "r", 'ř': "r", 'ś': "s", 'ş': "s", 'š': "s", 'ș': "s", 'ţ': "t", 'ť': "t", 'ț': "t",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u", 'ų': "u",
	'ý': "y", 'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
}

// Normalize rewrites text as its words separated by single spaces. The
// PostgreSQL index is built from normalised text so that its lexemes are
// the words Parse produces: its own parser would otherwise keep "U.S." or
// "covid-19" whole where a reader's query splits them.
func Normalize(s string) string { return strings.Join(Words(s), " ") }

// HTMLText returns the text of an HTML fragment: tags dropped (block
// boundaries become line breaks), entities decoded, runs of spaces
// squeezed. It reads only well-formed sanitised HTML as the store writes
// it; it is not a general parser.
func HTMLText(h string) string {
	var b strings.Builder
	b.Grow(len(h))
	space := false
	emit := func(s string) {
		for i := 0; i < len(s); {
			c := s[i]
			if c < utf8.RuneSelf {
				i++
				if c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v' {
					space = true
					continue
				}
				if space && b.Len() > 0 {
					b.WriteByte(' ')
				}
				space = false
				b.WriteByte(c)
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if unicode.IsSpace(r) {
				space = true
				continue
			}
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteString(s[i-size : i])
		}
	}
	for len(h) > 0 {
		i := strings.IndexByte(h, '<')
		if i < 0 {
			emit(unescape(h))
			break
		}
		emit(unescape(h[:i]))
		j := strings.IndexByte(h[i:], '>')
		if j < 0 {
			break
		}
		// Block tags separate words (</p><p>, <br>); inline ones such as
		// <em> may sit inside a word and must not split it.
		if blockTag(h[i+1 : i+j]) {
			space = true
		}
		h = h[i+j+1:]
	}
	return b.String()
}

func unescape(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	return html.UnescapeString(s)
}

// blockTag reports whether the tag (the text between < and >) starts or
// ends an element that separates words.
func blockTag(tag string) bool {
	tag = strings.TrimPrefix(tag, "/")
	if k := strings.IndexAny(tag, " \t\n/"); k >= 0 {
		tag = tag[:k]
	}
	switch strings.ToLower(tag) {
	case "a", "abbr", "b", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q",
		"s", "small", "span", "strong", "sub", "sup", "u", "var":
		return false
	}
	return true
}
