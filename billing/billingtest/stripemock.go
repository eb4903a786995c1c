// Package billingtest starts stripe-mock, Stripe's official API mock, for
// tests that make real Stripe API calls against it.
package billingtest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Version is the stripe-mock release .ci/run installs.
const Version = "v0.203.0"

// binary finds stripe-mock on PATH or in $(go env GOPATH)/bin.
func binary() string {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	var dirs []string
	if gp := os.Getenv("GOPATH"); gp != "" {
		dirs = append(dirs, filepath.SplitList(gp)...)
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go"))
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		dirs = append(dirs, filepath.SplitList(strings.TrimSpace(string(out)))...)
	}
	for _, d := range dirs {
		p := filepath.Join(d, "bin", "stripe-mock")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// StripeMock starts stripe-mock on a free port for the test and returns
// its base URL. It skips the test, saying how to install it, when the
// binary is missing.
func StripeMock(t testing.TB) string {
	t.Helper()
	bin := binary()
	if bin == "" {
		t.Skipf("stripe-mock not found on PATH or in $(go env GOPATH)/bin: go install github.com/stripe/stripe-mock@%s (.ci/run does)", Version)
	}
	// Both listeners on ports the system chooses: stripe-mock's HTTPS
	// listener otherwise takes a fixed port, so a second stripe-mock (of
	// another test package running at once) fails to start; and a port
	// picked here and freed could be taken by another process before
	// stripe-mock binds it. The address comes from its own log line.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stripe-mock: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	const listening = "Listening for HTTP at address: "
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var log []string
		for sc.Scan() {
			line := sc.Text()
			if addr, ok := strings.CutPrefix(line, listening); ok {
				found <- strings.TrimSpace(addr)
			} else if len(log) < 20 {
				log = append(log, line)
			}
		}
		// It exited (or was stopped) without saying where it listens.
		found <- "exited: " + strings.Join(log, " | ")
	}()
	select {
	case addr := <-found:
		if rest, ok := strings.CutPrefix(addr, "exited: "); ok {
			t.Fatalf("stripe-mock did not start: %s", rest)
		}
		return "http://" + addr
	case <-time.After(30 * time.Second):
		t.Fatal("stripe-mock did not say where it listens within 30 s")
		return ""
	}
}
