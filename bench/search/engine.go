package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schemas and sizes

	"masthead"
	"masthead/bench/internal/proc"
	"masthead/store"
)

// engineReport is what one engine measured on the demo library.
type engineReport struct {
	engine      string
	articles    int
	seedTime    time.Duration // masthead demo: write and index
	reindexTime time.Duration // masthead reindex: the index alone
	dbBytes     int64
	indexBytes  int64 // search tables and indexes, when the engine tells
	firstSearch time.Duration
	full, anon  []timed // every counted query, subscriber and anonymous
	// titleFull and titleAnon are the title-word set (titleQueries).
	titleFull, titleAnon []timed
	suggest              []time.Duration
	suggestQs            int
	avgHits              float64
	load                 string // load average after the queries
	distinctQuery        int
}

type timed struct {
	kind string
	d    time.Duration
	cpu  time.Duration // CPU time of this process (the whole query on SQLite)
	text string
	hits int
}

// cpuTime is the CPU time this process has used. On SQLite the whole
// search runs in the process, so its growth over a query is the query's
// cost without the waiting a busy machine adds to wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchEngine(ctx context.Context, o options, bin, dir, engine string, stdout io.Writer) (engineReport, error) {
	r := engineReport{engine: engine, articles: o.articles}
	db, err := freshDB(ctx, o, dir, engine, "demo")
	if err != nil {
		return r, err
	}
	defer db.cleanup()

	fmt.Fprintf(stdout, "%s: seeding %d demo articles with masthead demo (write and index)…\n", engine, o.articles)
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
	if engine == "postgres" {
		// What autovacuum would do after a bulk load: planner statistics
		// for the new tables, and the dead rows of the seeding gone.
		if err := vacuum(ctx, db.dsn); err != nil {
			return r, err
		}
	}
	return measure(ctx, o, r, db.dsn, stdout)
}

// measure runs the query set and the suggestions against the seeded
// database at dsn.
func measure(ctx context.Context, o options, r engineReport, dsn string, stdout io.Writer) (engineReport, error) {
	engine := r.engine
	r.dbBytes, r.indexBytes = sizes(ctx, engine, dsn)

	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return r, err
	}
	defer st.Close()
	qs, err := makeQueries(ctx, st, o.queries, o.seed)
	if err != nil {
		return r, err
	}
	r.distinctQuery = len(qs)
	tqs, err := titleQueries(ctx, st, o.queries, o.seed)
	if err != nil {
		return r, err
	}
	now := time.Now()

	start := time.Now()
	if _, err := st.Search(ctx, masthead.SearchQuery{Text: "government", Now: now}); err != nil {
		return r, err
	}
	r.firstSearch = time.Since(start)

	fmt.Fprintf(stdout, "%s: running %d queries × %d rounds…\n", engine, len(qs), o.rounds)
	if o.cpuprof != "" {
		f, err := os.Create(o.cpuprof)
		if err != nil {
			return r, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return r, err
		}
		defer pprof.StopCPUProfile()
	}
	hits := 0
	for round := 0; round < o.rounds; round++ {
		for _, reader := range o.readers {
			full := reader == "subscriber"
			for _, q := range qs {
				sq := asReader(q.q, reader)
				sq.Now = now
				c0, start := cpuTime(), time.Now()
				res, err := st.Search(ctx, sq)
				d, cpu := time.Since(start), cpuTime()-c0
				if err != nil {
					return r, fmt.Errorf("query %q: %w", sq.Text, err)
				}
				if round < o.rounds-1 && o.rounds > 1 {
					continue // warm-up round
				}
				if reader == o.readers[0] {
					hits += res.Total
				}
				if full {
					r.full = append(r.full, timed{q.kind, d, cpu, describe(sq), res.Total})
				} else {
					r.anon = append(r.anon, timed{q.kind, d, cpu, describe(sq), res.Total})
				}
			}
		}
	}
	r.avgHits = float64(hits) / float64(len(qs))
	fmt.Fprintf(stdout, "%s: running %d title-word queries × %d rounds…\n", engine, len(tqs), o.rounds)
	for round := 0; round < o.rounds; round++ {
		for _, reader := range o.readers {
			for _, q := range tqs {
				sq := asReader(q.q, reader)
				sq.Now = now
				c0, start := cpuTime(), time.Now()
				res, err := st.Search(ctx, sq)
				d, cpu := time.Since(start), cpuTime()-c0
				if err != nil {
					return r, fmt.Errorf("query %q: %w", sq.Text, err)
				}
				if round < o.rounds-1 && o.rounds > 1 {
					continue
				}
				t := timed{q.kind, d, cpu, describe(sq), res.Total}
				if reader == "subscriber" {
					r.titleFull = append(r.titleFull, t)
				} else {
					r.titleAnon = append(r.titleAnon, t)
				}
			}
		}
	}
	r.load = proc.LoadAverage()

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

// asReader makes q the search of a subscriber, who matches and reads
// every body, or of an anonymous reader, who matches the bodies of free
// articles only and reads the teasers of the others.
func asReader(q masthead.SearchQuery, reader string) masthead.SearchQuery {
	if reader == "subscriber" {
		q.Library = true
		q.FullText = func(*masthead.Article) bool { return true }
	} else {
		q.FullText = func(a *masthead.Article) bool { return a.Access == masthead.AccessFree }
	}
	return q
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

func vacuum(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	// Only this run's schema: the server may hold other databases' work.
	rows, err := db.QueryContext(ctx, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, `VACUUM ANALYZE `+t); err != nil {
			return fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	return nil
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

// describe writes a query as the reader typed it, with its filters.
func describe(q masthead.SearchQuery) string {
	s := fmt.Sprintf("%q", q.Text)
	for _, f := range []struct{ name, v string }{{"topic", q.Topic}, {"region", q.Region}, {"column", q.Column}, {"author", q.Author}, {"kind", q.Kind}} {
		if f.v != "" {
			s += " " + f.name + "=" + f.v
		}
	}
	if q.Year > 0 {
		s += fmt.Sprintf(" year=%d", q.Year)
	}
	if q.Sort != "" {
		s += " sort=" + string(q.Sort)
	}
	if q.Page > 1 {
		s += fmt.Sprintf(" page=%d", q.Page)
	}
	return s
}
