// Command pages is Masthead's page benchmark. For each library size it
// builds the real binary, seeds a demo publication into a temporary SQLite
// database, starts `masthead serve` on a loopback port, and measures the
// anonymous article page against the very same bytes served as a static
// file by this program, in one run and with one load generator, so the
// ratio between them says what Masthead costs over the floor the machine
// sets. It also samples the server's memory under load, and compares the
// article rate across library sizes: a page's cost must not grow with the
// library.
//
// Run it from the module root:
//
//	go run ./bench/pages                      # 2,000 and 50,000 articles
//	go run ./bench/pages -articles 2000 -duration 5s
//
// See bench/README.md for what each figure means.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"masthead/bench/internal/proc"
)

// options are the benchmark's flags.
type options struct {
	sizes    []int
	duration time.Duration
	warmup   time.Duration
	conns    int
	rounds   int
	seed     int64
	uncached bool
	signedIn bool
	gzip     bool
	keep     bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == staticChildArg {
		if err := serveStatic(ctx, os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "bench/pages static server:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench/pages:", err)
		}
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("pages", flag.ContinueOnError)
	sizes := fs.String("articles", "2000,50000", "comma-separated library sizes to seed and measure, smallest first")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measurement")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "load before each measurement that is not counted")
	fs.IntVar(&o.conns, "conns", 32, "concurrent keep-alive connections")
	fs.IntVar(&o.rounds, "rounds", 2, "times each row is measured; the table pools them")
	fs.Int64Var(&o.seed, "seed", 1, "demo seed")
	fs.BoolVar(&o.uncached, "uncached", true, "also measure the metered article with the page cache off (--page-cache-mb 0)")
	fs.BoolVar(&o.signedIn, "signed-in", true, "also measure the metered article for signed-in members: unlocked, on the meter's offer, and a subscriber")
	fs.BoolVar(&o.gzip, "gzip", false, "send Accept-Encoding: gzip; the static copy is then the gzip bytes Masthead sent")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binary, databases, server logs)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(s, "_", "")))
		if err != nil || n < 10 {
			return o, fmt.Errorf("-articles %q: want sizes of at least 10, like 2000,50000", *sizes)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.conns < 1 || o.conns > 1024 {
		return o, errors.New("-conns must be between 1 and 1024")
	}
	if o.rounds < 1 || o.rounds > 20 {
		return o, errors.New("-rounds must be between 1 and 20")
	}
	if o.duration <= 0 || o.duration > 5*time.Minute || o.warmup < 0 || o.warmup > time.Minute {
		return o, errors.New("-duration must be positive and at most 5m; -warmup between 0 and 1m")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "masthead-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(stdout, "Working directory (kept): %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	bin := filepath.Join(tmp, "masthead")
	fmt.Fprintln(stdout, "Building masthead…")
	if err := proc.Build(ctx, bin, "go run ./bench/pages"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Each measurement: %d keep-alive connections for %s after %s of warm-up; Accept-Encoding: %s; %d rounds.\n",
		o.conns, o.duration, o.warmup, encodingLabel(o.gzip), o.rounds)

	results, err := benchAll(ctx, o, bin, tmp, stdout)
	if err != nil {
		return err
	}
	report(stdout, o, results)
	return nil
}

func encodingLabel(gzip bool) string {
	if gzip {
		return "gzip"
	}
	return "identity"
}
