package access_test

import (
	"testing"
	"time"

	"masthead"
	"masthead/access"
)

// TestCarriedCredits: credits carried from a deleted account of the same
// mailbox count as spent, alone or with this account's unlocks, and can
// exhaust the meter.
func TestCarriedCredits(t *testing.T) {
	policy := access.Policy{Credits: 3, Period: "month", Location: time.UTC}
	now := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	reader := access.Reader{Member: &masthead.Member{ID: 1, VerifiedAt: now.Add(-time.Hour)}}
	metered := &masthead.Article{Access: masthead.AccessMetered}
	for _, c := range []struct {
		name       string
		meter      access.Meter
		wantLeft   int
		wantReason access.Reason
	}{
		{"nothing spent", access.Meter{}, 3, access.ReasonMeterAvailable},
		{"two carried", access.Meter{Carried: 2}, 1, access.ReasonMeterAvailable},
		{"two carried and one unlock", access.Meter{Carried: 2, Unlocks: []time.Time{now.Add(-time.Hour)}}, 0, access.ReasonMeterExhausted},
		{"three carried", access.Meter{Carried: 3}, 0, access.ReasonMeterExhausted},
		{"more carried than credits", access.Meter{Carried: 5}, 0, access.ReasonMeterExhausted},
	} {
		d := access.Decide(reader, metered, c.meter, policy, now)
		if d.CreditsLeft != c.wantLeft || d.Reason != c.wantReason || d.Full {
			t.Errorf("%s: %+v, want %d left and %s", c.name, d, c.wantLeft, c.wantReason)
		}
	}
}
