package store

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"masthead/search"
)

// TestCompounds: the pairs a query may join, each with its impact term;
// a query that cannot join (one word, a phrase, a prefix, a stop word or
// a number beside) has none, and so asks the database nothing.
func TestCompounds(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []compound
	}{
		{"soy oil prices", []compound{
			{at: 0, word: "soyoil", term: search.Stem("soyoil")},
			{at: 1, word: "oilprices", term: search.Stem("oilprices")},
		}},
		{"health care", []compound{{at: 0, word: "healthcare", term: search.Stem("healthcare")}}},
		{"harvest", nil},
		{`"soy oil"`, nil},
		{"soy oil*", nil},
		{"the oil", nil},
		{"oil 2024", nil},
		{"a to", nil}, // shorter than minCompound
		{"soy OR oil", nil},
	} {
		got := compounds(search.Parse(tc.text))
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(compound{})); diff != "" {
			t.Errorf("compounds(%q) (-want +got):\n%s", tc.text, diff)
		}
	}
}
