package http

import (
	"errors"
	"testing"
	"time"
)

func TestMemo(t *testing.T) {
	m := newMemo[string, int](time.Minute, 2)
	reads := 0
	load := func(v int, err error) func() (int, error) {
		return func() (int, error) { reads++; return v, err }
	}
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	if v, _ := m.get("a", t0, load(1, nil)); v != 1 || reads != 1 {
		t.Fatalf("first get: %d after %d reads", v, reads)
	}
	// Kept for its time to live, read again after it.
	if v, _ := m.get("a", t0.Add(59*time.Second), load(2, nil)); v != 1 || reads != 1 {
		t.Fatalf("within the TTL: %d after %d reads", v, reads)
	}
	if v, _ := m.get("a", t0.Add(time.Minute), load(3, nil)); v != 3 || reads != 2 {
		t.Fatalf("after the TTL: %d after %d reads", v, reads)
	}
	// A failed read is not kept.
	if _, err := m.get("b", t0, load(0, errors.New("down"))); err == nil {
		t.Fatal("the error was lost")
	}
	if v, _ := m.get("b", t0, load(4, nil)); v != 4 || reads != 4 {
		t.Fatalf("after a failure: %d after %d reads", v, reads)
	}
	// Purge forgets everything; a third key starts afresh past max.
	m.purge()
	if v, _ := m.get("a", t0.Add(time.Minute), load(5, nil)); v != 5 {
		t.Fatalf("after purge: %d", v)
	}
	m.get("b", t0.Add(time.Minute), load(6, nil))
	m.get("c", t0.Add(time.Minute), load(7, nil))
	if n := len(m.vals); n != 1 {
		t.Fatalf("%d keys kept past the bound of 2", n)
	}
}
