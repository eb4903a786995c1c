package store

import "time"

// OnWriteHeld calls fn with how long each write transaction held the
// writer, from its begin to its commit or rollback, so that a benchmark
// can report it; the returned function removes it. Not for tests run in
// parallel with others.
func OnWriteHeld(fn func(time.Duration)) (restore func()) {
	old := writeHeld
	writeHeld = func(began time.Time) { fn(time.Since(began)) }
	return func() { writeHeld = old }
}
