package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"masthead"
	"masthead/bench/internal/proc"
	"masthead/store"
)

// Rows of the table, in the order each round measures them. Within a
// round every library size is measured on a row before the next row, so
// the sizes compared meet the same conditions on a shared machine.
const (
	rowStatic   = "static file (same bytes)"
	rowMetered  = "article, metered"
	rowFree     = "article, free"
	rowUncached = "article, metered, page cache off"
	// Signed-in readers on the metered article (readers.go).
	rowUnlocked   = "article, metered, member unlocked"
	rowOffer      = "article, metered, member offer"
	rowSubscriber = "article, metered, subscriber"
)

// sizeResult is everything measured for one library size.
type sizeResult struct {
	articles int
	seedTime time.Duration
	metered  string // URL paths of the two articles
	free     string
	pictured string // the free article with uploaded images (images.go)
	page     page   // the metered page as an anonymous reader gets it
	freePage page
	// readerPages are the metered page as each signed-in row's reader
	// gets it, by row.
	readerPages map[string]page
	rows        []row
	mem         memory // the server as configured by default
	memOff      memory // the server with the page cache off, when measured
}

// row is one line of the table.
type row struct {
	name string
	load loadResult
}

// memory is a server's resident memory, in bytes.
type memory struct {
	maxDuring int64 // highest VmRSS sampled while under load
	after     int64 // VmRSS a moment after the last measurement
	peak      int64 // VmHWM at the end: the high-water mark since start
}

func (r sizeResult) row(name string) (loadResult, bool) {
	for _, x := range r.rows {
		if x.name == name {
			return x.load, true
		}
	}
	return loadResult{}, false
}

// library is one seeded library size with its servers running.
type library struct {
	res     sizeResult
	srv     *server // masthead serve, default settings
	off     *server // masthead serve --page-cache-mb 0, or nil
	static  *server
	samples map[string][]sample
	cookies map[string]string // session cookies of the signed-in rows
}

func (l *library) stop() {
	for _, s := range []*server{l.srv, l.off, l.static} {
		if s != nil {
			s.Stop()
		}
	}
}

// target returns the URL a row loads, the cookie it sends (a signed-in
// reader's session, or none), and the server whose memory to watch
// meanwhile (nil for the static server).
func (l *library) target(name string) (url, cookie string, watch *server) {
	switch name {
	case rowStatic:
		return l.static.Base + "/static-page.html", "", nil
	case rowMetered:
		return l.srv.Base + l.res.metered, "", l.srv
	case rowFree:
		return l.srv.Base + l.res.free, "", l.srv
	case rowPictured:
		return l.srv.Base + l.res.pictured, "", l.srv
	case rowUncached:
		return l.off.Base + l.res.metered, "", l.off
	}
	return l.srv.Base + l.res.metered, l.cookies[name], l.srv
}

// benchAll seeds every library size, starts their servers, and measures
// them in interleaved rounds.
func benchAll(ctx context.Context, o options, bin, tmp string, stdout io.Writer) ([]sizeResult, error) {
	var libs []*library
	defer func() {
		for _, l := range libs {
			l.stop()
		}
	}()
	for _, n := range o.sizes {
		l, err := prepare(ctx, o, bin, tmp, n, stdout)
		if l != nil {
			libs = append(libs, l)
		}
		if err != nil {
			return nil, fmt.Errorf("%s articles: %w", thousands(n), err)
		}
	}

	// The signed-in rows follow the anonymous one they are compared
	// with, so the two meet the most similar conditions.
	rows := []string{rowStatic, rowMetered}
	if o.signedIn {
		for _, rd := range readers {
			rows = append(rows, rd.row)
		}
	}
	rows = append(rows, rowFree, rowPictured)
	if o.uncached {
		rows = append(rows, rowUncached)
	}
	maxRSS := map[*server]int64{}
	for round := 1; round <= o.rounds; round++ {
		fmt.Fprintf(stdout, "\nRound %d of %d\n", round, o.rounds)
		for _, name := range rows {
			for _, l := range libs {
				url, cookie, watch := l.target(name)
				fmt.Fprintf(stdout, "  %7s  %-34s ", thousands(l.res.articles), name+"…")
				if o.warmup > 0 {
					if _, err := load(ctx, url, cookie, o.conns, o.warmup, o.gzip); err != nil {
						return nil, fmt.Errorf("warm-up of %s: %w", name, err)
					}
				}
				var stopSampling func() int64
				if watch != nil {
					stopSampling = sampleRSS(watch.Pid())
				}
				s, err := load(ctx, url, cookie, o.conns, o.duration, o.gzip)
				if stopSampling != nil {
					maxRSS[watch] = max(maxRSS[watch], stopSampling())
				}
				if err != nil {
					return nil, fmt.Errorf("%s articles, %s: %w", thousands(l.res.articles), name, err)
				}
				fmt.Fprintf(stdout, "%s req/s\n", thousands(int(s.rate()+0.5)))
				l.samples[name] = append(l.samples[name], s)
			}
		}
	}

	var out []sizeResult
	for _, l := range libs {
		for _, name := range rows {
			l.res.rows = append(l.res.rows, row{name: name, load: summarize(l.samples[name])})
		}
		l.res.mem.maxDuring = maxRSS[l.srv]
		l.res.mem.after, l.res.mem.peak = settledMemory(l.srv.Pid())
		if l.off != nil {
			l.res.memOff.maxDuring = maxRSS[l.off]
			l.res.memOff.after, l.res.memOff.peak = settledMemory(l.off.Pid())
		}
		out = append(out, l.res)
	}
	return out, nil
}

