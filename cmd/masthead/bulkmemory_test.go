package main

import (
	"runtime/debug"
	"testing"
)

// TestBulkMemory: a bulk command collects less often within a soft
// limit, unless the environment sets either, and restores both after.
func TestBulkMemory(t *testing.T) {
	before, beforeLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	defer func() { debug.SetGCPercent(before); debug.SetMemoryLimit(beforeLimit) }()

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	restore := bulkMemory()
	if p, l := debug.SetGCPercent(-1), debug.SetMemoryLimit(-1); p != 400 || l != 1<<30 {
		t.Errorf("during a bulk command: GOGC %d, limit %d; want 400 and 1 GiB", p, l)
	}
	debug.SetGCPercent(400)
	restore()
	if p := debug.SetGCPercent(-1); p != 100 {
		t.Errorf("after: GOGC %d, want 100 restored", p)
	}
	debug.SetGCPercent(100)

	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "2GiB")
	limit := debug.SetMemoryLimit(-1)
	restore = bulkMemory()
	if p, l := debug.SetGCPercent(-1), debug.SetMemoryLimit(-1); p != 100 || l != limit {
		t.Errorf("with GOGC and GOMEMLIMIT set: GOGC %d, limit %d; want them left alone", p, l)
	}
	debug.SetGCPercent(100)
	restore()
}
