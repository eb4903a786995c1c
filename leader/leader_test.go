package leader_test

import (
	"context"
	"testing"
	"time"

	"masthead/leader"
	"masthead/store"
	"masthead/store/storetest"
)

// waitFor polls cond until it holds or limit passes. The limit only keeps a
// failure from hanging; nothing asserts how soon cond held.
func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func leading(e *leader.Elector) bool { _, ok := e.Leading(); return ok }

func TestElectorsHandOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const ttl = 3 * time.Second
		a := leader.New(db, leader.Config{Holder: "a", TTL: ttl})
		b := leader.New(db, leader.Config{Holder: "b", TTL: ttl})
		actx, stopA := context.WithCancel(context.Background())
		aDone := make(chan struct{})
		go func() { defer close(aDone); a.Run(actx) }()
		defer func() { stopA(); <-aDone }()
		if !waitFor(10*time.Second, func() bool { return leading(a) }) {
			t.Fatal("a alone never led")
		}

		bctx, stopB := context.WithCancel(context.Background())
		bDone := make(chan struct{})
		go func() { defer close(bDone); b.Run(bctx) }()
		defer func() { stopB(); <-bDone }()
		// b keeps asking for several lease lifetimes while a renews.
		for range 15 {
			time.Sleep(ttl / 15)
			if leading(b) {
				t.Fatal("b leads while a holds the lease")
			}
			if !leading(a) {
				t.Fatal("a lost the lease while renewing it")
			}
		}

		// Work runs only on the leader.
		var ranA, ranB int
		work := func(e *leader.Elector, ctx context.Context, n *int) chan struct{} {
			done := make(chan struct{})
			go func() {
				defer close(done)
				e.Every(ctx, 20*time.Millisecond, func(context.Context) { *n++ })
			}()
			return done
		}
		wctx, stopWork := context.WithTimeout(context.Background(), 300*time.Millisecond)
		wa, wb := work(a, wctx, &ranA), work(b, wctx, &ranB)
		<-wa
		<-wb
		stopWork()
		if ranA == 0 || ranB != 0 {
			t.Errorf("periodic runs: a %d, b %d; want only a", ranA, ranB)
		}

		// a stops: it releases the lease and b takes it.
		stopA()
		<-aDone
		if leading(a) {
			t.Error("a still leads after stopping")
		}
		if !waitFor(10*time.Second, func() bool { return leading(b) }) {
			t.Fatal("b did not take over after a released the lease")
		}
		l, err := db.Lease(context.Background(), "periodic")
		if err != nil || l.Holder != "b" || l.Token != 2 {
			t.Errorf("lease after the handover: %+v %v, want b with token 2", l, err)
		}
	})
}
