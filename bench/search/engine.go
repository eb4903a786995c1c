package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schemas and sizes

	"masthead"
	"masthead/store"
)

// engineReport is what one engine measured on the demo library.
type engineReport struct {
	engine        string
	articles      int
	seedTime      time.Duration // masthead demo: write and index
	reindexTime   time.Duration // masthead reindex: the index alone
	dbBytes       int64
	indexBytes    int64 // search tables and indexes, when the engine tells
	firstSearch   time.Duration
	full, anon    []timed // every counted query, subscriber and anonymous
	suggest       []time.Duration
	suggestQs     int
	avgHits       float64
	distinctQuery int
}

type timed struct {
	kind string
	d    time.Duration
}

func benchEngine(ctx context.Context, o options, bin, dir, engine string, stdout io.Writer) (engineReport, error) {
	r := engineReport{engine: engine, articles: o.articles}
	db, err := freshDB(ctx, o, dir, engine, "demo")
	if err != nil {
		return r, err
	}
	defer db.cleanup()

	fmt.Fprintf(stdout, "%s: seeding %d demo articles (indexing as they are written)…\n", engine, o.articles)
	start := time.Now()
	if _, err := runBin(ctx, bin, "demo", "--articles", fmt.Sprint(o.articles), "--seed", fmt.Sprint(o.seed), "--db", db.dsn); err != nil {
		return r, err
	}
	r.seedTime = time.Since(start)
	fmt.Fprintf(stdout, "%s: seeded in %s; rebuilding the index with masthead reindex…\n", engine, r.seedTime.Round(time.Millisecond))
	start = time.Now()
	if _, err := runBin(ctx, bin, "reindex", "--db", db.dsn); err != nil {
		return r, err
	}
	r.reindexTime = time.Since(start)
	r.dbBytes, r.indexBytes = sizes(ctx, engine, db.dsn)

	st, err := store.Open(ctx, db.dsn, store.Options{})
	if err != nil {
		return r, err
	}
	defer st.Close()
	qs, err := makeQueries(ctx, st, o.queries, o.seed)
	if err != nil {
		return r, err
	}
	r.distinctQuery = len(qs)
	now := time.Now()
	subscriber := func(*masthead.Article) bool { return true }

	start = time.Now()
	if _, err := st.Search(ctx, masthead.SearchQuery{Text: "government", Now: now}); err != nil {
		return r, err
	}
	r.firstSearch = time.Since(start)

	fmt.Fprintf(stdout, "%s: running %d queries × %d rounds…\n", engine, len(qs), o.rounds)
	hits := 0
	for round := 0; round < o.rounds; round++ {
		for _, full := range []bool{true, false} {
			for _, q := range qs {
				sq := q.q
				sq.Now = now
				if full {
					sq.FullText = subscriber
				}
				start := time.Now()
				res, err := st.Search(ctx, sq)
				d := time.Since(start)
				if err != nil {
					return r, fmt.Errorf("query %q: %w", sq.Text, err)
				}
				if round < o.rounds-1 && o.rounds > 1 {
					continue // warm-up round
				}
				if full {
					r.full = append(r.full, timed{q.kind, d})
					hits += res.Total
				} else {
					r.anon = append(r.anon, timed{q.kind, d})
				}
			}
		}
	}
	r.avgHits = float64(hits) / float64(len(qs))

	prefixes := suggestPrefixes(qs)
	r.suggestQs = len(prefixes)
	for round := 0; round < o.rounds; round++ {
		for _, p := range prefixes {
			start := time.Now()
			if _, err := st.Suggest(ctx, p, now, 8); err != nil {
				return r, fmt.Errorf("suggest %q: %w", p, err)
			}
			if round == o.rounds-1 {
				r.suggest = append(r.suggest, time.Since(start))
			}
		}
	}
	return r, nil
}

// pgSchema makes a schema in the database at base and returns a DSN that
// uses it, and a cleanup that drops it.
func pgSchema(ctx context.Context, base, schema string) (database, error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return database{}, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return database{}, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		admin.Close()
		return database{}, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return database{dsn: u.String(), cleanup: func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	}}, nil
}

// sizes reports the database's size and the part search adds.
func sizes(ctx context.Context, engine, dsn string) (total, search int64) {
	if engine == "sqlite" {
		path := strings.TrimPrefix(dsn, "sqlite:")
		db, err := sql.Open("sqlite", "file:"+path)
		if err == nil {
			db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
			db.QueryRowContext(ctx, `SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'search%'`).Scan(&search)
			db.Close()
		}
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(path + suffix); err == nil {
				total += fi.Size()
			}
		}
		return total, search
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return 0, 0
	}
	defer db.Close()
	db.QueryRowContext(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0),
			COALESCE(SUM(pg_total_relation_size(c.oid)) FILTER (WHERE c.relname LIKE 'search%'), 0)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind = 'r'`).Scan(&total, &search)
	return total, search
}
