// Command passwords measures the memory of a real server under a burst of
// password sign-ins: it builds cmd/masthead (or takes -bin), starts it on
// loopback on a fresh SQLite database, sends -parallel password
// sign-ins at once, each from its own network (through X-Forwarded-For
// and --trusted-proxies 127.0.0.1/32) and for its own address, so no rate
// limit answers before the hash, and prints the server's resident memory
// before the burst and at its peak (VmHWM), with the answers' statuses.
//
//	go run ./bench/passwords                       # 200 at once
//	go run ./bench/passwords -parallel 200 -bin /tmp/old/masthead -hashes 0
//
// -hashes 0 passes no --password-hashes (for a binary that has no such
// setting). Everything it starts is stopped and deleted when it ends.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"masthead/bench/internal/proc"
	"masthead/mail/mailtest"
)

type options struct {
	parallel int
	hashes   int
	wait     time.Duration
	bin      string
}

func main() {
	var o options
	flag.IntVar(&o.parallel, "parallel", 200, "password sign-ins sent at once")
	flag.IntVar(&o.hashes, "hashes", 0, "--password-hashes of the server; 0 passes none (the server's default, or a binary without the setting)")
	flag.DurationVar(&o.wait, "wait", 0, "--password-hash-wait of the server; 0 passes none")
	flag.StringVar(&o.bin, "bin", "", "a masthead binary to measure instead of building ./cmd/masthead")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "passwords:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.parallel <= 0 || o.parallel > 1000 {
		return errors.New("-parallel: want 1 to 1000")
	}
	dir, err := os.MkdirTemp("", "masthead-passwords-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := o.bin
	if bin == "" {
		bin = filepath.Join(dir, "masthead")
		fmt.Println("Building cmd/masthead…")
		if err := proc.Build(ctx, bin, "go run ./bench/passwords"); err != nil {
			return err
		}
	}
	// The server makes the database. Every sign-in is for an address
	// without an account, which is checked against the dummy hash: the
	// same work as a real one, so the binary measured needs no setup.
	dsn := "sqlite:" + filepath.Join(dir, "passwords.db")

	smtp, err := mailtest.New(mailtest.Discard())
	if err != nil {
		return err
	}
	defer smtp.Close()
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--log-format", "text", "--log-level", "warn",
		"--shutdown-grace", "5s", "--smtp-url", smtp.URL(), "--trusted-proxies", "127.0.0.1/32"}
	if o.hashes > 0 {
		args = append(args, "--password-hashes", strconv.Itoa(o.hashes))
	}
	if o.wait > 0 {
		args = append(args, "--password-hash-wait", o.wait.String())
	}
	srv, err := proc.Start(ctx, exec.Command(bin, args...), filepath.Join(dir, "serve.log"), proc.ServingPrefix)
	if err != nil {
		return err
	}
	defer srv.Stop()

	client := &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: o.parallel, MaxConnsPerHost: o.parallel},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       2 * time.Minute,
	}
	// Warm up: one sign-in, so the baseline holds a server that has
	// hashed once.
	if _, err := signIn(ctx, client, srv.Base, "warmup@example.com", "10.255.255.1"); err != nil {
		return err
	}
	rssBefore, _, err := proc.ReadMemory(srv.Pid())
	if err != nil {
		return err
	}

	fmt.Printf("Sending %d password sign-ins at once…\n", o.parallel)
	start := time.Now()
	statuses := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range o.parallel {
		wg.Go(func() {
			<-gate
			// Addresses of their own, so the per-address limit answers
			// none before its hash; unknown ones cost the same hash.
			email := fmt.Sprintf("burst%d@example.com", i)
			// Each from its own /24, as a botnet would.
			status, err := signIn(ctx, client, srv.Base, email, fmt.Sprintf("10.%d.%d.1", i/250, i%250))
			key := strconv.Itoa(status)
			if err != nil {
				key = "error"
			}
			mu.Lock()
			statuses[key]++
			mu.Unlock()
		})
	}
	close(gate)
	wg.Wait()
	elapsed := time.Since(start)
	rssAfter, hwm, err := proc.ReadMemory(srv.Pid())
	if err != nil {
		return err
	}
	var keys []string
	for k := range statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, statuses[k]))
	}
	fmt.Printf("Answers: %s in %s\n", strings.Join(parts, ", "), elapsed.Round(time.Millisecond))
	fmt.Printf("Server RSS: %.0f MB before, %.0f MB after; peak (VmHWM) %.0f MB\n", mb(rssBefore), mb(rssAfter), mb(hwm))
	return nil
}

// signIn posts the password form and returns the status.
func signIn(ctx context.Context, c *http.Client, base, email, client string) (int, error) {
	form := url.Values{"with": {"password"}, "email": {email}, "password": {"a wrong but long phrase"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", client)
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
