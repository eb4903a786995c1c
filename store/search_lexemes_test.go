package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"masthead/demo"
	"masthead/search"
	"masthead/store"
	"masthead/store/storetest"
)

// pgDocVector is the vector PostgreSQL's own analyser makes of an
// article's normalised title, dek, teaser and body ($1 to $4), which the
// code's (store.DocVector) stands for.
const pgDocVector = `setweight(to_tsvector('english', $1), 'A') || setweight(to_tsvector('english', $2), 'B') ||
	setweight(to_tsvector('english', $3), 'C') || setweight(to_tsvector('english', $4), 'D')`

// lexemeWords are words whose lexemes are worth checking beyond what the
// demo library holds: stop words and their neighbours, words of digits,
// accents, other scripts, and the stemmer's special cases.
var lexemeWords = strings.Fields(`the a an i s t don doesn should shouldn will willing own owner
	2024 1990s x1 3d covid19 1e5 b2b café naïve straße smørrebrød ελλάδα москва 東京 日本語
	generous generously communism arsenal news skies dying lying cried agreed proceeded exceeded succeeding
	running runner ran happily happiness relational conditional rational valenci hopeful goodness
	formalize electrical sensitivity controllable triplicate generate generative university universal
	ties eyed ugly early only singly andes atlas cosmos bias news howe inning outing canning herring earring`)

// TestPGLexemes: the code's lexeme of each word is the one lexeme
// PostgreSQL's to_tsvector('english', …) makes of it, or none for a stop
// word, for every distinct word of a demo library and the words above.
func TestPGLexemes(t *testing.T) {
	db := storetest.Open(t, "postgres", store.Options{})
	seen := map[string]bool{}
	var words []string
	add := func(text string) {
		for _, w := range search.Words(text) {
			if !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	for _, a := range demo.Generate(1, 2000, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Articles {
		add(a.Title + " " + a.Dek + " " + a.BodyMarkdown)
	}
	add(strings.Join(lexemeWords, " "))
	rows, err := db.SQL().Query(`SELECT w, coalesce((SELECT string_agg(lexeme, ' ') FROM unnest(to_tsvector('english', w))), '')
		FROM unnest($1::text[]) AS w`, words)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, stops := 0, 0
	for rows.Next() {
		var w, want string
		if err := rows.Scan(&w, &want); err != nil {
			t.Fatal(err)
		}
		n++
		if want == "" {
			stops++
		}
		if got := store.Lexeme(w); got != want {
			t.Errorf("lexeme of %q: %q, PostgreSQL's %q", w, got, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(words) || n < 1000 || stops < 50 {
		t.Fatalf("compared %d words of %d, %d stop words", n, len(words), stops)
	}
}

// TestPGVectors: the vector the code makes of an article, read by
// PostgreSQL as a literal, is the one to_tsvector makes of its parts,
// for a demo library and the long and odd texts of the phrase tests;
// with MASTHEAD_TEST_VECTOR_TEXTS naming a folder of Markdown files (the
// Reuters check's, say) those are compared too, and the agreement is
// logged rather than required.
func TestPGVectors(t *testing.T) {
	db := storetest.Open(t, "postgres", store.Options{})
	type text struct{ name, title, dek, teaser, body string }
	compare := func(texts []text) (same int) {
		t.Helper()
		var ours, titles, deks, teasers, bodies []string
		for _, x := range texts {
			title, dek, teaser, body := search.Normalize(x.title), search.Normalize(x.dek), search.Normalize(x.teaser), search.Normalize(x.body)
			doc, _, _ := store.DocVector(title, dek, teaser, body)
			ours, titles, deks = append(ours, doc), append(titles, title), append(deks, dek)
			teasers, bodies = append(teasers, teaser), append(bodies, body)
		}
		rows, err := db.SQL().Query(`SELECT s.ours::tsvector::text, (`+strings.NewReplacer("$1", "s.title", "$2", "s.dek", "$3", "s.teaser", "$4", "s.body").Replace(pgDocVector)+`)::text
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS s(ours, title, dek, teaser, body, i)
			ORDER BY s.i`, ours, titles, deks, teasers, bodies)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		i := 0
		for ; rows.Next(); i++ {
			var got, want string
			if err := rows.Scan(&got, &want); err != nil {
				t.Fatal(err)
			}
			if got == want {
				same++
			} else if testing.Verbose() {
				t.Logf("%s: %s, PostgreSQL's %s", texts[i].name, diffLexemes(got, want), diffLexemes(want, got))
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if i != len(texts) {
			t.Fatalf("compared %d vectors of %d", i, len(texts))
		}
		return same
	}

	var texts []text
	for _, a := range demo.Generate(2, 1500, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Articles {
		body := a.BodyMarkdown
		texts = append(texts, text{a.Slug, a.Title, a.Dek, firstWords(body, 150), body})
	}
	long := strings.Repeat("the giraffe bridge of the year settles a question ", 2500)
	texts = append(texts,
		text{"empty", "", "", "", ""},
		text{"stop words last", "The war of the", "and then", "", "worlds of it"},
		text{"long body", "A title", "", "It begins", long},
		text{"long title", long, "dek", "teaser", "body"},
		text{"repeated", strings.Repeat("cat ", 300), strings.Repeat("cat ", 300), "cat dog", strings.Repeat("dog cat ", 200)},
		text{"too long a word", strings.Repeat("a", 2047) + " b", strings.Repeat("x", 2048) + " c", "", ""},
		text{"numbers and scripts", "Covid-19 in 2024: 3D, B2B", "café, naïve, straße", "東京 and Москва", "1e5 x1 1990s"},
	)
	if same := compare(texts); same != len(texts) {
		t.Errorf("%d of %d vectors are PostgreSQL's", same, len(texts))
	}

	dir := os.Getenv("MASTHEAD_TEST_VECTOR_TEXTS")
	if dir == "" {
		return
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	texts = texts[:0]
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		title, body, _ := strings.Cut(string(b), "\n")
		texts = append(texts, text{filepath.Base(f), title, "", firstWords(body, 150), body})
	}
	same := 0
	for len(texts) > 0 {
		n := min(len(texts), 1000)
		same += compare(texts[:n])
		texts = texts[n:]
	}
	t.Logf("%s: %d of %d vectors are PostgreSQL's (%.3f %%)", dir, same, len(files), 100*float64(same)/float64(max(len(files), 1)))
}

// firstWords returns the first n words of s.
func firstWords(s string, n int) string {
	ws := strings.Fields(s)
	return strings.Join(ws[:min(n, len(ws))], " ")
}

// diffLexemes returns the lexemes with positions of vector a (as text)
// that b lacks.
func diffLexemes(a, b string) string {
	in := map[string]bool{}
	for _, f := range strings.Fields(b) {
		in[f] = true
	}
	var out []string
	for _, f := range strings.Fields(a) {
		if !in[f] {
			out = append(out, f)
		}
	}
	if len(out) > 8 {
		out = append(out[:8], "…")
	}
	return strings.Join(out, " ")
}
