package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/demo"
	"masthead/store"
	"masthead/store/storetest"
)

// exportedDoc is an export document read back whole, for comparison: each
// table's rows as column name → value, in the document's order.
type exportedDoc struct {
	Schema int
	Tables map[string][]map[string]any
}

func readExport(t *testing.T, b []byte) exportedDoc {
	t.Helper()
	var raw struct {
		Format string `json:"format"`
		Schema int    `json:"schema"`
		Tables []struct {
			Name    string `json:"name"`
			Columns []struct {
				Name string `json:"name"`
			} `json:"columns"`
			Rows  [][]any `json:"rows"`
			Count int     `json:"count"`
		} `json:"tables"`
		End bool `json:"end"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("export is not valid JSON: %v", err)
	}
	if raw.Format != store.ExportFormat || !raw.End {
		t.Fatalf("export header: format %q, end %v", raw.Format, raw.End)
	}
	doc := exportedDoc{Schema: raw.Schema, Tables: map[string][]map[string]any{}}
	for _, tab := range raw.Tables {
		if tab.Count != len(tab.Rows) {
			t.Errorf("table %s: count %d, %d rows", tab.Name, tab.Count, len(tab.Rows))
		}
		rows := []map[string]any{}
		for _, r := range tab.Rows {
			m := map[string]any{}
			for i, c := range tab.Columns {
				m[c.Name] = r[i]
			}
			rows = append(rows, m)
		}
		doc.Tables[tab.Name] = rows
	}
	return doc
}

func mustExport(t *testing.T, db *store.DB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := db.Export(context.Background(), &buf, nil); err != nil {
		t.Fatalf("export from %s: %v", db.Engine(), err)
	}
	return buf.Bytes()
}

func mustImport(t *testing.T, db *store.DB, b []byte) store.ImportStats {
	t.Helper()
	st, err := db.Import(context.Background(), bytes.NewReader(b), nil, nil)
	if err != nil {
		t.Fatalf("import into %s: %v", db.Engine(), err)
	}
	return st
}

// seedPublication fills db with the demo library and one reader's account
// data, so that every kind of column (blobs, booleans, nulls) is exported.
func seedPublication(t *testing.T, db *store.DB, articles int) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	if err := demo.Seed(ctx, db, articles, 7, now, nil); err != nil {
		t.Fatal(err)
	}
	as, _, err := db.Articles(ctx, masthead.ArticleFilter{Limit: 3, Bare: true})
	if err != nil || len(as) < 2 {
		t.Fatalf("articles: %v (%d)", err, len(as))
	}
	m, _, err := db.Register(ctx, masthead.Registration{Email: "reader@example.com", ArticleID: as[0].ID,
		DeviceHash: []byte{0, 1, 2, 0xfe, 0xff}, PeriodStart: now.AddDate(0, 0, -19), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, m.ID, []byte("session-hash\x00\xff"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SpendCredit(ctx, m.ID, as[1].ID, now.AddDate(0, 0, -19), 3, now); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordConsent(ctx, masthead.NewsletterConsent{MemberID: m.ID, Newsletter: "daily", Consented: true, Wording: "Yes, \"daily\" <please>\n", At: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordConsent(ctx, masthead.NewsletterConsent{MemberID: m.ID, Newsletter: "weekly", Consented: false, Wording: "no ✓", At: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateGiftLink(ctx, masthead.GiftLinkInput{MemberID: m.ID, ArticleID: as[1].ID, TokenHash: bytes.Repeat([]byte{0xab}, 32),
		MaxReaders: 5, ExpiresAt: now.AddDate(0, 0, 7), MonthStart: now.AddDate(0, 0, -19), PerMonth: 10, Now: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: m.ID, Source: masthead.EntitlementSource("complimentary"), StartsAt: now, Note: "press"}); err != nil {
		t.Fatal(err)
	}
}

// TestExportRoundTrip moves the demo library from SQLite to PostgreSQL and
// back and compares every table's rows at each step.
func TestExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := storetest.Open(t, "sqlite", store.Options{})
	seedPublication(t, src, 300)
	first := mustExport(t, src)
	want := readExport(t, first)
	for _, tab := range []string{"articles", "authors", "article_topics", "members", "sessions", "unlocks", "gift_links", "newsletter_consents", "entitlements", "registration_unlocks"} {
		if len(want.Tables[tab]) == 0 {
			t.Errorf("the export has no rows in %s", tab)
		}
	}
	for tab := range want.Tables {
		if strings.HasPrefix(tab, "search_") || tab == "schema_migrations" {
			t.Errorf("the export holds the derived table %s", tab)
		}
	}

	hops := []string{"postgres", "sqlite"}
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Logf("%s not set: the round trip goes SQLite → SQLite only", storetest.EnvPostgres)
		hops = []string{"sqlite"}
	}
	doc := first
	for _, engine := range hops {
		dst := storetest.Open(t, engine, store.Options{})
		st := mustImport(t, dst, doc)
		var rows int
		for _, r := range want.Tables {
			rows += len(r)
		}
		if st.Rows != int64(rows) {
			t.Errorf("%s: imported %d rows, want %d", engine, st.Rows, rows)
		}
		doc = mustExport(t, dst)
		if diff := cmp.Diff(want, readExport(t, doc)); diff != "" {
			t.Fatalf("%s: tables differ after the round trip (-sqlite +%s):\n%s", engine, engine, diff)
		}

		// The search index is rebuilt and finds what the source found.
		if built, err := dst.SearchIndexBuilt(ctx); err != nil || !built {
			t.Errorf("%s: search index built = %v, %v", engine, built, err)
		}
		q := masthead.SearchQuery{Text: "government", Now: time.Now(), PerPage: 5}
		a, errA := src.Search(ctx, q)
		b, errB := dst.Search(ctx, q)
		if errA != nil || errB != nil {
			t.Fatalf("search: %v, %v", errA, errB)
		}
		if a.Total != b.Total || a.Total == 0 {
			t.Errorf("%s: search finds %d, the source %d", engine, b.Total, a.Total)
		}
		// New rows take ids after the imported ones (PostgreSQL's
		// sequences were moved).
		au, err := dst.UpsertAuthor(ctx, masthead.Author{Slug: "new-author", Name: "New Author"})
		if err != nil {
			t.Fatalf("%s: a new author after import: %v", engine, err)
		}
		if int(au.ID) <= len(want.Tables["authors"]) {
			t.Errorf("%s: new author id %d reuses an imported id", engine, au.ID)
		}
	}
}

// TestImportBadInput: a truncated or damaged document imports nothing and
// says where it broke; a database with data refuses an import.
func TestImportBadInput(t *testing.T) {
	src := storetest.Open(t, "sqlite", store.Options{})
	seedPublication(t, src, 40)
	doc := mustExport(t, src)
	articlesAt := bytes.Index(doc, []byte(`"name":"articles","columns"`))
	if articlesAt < 0 {
		t.Fatal("no articles table in the export")
	}
	damaged := bytes.Replace(doc, []byte(`"kind"`), []byte(`"kind_of"`), 1)
	badValue := append([]byte{}, doc[:articlesAt]...)
	rest := doc[articlesAt:]
	i := bytes.Index(rest, []byte("\n[")) + 2
	badValue = append(badValue, rest[:i]...)
	badValue = append(badValue, []byte(`"seven",`)...)
	badValue = append(badValue, rest[bytes.IndexByte(rest[i:], ',')+i+1:]...)

	cases := []struct {
		name string
		doc  []byte
		want []string
	}{
		{"truncated in the articles", doc[:articlesAt+len(doc[articlesAt:])/2], []string{"table articles", "truncated", "nothing was imported"}},
		{"truncated before the end", doc[:len(doc)-4], []string{"nothing was imported"}},
		{"not an export", []byte(`{"title": "x"}`), []string{"not a Masthead export"}},
		{"empty", nil, []string{"empty", "not an export document"}},
		{"unknown column", damaged, []string{`column "kind_of" does not exist`}},
		{"wrong type", badValue, []string{"table articles", "row 1", `"seven" is not a valid integer value`}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, c := range cases {
			_, err := db.Import(ctx, bytes.NewReader(c.doc), nil, nil)
			if err == nil {
				t.Errorf("%s: imported", c.name)
				continue
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q lacks %q", c.name, err, w)
				}
			}
			_, n, err := db.Articles(ctx, masthead.ArticleFilter{Limit: 1, Bare: true})
			if err != nil || n != 0 {
				t.Fatalf("%s: %d articles after a failed import (%v)", c.name, n, err)
			}
		}
		// The good document goes in once; a second time the database
		// is not empty.
		mustImport(t, db, doc)
		_, err := db.Import(ctx, bytes.NewReader(doc), nil, nil)
		if masthead.ErrorCode(err) != masthead.ECONFLICT || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("import into a full database: %v", err)
		}
		var ie *store.ImportError
		if errors.As(err, &ie) {
			t.Errorf("a refusal is not a read error: %v", err)
		}
	})
}

func TestIsExport(t *testing.T) {
	for in, want := range map[string]bool{
		`{"format":"masthead-export","version":1}`: true,
		"\n { \"format\" : \"masthead-export\"":    true,
		`{"db":{"meta":{}}}`:                       false,
		`<?xml version="1.0"?>`:                    false,
		``:                                         false,
	} {
		if got := store.IsExport([]byte(in)); got != want {
			t.Errorf("IsExport(%q) = %v", in, got)
		}
	}
}
