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
// It also counts the read in memory (ReadsOf), so this instance's pages
// that show the history can tell that it moved before the batch is
// written: an atomic addition and a short lock of the member's slot,
// no allocation once the slot's table has room.
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
	s.wait(memberID, 1)
	s.taken.Add(1)
}

// readSlots is how many slots the reads are counted in: a member's id
// picks one (Recorder.readSlot), so the taken counts take fixed memory
// however many members read. Members who share a slot share its taken
// count, and see each other's reads only as a page rendered again;
// which reads wait is kept per member, so none waits for a batch
// because of another's read.
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
	// waiting counts, per member, the reads taken and not yet written
	// (or dropped by their batch's failed write). A member at 0 is not
	// in it, so it holds at most the events the buffer and the batch
	// being written hold. A count is below 0 only for the moment
	// between a read's write and RecordRead's count of it.
	waiting map[int64]int32
	// peak is the largest waiting has been since it was made.
	peak int
}

func (r *Recorder) readSlot(memberID int64) *readSlot {
	return &r.reads[uint64(memberID)%readSlots]
}

// wait adds d to member id's waiting reads.
func (s *readSlot) wait(id int64, d int32) {
	s.mu.Lock()
	if n := s.waiting[id] + d; n != 0 {
		if s.waiting == nil {
			s.waiting = make(map[int64]int32)
		}
		s.waiting[id] = n
		s.peak = max(s.peak, len(s.waiting))
	} else {
		delete(s.waiting, id)
		if len(s.waiting) == 0 && s.peak > readsKept {
			s.waiting, s.peak = nil, 0
		}
	}
	s.mu.Unlock()
}

// ReadsOf returns a number that moves with every read of member this
// recorder takes (and with those of the members who share its slot),
// and whether a read of member's own still waits to be written. A page
// kept for member's state names the number, so their own read here
// shows on the next one at once; and such a page, when member's read
// waits, is rendered after Flush, so the store has the read
// (docs/curator.md). Another member's waiting read never makes it wait.
func (r *Recorder) ReadsOf(memberID int64) (taken uint64, waiting bool) {
	if r == nil {
		return 0, false
	}
	s := r.readSlot(memberID)
	taken = s.taken.Load()
	s.mu.Lock()
	waiting = s.waiting[memberID] > 0
	s.mu.Unlock()
	return taken, waiting
}