// prepare seeds a library of n articles, picks the two articles, starts
// the servers and captures the page for the static server.
func prepare(ctx context.Context, o options, bin, tmp string, n int, stdout io.Writer) (*library, error) {
	l := &library{res: sizeResult{articles: n}, samples: map[string][]sample{}}
	dir := filepath.Join(tmp, strconv.Itoa(n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	dsn := "sqlite:" + filepath.Join(dir, "masthead.db")

	fmt.Fprintf(stdout, "\n== %s articles ==\nSeeding with `masthead demo`… ", thousands(n))
	start := time.Now()
	seed := exec.CommandContext(ctx, bin, "demo", "--articles", strconv.Itoa(n),
		"--seed", strconv.FormatInt(o.seed, 10), "--db", dsn, "--log-format", "text", "--log-level", "warn")
	if out, err := seed.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("masthead demo: %w\n%s", err, proc.Tail(out))
	}
	l.res.seedTime = time.Since(start)
	fmt.Fprintf(stdout, "%s\n", l.res.seedTime.Round(100*time.Millisecond))
	// Related reading is computed before the servers start, as after an
	// upgrade's `masthead related --rebuild`, so every page measured
	// lists its neighbours and no server computes them under load.
	fmt.Fprintf(stdout, "Related reading with `masthead related --rebuild`… ")
	start = time.Now()
	related := exec.CommandContext(ctx, bin, "related", "--rebuild", "--db", dsn, "--log-format", "text", "--log-level", "warn")
	if out, err := related.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("masthead related: %w\n%s", err, proc.Tail(out))
	}
	fmt.Fprintf(stdout, "%s\n", time.Since(start).Round(100*time.Millisecond))

	var err error
	l.res.metered, l.res.free, err = pickArticles(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if l.res.pictured, err = addPictured(ctx, dsn, dir, l.res.free); err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "Metered article: %s\nFree article:    %s\nWith images:     %s\n", l.res.metered, l.res.free, l.res.pictured)
	if o.signedIn {
		// Members, their unlock, entitlement and sessions, written
		// before any server opens the database.
		if l.cookies, err = signIn(ctx, dsn, l.res.metered); err != nil {
			return nil, err
		}
	}

	// The server as shipped: default settings, page cache on.
	if l.srv, err = startServer(ctx, bin, dir, "default", dsn); err != nil {
		return l, err
	}
	if o.uncached {
		// With the page cache off every request renders: the database
		// query, the access decision and the template, which is where
		// a cost growing with the library would show.
		if l.off, err = startServer(ctx, bin, dir, "nocache", dsn, "--page-cache-mb", "0"); err != nil {
			return l, err
		}
	}

	fetchClient := &http.Client{Transport: newTransport(1), Timeout: 30 * time.Second}
	defer fetchClient.CloseIdleConnections()
	if l.res.page, err = fetch(ctx, fetchClient, l.srv.Base+l.res.metered, "", o.gzip); err != nil {
		return l, err
	}
	if l.res.freePage, err = fetch(ctx, fetchClient, l.srv.Base+l.res.free, "", o.gzip); err != nil {
		return l, err
	}
	if o.signedIn {
		// Each signed-in row must measure the page it names: the full
		// text, the offer, the subscriber's page; all private.
		l.res.readerPages = map[string]page{}
		for _, rd := range readers {
			p, err := fetch(ctx, fetchClient, l.srv.Base+l.res.metered, l.cookies[rd.row], o.gzip)
			if err != nil {
				return l, err
			}
			if err := checkReaderPage(rd, p); err != nil {
				return l, fmt.Errorf("%s: %w", l.res.metered, err)
			}
			l.res.readerPages[rd.row] = p
		}
	}
	l.static, err = startStatic(ctx, dir, l.res.page)
	return l, err
}

// settledMemory reads a server's memory a second after load stopped.
func settledMemory(pid int) (rss, hwm int64) {
	time.Sleep(time.Second)
	rss, hwm, _ = proc.ReadMemory(pid)
	return rss, hwm
}

// pickArticles chooses one live metered and one live free article from
// the middle of the library (by date), not the newest, so the page is not
// one that lists or indexes would favour. The store opens the database
// only before the server starts.
func pickArticles(ctx context.Context, dsn string) (metered, free string, err error) {
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return "", "", err
	}
	defer db.Close()
	pick := func(acc masthead.Access) (string, error) {
		f := masthead.ArticleFilter{Live: true, Now: time.Now(), Access: &acc, Limit: 1, Bare: true}
		_, total, err := db.Articles(ctx, f)
		if err != nil {
			return "", fmt.Errorf("list %s articles: %w", acc, err)
		}
		if total == 0 {
			return "", fmt.Errorf("%s: %w", acc, errNoArticle)
		}
		f.Offset = total / 2
		list, _, err := db.Articles(ctx, f)
		if err != nil {
			return "", fmt.Errorf("list %s articles: %w", acc, err)
		}
		if len(list) == 0 {
			return "", fmt.Errorf("%s: %w", acc, errNoArticle)
		}
		return "/articles/" + list[0].Slug, nil
	}
	if metered, err = pick(masthead.AccessMetered); err != nil {
		return "", "", err
	}
	if free, err = pick(masthead.AccessFree); err != nil {
		return "", "", err
	}
	return metered, free, nil
}
