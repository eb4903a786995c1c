package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/demo"
	"masthead/search"
	"masthead/store"
	"masthead/store/storetest"
)

// TestBulkLoadSameAsNormal: a library written in bulk mode (indexed at
// the end, on PostgreSQL) leaves the same articles, the same facet rows,
// the same vectors and the same answers to searches, for both kinds of
// reader, as the same library written article by article. Only the
// vocabulary's counts differ: writes add new words with a count of one,
// which a rebuild counts exactly.
func TestBulkLoadSameAsNormal(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a library")
	}
	defer store.SetBulkMinArticles(1)()
	lib := demo.Generate(11, 150, t0)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			normal := storetest.Open(t, engine, store.Options{Clock: &fixedClock{t0}})
			bulk := storetest.Open(t, engine, store.Options{Clock: &fixedClock{t0}})
			load := func(db *store.DB) error {
				for _, a := range lib.Authors {
					if _, err := db.UpsertAuthor(ctx, a); err != nil {
						return err
					}
				}
				// Two batches, as the demo and imports write them.
				for _, part := range [][]masthead.ArticleInput{lib.Articles[:70], lib.Articles[70:]} {
					if _, err := db.UpsertArticles(ctx, part); err != nil {
						return err
					}
				}
				return nil
			}
			if err := load(normal); err != nil {
				t.Fatal(err)
			}
			deferred, err := bulk.BulkLoad(ctx, len(lib.Articles), func(context.Context) error { return load(bulk) }, nil)
			if err != nil {
				t.Fatal(err)
			}
			if deferred != (engine == "postgres") {
				t.Errorf("deferred = %v on %s", deferred, engine)
			}
			if built, err := bulk.SearchIndexBuilt(ctx); err != nil || !built {
				t.Errorf("index built after the bulk load: %v %v", built, err)
			}
			queries := []string{`"` + lib.Articles[3].Title + `"`, lib.Articles[40].Title}
			for i := 0; i < len(lib.Articles); i += 9 {
				ws := search.Words(lib.Articles[i].Title + " " + lib.Articles[i].Dek)
				queries = append(queries, ws[len(ws)/2], strings.Join(ws[:min(2, len(ws))], " "), ws[0][:min(4, len(ws[0]))]+"*")
			}
			tables := []string{
				`SELECT a.slug || ' ' || a.title || ' ' || a.body_html || ' ' || a.teaser_html FROM articles a`,
				`SELECT a.slug || ' ' || d.status || ' ' || d.published_at || ' ' || d.kind || ' ' || d.access || ' ' ||
					d.authors || ' ' || d.topics || ' ' || d.regions || ' ' || d.words FROM search_docs d JOIN articles a ON a.id = d.article_id`,
			}
			if engine == "postgres" {
				tables = append(tables,
					`SELECT a.slug || ' ' || v.doc::text FROM search_vectors v JOIN articles a ON a.id = v.article_id`,
					`SELECT a.slug || ' ' || v.doc::text FROM search_open v JOIN articles a ON a.id = v.article_id`,
					`SELECT a.slug || ' ' || h.head::text || ' ' || h.title::text || ' ' || h.vocab FROM search_heads h JOIN articles a ON a.id = h.article_id`,
					`SELECT word FROM search_words`)
			}
			for _, q := range tables {
				if diff := cmp.Diff(rowsOf(t, normal, q), rowsOf(t, bulk, q)); diff != "" {
					t.Errorf("%s: bulk differs (-normal +bulk):\n%s", q, diff)
				}
			}
			for _, q := range queries {
				for _, library := range []bool{true, false} {
					sq := masthead.SearchQuery{Text: q, Now: t0, Library: library, PerPage: 20}
					a, err := normal.Search(ctx, sq)
					if err != nil {
						t.Fatal(err)
					}
					b, err := bulk.Search(ctx, sq)
					if err != nil {
						t.Fatal(err)
					}
					if ga, gb := fmt.Sprint(a.Total, " ", hitSlugs(a)), fmt.Sprint(b.Total, " ", hitSlugs(b)); ga != gb {
						t.Errorf("%q (library %v): normal [%s], bulk [%s]", q, library, ga, gb)
					}
				}
			}
		})
	}
}

// rowsOf returns the one-column rows of query, sorted.
func rowsOf(t *testing.T, db *store.DB, query string) []string {
	t.Helper()
	rows, err := db.SQL().Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
