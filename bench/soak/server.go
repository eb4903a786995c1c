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

// build compiles cmd/masthead from the module that holds the working
// directory, as it would be deployed.
func build(ctx context.Context, bin string) error {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return errors.New("run from inside the masthead module (go run ./bench/soak)")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/masthead")
	cmd.Dir = filepath.Dir(mod)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/masthead: %w", err)
	}
	return nil
}

// server is `masthead serve` running as a child process on loopback.
type server struct {
	cmd     *exec.Cmd
	base    string
	done    chan struct{}
	waitErr error
	once    sync.Once
}

const servingPrefix = "Masthead is serving "

// startServer runs bin with args, its output in logPath, and waits for the
// line that names its URL.
func startServer(ctx context.Context, bin, logPath string, args ...string) (*server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = logf
	// Its own process group, so Ctrl-C reaches only this program, which
	// stops the server in order; and SIGTERM should this program die.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	urlc := make(chan string, 1)
	var copied sync.WaitGroup
	copied.Go(func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, servingPrefix) {
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
	select {
	case u := <-urlc:
		pu, err := url.Parse(u)
		if ip := net.ParseIP(pu.Hostname()); err != nil || ip == nil || !ip.IsLoopback() {
			s.stop()
			return nil, fmt.Errorf("server URL %q is not a loopback address", u)
		}
		s.base = strings.TrimRight(u, "/")
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("masthead exited early (%v):\n%s", s.waitErr, tailFile(logPath))
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("masthead printed no URL within 2 minutes:\n%s", tailFile(logPath))
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop asks the server to shut down (SIGINT) and kills it if it has not
// within 15 s.
func (s *server) stop() {
	s.once.Do(func() {
		s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// readMemory returns VmRSS and VmHWM of pid in bytes.
func readMemory(pid int) (rss, hwm int64, err error) {
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
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return rss, hwm, nil
}

// tailFile returns the last lines of a file.
func tailFile(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
