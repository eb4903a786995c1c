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
func (r *Recorder) RecordRead(memberID, articleID int64, at time.Time) {
	if r == nil || memberID == 0 || articleID == 0 {
		return
	}
	r.put(masthead.InsightEvent{Kind: masthead.InsightRead, MemberID: memberID, ArticleID: articleID, At: at})
}
