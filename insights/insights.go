// Package insights records the reader events of the publisher's dashboard
// without slowing the pages that cause them: a request only appends to a
// bounded buffer (an event that does not fit is dropped and counted), and
// a background goroutine writes the buffer in batches, every few seconds
// or when it holds enough events. Pages served from the anonymous page
// cache run no handler; they cost one atomic increment on a counter per
// path, read out with the batch (docs/insights.md). The same batches
// carry the signed-in readers' reading history (reads.go), which the
// dashboard never counts.
package insights

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"masthead"
)

// Sink stores a batch of events. *store.DB implements it.
type Sink interface {
	RecordInsights(ctx context.Context, evs []masthead.InsightEvent) error
}

// Options tune a Recorder; zero values take the defaults.
type Options struct {
	// Buffer bounds the events waiting to be written. Default 10,000.
	Buffer int
	// Batch is the number of waiting events that triggers a write before
	// the interval is up. Default 500.
	Batch int
	// Interval is the longest an event waits. Default 5 s.
	Interval time.Duration
	Clock    masthead.Clock
	Logger   *slog.Logger
}

// Recorder buffers events and writes them in batches. Its methods are safe
// for concurrent use and on a nil *Recorder, which records nothing.
type Recorder struct {
	sink Sink
	opt  Options
	ch   chan masthead.InsightEvent

	// pages maps an article page's path to what its anonymous page says,
	// noted when it is rendered, so a hit on the cached copy counts as the
	// same view (and wall view).
	pages sync.Map // string → *page

	// crawlers counts AI crawlers' requests by family and decision
	// between writes: one atomic increment a request, whatever the
	// traffic.
	crawlers sync.Map // crawlerKey → *atomic.Int64

	// reads counts, per slot of member ids, the reads this recorder
	// took, and per member and article those not yet written (reads.go).
	reads [readSlots]readSlot

	dropped atomic.Int64
	written atomic.Int64
	// reported is the dropped count last logged (loop goroutine only).
	reported int64

	stop chan struct{}
	done chan struct{}
	once sync.Once
	// flushReq asks the loop to write now; Flush waits on the reply.
	flushReq chan chan struct{}
}

// page is an article page as an anonymous reader gets it from the cache.
type page struct {
	articleID int64
	wall      bool
	hits      atomic.Int64
}

