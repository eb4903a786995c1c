package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// SessionReader must answer what SessionMember, Entitled and MeterState
// answer, for every article, in one query.
func TestSessionReaderMatchesTheSeparateLookups(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, as := meterFixture(t, db, 5)
		other, err := db.EnsureMember(ctx, "other@example.com", masthead.RoleNone)
		if err != nil {
			t.Fatal(err)
		}
		_, hash := masthead.NewToken()
		if err := db.CreateSession(ctx, m.ID, hash, meterNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}

		check := func(when string, wantSub bool, wantUnlocked []int64) {
			t.Helper()
			st, err := db.SessionReader(ctx, hash, meterNow)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			want, err := db.SessionMember(ctx, hash)
			if err != nil {
				t.Fatal(err)
			}
			if *st.Member != *want {
				t.Errorf("%s: member %+v, want %+v", when, *st.Member, *want)
			}
			if !st.SessionExpires.Equal(meterNow.Add(time.Hour)) {
				t.Errorf("%s: session expires %v", when, st.SessionExpires)
			}
			sub, err := db.Entitled(ctx, m.ID, meterNow)
			if err != nil {
				t.Fatal(err)
			}
			if st.Subscriber != sub || sub != wantSub {
				t.Errorf("%s: subscriber %t, Entitled %t, want %t", when, st.Subscriber, sub, wantSub)
			}
			got := slices.Clone(st.UnlockedArticles)
			slices.Sort(got)
			if !slices.Equal(got, wantUnlocked) {
				t.Errorf("%s: unlocked %v, want %v", when, got, wantUnlocked)
			}
			if !slices.IsSortedFunc(st.UnlockTimes, func(a, b time.Time) int { return b.Compare(a) }) {
				t.Errorf("%s: unlock times %v not newest first", when, st.UnlockTimes)
			}
			for _, since := range []time.Time{meterPeriod, meterPeriod.AddDate(0, -1, 0), meterNow} {
				for _, a := range as {
					want, err := db.MeterState(ctx, m.ID, a.ID, since)
					if err != nil {
						t.Fatal(err)
					}
					got := st.Meter(a.ID, since)
					if got.Unlocked != want.Unlocked || len(got.Unlocks) != len(want.Unlocks) {
						t.Errorf("%s: meter of %s since %v: %+v, MeterState %+v", when, a.Slug, since, got, want)
					}
				}
			}
		}
		check("new member", false, nil)

		// Last month's unlock stays open but counts for nothing now;
		// another member's unlocks and entitlements are not this one's.
		if _, err := db.SpendCredit(ctx, m.ID, as[4].ID, meterPeriod.AddDate(0, -1, 0), 3, meterPeriod.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		for i, a := range as[:2] {
			if _, err := db.SpendCredit(ctx, m.ID, a.ID, meterPeriod, 3, meterNow.Add(-time.Duration(i+1)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.SpendCredit(ctx, other.ID, as[3].ID, meterPeriod, 3, meterNow); err != nil {
			t.Fatal(err)
		}
		grant := func(mid int64, start, end time.Time) {
			t.Helper()
			if _, err := db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: mid, Source: masthead.EntitlementComplimentary, StartsAt: start, EndsAt: end}); err != nil {
				t.Fatal(err)
			}
		}
		grant(other.ID, meterNow.Add(-time.Hour), time.Time{})
		// Ended, and not yet begun: neither makes a subscriber now.
		grant(m.ID, meterNow.AddDate(0, -2, 0), meterNow.AddDate(0, -1, 0))
		grant(m.ID, meterNow.Add(time.Hour), time.Time{})
		check("unlocks, no active entitlement", false, []int64{as[0].ID, as[1].ID, as[4].ID})

		grant(m.ID, meterNow.Add(-time.Minute), meterNow.Add(time.Minute))
		check("subscriber", true, []int64{as[0].ID, as[1].ID, as[4].ID})
	})
}

func TestSessionReaderRefusesDeadSessions(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, err := db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone)
		if err != nil {
			t.Fatal(err)
		}
		_, live := masthead.NewToken()
		if err := db.CreateSession(ctx, m.ID, live, meterNow.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		// Expired by the store's clock, as SessionMember has it.
		_, expired := masthead.NewToken()
		if err := db.CreateSession(ctx, m.ID, expired, meterNow); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SessionReader(ctx, live, meterNow); err != nil {
			t.Fatalf("live session: %v", err)
		}
		_, unknown := masthead.NewToken()
		for name, hash := range map[string][]byte{"unknown": unknown, "expired": expired} {
			if _, err := db.SessionReader(ctx, hash, meterNow); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
				t.Errorf("%s session: %v, want %s", name, err, masthead.EUNAUTHORIZED)
			}
		}
		if err := db.DeleteSession(ctx, live); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SessionReader(ctx, live, meterNow); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("signed-out session: %v, want %s", err, masthead.EUNAUTHORIZED)
		}
	})
}
