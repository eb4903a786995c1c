package insights

import (
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
// It also counts the read in memory (ReadsOf), two atomic additions and
// no allocation, so this instance's pages that show the history can
// tell that it moved before the batch is written.
func (r *Recorder) RecordRead(memberID, articleID int64, at time.Time) {
	if r == nil || memberID == 0 || articleID == 0 {
		return
	}
	slot := readSlot(memberID)
	// Waiting before the read is in the buffer, taken after: whoever
	// sees the taken count moved also sees the read waiting until its
	// batch is written.
	r.readsWaiting[slot].Add(1)
	if r.put(masthead.InsightEvent{Kind: masthead.InsightRead, MemberID: memberID, ArticleID: articleID, At: at}) {
		r.readsTaken[slot].Add(1)
	} else {
		r.readsWaiting[slot].Add(-1)
	}
}

// readSlots is how many counters the reads are counted in: a member's
// id picks one (readSlot), so memory stays fixed however many members
// read, and members who share a counter only see each other's reads
// as a change with no difference (a page rendered again, a batch
// written early).
const readSlots = 1024

func readSlot(memberID int64) uint64 { return uint64(memberID) % readSlots }

// ReadsOf returns a number that moves with every read of member this
// recorder takes (and with those of the members who share its counter),
// and whether any of them may still wait to be written. A page kept
// for member's state names the number, so their own read here shows on
// the next one at once; and such a page, when waiting, is rendered
// after Flush, so the store has the read (docs/curator.md).
func (r *Recorder) ReadsOf(memberID int64) (taken uint64, waiting bool) {
	if r == nil {
		return 0, false
	}
	slot := readSlot(memberID)
	return r.readsTaken[slot].Load(), r.readsWaiting[slot].Load() > 0
}
