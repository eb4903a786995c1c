package insights

import (
	"context"
	"sync"
	"testing"
	"time"

	"masthead"
)

type discardSink struct{}

func (discardSink) RecordInsights(context.Context, []masthead.InsightEvent) error { return nil }

// TestReadsMemory checks that a slot's table of waiting reads holds only
// the members whose reads wait, and that one a burst of reads grew is
// let go once they are written, while a small one is kept for the next
// reads.
func TestReadsMemory(t *testing.T) {
	r := New(discardSink{}, Options{Interval: time.Hour})
	defer r.Close()
	at := time.Now()
	const slot = 5
	for i := range 3 * readsKept {
		r.RecordRead(int64(slot+i*readSlots), 1, at)
	}
	r.RecordRead(slot+1, 1, at)
	s, small := &r.reads[slot], &r.reads[slot+1]
	s.mu.Lock()
	n := len(s.waiting)
	s.mu.Unlock()
	if n != 3*readsKept {
		t.Fatalf("%d members waiting in the slot, want %d", n, 3*readsKept)
	}
	r.Flush()
	s.mu.Lock()
	grown := s.waiting
	s.mu.Unlock()
	small.mu.Lock()
	kept, left := small.waiting != nil, len(small.waiting)
	small.mu.Unlock()
	if grown != nil {
		t.Errorf("a slot's table of %d members is kept once they are written", 3*readsKept)
	}
	if !kept || left != 0 {
		t.Errorf("a slot's small table: kept %v with %d members, want kept and empty", kept, left)
	}
}

// TestReadsWaitSettles checks that, however reads and writes interleave
// — a batch may write a read before RecordRead counts it waiting — no
// read is left waiting once every batch is written.
func TestReadsWaitSettles(t *testing.T) {
	r := New(discardSink{}, Options{Buffer: 64, Batch: 8, Interval: time.Millisecond})
	defer r.Close()
	at := time.Now()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				r.RecordRead(int64(1+(g*2000+i)%3000), 1, at)
				if i%500 == 0 {
					r.Flush()
				}
			}
		})
	}
	wg.Wait()
	r.Flush()
	for i := range r.reads {
		s := &r.reads[i]
		s.mu.Lock()
		if len(s.waiting) != 0 {
			t.Errorf("slot %d: %v still waiting", i, s.waiting)
		}
		s.mu.Unlock()
	}
	// The moment a write counts a read before RecordRead does.
	s := r.readSlot(7)
	s.wait(readKey{7, 1}, 0, -1)
	s.wait(readKey{7, 1}, at.UnixMicro(), 1)
	if len(r.WaitingReads(7, nil)) > 0 {
		t.Error("a read written before it was counted waits")
	}
}
