package main

import (
	"context"
	"os/exec"

	"masthead/bench/internal/proc"
)

// startServer runs bin with args, its output in logPath, and waits for the
// line that names its URL.
func startServer(ctx context.Context, bin, logPath string, args ...string) (*proc.Server, error) {
	return proc.Start(ctx, exec.Command(bin, args...), logPath, proc.ServingPrefix)
}
