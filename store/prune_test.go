package store_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

func TestPrune(t *testing.T) {
	clock := &fixedClock{t0}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.t = t0
		m, err := db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone)
		if err != nil {
			t.Fatal(err)
		}
		_, old := masthead.NewToken()
		_, live := masthead.NewToken()
		db.CreateSession(ctx, m.ID, old, t0.Add(time.Hour))
		db.CreateSession(ctx, m.ID, live, t0.Add(48*time.Hour))
		_, oldLink := masthead.NewToken()
		_, recentLink := masthead.NewToken()
		db.CreateSignInToken(ctx, m.Email, oldLink, t0.Add(20*time.Minute))
		db.CreateSignInToken(ctx, m.Email, recentLink, t0.Add(6*24*time.Hour))
		if ok, err := db.Allow(ctx, "signin:ip:127.0.0.1", 5, time.Minute, t0); err != nil || !ok {
			t.Fatalf("allow: %v %v", ok, err)
		}

		soon := t0.Add(2 * time.Hour)
		got, err := db.Prune(ctx, soon)
		if err != nil {
			t.Fatal(err)
		}
		if got != (store.Pruned{Sessions: 1, RateLimits: 1}) {
			t.Errorf("pruned at +2h: %+v", got)
		}
		clock.t = soon
		if _, err := db.SessionMember(ctx, live); err != nil {
			t.Errorf("live session pruned: %v", err)
		}
		// A spent link is still recognised as spent a while after.
		if _, err := db.ConsumeSignInToken(ctx, oldLink); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("old link: %v", err)
		}

		later := t0.Add(8 * 24 * time.Hour)
		if got, _ := db.Prune(ctx, later); got != (store.Pruned{Sessions: 1, SignInTokens: 1}) {
			t.Errorf("pruned at +8d: %+v", got)
		}
		if got, _ := db.Prune(ctx, later); got != (store.Pruned{}) {
			t.Errorf("second prune deleted %+v", got)
		}
		// The link that expires later is kept.
		clock.t = t0
		if _, err := db.ConsumeSignInToken(ctx, recentLink); err != nil {
			t.Errorf("recent link pruned: %v", err)
		}
	})
}
