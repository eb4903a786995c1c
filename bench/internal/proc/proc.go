// Package proc runs the programs a benchmark measures: it builds
// cmd/masthead as it would be deployed, starts a server as a child process
// on loopback, waits for the line that names its URL, stops it as an
// operator would, and reads its memory from /proc.
package proc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Build compiles cmd/masthead into bin from the module that holds the
// working directory: no race detector, no test hooks. hint is the command
// to suggest when run from elsewhere ("go run ./bench/soak").
func Build(ctx context.Context, bin, hint string) error {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return fmt.Errorf("run from inside the masthead module (%s)", hint)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/masthead")
	cmd.Dir = filepath.Dir(mod)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/masthead: %w", err)
	}
	return nil
}

// ServingPrefix starts the line `masthead serve` prints once it listens;
// the URL follows the last " at ".
const ServingPrefix = "Masthead is serving "

// Server is a child process serving HTTP on loopback.
type Server struct {
	Cmd     *exec.Cmd
	Base    string // http://127.0.0.1:PORT
	LogPath string

	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
}

// Start starts cmd and waits for the stdout line starting with prefix,
// whose text after the last " at " is the server's URL, which must be a
// loopback address. Stdout and stderr go to logPath.
func Start(ctx context.Context, cmd *exec.Cmd, logPath, prefix string) (*Server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	// Its own process group, so a Ctrl-C reaches only the benchmark, which
	// then stops the server in order; and a signal if the benchmark dies
	// without doing so, so no server outlives it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", filepath.Base(cmd.Path), err)
	}
	s := &Server{Cmd: cmd, LogPath: logPath, done: make(chan struct{})}

	urlc := make(chan string, 1)
	var copied sync.WaitGroup
	copied.Go(func() {
		// Read stdout to its end: the URL line, then anything else into
		// the log, so the server never blocks on a full pipe.
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, prefix) {
				if i := strings.LastIndex(line, " at "); i >= 0 {
					select {
					case urlc <- strings.TrimSpace(line[i+4:]):
					default:
					}
				}
			}
			fmt.Fprintln(logf, line)
		}
	})
	go func() {
		copied.Wait()
		s.waitErr = cmd.Wait()
		logf.Close()
		close(s.done)
	}()

	timeout := time.NewTimer(2 * time.Minute)
	defer timeout.Stop()
	name := filepath.Base(cmd.Path)
	select {
	case u := <-urlc:
		if err := checkLoopback(u); err != nil {
			s.Stop()
			return nil, err
		}
		s.Base = strings.TrimRight(u, "/")
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("%s exited early (%v):\n%s", name, s.waitErr, s.LogTail())
	case <-timeout.C:
		s.Stop()
		return nil, fmt.Errorf("%s printed no URL within 2 minutes:\n%s", name, s.LogTail())
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
}

// checkLoopback refuses a URL off this machine: a benchmark must never
// send load anywhere else.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("server URL %q: %w", raw, err)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("server URL %q is not a loopback address", raw)
	}
	return nil
}

// Done is closed once the server has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

// Pid is the server's process id, for reading its memory.
func (s *Server) Pid() int { return s.Cmd.Process.Pid }

// Stop asks the server to shut down as an operator would (SIGINT) and
// kills it if it has not exited within 15 s.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		select {
		case <-s.done:
			return
		default:
		}
		s.Cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			s.Cmd.Process.Kill()
			<-s.done
		}
	})
}

// LogTail returns the end of the server's log, for error messages.
func (s *Server) LogTail() string {
	b, _ := os.ReadFile(s.LogPath)
	return Tail(b)
}

// Tail keeps the last lines of a command's output.
func Tail(b []byte) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// ReadMemory returns a process's VmRSS and VmHWM in bytes from
// /proc/PID/status: what it holds now and the most it has held.
func ReadMemory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		f := strings.Fields(val)
		if !ok || len(f) != 2 || f[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			hwm = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
	}
	return rss, hwm, nil
}

// LoadAverage reads /proc/loadavg's three figures: on a shared machine,
// wall times mean little without them.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
