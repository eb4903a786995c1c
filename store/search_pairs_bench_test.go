package store

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDocPairs reads the pairs of an article's vector of 1,500
// words (about 600 lexemes) as the write paths do, and of its open
// document.
func BenchmarkDocPairs(b *testing.B) {
	pos := map[string][]string{}
	var lexemes []string
	for i := range 1500 {
		w := fmt.Sprintf("lexem%d", (i*7919)%600)
		if _, ok := pos[w]; !ok {
			lexemes = append(lexemes, w)
		}
		weight := ""
		switch {
		case i < 10:
			weight = "A"
		case i < 30:
			weight = "B"
		case i < 100:
			weight = "C"
		}
		pos[w] = append(pos[w], fmt.Sprintf("%d%s", i+1, weight))
	}
	var sb strings.Builder
	for i, w := range lexemes {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString("'" + w + "':" + strings.Join(pos[w], ","))
	}
	doc := sb.String()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, _, err := docPairs(doc, false); err != nil {
			b.Fatal(err)
		}
	}
}
