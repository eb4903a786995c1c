package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

func TestLeaseHandover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const name, ttl = "periodic", 10 * time.Second
		if _, err := db.Lease(ctx, name); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Fatalf("lease never taken: %v, want not found", err)
		}

		// Eight instances ask at the same moment: exactly one wins.
		holders := make([]string, 8)
		got := make([]masthead.Lease, len(holders))
		var wg sync.WaitGroup
		for i := range holders {
			holders[i] = fmt.Sprintf("instance-%d", i)
			wg.Go(func() {
				l, err := db.AcquireLease(ctx, name, holders[i], t0, ttl)
				if err != nil {
					t.Errorf("%s: %v", holders[i], err)
				}
				got[i] = l
			})
		}
		wg.Wait()
		var winner string
		for i, l := range got {
			if l.HeldBy(holders[i], t0) {
				if winner != "" {
					t.Fatalf("both %s and %s hold the lease", winner, holders[i])
				}
				winner = holders[i]
			}
		}
		if winner == "" {
			t.Fatalf("nobody won: %+v", got)
		}
		other := "instance-0"
		if winner == other {
			other = "instance-1"
		}
		first, _ := db.Lease(ctx, name)
		if first.Holder != winner || first.Token != 1 || !first.Until.Equal(t0.Add(ttl)) {
			t.Errorf("lease after the race: %+v, want %s, token 1, until +10s", first, winner)
		}

		// The winner renews; the other keeps asking and keeps losing.
		at := t0.Add(5 * time.Second)
		if l, err := db.AcquireLease(ctx, name, winner, at, ttl); err != nil || !l.HeldBy(winner, at) || l.Token != 1 {
			t.Fatalf("renew: %+v %v, want held with the same token", l, err)
		}
		if l, err := db.AcquireLease(ctx, name, other, t0.Add(14*time.Second), ttl); err != nil || l.HeldBy(other, t0.Add(14*time.Second)) || l.Holder != winner {
			t.Fatalf("other before expiry: %+v %v, want still %s's", l, err, winner)
		}

		// The winner stops renewing (it died): once the renewed term has
		// passed, the other takes over with a new token.
		at = t0.Add(15 * time.Second)
		l, err := db.AcquireLease(ctx, name, other, at, ttl)
		if err != nil || !l.HeldBy(other, at) || l.Token != 2 {
			t.Fatalf("takeover after expiry: %+v %v, want %s with token 2", l, err, other)
		}
		// The old holder, back from a stall, does not get it back.
		if l, err := db.AcquireLease(ctx, name, winner, at.Add(time.Second), ttl); err != nil || l.HeldBy(winner, at.Add(time.Second)) {
			t.Fatalf("deposed holder: %+v %v", l, err)
		}

		// A release by a deposed term does nothing; the holder's own
		// release frees it at once.
		if err := db.ReleaseLease(ctx, name, winner, 1); err != nil {
			t.Fatal(err)
		}
		if l, _ := db.Lease(ctx, name); !l.HeldBy(other, at) {
			t.Fatalf("stale release freed the lease: %+v", l)
		}
		if err := db.ReleaseLease(ctx, name, other, 2); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Second)
		l, err = db.AcquireLease(ctx, name, winner, at, ttl)
		if err != nil || !l.HeldBy(winner, at) || l.Token != 3 {
			t.Fatalf("takeover after release: %+v %v, want %s with token 3", l, err, winner)
		}

		if _, err := db.AcquireLease(ctx, name, "", at, ttl); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("empty holder: %v, want invalid", err)
		}
	})
}
