package store_test

import (
	"context"
	"fmt"
	"regexp"
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

// TestBulkLoadSameAsNormal: a library written in bulk mode (its new
// articles written a batch at a time and indexed at the end, on
// PostgreSQL) leaves the same articles, labels, memberships, facet rows,
// vectors, impact lists, related reading, jobs and answers to searches,
// for both kinds of reader, as the same library written article by
// article. Only the
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
			second := slices.Clone(lib.Articles[70:])
			again, twice := lib.Articles[3], lib.Articles[100]
			again.Title += " (updated)"
			twice.Dek = "Written twice in one batch."
			second = append(second[:40:40], append([]masthead.ArticleInput{again, twice}, second[40:]...)...)
			fresh := lib.Articles[7]
			fresh.Slug += "-imported"
			var results []string
			normal := storetest.Open(t, engine, store.Options{Clock: &fixedClock{t0}})
			bulk := storetest.Open(t, engine, store.Options{Clock: &fixedClock{t0}})
			load := func(db *store.DB) error {
				// The labels first, as the demo writes them: a label
				// written on the way by an article takes the next id
				// of its sequence, which on PostgreSQL every attempt to
				// insert an existing one advances too.
				for _, a := range lib.Authors {
					if _, err := db.UpsertAuthor(ctx, a); err != nil {
						return err
					}
				}
				for _, c := range lib.Columns {
					if _, err := db.UpsertColumn(ctx, c); err != nil {
						return err
					}
				}
				for _, tm := range lib.Topics {
					if _, err := db.UpsertTopic(ctx, tm); err != nil {
						return err
					}
				}
				for _, r := range lib.Regions {
					if _, err := db.UpsertRegion(ctx, r); err != nil {
						return err
					}
				}
				// Two batches, as the demo and imports write them; the
				// second also replaces an article of the first and
				// holds one slug twice, and an import that must not
				// replace meets a slug taken and one free.
				for _, part := range [][]masthead.ArticleInput{lib.Articles[:70], second} {
					res, err := db.UpsertArticles(ctx, part)
					if err != nil {
						return err
					}
					results = append(results, fmt.Sprint(res))
				}
				res, err := db.InsertArticles(ctx, []masthead.ArticleInput{lib.Articles[5], fresh})
				if err != nil {
					return err
				}
				results = append(results, fmt.Sprint(res))
				return nil
			}
			if err := load(normal); err != nil {
				t.Fatal(err)
			}
			normalResults := results
			results = nil
			deferred, err := bulk.BulkLoad(ctx, len(lib.Articles), func(context.Context) error { return load(bulk) }, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The ids differ where the bulk load wrote a batch's new
			// articles first; what each write reported is the same.
			ids := regexp.MustCompile(`ID:\d+`)
			if diff := cmp.Diff(ids.ReplaceAllString(strings.Join(normalResults, "\n"), "ID"),
				ids.ReplaceAllString(strings.Join(results, "\n"), "ID")); diff != "" {
				t.Errorf("results differ (-normal +bulk):\n%s", diff)
			}
			// Related reading, computed from what each load queued.
			for _, db := range []*store.DB{normal, bulk} {
				if _, err := db.RelateArticles(ctx); err != nil {
					t.Fatal(err)
				}
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
				`SELECT a.slug || ' ' || i.term || ' ' || i.impact || ' ' || i.open_impact FROM search_impacts i JOIN articles a ON a.id = i.article_id`,
				`SELECT a.slug || ' ' || x.author_id || ' ' || x.position FROM article_authors x JOIN articles a ON a.id = x.article_id`,
				`SELECT a.slug || ' ' || x.topic_id FROM article_topics x JOIN articles a ON a.id = x.article_id`,
				`SELECT a.slug || ' ' || x.region_id FROM article_regions x JOIN articles a ON a.id = x.article_id`,
				`SELECT a.slug || ' ' || m.kind || ' ' || m.target_id || ' ' || m.published_at FROM article_memberships m JOIN articles a ON a.id = m.article_id`,
				`SELECT a.slug || ' ' || r.position || ' ' || b.slug FROM related_articles r JOIN articles a ON a.id = r.article_id JOIN articles b ON b.id = r.related_id`,
				`SELECT kind || ' ' || dedupe_key || ' ' || state FROM jobs`,
				`SELECT slug || ' ' || name FROM topics`,
				`SELECT slug || ' ' || name FROM columns`,
			}
			if engine == "postgres" {
				tables = append(tables,
					`SELECT a.slug || ' ' || v.doc::text FROM search_vectors v JOIN articles a ON a.id = v.article_id`,
					`SELECT a.slug || ' ' || v.doc::text FROM search_open v JOIN articles a ON a.id = v.article_id`,
					`SELECT a.slug || ' ' || h.head::text || ' ' || h.title::text || ' ' || h.vocab FROM search_heads h JOIN articles a ON a.id = h.article_id`,
					`SELECT word FROM search_words`,
					// The indexes a rebuild builds at its end, as the
					// migrations made them.
					`SELECT replace(indexdef, current_schema() || '.', '') FROM pg_indexes WHERE schemaname = current_schema() AND tablename LIKE 'search%'`)
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

// TestBulkLoadInterrupted: a bulk load that fails, and a rebuild that
// is cut short, leave the index marked incomplete; searches still answer
// meanwhile, and the next rebuild leaves a whole index with every index
// of its tables, as the migrations made them.
func TestBulkLoadInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a library")
	}
	defer store.SetBulkMinArticles(1)()
	lib := demo.Generate(12, 60, t0)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, engine, store.Options{Clock: &fixedClock{t0}})
			indexes := `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'search%' AND sql IS NOT NULL`
			if engine == "postgres" {
				indexes = `SELECT replace(indexdef, current_schema() || '.', '') FROM pg_indexes WHERE schemaname = current_schema() AND tablename LIKE 'search%'`
			}
			want := rowsOf(t, db, indexes)
			title := lib.Articles[20].Title
			found := func() string {
				t.Helper()
				res, err := db.Search(ctx, masthead.SearchQuery{Text: `"` + title + `"`, Now: t0, Library: true, PerPage: 5})
				if err != nil {
					t.Fatal(err)
				}
				return hitSlugs(res)
			}
			failed := fmt.Errorf("the load failed")
			deferred, err := db.BulkLoad(ctx, len(lib.Articles), func(ctx context.Context) error {
				if _, err := db.UpsertArticles(ctx, lib.Articles); err != nil {
					return err
				}
				return failed
			}, nil)
			if err != failed {
				t.Fatalf("BulkLoad = %v, want the load's error", err)
			}
			built, err := db.SearchIndexBuilt(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if built == deferred {
				t.Errorf("deferred %v, index built %v after a failed load", deferred, built)
			}

			// A rebuild cut short after its first batch.
			cut, cancel := context.WithCancel(ctx)
			defer cancel()
			if err := db.Reindex(cut, func(done, total int) { cancel() }); err == nil {
				t.Fatal("a cancelled reindex succeeded")
			}
			if built, err := db.SearchIndexBuilt(ctx); err != nil || built {
				t.Errorf("index built after a cancelled reindex: %v %v", built, err)
			}
			found() // answers, whatever it finds

			if err := db.Reindex(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if built, err := db.SearchIndexBuilt(ctx); err != nil || !built {
				t.Errorf("index built after a reindex: %v %v", built, err)
			}
			if got := found(); !strings.Contains(got, lib.Articles[20].Slug) {
				t.Errorf("%q found [%s], want %s", title, got, lib.Articles[20].Slug)
			}
			if diff := cmp.Diff(want, rowsOf(t, db, indexes)); diff != "" {
				t.Errorf("indexes after the rebuild (-migrations +now):\n%s", diff)
			}
			if engine == "postgres" {
				// The rebuilt tables are vacuumed and analysed before the
				// reindex returns, so the first searches read them by
				// index alone with the planner's statistics.
				settled := rowsOf(t, db, `SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema()
					AND relname IN ('search_vectors', 'search_open', 'search_heads', 'search_docs', 'search_impacts')
					AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL ORDER BY relname`)
				if got := strings.Join(settled, " "); got != "search_docs search_heads search_impacts search_open search_vectors" {
					t.Errorf("vacuumed and analysed after the rebuild: [%s]", got)
				}
			}
		})
	}
}
