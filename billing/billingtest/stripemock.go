// Package billingtest starts stripe-mock, Stripe's official API mock, for
// tests that make real Stripe API calls against it.
package billingtest

import (
	"bufio"
	"fmt"
	"net"
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-http-addr", fmt.Sprintf("127.0.0.1:%d", port))
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
	// Drain its output so it never blocks on a full pipe.
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
		}
	}()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i > 300 {
			t.Fatalf("stripe-mock did not start listening on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "http://" + addr
}
