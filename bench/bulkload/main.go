// Command bulkload times the bulk work of a library on PostgreSQL:
// `masthead demo --articles N` into an empty database, `masthead reindex`
// of that library, and `masthead import` of the same library written as
// a folder of Markdown files into another empty database. For each it
// prints the wall time, the CPU time of the masthead process and that of
// the PostgreSQL backends serving its database, and the load average
// before and after: on a shared machine the CPU times are the figures
// that compare.
//
//	go run ./bench/bulkload                          # 50,000 articles, every step
//	go run ./bench/bulkload -articles 5000 -steps demo,reindex
//	go run ./bench/bulkload -bin /tmp/masthead-old   # an older build
//
// Each step makes a database of its own (bulk_PID_STEP) on the server of
// -postgres and drops it at the end, unless -keep.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"masthead/bench/internal/proc"
	"masthead/demo"
)

func main() {
	bin := flag.String("bin", "", "masthead binary to time (default: build ./cmd/masthead)")
	admin := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server to make the databases on (a database URL of it)")
	n := flag.Int("articles", 50000, "articles in the library")
	steps := flag.String("steps", "demo,reindex,import", "steps to run, in order: demo, reindex (of the demo's library), import")
	keep := flag.Bool("keep", false, "keep the databases and the Markdown folder")
	flag.Parse()
	if err := run(context.Background(), *bin, *admin, *n, strings.Split(*steps, ","), *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bulkload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bin, admin string, n int, steps []string, keep bool) error {
	dir, err := os.MkdirTemp("", "bulkload")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	if bin == "" {
		bin = filepath.Join(dir, "masthead")
		if err := proc.Build(ctx, bin, "go run ./bench/bulkload"); err != nil {
			return err
		}
	}
	adm, err := sql.Open("pgx", admin)
	if err != nil {
		return err
	}
	defer adm.Close()
	dbs := map[string]string{} // step's database → its URL
	made := func(name string) (string, error) {
		if u, ok := dbs[name]; ok {
			return u, nil
		}
		if _, err := adm.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
			return "", fmt.Errorf("create database %s: %w", name, err)
		}
		u, err := withDatabase(admin, name)
		dbs[name] = u
		return u, err
	}
	defer func() {
		if keep {
			for name := range dbs {
				fmt.Printf("kept database %s\n", name)
			}
			return
		}
		for name := range dbs {
			adm.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
		}
	}()
	libDB := fmt.Sprintf("bulk_%d_demo", os.Getpid())
	fmt.Printf("%d articles, %s\n", n, bin)
	for _, step := range steps {
		var args []string
		var name string
		switch strings.TrimSpace(step) {
		case "demo":
			name = libDB
			args = []string{"demo", "--articles", strconv.Itoa(n)}
		case "reindex":
			name = libDB
			if _, ok := dbs[name]; !ok {
				return fmt.Errorf("reindex needs the demo step before it")
			}
			args = []string{"reindex"}
		case "import":
			md := filepath.Join(dir, "markdown")
			if err := writeMarkdown(md, n); err != nil {
				return err
			}
			name = fmt.Sprintf("bulk_%d_import", os.Getpid())
			args = []string{"import", md}
		default:
			return fmt.Errorf("unknown step %q", step)
		}
		u, err := made(name)
		if err != nil {
			return err
		}
		if err := timeStep(ctx, adm, bin, step, name, append(args[:1:1], append([]string{"--db", u}, args[1:]...)...)); err != nil {
			return err
		}
	}
	return nil
}

