package main

// Helpers for tests that run the built binary as separate processes, as
// an operator runs it: several instances on one database, and processes
// killed with SIGKILL half-way through their work.

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"masthead/store/storetest"
)

// buildMasthead builds cmd/masthead into a temporary directory and returns
// the binary's path.
func buildMasthead(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "masthead")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a running masthead process.
type proc struct {
	name   string
	URL    string
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan struct{}
}

// startProc runs `bin serve` with args on a free loopback port and waits
// until it prints its URL. It is killed, if still running, when t ends.
func startProc(t *testing.T, name, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, stdout: new(syncBuffer), stderr: new(syncBuffer), exited: make(chan struct{})}
	full := append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json", "--shutdown-grace", "5s"}, args...)
	p.cmd = exec.Command(bin, full...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.kill(t) })
	deadline := time.After(2 * time.Minute)
	for {
		if m := servingRE.FindStringSubmatch(p.stdout.String()); m != nil {
			p.URL = m[2]
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited before serving\nstdout:\n%s\nstderr:\n%s", name, p.stdout, p.stderr)
		case <-deadline:
			t.Fatalf("%s printed no URL within 2 minutes\nstderr:\n%s", name, p.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill ends the process at once (SIGKILL), as a crash or an OOM killer
// would, and waits for it.
func (p *proc) kill(t *testing.T) {
	p.cmd.Process.Kill()
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not exit within 30 s of SIGKILL", p.name)
	}
}

// stop asks the process to shut down (SIGTERM), as an orchestrator does,
// and waits for it to exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not stop within 30 s of SIGTERM\nstderr:\n%s", p.name, p.stderr)
	}
}

// logLines returns the process's log lines that contain every one of
// parts.
func (p *proc) logLines(parts ...string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(p.stderr.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
next:
	for sc.Scan() {
		for _, s := range parts {
			if !strings.Contains(sc.Text(), s) {
				continue next
			}
		}
		out = append(out, sc.Text())
	}
	return out
}

// waitFor polls cond every 50 ms until it holds or limit passes, and
// reports whether it held. The limit only keeps a failure from hanging the
// run; nothing asserts how soon cond held.
func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runBin runs bin with args to its end, with a bound.
func runBin(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	return string(out), err
}

// engineDSN is the address of a new, empty database of engine
// ("sqlite" or "postgres"), gone when the test ends; PostgreSQL's skips
// the test without MASTHEAD_TEST_POSTGRES.
func engineDSN(t *testing.T, engine string) string {
	t.Helper()
	if engine == "postgres" {
		return freshPostgres(t)
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "masthead.db")
}

// freshPostgres returns the URL of a new, empty PostgreSQL database, dropped
// (with any connection a killed process left) when t ends; it skips t
// without MASTHEAD_TEST_POSTGRES. A database of its own, rather than a
// schema in the shared one, keeps processes the test kills and restarts
// apart from every other test's connections and locks.
func freshPostgres(t *testing.T) string {
	t.Helper()
	base := os.Getenv(storetest.EnvPostgres)
	if base == "" {
		t.Skipf("set %s to run this test on PostgreSQL", storetest.EnvPostgres)
	}
	b := make([]byte, 5)
	rand.Read(b)
	name := "masthead_t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		t.Fatalf("postgres: create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