// New starts a recorder writing to sink. Close stops it after a last write.
func New(sink Sink, opt Options) *Recorder {
	if opt.Buffer <= 0 {
		opt.Buffer = 10_000
	}
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	if opt.Interval <= 0 {
		opt.Interval = 5 * time.Second
	}
	if opt.Clock == nil {
		opt.Clock = masthead.SystemClock{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Recorder{sink: sink, opt: opt, ch: make(chan masthead.InsightEvent, opt.Buffer),
		stop: make(chan struct{}), done: make(chan struct{}), flushReq: make(chan chan struct{})}
	go r.loop()
	return r
}

// Record appends an event without waiting; a full buffer drops it.
func (r *Recorder) Record(kind masthead.InsightKind, articleID, memberID int64) {
	if r == nil {
		return
	}
	select {
	case r.ch <- masthead.InsightEvent{Kind: kind, ArticleID: articleID, MemberID: memberID, At: r.opt.Clock.Now()}:
	default:
		r.dropped.Add(1)
	}
}

// NotePage remembers what the anonymous copy of an article page shows,
// so CachedHit can count it.
func (r *Recorder) NotePage(path string, articleID int64, wall bool) {
	if r == nil {
		return
	}
	if p, ok := r.pages.Load(path); ok {
		pp := p.(*page)
		if pp.articleID == articleID && pp.wall == wall {
			return
		}
	}
	// A changed article gets a fresh entry; hits counted on the old one
	// and not yet written are lost, which is a rounding error.
	r.pages.Store(path, &page{articleID: articleID, wall: wall})
}

// CachedHit counts a page served from the anonymous page cache. Paths
// that are not article pages are ignored.
func (r *Recorder) CachedHit(path string) {
	if r == nil {
		return
	}
	if p, ok := r.pages.Load(path); ok {
		p.(*page).hits.Add(1)
	}
}

// crawlerKey names a counter of Recorder.crawlers.
type crawlerKey struct{ family, decision string }

// Crawler counts an AI crawler's request by family and decision
// (masthead.InsightCrawler). A counter that exists costs a lookup and
// an atomic increment, and no allocation: the key is looked up as it
// is, on the stack, and only a new counter is stored.
func (r *Recorder) Crawler(family, decision string) {
	if r == nil {
		return
	}
	k := crawlerKey{family, decision}
	c, ok := r.crawlers.Load(k)
	if !ok {
		c, _ = r.crawlers.LoadOrStore(k, new(atomic.Int64))
	}
	c.(*atomic.Int64).Add(1)
}

// Dropped is the number of events dropped because the buffer was full.
func (r *Recorder) Dropped() int64 {
	if r == nil {
		return 0
	}
	return r.dropped.Load()
}

// Written is the number of events written so far (cached hits count
// once per view).
func (r *Recorder) Written() int64 {
	if r == nil {
		return 0
	}
	return r.written.Load()
}

// Flush writes what is waiting now and returns when it is written.
func (r *Recorder) Flush() {
	if r == nil {
		return
	}
	reply := make(chan struct{})
	select {
	case r.flushReq <- reply:
		<-reply
	case <-r.done:
	}
}

// Close writes what is waiting and stops the recorder.
func (r *Recorder) Close() {
	if r == nil {
		return
	}
	r.once.Do(func() { close(r.stop) })
	<-r.done
}

func (r *Recorder) loop() {
	defer close(r.done)
	tick := time.NewTicker(r.opt.Interval)
	defer tick.Stop()
	batch := make([]masthead.InsightEvent, 0, r.opt.Batch)
	for {
		select {
		case e := <-r.ch:
			batch = append(batch, e)
			if len(batch) >= r.opt.Batch {
				batch = r.write(batch)
			}
		case <-tick.C:
			batch = r.write(batch)
		case reply := <-r.flushReq:
			batch = r.write(r.drain(batch))
			close(reply)
		case <-r.stop:
			r.write(r.drain(batch))
			return
		}
	}
}

// drain moves whatever waits in the channel into batch.
func (r *Recorder) drain(batch []masthead.InsightEvent) []masthead.InsightEvent {
	for {
		select {
		case e := <-r.ch:
			batch = append(batch, e)
		default:
			return batch
		}
	}
}

// write stores batch with the cached hits counted since the last write,
// and returns batch emptied. A failed write is logged and dropped: the
// dashboard is a count, not a ledger, and the page must never wait.
func (r *Recorder) write(batch []masthead.InsightEvent) []masthead.InsightEvent {
	now := r.opt.Clock.Now()
	if d := r.dropped.Load(); d > r.reported {
		r.opt.Logger.Warn("insights: buffer full, events dropped", "dropped", d-r.reported, "total", d)
		r.reported = d
	}
	r.pages.Range(func(_, v any) bool {
		p := v.(*page)
		if n := p.hits.Swap(0); n > 0 {
			batch = append(batch, masthead.InsightEvent{Kind: masthead.InsightArticleView, ArticleID: p.articleID, At: now, Count: n})
			if p.wall {
				batch = append(batch, masthead.InsightEvent{Kind: masthead.InsightWallView, ArticleID: p.articleID, At: now, Count: n})
			}
		}
		return true
	})
	r.crawlers.Range(func(k, v any) bool {
		if n := v.(*atomic.Int64).Swap(0); n > 0 {
			k := k.(crawlerKey)
			batch = append(batch, masthead.InsightEvent{Kind: masthead.InsightCrawler, Family: k.family, Decision: k.decision, At: now, Count: n})
		}
		return true
	})
	if len(batch) == 0 {
		return batch
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := r.sink.RecordInsights(ctx, batch)
	if err != nil {
		r.opt.Logger.Warn("insights: write events", "events", len(batch), "err", err)
	}
	// One walk counts what was written and, written or dropped, takes
	// the batch's reads off those waiting.
	var n int64
	for _, e := range batch {
		n += max(e.Count, 1)
		if e.Kind == masthead.InsightRead {
			r.readSlot(e.MemberID).wait(readKey{e.MemberID, e.ArticleID}, 0, -1)
		}
	}
	if err == nil {
		r.written.Add(n)
	}
	return batch[:0]
}
