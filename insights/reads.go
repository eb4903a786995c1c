package insights

import (
	"sync"
	"sync/atomic"
	"time"

	"masthead"
)

// RecordRead notes that member was served article at at, for their
// reading history, to be written with the next batch. The page that
// calls it writes nothing, so a signed-in reader opening articles costs
// the database's single writer nothing on SQLite; the history lags by at
// most the interval. What decides whether the read is kept (history
// paused, cleared or resumed after at, the account deleted) is applied
// when the batch is written, so it holds whichever instance buffered the
// read (docs/curator.md).
//
// It also keeps the read in memory until its batch is written (ReadsOf,
// WaitingReads), so this instance's pages that show the history can
// tell that it moved, and what it holds, before the batch is written:
// an atomic addition and a short lock of the member's slot, no
// allocation once the slot's table has room.
func (r *Recorder) RecordRead(memberID, articleID int64, at time.Time) {
	if r == nil || memberID == 0 || articleID == 0 {
		return
	}
	if !r.put(masthead.InsightEvent{Kind: masthead.InsightRead, MemberID: memberID, ArticleID: articleID, At: at}) {
		return // dropped: a full buffer costs no lock
	}
	// Waiting once the read is in the buffer, taken after: whoever sees
	// the taken count moved also sees the read waiting until its batch
	// is written. A batch written in between counts it written first,
	// and the two cancel out (readSlot.wait).
	s := r.readSlot(memberID)
	s.wait(readKey{memberID, articleID}, at.UnixMicro(), 1)
	s.taken.Add(1)
}

// readSlots is how many slots the reads are counted in: a member's id
// picks one (Recorder.readSlot), so the taken counts take fixed memory
// however many members read. Members who share a slot share its taken
// count, and see each other's reads only as a page rendered again;
// which reads wait is kept per member and article, so none sees
// another's waiting reads.
const readSlots = 1024

// readsKept is the size up to which a slot keeps its table of waiting
// reads once they are all written; a larger one is let go, so a burst
// of reads does not hold its memory.
const readsKept = 32

// readSlot counts the reads of the members whose id picks it.
type readSlot struct {
	// taken counts the reads this recorder took: it only rises.
	taken atomic.Uint64

	mu sync.Mutex
	// waiting counts, per member and article, the reads taken and not
	// yet written (or dropped by their batch's failed write), with the
	// latest one's time. A pair at 0 is not in it, so it holds at most
	// the events the buffer and the batch being written hold. A count
	// is below 0 only for the moment between a read's write and
	// RecordRead's count of it.
	waiting map[readKey]readWait
	// peak is the largest waiting has been since it was made.
	peak int
}

type readKey struct{ member, article int64 }

type readWait struct {
	n  int32
	at int64 // µs since 1970, as the store keeps it
}

func (r *Recorder) readSlot(memberID int64) *readSlot {
	return &r.reads[uint64(memberID)%readSlots]
}

// wait adds d to the waiting reads of k, read at µs at when d > 0.
func (s *readSlot) wait(k readKey, at int64, d int32) {
	s.mu.Lock()
	w := s.waiting[k]
	if w.n += d; w.n != 0 {
		if d > 0 {
			w.at = max(w.at, at)
		}
		if s.waiting == nil {
			s.waiting = make(map[readKey]readWait)
		}
		s.waiting[k] = w
		s.peak = max(s.peak, len(s.waiting))
	} else {
		delete(s.waiting, k)
		if len(s.waiting) == 0 && s.peak > readsKept {
			s.waiting, s.peak = nil, 0
		}
	}
	s.mu.Unlock()
}

// ReadsOf returns a number that moves with every read of member this
// recorder takes (and with those of the members who share its slot): an
// atomic load. A page kept for member's state names the number, so
// their own read here shows on the next one at once (docs/curator.md);
// which of their reads still wait is WaitingReads.
func (r *Recorder) ReadsOf(memberID int64) uint64 {
	if r == nil {
		return 0
	}
	return r.readSlot(memberID).taken.Load()
}

// WaitingReads appends to into the reads of member's own this recorder
// took that still wait to be written, one event an article, at its
// latest read, in no order. A page that shows what member read applies
// them as the store would (their batch decides whether each is kept,
// docs/curator.md) rather than writing the batch first; another
// member's reads are never among them. A read written since is in the
// store: whatever reads the store after this call finds every read
// taken before it.
func (r *Recorder) WaitingReads(memberID int64, into []masthead.InsightEvent) []masthead.InsightEvent {
	if r == nil {
		return into
	}
	s := r.readSlot(memberID)
	s.mu.Lock()
	for k, w := range s.waiting {
		if k.member == memberID && w.n > 0 {
			into = append(into, masthead.InsightEvent{Kind: masthead.InsightRead, MemberID: memberID,
				ArticleID: k.article, At: time.UnixMicro(w.at).UTC()})
		}
	}
	s.mu.Unlock()
	return into
}
