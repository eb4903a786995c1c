package store

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDocPairs makes the vector of an article of 1,500 words
// (about 600 distinct) as the write paths do: its lexemes, its literal,
// and the pairs of it and of its open document.
func BenchmarkDocPairs(b *testing.B) {
	words := make([]string, 1500)
	for i := range words {
		words[i] = fmt.Sprintf("word%c%c", 'a'+(i*7919)%600%26, 'a'+(i*7919)%600/26)
	}
	d := &searchDoc{title: strings.Join(words[:10], " "), dek: strings.Join(words[10:30], " "),
		teaser: strings.Join(words[30:100], " "), body: strings.Join(words[100:], " ")}
	v := newTSVec(tsLexicon{})
	for b.Loop() {
		ps := tsDoc(v, d)
		_ = tsLiteral(ps)
		docPairs(ps, false, nil)
	}
}
