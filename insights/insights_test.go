package insights_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/insights"
)

// sink collects what the recorder writes; block, when set, holds every
// write until it is closed.
type sink struct {
	mu     sync.Mutex
	evs    []masthead.InsightEvent
	writes int
	block  chan struct{}
	wrote  chan int // when set, gets the size of every write
}

func (s *sink) RecordInsights(ctx context.Context, evs []masthead.InsightEvent) error {
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evs = append(s.evs, evs...)
	s.writes++
	if s.wrote != nil {
		s.wrote <- len(evs)
	}
	return nil
}

// counts sums the written events by kind and article.
func (s *sink) counts() map[masthead.InsightKind]map[int64]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[masthead.InsightKind]map[int64]int64{}
	for _, e := range s.evs {
		if out[e.Kind] == nil {
			out[e.Kind] = map[int64]int64{}
		}
		out[e.Kind][e.ArticleID] += max(e.Count, 1)
	}
	return out
}

type clock struct{ t time.Time }

func (c clock) Now() time.Time { return c.t }

var now = time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)

// TestRecorderBatches checks that events and cached hits are written on
// Flush and on Close, counted per article, and that a batch is written
// as soon as it is full, before the interval is up.
func TestRecorderBatches(t *testing.T) {
	s := &sink{}
	r := insights.New(s, insights.Options{Batch: 3, Interval: time.Hour, Clock: clock{now}})
	r.Record(masthead.InsightRegistration, 7, 0)
	r.NotePage("/articles/a", 7, true)
	r.NotePage("/articles/b", 8, false)
	for range 5 {
		r.CachedHit("/articles/a")
	}
	r.CachedHit("/articles/b")
	r.CachedHit("/about") // not an article page: ignored
	r.Flush()
	c := s.counts()
	if c[masthead.InsightRegistration][7] != 1 || c[masthead.InsightArticleView][7] != 5 ||
		c[masthead.InsightWallView][7] != 5 || c[masthead.InsightArticleView][8] != 1 || c[masthead.InsightWallView][8] != 0 {
		t.Fatalf("after flush: %v", c)
	}
	if len(c) != 3 {
		t.Errorf("unexpected kinds written: %v", c)
	}
	// Flushed hits are not counted again.
	r.Flush()
	if got := s.counts()[masthead.InsightArticleView][7]; got != 5 {
		t.Errorf("views of 7 after a second flush = %d, want 5", got)
	}

	for range 3 {
		r.Record(masthead.InsightUnlock, 9, 0)
	}
	r.Record(masthead.InsightCheckout, 9, 42)
	r.Close()
	c = s.counts()
	if c[masthead.InsightUnlock][9] != 3 || c[masthead.InsightCheckout][9] != 1 {
		t.Fatalf("after close: %v", c)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.evs {
		if e.Kind == masthead.InsightCheckout && e.MemberID != 42 {
			t.Errorf("checkout lost its member: %+v", e)
		}
		if e.Kind != masthead.InsightCheckout && e.MemberID != 0 {
			t.Errorf("%s carries a member id: %+v", e.Kind, e)
		}
		if !e.At.Equal(now) {
			t.Errorf("event time %v, want the clock's %v", e.At, now)
		}
	}
	if r.Written() != 16 {
		t.Errorf("Written = %d, want 16", r.Written())
	}
}

// TestRecorderWritesFullBatch checks that a full batch is written at
// once, without Flush and long before the interval.
func TestRecorderWritesFullBatch(t *testing.T) {
	s := &sink{wrote: make(chan int, 10)}
	r := insights.New(s, insights.Options{Batch: 3, Interval: time.Hour, Clock: clock{now}})
	defer r.Close()
	for range 3 {
		r.Record(masthead.InsightUnlock, 9, 0)
	}
	if n := <-s.wrote; n != 3 {
		t.Errorf("first write held %d events, want the batch of 3", n)
	}
}

// TestRecorderDropsWhenFull checks that a request never waits: with the
// writer stuck and the buffer full, events are dropped and counted.
func TestRecorderDropsWhenFull(t *testing.T) {
	s := &sink{block: make(chan struct{})}
	r := insights.New(s, insights.Options{Buffer: 4, Batch: 1, Interval: time.Hour, Clock: clock{now}})
	// The first event is taken and its write blocks; four more fill the
	// buffer; the rest must be dropped without blocking this goroutine.
	for range 20 {
		r.Record(masthead.InsightArticleView, 1, 0)
	}
	if r.Dropped() < 15 {
		t.Errorf("Dropped = %d, want at least 15 of 20 with a buffer of 4", r.Dropped())
	}
	close(s.block)
	r.Close()
	if got, dropped := s.counts()[masthead.InsightArticleView][1], r.Dropped(); got+dropped != 20 {
		t.Errorf("written %d + dropped %d, want 20", got, dropped)
	}
}

// TestNilRecorder checks that an unset recorder records nothing and does
// not panic.
func TestNilRecorder(t *testing.T) {
	var r *insights.Recorder
	r.Record(masthead.InsightArticleView, 1, 0)
	r.NotePage("/articles/a", 1, true)
	r.CachedHit("/articles/a")
	r.Flush()
	r.Close()
	if r.Dropped() != 0 || r.Written() != 0 {
		t.Error("nil recorder counted something")
	}
}

// TestReadsOf checks the count of a member's reads: it moves when a
// read is taken, not for another member's (in another counter), and
// the read waits until its batch is written, or dropped.
func TestReadsOf(t *testing.T) {
	s := &sink{}
	r := insights.New(s, insights.Options{Interval: time.Hour, Clock: clock{now}})
	defer r.Close()
	waits := func(r *insights.Recorder, member int64) bool { return len(r.WaitingReads(member, nil)) > 0 }
	before := r.ReadsOf(7)
	if waits(r, 7) {
		t.Fatal("waiting before any read")
	}
	r.RecordRead(7, 100, now)
	taken, waiting := r.ReadsOf(7), waits(r, 7)
	if taken == before || !waiting {
		t.Errorf("after a read: taken %d (was %d), waiting %v; want moved and waiting", taken, before, waiting)
	}
	if other, otherWaiting := r.ReadsOf(8), waits(r, 8); other != 0 || otherWaiting {
		t.Errorf("another member: taken %d, waiting %v", other, otherWaiting)
	}
	// A member who shares 7's slot (1,031 = 7 + 1,024) shares its taken
	// count, but not its waiting read: their page has nothing to wait
	// for. And 7's read does not wait on theirs.
	if shared, sharedWaiting := r.ReadsOf(1031), waits(r, 1031); shared != taken || sharedWaiting {
		t.Errorf("a member of the same slot: taken %d (7's %d), waiting %v; want the same count, not waiting", shared, taken, sharedWaiting)
	}
	r.RecordRead(1031, 101, now)
	if !waits(r, 1031) {
		t.Error("the member of the same slot: their own read does not wait")
	}
	if n := testing.AllocsPerRun(100, func() { r.RecordRead(7, 100, now) }); n != 0 {
		t.Errorf("RecordRead of a member with a read waiting allocates %v a call", n)
	}
	taken = r.ReadsOf(7)
	r.Flush()
	if after, waiting := r.ReadsOf(7), waits(r, 7); after != taken || waiting {
		t.Errorf("after the write: taken %d (was %d), waiting %v; want unchanged, not waiting", after, taken, waiting)
	}
	if waits(r, 1031) {
		t.Error("the member of the same slot: waiting after the write")
	}
	if got := s.counts()[masthead.InsightRead][100]; got != 102 {
		t.Errorf("reads written %d, want 102", got)
	}

	// A read dropped with a full buffer neither waits nor moves the count.
	full := &sink{block: make(chan struct{})}
	f := insights.New(full, insights.Options{Buffer: 1, Batch: 1, Interval: time.Hour, Clock: clock{now}})
	for i := range 10 {
		f.RecordRead(7, int64(100+i), now)
	}
	taken = f.ReadsOf(7)
	if dropped := f.Dropped(); taken+uint64(dropped) != 10 || dropped == 0 {
		t.Errorf("taken %d + dropped %d, want 10 with some dropped", taken, dropped)
	}
	close(full.block)
	f.Flush()
	if waits(f, 7) {
		t.Error("waiting after every read was written or dropped")
	}
	f.Close()
}

// TestWaitingReads checks that a member's waiting reads are theirs
// alone, each article once at its latest read, until their batch is
// written.
func TestWaitingReads(t *testing.T) {
	r := insights.New(&sink{}, insights.Options{Interval: time.Hour, Clock: clock{now}})
	defer r.Close()
	if got := r.WaitingReads(7, nil); len(got) != 0 {
		t.Fatalf("waiting before any read: %v", got)
	}
	r.RecordRead(7, 100, now)
	r.RecordRead(7, 101, now.Add(time.Second))
	r.RecordRead(7, 100, now.Add(2*time.Second))
	r.RecordRead(1031, 102, now) // the same slot
	got := map[int64]time.Time{}
	for _, e := range r.WaitingReads(7, nil) {
		if e.Kind != masthead.InsightRead || e.MemberID != 7 {
			t.Errorf("a waiting read of 7: %+v", e)
		}
		if _, twice := got[e.ArticleID]; twice {
			t.Errorf("article %d twice", e.ArticleID)
		}
		got[e.ArticleID] = e.At
	}
	if len(got) != 2 || !got[100].Equal(now.Add(2*time.Second)) || !got[101].Equal(now.Add(time.Second)) {
		t.Errorf("7's waiting reads %v, want 100 at +2s and 101 at +1s", got)
	}
	if got := r.WaitingReads(1031, nil); len(got) != 1 || got[0].ArticleID != 102 {
		t.Errorf("1031's waiting reads %v, want 102", got)
	}
	r.Flush()
	if got := r.WaitingReads(7, nil); len(got) != 0 {
		t.Errorf("waiting after the write: %v", got)
	}
}

// TestCrawlerCounts checks that AI crawlers' requests are written as one
// event per family and decision with their count, and that counting one
// whose counter exists allocates nothing (it runs on every such request).
func TestCrawlerCounts(t *testing.T) {
	s := &sink{}
	r := insights.New(s, insights.Options{Interval: time.Hour, Clock: clock{now}})
	defer r.Close()
	family, decision := "gptbot", masthead.CrawlerGotTeaser
	r.Crawler(family, decision)
	if n := testing.AllocsPerRun(100, func() { r.Crawler(family, decision) }); n != 0 {
		t.Errorf("Crawler allocates %v a call", n)
	}
	r.Crawler("claudebot", masthead.CrawlerGotSpoofed)
	r.Flush()
	got := map[[2]string]int64{}
	s.mu.Lock()
	for _, e := range s.evs {
		if e.Kind == masthead.InsightCrawler {
			got[[2]string{e.Family, e.Decision}] += e.Count
		}
	}
	s.mu.Unlock()
	want := map[[2]string]int64{{"gptbot", "teaser"}: 102, {"claudebot", "spoofed"}: 1}
	if len(got) != len(want) || got[[2]string{"gptbot", "teaser"}] != 102 || got[[2]string{"claudebot", "spoofed"}] != 1 {
		t.Errorf("crawler counts %v, want %v", got, want)
	}
}
