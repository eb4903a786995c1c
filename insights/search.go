package insights

import "masthead"

// RecordSearch counts a search made, by its normalised text, and whether
// it found nothing. Nothing of who searched is kept.
func (r *Recorder) RecordSearch(query string, zero bool) {
	if r == nil || query == "" {
		return
	}
	r.put(masthead.InsightEvent{Kind: masthead.InsightSearch, Query: query, At: r.opt.Clock.Now()})
	if zero {
		r.put(masthead.InsightEvent{Kind: masthead.InsightSearchZero, Query: query, At: r.opt.Clock.Now()})
	}
}

// RecordSearchClick counts a result opened from a search, at its
// position from 1.
func (r *Recorder) RecordSearchClick(position int) {
	if r == nil || position < 1 {
		return
	}
	r.put(masthead.InsightEvent{Kind: masthead.InsightSearchClick, Position: position, At: r.opt.Clock.Now()})
}

// put appends an event without waiting and reports whether it did; a
// full buffer drops it.
func (r *Recorder) put(e masthead.InsightEvent) bool {
	select {
	case r.ch <- e:
		return true
	default:
		r.dropped.Add(1)
		return false
	}
}
