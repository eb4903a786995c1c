package main

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

// build compiles the binary from the module that holds the working
// directory, as it would be deployed: no race detector, no test hooks.
func build(ctx context.Context, bin string) error {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return errors.New("run from inside the masthead module (go run ./bench/pages)")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/masthead")
	cmd.Dir = filepath.Dir(mod)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/masthead: %w", err)
	}
	return nil
}

// server is a child process serving HTTP on loopback: `masthead serve`,
// or this program's own static file server.
type server struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:PORT
	logPath string
	done    chan struct{}
	waitErr error
}

// servingPrefix starts the line serve prints once it listens; the URL
// follows the last " at ".
const servingPrefix = "Masthead is serving "

// startServer runs `masthead serve` on a free loopback port and waits for
// the line that names its URL. Its stderr (the log) goes to a file beside
// the database, quoted when something fails.
func startServer(ctx context.Context, bin, dir, name, dsn string, extra ...string) (*server, error) {
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dsn,
		"--log-format", "text", "--log-level", "warn", "--shutdown-grace", "5s"}, extra...)
	return startChild(ctx, exec.Command(bin, args...), filepath.Join(dir, "serve-"+name+".log"), servingPrefix)
}

// startChild starts cmd and waits for the stdout line starting with
// prefix, whose text after the last " at " is the server's URL. Stdout
// and stderr go to logPath.
func startChild(ctx context.Context, cmd *exec.Cmd, logPath, prefix string) (*server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	// Its own process group, so a Ctrl-C reaches only this program, which
	// then stops the server in order; and a signal if this program dies
	// without doing so, so no server outlives the benchmark.
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
	s := &server{cmd: cmd, logPath: logPath, done: make(chan struct{})}

	urlc := make(chan string, 1)
	var copyDone sync.WaitGroup
	copyDone.Add(1)
	go func() {
		// Read stdout to its end: the URL line, then anything else into
		// the log, so the server never blocks on a full pipe.
		defer copyDone.Done()
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
	}()
	go func() {
		copyDone.Wait()
		s.waitErr = cmd.Wait()
		logf.Close()
		close(s.done)
	}()

	timeout := time.NewTimer(2 * time.Minute)
	defer timeout.Stop()
	select {
	case u := <-urlc:
		if err := checkLoopback(u); err != nil {
			s.stop()
			return nil, err
		}
		s.base = strings.TrimRight(u, "/")
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("%s exited early (%v):\n%s", filepath.Base(cmd.Path), s.waitErr, s.logTail())
	case <-timeout.C:
		s.stop()
		return nil, fmt.Errorf("%s printed no URL within 2 minutes:\n%s", filepath.Base(cmd.Path), s.logTail())
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// checkLoopback refuses a URL off this machine: the benchmark must never
// send load anywhere else.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("server URL %q: %w", raw, err)
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("server URL %q is not a loopback address", raw)
	}
	return nil
}

// pid is the server's process id, for reading its memory.
func (s *server) pid() int { return s.cmd.Process.Pid }

// stop asks the server to shut down as an operator would (SIGINT) and
// kills it if it has not exited in time.
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// logTail returns the end of the server's log, for error messages.
func (s *server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	return tail(b)
}

// tail keeps the last lines of a command's output.
func tail(b []byte) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

// readMemory returns a process's VmRSS and VmHWM in bytes from
// /proc/PID/status: what it holds now and the most it has held.
func readMemory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return rss, hwm, nil
}

// sampleRSS records the highest VmRSS of pid until the returned function
// is called, which returns it.
func sampleRSS(pid int) (stop func() int64) {
	quit := make(chan struct{})
	result := make(chan int64, 1)
	go func() {
		var max int64
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _, err := readMemory(pid); err == nil && rss > max {
				max = rss
			}
			select {
			case <-quit:
				result <- max
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(quit)
		return <-result
	}
}
