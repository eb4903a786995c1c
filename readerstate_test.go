package masthead_test

import (
	"testing"
	"time"

	"masthead"
)

// Meter counts the unlocks from the period's first instant on, and knows
// an article unlocked in any period.
func TestReaderStateMeter(t *testing.T) {
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	st := &masthead.ReaderState{
		UnlockedArticles: []int64{7, 3, 9},
		UnlockTimes:      []time.Time{start.Add(time.Hour), start, start.Add(-time.Microsecond)},
	}
	for _, c := range []struct {
		article  int64
		since    time.Time
		unlocks  int
		unlocked bool
	}{
		{7, start, 2, true},
		{9, start, 2, true},  // last month's unlock stays open
		{5, start, 2, false}, // never unlocked
		{3, start.Add(time.Microsecond), 1, true},
		{3, start.AddDate(0, -1, 0), 3, true},
		{3, start.AddDate(0, 1, 0), 0, true},
	} {
		m := st.Meter(c.article, c.since)
		if len(m.Unlocks) != c.unlocks || m.Unlocked != c.unlocked {
			t.Errorf("Meter(%d, %v) = %d unlocks, unlocked %t; want %d, %t", c.article, c.since, len(m.Unlocks), m.Unlocked, c.unlocks, c.unlocked)
		}
	}
	if m := (&masthead.ReaderState{}).Meter(1, start); m.Unlocks != nil || m.Unlocked {
		t.Errorf("no unlocks: %+v", m)
	}
}
