package search_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"masthead/search"
)

func TestParse(t *testing.T) {
	w := func(ws ...string) search.Term { return search.Term{Words: ws} }
	p := func(ws ...string) search.Term { return search.Term{Words: ws, Prefix: true} }
	tests := []struct {
		in   string
		must []search.Clause
		not  []search.Term
	}{
		{"", nil, nil},
		{"   ", nil, nil},
		{"climate policy", []search.Clause{{w("climate")}, {w("policy")}}, nil},
		{"Climate  POLICY", []search.Clause{{w("climate")}, {w("policy")}}, nil},
		{`"court backlog" reform`, []search.Clause{{w("court", "backlog")}, {w("reform")}}, nil},
		{`"court backlog`, []search.Clause{{w("court", "backlog")}}, nil},
		{`sanctions OR tariffs`, []search.Clause{{w("sanctions"), w("tariffs")}}, nil},
		{`china sanctions OR tariffs`, []search.Clause{{w("china")}, {w("sanctions"), w("tariffs")}}, nil},
		{`a | b`, []search.Clause{{w("b")}}, nil}, // "a" is a stop word
		{`oil | gas | coal`, []search.Clause{{w("oil"), w("gas"), w("coal")}}, nil},
		{`OR`, nil, nil},
		{`OR OR tariffs OR`, []search.Clause{{w("tariffs")}}, nil},
		{`brexit -trade`, []search.Clause{{w("brexit")}}, []search.Term{w("trade")}},
		{`brexit -"trade war"`, []search.Clause{{w("brexit")}}, []search.Term{w("trade", "war")}},
		{`-trade`, nil, []search.Term{w("trade")}},
		{`unemploy*`, []search.Clause{{p("unemploy")}}, nil},
		{`"central bank"*`, []search.Clause{{p("central", "bank")}}, nil},
		{`covid-19 vaccines`, []search.Clause{{w("covid", "19")}, {w("vaccines")}}, nil},
		{`U.S. tariffs`, []search.Clause{{w("u", "s")}, {w("tariffs")}}, nil},
		{`the economy of europe`, []search.Clause{{w("economy")}, {w("europe")}}, nil},
		{`"the economy of europe"`, []search.Clause{{w("the", "economy", "of", "europe")}}, nil},
		{`Café société`, []search.Clause{{w("cafe")}, {w("societe")}}, nil},
		{`NEAR(a b) ^x :y *z`, []search.Clause{{w("near")}, {w("b")}, {w("x")}, {w("y")}, {w("z")}}, nil},
		{`(&|!)`, nil, nil},
		{`"" "`, nil, nil},
		{`tax tax TAX`, []search.Clause{{w("tax")}}, nil},
		{`well-being`, []search.Clause{{w("well", "being")}}, nil},
		{`pre-war -x-y`, []search.Clause{{w("pre", "war")}}, []search.Term{w("x", "y")}},
	}
	for _, tt := range tests {
		q := search.Parse(tt.in)
		if diff := cmp.Diff(tt.must, q.Must); diff != "" {
			t.Errorf("Parse(%q).Must (-want +got):\n%s", tt.in, diff)
		}
		if diff := cmp.Diff(tt.not, q.Not); diff != "" {
			t.Errorf("Parse(%q).Not (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseCapsLongInput(t *testing.T) {
	q := search.Parse(strings.Repeat("économie ", 2000))
	if !q.Truncated {
		t.Error("a 18,000-byte query is not marked truncated")
	}
	if len(q.Must) != 1 {
		t.Errorf("repeated word gives %d clauses, want 1", len(q.Must))
	}
	var words []string
	for i := range 100 {
		words = append(words, "w"+strings.Repeat("x", i%7)+string(rune('a'+i%26)))
	}
	q = search.Parse(strings.Join(words, " "))
	if n := len(q.Must) + len(q.Not); n > search.MaxTerms {
		t.Errorf("%d terms, want at most %d", n, search.MaxTerms)
	}
	q = search.Parse(`"` + strings.Repeat("word ", 40) + `"`)
	if n := len(q.Must[0][0].Words); n > search.MaxPhraseWords {
		t.Errorf("phrase of %d words, want at most %d", n, search.MaxPhraseWords)
	}
}

func TestStringRoundTrips(t *testing.T) {
	for _, in := range []string{`climate "court backlog" sanctions OR tariffs -brexit unemploy* -"trade war"`, `a`, `"x y"*`} {
		q := search.Parse(in)
		again := search.Parse(q.String())
		if diff := cmp.Diff(q.Must, again.Must); diff != "" {
			t.Errorf("%q → %q changes Must:\n%s", in, q.String(), diff)
		}
		if diff := cmp.Diff(q.Not, again.Not); diff != "" {
			t.Errorf("%q → %q changes Not:\n%s", in, q.String(), diff)
		}
	}
}

func TestStem(t *testing.T) {
	same := [][]string{
		{"economy", "economies"},
		{"run", "running", "runs"},
		{"sanction", "sanctions", "sanctioned"},
		{"rate", "rates", "rated"},
		{"tax", "taxes"},
		{"fall", "falling", "falls"},
		{"budget", "budgets", "budgeting"},
	}
	for _, set := range same {
		for _, w := range set[1:] {
			if search.Stem(w) != search.Stem(set[0]) {
				t.Errorf("Stem(%q) = %q, Stem(%q) = %q: want equal", w, search.Stem(w), set[0], search.Stem(set[0]))
			}
		}
	}
	if search.Stem("bus") == search.Stem("bu") || search.Stem("news") == search.Stem("new") {
		// "news" → "new" is a known light-stemmer miss; only assert the first.
		if search.Stem("bus") == search.Stem("bu") {
			t.Error("bus and bu stem alike")
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"economy", "economy", 2, 0},
		{"econmy", "economy", 2, 1},
		{"ecoonmy", "economy", 2, 1}, // transposition
		{"goverment", "government", 2, 1},
		{"sanctoins", "sanctions", 2, 1},
		{"abc", "xyz", 2, 3},
		{"a", "abcdef", 2, 3},
		{"", "ab", 2, 2},
		{"café", "cafe", 2, 1},
	}
	for _, tt := range tests {
		if got := search.Distance(tt.a, tt.b, tt.max); got != tt.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	text := "The opening sentence says nothing. Then a second sentence follows with filler words. " +
		"Here the court backlog finally appears, and judges say the backlog of cases keeps growing. " +
		"The end is about something else entirely and goes on for a while longer than needed."
	q := search.Parse(`"court backlog" judges`)
	parts := search.Snippet(text, q.Terms(), 20)
	got := render(parts)
	if !strings.Contains(got, "[court backlog]") || !strings.Contains(got, "[judges]") {
		t.Errorf("snippet %q does not mark the phrase and the word", got)
	}
	if !strings.HasPrefix(got, "…Here the") {
		t.Errorf("snippet %q does not start at the matching sentence", got)
	}
	if !strings.HasSuffix(got, "…") {
		t.Errorf("snippet %q does not mark the cut end", got)
	}
	if strings.Contains(got, "[backlog]") {
		t.Errorf("snippet %q marks a lone word of a phrase", got)
	}

	// Inflections are marked; prefixes too.
	got = render(search.Snippet("Economies grew while unemployment fell.", search.Parse("economy unemploy*").Terms(), 20))
	if got != "[Economies] grew while [unemployment] fell." {
		t.Errorf("got %q", got)
	}
	// No match: the opening, unmarked.
	got = render(search.Snippet("One two three four five six.", search.Parse("zebra").Terms(), 3))
	if got != "One two three …" {
		t.Errorf("got %q", got)
	}
	if search.Snippet("", q.Terms(), 10) != nil {
		t.Error("empty text gives parts")
	}
	got = render(search.Highlight(`“Sanctions” work`, search.Parse("sanctions").Terms()))
	if got != "“[Sanctions]” work" {
		t.Errorf("Highlight = %q", got)
	}
}

func render(ps []search.Part) string {
	var b strings.Builder
	for _, p := range ps {
		if p.Match {
			b.WriteString("[" + p.Text + "]")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func TestHTMLText(t *testing.T) {
	got := search.HTMLText(`<p>One &amp; <strong>two</strong>,</p><p>thr<em>ee</em></p><ul><li>four</li></ul>`)
	if got != "One & two, three four" {
		t.Errorf("HTMLText = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{``, `"`, `-`, `-"`, `*`, `OR`, `a OR`, `"a b"*`, `-"x`, `NEAR(a, b)`, `a:b ^c`, `x"y"z`, `--a`, `-*`, "\xff\xfe", `"-a"`, `a-`, `"|"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := search.Parse(s)
		if len(q.Must)+len(q.Not) > search.MaxTerms {
			t.Fatalf("%d terms", len(q.Must)+len(q.Not))
		}
		check := func(tm search.Term) {
			if len(tm.Words) == 0 || len(tm.Words) > search.MaxPhraseWords {
				t.Fatalf("term with %d words in %q", len(tm.Words), s)
			}
			for _, w := range tm.Words {
				if w == "" || !utf8.ValidString(w) || search.Normalize(w) != w {
					t.Fatalf("word %q of %q is not a normalised word", w, s)
				}
			}
		}
		for _, c := range q.Must {
			if len(c) == 0 {
				t.Fatalf("empty clause from %q", s)
			}
			for _, tm := range c {
				check(tm)
			}
		}
		for _, tm := range q.Not {
			check(tm)
		}
		// The normal form is stable (when it fits the input limit: quotes
		// added around split words can make it longer than the input).
		again := search.Parse(q.String())
		if len(q.String()) <= search.MaxQueryBytes && again.String() != q.String() {
			t.Fatalf("%q → %q → %q", s, q.String(), again.String())
		}
		_ = search.Snippet(s, q.Terms(), 10)
	})
}
