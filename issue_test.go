package masthead_test

import (
	"testing"
	"time"

	"masthead"
)

func TestParseSchedule(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"mon-fri 06:00", "mon,tue,wed,thu,fri 06:00"},
		{"Fri 14:00", "fri 14:00"},
		{"daily 7:30", "daily 07:30"},
		{"sat-mon 09:15", "sun,mon,sat 09:15"},
		{"tue,thu 23:59", "tue,thu 23:59"},
	} {
		s, err := masthead.ParseSchedule(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if s.String() != tc.want {
			t.Errorf("%q = %q, want %q", tc.in, s.String(), tc.want)
		}
	}
	for _, bad := range []string{"", "mon", "06:00", "mon 25:00", "mon 06:0", "funday 06:00", "mon-xyz 06:00"} {
		if _, err := masthead.ParseSchedule(bad); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("%q: err %v, want invalid", bad, err)
		}
	}
}

// TestScheduleAcrossDST: 06:00 stays 06:00 on the wall clock when the
// clocks change, and a time the spring change skips moves forward.
func TestScheduleAcrossDST(t *testing.T) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no time zone database")
	}
	daily, _ := masthead.ParseSchedule("mon-fri 06:00")
	// Clocks go forward on Sunday 29 March 2026 at 01:00 UTC.
	fri := time.Date(2026, 3, 27, 6, 0, 0, 0, loc)
	next := daily.Next(fri, loc)
	if want := time.Date(2026, 3, 30, 6, 0, 0, 0, loc); !next.Equal(want) {
		t.Errorf("after Friday: %s, want %s", next, want)
	}
	if next.Sub(fri) != 71*time.Hour {
		t.Errorf("Friday to Monday across the change is %s, want 71h", next.Sub(fri))
	}
	if got := daily.Prev(next.Add(-time.Minute), loc); !got.Equal(fri) {
		t.Errorf("Prev = %s, want %s", got, fri)
	}
	// Clocks go back on Sunday 25 October 2026.
	if got := daily.Next(time.Date(2026, 10, 23, 7, 0, 0, 0, loc), loc); got.In(loc).Hour() != 6 || got.Weekday() != time.Monday {
		t.Errorf("after the autumn change: %s", got.In(loc))
	}
	// 01:30 does not exist on 29 March in London.
	night, _ := masthead.ParseSchedule("sun 01:30")
	got := night.Next(time.Date(2026, 3, 28, 12, 0, 0, 0, loc), loc)
	if got.In(loc).Day() != 29 || got.In(loc).Hour() != 2 {
		t.Errorf("skipped time: %s", got.In(loc))
	}
}

func TestIssueTransitions(t *testing.T) {
	ok := [][2]masthead.IssueStatus{
		{masthead.IssueDraft, masthead.IssueScheduled}, {masthead.IssueScheduled, masthead.IssueSending},
		{masthead.IssueSending, masthead.IssuePaused}, {masthead.IssuePaused, masthead.IssueSending},
		{masthead.IssueSending, masthead.IssueSent}, {masthead.IssueSkipped, masthead.IssueScheduled},
	}
	for _, p := range ok {
		if !masthead.CanTransition(p[0], p[1]) {
			t.Errorf("%s → %s refused", p[0], p[1])
		}
	}
	bad := [][2]masthead.IssueStatus{
		{masthead.IssueSent, masthead.IssueSending}, {masthead.IssueCancelled, masthead.IssueScheduled},
		{masthead.IssueDraft, masthead.IssueSending}, {masthead.IssueScheduled, masthead.IssuePaused},
	}
	for _, p := range bad {
		if masthead.CanTransition(p[0], p[1]) {
			t.Errorf("%s → %s allowed", p[0], p[1])
		}
	}
}

func TestNewsletterValidate(t *testing.T) {
	sc, _ := masthead.ParseSchedule("fri 14:00")
	n := masthead.Newsletter{Slug: "weekly", Name: "Weekly", Audience: masthead.AudienceSubscribers, Schedule: sc,
		FromAddress: "not an address", Cutoff: time.Hour}
	err := n.Validate()
	if f := masthead.ErrorFields(err); f["from_address"] == "" {
		t.Errorf("bad sender accepted: %v", err)
	}
	n.FromAddress = ""
	if err := n.Validate(); err != nil {
		t.Errorf("empty sender (the site's) refused: %v", err)
	}
	if got := n.From("Site <no-reply@example.com>"); got != `"Site" <no-reply@example.com>` && got != "Site <no-reply@example.com>" {
		t.Errorf("From = %q", got)
	}
}
