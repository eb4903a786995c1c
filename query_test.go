package masthead_test

import (
	"math"
	"testing"
	"time"

	"masthead"
)

func TestSearchRecencyFactor(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		r    masthead.SearchRecency
		age  time.Duration
		want float64
	}{
		{"", 0, 1},
		{masthead.RecencyNone, 0, 1},
		{masthead.RecencyGentle, 0, 1.25},
		{masthead.RecencyGentle, 365 * day, 1.125},
		{masthead.RecencyGentle, -day, 1.25}, // a clock a little behind: never more than new
		{masthead.RecencyStrong, 0, 2},
		{masthead.RecencyStrong, 30 * day, 1.5},
		{masthead.RecencyStrong, 3650 * day, 1},
	} {
		if got := c.r.Factor(c.age); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%q.Factor(%v) = %v, want %v", c.r, c.age, got, c.want)
		}
	}
	if masthead.SearchRecency("").Valid() || !masthead.RecencyStrong.Valid() || masthead.SearchRecency("always").Valid() {
		t.Error("Valid: the three levels and nothing else")
	}
	s := masthead.SiteSettings{SearchRecency: "always"}
	if fields := masthead.ErrorFields(s.Validate()); fields["search_recency"] == "" {
		t.Errorf("a level that is none: errors %v", fields)
	}
}