// timeStep runs the binary with args and prints its figures. The CPU time
// of the PostgreSQL backends is read from /proc for every backend serving
// the database, sampled until the command ends; a backend's last quarter
// second may be missed.
func timeStep(ctx context.Context, adm *sql.DB, bin, step, database string, args []string) error {
	load0 := proc.LoadAverage()
	cmd := exec.CommandContext(ctx, bin, args...)
	out, err := os.Create(filepath.Join(os.TempDir(), fmt.Sprintf("bulkload-%d-%s.log", os.Getpid(), step)))
	if err != nil {
		return err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	var (
		mu    sync.Mutex
		ticks = map[int]int64{}
		stop  = make(chan struct{})
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		tk := time.NewTicker(250 * time.Millisecond)
		defer tk.Stop()
		for {
			rows, err := adm.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1`, database)
			if err == nil {
				for rows.Next() {
					var pid int
					if rows.Scan(&pid) == nil {
						if t, ok := procTicks(pid); ok {
							mu.Lock()
							ticks[pid] = max(ticks[pid], t)
							mu.Unlock()
						}
					}
				}
				rows.Close()
			}
			select {
			case <-stop:
				return
			case <-tk.C:
			}
		}
	}()
	start := time.Now()
	runErr := cmd.Run()
	wall := time.Since(start)
	close(stop)
	<-done
	if runErr != nil {
		return fmt.Errorf("%s: %w (log: %s)", step, runErr, out.Name())
	}
	var pg int64
	for _, t := range ticks {
		pg += t
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	fmt.Printf("%-8s wall %7.1f s   masthead CPU %6.1f s   postgres CPU %6.1f s   load %s → %s\n",
		step, wall.Seconds(), cpu.Seconds(), float64(pg)/100, load0, proc.LoadAverage())
	return nil
}

// procTicks is the user and system time of process pid in clock ticks
// (100 a second on Linux).
func procTicks(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The fields after the command's closing parenthesis: state is the
	// 3rd field, utime the 14th and stime the 15th.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	return u + st, err1 == nil && err2 == nil
}

// withDatabase is admin's URL naming database name instead.
func withDatabase(admin, name string) (string, error) {
	i := strings.Index(admin, "://")
	if i < 0 {
		return "", fmt.Errorf("-postgres: want a postgres:// URL")
	}
	rest := admin[i+3:]
	q := ""
	if j := strings.IndexByte(rest, '?'); j >= 0 {
		rest, q = rest[:j], rest[j:]
	}
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	return admin[:i+3] + rest + "/" + name + q, nil
}

// writeMarkdown writes the demo library of n articles (seed 1) as a
// folder of Markdown files with front matter, as an import reads them.
// An existing folder is kept.
func writeMarkdown(dir string, n int) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	g := demo.New(1, n, time.Now())
	i := 0
	for batch := range g.Batches(demo.BatchSize) {
		for _, a := range batch {
			var b strings.Builder
			b.WriteString("---\n")
			fmt.Fprintf(&b, "title: %s\n", strconv.Quote(a.Title))
			fmt.Fprintf(&b, "dek: %s\n", strconv.Quote(a.Dek))
			fmt.Fprintf(&b, "slug: %s\n", a.Slug)
			fmt.Fprintf(&b, "date: %s\n", a.PublishedAt.UTC().Format(time.RFC3339))
			fmt.Fprintf(&b, "authors: [%s]\n", strings.Join(a.AuthorSlugs, ", "))
			fmt.Fprintf(&b, "topics: [%s]\n", strings.Join(a.TopicSlugs, ", "))
			fmt.Fprintf(&b, "regions: [%s]\n", strings.Join(a.RegionSlugs, ", "))
			if a.ColumnSlug != "" {
				fmt.Fprintf(&b, "column: %s\n", a.ColumnSlug)
			}
			fmt.Fprintf(&b, "access: %s\nkind: %s\n", a.Access, a.Kind)
			if a.Image.URL != "" {
				fmt.Fprintf(&b, "image: %s\nimage_alt: %s\n", a.Image.URL, strconv.Quote(a.Image.Alt))
			}
			b.WriteString("---\n\n")
			b.WriteString(a.BodyMarkdown)
			b.WriteString("\n")
			sub := filepath.Join(dir, strconv.Itoa(i/1000))
			if i%1000 == 0 {
				if err := os.MkdirAll(sub, 0o755); err != nil {
					return err
				}
			}
			if err := os.WriteFile(filepath.Join(sub, a.Slug+".md"), []byte(b.String()), 0o644); err != nil {
				return err
			}
			i++
		}
	}
	return nil
}
