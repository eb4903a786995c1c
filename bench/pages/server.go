package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"time"

	"masthead/bench/internal/proc"
)

// server is a child process serving HTTP on loopback: `masthead serve`,
// or this program's own static file server.
type server = proc.Server

// startServer runs `masthead serve` on a free loopback port and waits for
// the line that names its URL. Its stderr (the log) goes to a file beside
// the database, quoted when something fails.
func startServer(ctx context.Context, bin, dir, name, dsn string, extra ...string) (*server, error) {
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dsn,
		"--log-format", "text", "--log-level", "warn", "--shutdown-grace", "5s"}, extra...)
	return proc.Start(ctx, exec.Command(bin, args...), filepath.Join(dir, "serve-"+name+".log"), proc.ServingPrefix)
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
			if rss, _, err := proc.ReadMemory(pid); err == nil && rss > max {
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
