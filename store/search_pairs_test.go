package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/search"
	"masthead/store"
	"masthead/store/storetest"
)

// TestPGHashText: the code's hash of the texts of word pairs is
// PostgreSQL's hashtextextended(t, 0), with which search_pairs made the
// pairs of a library upgraded past migration 0068, on texts of every length up to 40 bytes and longer
// ones, of ASCII, accented letters, CJK and other scripts.
func TestPGHashText(t *testing.T) {
	db := storetest.Open(t, "postgres", store.Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcdefghijklmnopqrstuvwxyz0123456789 '\\\"-.,éèüößçñøåæœ東京都北京市中文字한국어Ωπ€😀")
	texts := []string{"", " ", "a", "settl question 2", "harder year 1", "o'brien farm 3", `back\slash`, "café 1", "東京 大阪 1"}
	for n := 0; n <= 40; n++ {
		for range 60 {
			var b strings.Builder
			for b.Len() < n {
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
			// Cut to n bytes, at a rune's start, so every length is tried.
			s := b.String()
			for len(s) > n {
				s = s[:len(s)-1]
			}
			texts = append(texts, strings.ToValidUTF8(s, ""))
		}
	}
	for _, n := range []int{100, 1000, 5000, 100000} {
		var b strings.Builder
		for b.Len() < n {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	rows, err := db.SQL().Query(`SELECT x, hashtextextended(x, 0) FROM unnest($1::text[]) AS x`, texts)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			x    string
			want int64
		)
		if err := rows.Scan(&x, &want); err != nil {
			t.Fatal(err)
		}
		n++
		if got := store.PGHashText(x); got != want {
			t.Errorf("hash of %.40q (%d bytes): %d, want %d", x, len(x), got, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(texts) || n < 2000 {
		t.Fatalf("compared %d texts of %d", n, len(texts))
	}
}

// TestDocPairs: the pairs the code reads from a vector's text are
// search_pairs of the vector, and of its title, dek and teaser (weights
// A, B and C), for lexemes holding quotes and backslashes, without
// positions, sharing the last position, or none at all.
func TestDocPairs(t *testing.T) {
	db := storetest.Open(t, "postgres", store.Options{})
	for _, v := range []string{
		``,
		`'one':1`,
		`'settl':1A 'question':3B 'year':2,4C 'far':7`,
		`'it''s':1A 'back\\slash':2 'quote''''d':3B '\'':4,9 'plain':5,6,7A`,
		`'lone' 'other':2 'third':5A`,
		`'a':16381 'b':16382D 'c':16383A 'd':16383 'e':16383B 'f':16383C 'é':16383 '東京':16383`,
		`'x':1,3,5,7 'y':2,4,6A 'z':8D`,
	} {
		var text, want, wantOpen string
		err := db.SQL().QueryRow(`SELECT $1::tsvector::text, search_pairs($1::tsvector)::text, search_pairs(ts_filter($1::tsvector, '{a,b,c}'))::text`, v).
			Scan(&text, &want, &wantOpen)
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		got, gotOpen, err := store.DocPairs(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if got != want || gotOpen != wantOpen {
			t.Errorf("%s: pairs %s and open %s, want %s and %s", text, got, gotOpen, want, wantOpen)
		}
	}
}

// TestPhrasePairs: the pairs the code makes of a query's phrases are
// those search_phrase_pairs makes with PostgreSQL's analyser, for
// phrases holding stop words, numbers, accents and repeated words, and
// for several phrases at once.
func TestPhrasePairs(t *testing.T) {
	db := storetest.Open(t, "postgres", store.Options{})
	phrases := []string{"harder year", "war of the worlds", "the war of", "of the", "settle the big question",
		"10 regions", "o brien s farm", "cafe society", "creme brulee", "東京 大阪", "year after year after year", "running runners ran"}
	sets := [][]string{{}}
	for _, p := range phrases {
		sets = append(sets, []string{p})
	}
	sets = append(sets, phrases)
	for _, set := range sets {
		var want string
		if err := db.SQL().QueryRow(`SELECT search_phrase_pairs($1::text[])::text`, set).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := store.PhrasePairs(set...); got != want {
			t.Errorf("pairs of %q: %s, search_phrase_pairs %s", set, got, want)
		}
	}
}

// TestTSQuery: the query the code writes of lexemes is the one
// to_tsquery('english', …) makes of the words, stop words dropped where
// they stand alone and keeping their places in phrases.
func TestTSQuery(t *testing.T) {
	db := storetest.Open(t, "postgres", store.Options{})
	// words writes q with its words as typed, for to_tsquery.
	words := func(q search.Query) string {
		term := func(tm search.Term) string {
			var ws []string
			for i, w := range tm.Words {
				if tm.Prefix && i == len(tm.Words)-1 {
					w += "':*"
				} else {
					w += "'"
				}
				ws = append(ws, "'"+w)
			}
			return "(" + strings.Join(ws, " <-> ") + ")"
		}
		var parts []string
		for _, c := range q.Must {
			var alts []string
			for _, tm := range c {
				alts = append(alts, term(tm))
			}
			parts = append(parts, "("+strings.Join(alts, " | ")+")")
		}
		for _, tm := range q.Not {
			parts = append(parts, "!("+term(tm)+")")
		}
		return strings.Join(parts, " & ")
	}
	for _, text := range []string{
		`harder year`, `"war of the worlds"`, `"the war of"`, `running OR runners`, `farm -cattle`, `farm -"of the"`,
		`unemploy*`, `"east asia*"`, `2024 budget`, `café`, `"of the" OR farm`, `farming "the year" -the`,
		`"o'brien's farm"`, `generously happier`, `東京`,
	} {
		q := search.Parse(text)
		var got, want string
		err := db.SQL().QueryRow(`SELECT $1::tsquery::text, to_tsquery('english', $2)::text`, store.TSQuery(text), words(q)).Scan(&got, &want)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if got != want {
			t.Errorf("%s: %s, to_tsquery's %s", text, got, want)
		}
	}
}

// TestSearchPairs: on PostgreSQL every article's stored word pairs, in
// the full and the open index, are what search_pairs makes of its
// vector, and its vector, head and open document are those to_tsvector
// makes of their parts, after a write, an edit, a reindex (the batch
// path), the migration that made the pairs a column and the one that
// makes the lexemes in Go; phrases find what they should on both
// engines throughout. The articles hold apostrophes, numbers, accents,
// and bodies, closed and free, longer than the 16,383 positions a
// vector holds, where lexemes share the last position.
func TestSearchPairs(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		long := func(phrase string) string {
			var b strings.Builder
			b.WriteString("It begins in the morning.\n\n")
			for i := range 20000 {
				switch i {
				case 100:
					b.WriteString("a " + phrase + " ")
				case 6000:
					// Far in, yet before the last position: a lexeme
					// keeps its first 256 positions only, so the
					// words are rare ones.
					b.WriteString("the giraffe bridge ")
				}
				// Words repeat with different neighbours, and past the
				// 16,383rd position new ones keep coming.
				fmt.Fprintf(&b, "%s w%d ", []string{"river", "stone", "harder", "year", "farm"}[i%5], i%7000)
				if i%40 == 39 {
					b.WriteString(".\n\n")
				}
			}
			return b.String()
		}
		mk := func(slug, title, dek, body string, access masthead.Access, daysAgo int) masthead.ArticleInput {
			in := doc(slug, title, dek, body, t0.Add(-time.Duration(daysAgo)*24*time.Hour))
			in.Access = access
			return in
		}
		arts := []masthead.ArticleInput{
			mk("apostrophes", "O'Brien's farm", "Don't say it isn't.", "The farmer's year wasn't harder: rock 'n' roll, O'Brien's way.", masthead.AccessMetered, 1),
			mk("numbers", "The 2024 budget", "42 farms", "Prices rose 3.5% to 1,200,000 in 2024; 42 farms in 10 regions. The war of the worlds.", masthead.AccessFree, 2),
			mk("accents", "Café society in Zürich", "Naïve façades", "The crème brûlée of São Paulo and the smörgåsbord of Malmö.", masthead.AccessMetered, 3),
			mk("long-closed", "A long closed read", "Very long.", long("zebra crossing"), masthead.AccessMetered, 4),
			mk("long-free", "A long free read", "Very long too.", long("pelican crossing"), masthead.AccessFree, 5),
			mk("empty", "Untitled", "", "", masthead.AccessMetered, 6),
		}
		ids := map[string]int64{}
		for _, in := range arts {
			ids[in.Slug] = mustCreate(t, db, in).ID
		}
		type phrase struct {
			q       string
			library bool
			want    string
		}
		phrases := []phrase{
			{`"zebra crossing"`, true, "long-closed"},
			{`"zebra crossing"`, false, ""}, // behind the wall
			{`"pelican crossing"`, false, "long-free"},
			{`"crème brûlée"`, true, "accents"},
			{`"cafe society"`, true, "accents"},
			{`"10 regions"`, false, "numbers"},
			{`"brien's farm"`, false, "apostrophes"},
			{`"giraffe bridge"`, true, "long-closed long-free"},
			{`"giraffe bridge"`, false, "long-free"},
			{`"wasn't harder"`, true, "apostrophes"},
			// A stop word keeps its place in a phrase.
			{`"war of the worlds"`, false, "numbers"},
			{`"war in the world"`, false, "numbers"},
			{`"war worlds"`, false, ""},
			{`"the war of"`, false, "numbers"},
		}
		check := func(when string) {
			t.Helper()
			for _, p := range phrases {
				res, err := db.Search(ctx, masthead.SearchQuery{Text: p.q, Now: t0, Library: p.library, Sort: masthead.SortNewest})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, h := range res.Hits {
					got = append(got, h.Article.Slug)
				}
				if strings.Join(got, " ") != p.want {
					t.Errorf("%s: %s (library %v): got [%s], want [%s]", when, p.q, p.library, strings.Join(got, " "), p.want)
				}
			}
			if db.Engine() == "postgres" {
				checkPairs(t, db, when, len(ids))
			}
		}
		check("after writing")

		// An edit, which also opens the body.
		in := arts[2]
		in.BodyMarkdown = "Now the crème brûlée of Lisbon, and a zebra crossing."
		in.Access = masthead.AccessFree
		if _, err := db.UpdateArticle(ctx, ids["accents"], in); err != nil {
			t.Fatal(err)
		}
		phrases[0].want = "accents long-closed"
		phrases[1].want = "accents"
		check("after an edit")

		if err := db.Reindex(ctx, nil); err != nil {
			t.Fatal(err)
		}
		check("after a reindex")

		if db.Engine() != "postgres" {
			return
		}
		// A database as it was before migration 0068, whose pairs were
		// an index over search_pairs(doc).
		for _, q := range []string{
			`DROP INDEX search_vectors_pairs`, `DROP INDEX search_open_pairs`,
			`ALTER TABLE search_vectors DROP COLUMN pairs`, `ALTER TABLE search_open DROP COLUMN pairs`,
			`CREATE INDEX search_vectors_pairs ON search_vectors USING gin (search_pairs(doc))`,
			`CREATE INDEX search_open_pairs ON search_open USING gin (search_pairs(doc))`,
		} {
			if err := db.ExecForTest(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.RunMigrationAgain(ctx, 68); err != nil {
			t.Fatal(err)
		}
		check("after migration 0068")

		// Migration 0072, from which the lexemes are made in Go, marks
		// an indexed library for a rebuild, which the next reindex
		// makes.
		if err := db.RunMigrationAgain(ctx, 72); err != nil {
			t.Fatal(err)
		}
		if built, err := db.SearchIndexBuilt(ctx); err != nil || built {
			t.Fatalf("after migration 0072: SearchIndexBuilt = %v, %v; want false", built, err)
		}
		if err := db.Reindex(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if built, err := db.SearchIndexBuilt(ctx); err != nil || !built {
			t.Fatalf("after a reindex: SearchIndexBuilt = %v, %v; want true", built, err)
		}
		check("after migration 0072 and a reindex")
	})
}

// checkPairs checks on PostgreSQL that the n articles' pairs in both
// indexes are search_pairs of their vectors, and that their vectors,
// made in Go, are those to_tsvector makes of their parts, as are their
// heads and open documents: of title and dek, and of title, dek, teaser
// and (when free) body.
func checkPairs(t *testing.T, db *store.DB, when string, n int) {
	t.Helper()
	q := func(query string, args ...any) *sql.Row { return db.SQL().QueryRow(query, args...) }
	for _, table := range []string{"search_vectors", "search_open"} {
		var rows, wrong, pairs int
		err := q(`SELECT count(*), count(*) FILTER (WHERE pairs IS DISTINCT FROM search_pairs(doc)), sum(cardinality(pairs))
			FROM `+table).Scan(&rows, &wrong, &pairs)
		if err != nil {
			t.Fatal(err)
		}
		if rows != n || wrong != 0 || pairs == 0 {
			t.Errorf("%s: %s: %d rows of %d, %d with pairs other than search_pairs(doc), %d pairs", when, table, rows, n, wrong, pairs)
		}
	}
	// The long articles' vectors reach the last position, which several
	// lexemes share.
	var shared int
	if err := q(`SELECT count(*) FROM search_vectors, unnest(doc) AS u, unnest(u.positions) AS p WHERE p = 16383`).Scan(&shared); err != nil {
		t.Fatal(err)
	}
	if shared < 4 {
		t.Errorf("%s: %d lexemes at position 16383, want the long articles' words", when, shared)
	}
	rs, err := db.SQL().Query(`SELECT a.slug, a.title, a.dek, a.teaser_html, a.body_html, a.access, h.head::text, o.doc::text, v.doc::text
		FROM articles a JOIN search_heads h ON h.article_id = a.id JOIN search_open o ON o.article_id = a.id
			JOIN search_vectors v ON v.article_id = a.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		var slug, title, dek, teaser, body, access, head, open, full, wantHead, wantOpen, wantFull string
		if err := rs.Scan(&slug, &title, &dek, &teaser, &body, &access, &head, &open, &full); err != nil {
			t.Fatal(err)
		}
		err := q(`SELECT (setweight(to_tsvector('english', $1), 'A') || setweight(to_tsvector('english', $2), 'B'))::text,
				(setweight(to_tsvector('english', $1), 'A') || setweight(to_tsvector('english', $2), 'B') ||
					setweight(to_tsvector('english', $3), 'C') || CASE WHEN $5 THEN setweight(to_tsvector('english', $4), 'D') ELSE ''::tsvector END)::text,
				(`+pgDocVector+`)::text`,
			search.Normalize(title), search.Normalize(dek), search.Normalize(search.HTMLText(teaser)), search.Normalize(search.HTMLText(body)),
			access == string(masthead.AccessFree)).Scan(&wantHead, &wantOpen, &wantFull)
		if err != nil {
			t.Fatal(err)
		}
		if head != wantHead {
			t.Errorf("%s: head of %s: %.200s, want %.200s", when, slug, head, wantHead)
		}
		if open != wantOpen {
			t.Errorf("%s: open document of %s differs from its parts' (%d and %d bytes)", when, slug, len(open), len(wantOpen))
		}
		if full != wantFull {
			t.Errorf("%s: vector of %s differs from to_tsvector's (%d and %d bytes)", when, slug, len(full), len(wantFull))
		}
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
}
