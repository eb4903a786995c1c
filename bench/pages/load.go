package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"masthead/bench/internal/proc"
)

// newTransport returns a client transport with exactly conns keep-alive
// connections to one host. Compression is left to the caller's header,
// and the body is read as sent, so both servers are timed on the same
// bytes over the wire; no proxy, as the load stays on this machine.
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// page is a response captured to be served again as a static file.
type page struct {
	contentType     string
	contentEncoding string
	cacheControl    string
	body            []byte
}

// fetch GETs url once, as an anonymous reader or, with a cookie, as the
// signed-in reader it names, and insists on a 200 HTML page.
func fetch(ctx context.Context, client *http.Client, url, cookie string, gzip bool) (page, error) {
	req, err := newRequest(ctx, url, cookie, gzip)
	if err != nil {
		return page{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return page{}, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return page{}, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return page{}, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return page{
		contentType:     resp.Header.Get("Content-Type"),
		contentEncoding: resp.Header.Get("Content-Encoding"),
		cacheControl:    resp.Header.Get("Cache-Control"),
		body:            body,
	}, nil
}

// newRequest is a GET of url, with Cookie set when cookie is not empty
// (a signed-in reader's session) and Accept-Encoding: gzip when asked.
func newRequest(ctx context.Context, url, cookie string, gzip bool) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	return req, nil
}

// staticChildArg, as the first argument, makes this program the static
// file server instead of the benchmark. The server runs as a process of
// its own, like Masthead, so neither shares a Go runtime (scheduler,
// garbage collector) with the load generator and the comparison is fair.
const staticChildArg = "-static-child"

// staticPrefix starts the line the static server prints once it listens.
const staticPrefix = "Static file server at "

// startStatic writes p to a file in dir and runs this program again as a
// static file server for it on a free loopback port.
func startStatic(ctx context.Context, dir string, p page) (*server, error) {
	path := filepath.Join(dir, "static-page.html")
	if err := os.WriteFile(path, p.body, 0o644); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this program to run the static server: %w", err)
	}
	cmd := exec.Command(self, staticChildArg, path, p.contentType, p.contentEncoding)
	return proc.Start(ctx, cmd, filepath.Join(dir, "static.log"), staticPrefix)
}

// serveStatic is the static file server: it serves one file, as a plain
// file server would (open, stat, send), with the Content-Type and, when
// Masthead compressed the page, the Content-Encoding Masthead sent, so
// both send the same bytes. It stops on SIGINT or SIGTERM.
func serveStatic(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 3 {
		return fmt.Errorf("%s FILE CONTENT-TYPE CONTENT-ENCODING", staticChildArg)
	}
	path, contentType, encoding := args[0], args[1], args[2]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		if encoding != "" {
			w.Header().Set("Content-Encoding", encoding)
		}
		http.ServeFile(w, r, path)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	fmt.Fprintf(stdout, "%shttp://%s\n", staticPrefix, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

// sample is what one measurement collected.
type sample struct {
	lat     []time.Duration // of the successful requests, unsorted
	errors  int             // failed or another status than 200
	elapsed time.Duration
	bytes   int64 // body bytes of the successful responses
}

// loadResult summarises the samples of one row, pooled over rounds.
type loadResult struct {
	requests int
	errors   int
	elapsed  time.Duration
	bytes    int64
	p50, p99 time.Duration
	max      time.Duration
	rounds   []float64 // the rate of each round, to show the spread
}

// rate is successful requests per second.
func (r loadResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// rate is the rate of one sample.
func (s sample) rate() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(len(s.lat)) / s.elapsed.Seconds()
}

// summarize pools samples: the rate is all successes over all the time
// measured, the percentiles are over every request.
func summarize(samples []sample) loadResult {
	var r loadResult
	var all []time.Duration
	for _, s := range samples {
		all = append(all, s.lat...)
		r.errors += s.errors
		r.elapsed += s.elapsed
		r.bytes += s.bytes
		r.rounds = append(r.rounds, s.rate())
	}
	r.requests = len(all)
	if len(all) > 0 {
		slices.Sort(all)
		r.p50 = percentile(all, 50)
		r.p99 = percentile(all, 99)
		r.max = all[len(all)-1]
	}
	return r
}

// load keeps conns connections busy with GETs of url for d, each with
// cookie when it is not empty (a signed-in reader): each worker
// sends its next request as soon as the last one's body is read (a closed
// loop, so the rate is what the server sustains). Latency is measured per
// request, from send to last body byte. Requests in flight at the end are
// let finish and counted; the rate divides by the real elapsed time.
func load(ctx context.Context, url, cookie string, conns int, d time.Duration, gzip bool) (sample, error) {
	tr := newTransport(conns)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	type workerResult struct {
		lat    []time.Duration
		errs   int
		bytes  int64
		lastEr error
	}
	results := make([]workerResult, conns)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wr := &results[i]
			wr.lat = make([]time.Duration, 0, 1<<14)
			req, err := newRequest(ctx, url, cookie, gzip)
			if err != nil {
				wr.errs++
				wr.lastEr = err
				return
			}
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					wr.errs++
					wr.lastEr = err
					continue
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat := time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusOK {
					wr.errs++
					wr.lastEr = fmt.Errorf("status %d, read error %v", resp.StatusCode, err)
					continue
				}
				wr.lat = append(wr.lat, lat)
				wr.bytes += n
			}
		}()
	}
	wg.Wait()
	res := sample{elapsed: time.Since(start)}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	var lastErr error
	for _, wr := range results {
		res.lat = append(res.lat, wr.lat...)
		res.errors += wr.errs
		res.bytes += wr.bytes
		if wr.lastEr != nil {
			lastErr = wr.lastEr
		}
	}
	if len(res.lat) == 0 {
		return res, fmt.Errorf("GET %s: no request succeeded (last error: %v)", url, lastErr)
	}
	if res.errors*100 > len(res.lat) {
		// A few errors are reported in the table; this many mean the
		// figures measure a failure, not the page.
		return res, fmt.Errorf("GET %s: %d of %d requests failed (last: %v)", url, res.errors, res.errors+len(res.lat), lastErr)
	}
	return res, nil
}

// percentile reads the p-th percentile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return sorted[i-1]
}

// errNoArticle is returned when the demo library lacks an access level the
// benchmark needs.
var errNoArticle = errors.New("no live article with that access level")
