package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"masthead/store"
	"masthead/store/storetest"
)

func TestAllow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hour := time.Hour
		base := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC) // the start of a window
		allow := func(key string, limit int, at time.Time) bool {
			t.Helper()
			ok, err := db.Allow(ctx, key, limit, hour, at)
			if err != nil {
				t.Fatalf("allow %s: %v", key, err)
			}
			return ok
		}

		// Five within the window pass, the sixth is refused; another key
		// is counted apart.
		for i := range 5 {
			if !allow("addr:a@example.com", 5, base.Add(time.Duration(i)*time.Minute)) {
				t.Fatalf("attempt %d refused", i+1)
			}
		}
		if allow("addr:a@example.com", 5, base.Add(10*time.Minute)) {
			t.Error("sixth attempt in the window allowed")
		}
		if !allow("addr:b@example.com", 5, base.Add(10*time.Minute)) {
			t.Error("another key refused")
		}

		// Just after the window turns, the previous window still weighs
		// almost fully: a burst across the boundary cannot double the limit.
		if allow("addr:a@example.com", 5, base.Add(hour+time.Minute)) {
			t.Error("allowed right after the window turned, with a full previous window")
		}
		// Two windows on, the key is fresh.
		if !allow("addr:a@example.com", 5, base.Add(3*hour)) {
			t.Error("refused two windows later")
		}

		// A flood is counted up to limit+1 only, so it stops weighing in
		// well within the next window.
		for i := range 100 {
			allow("ip:192.0.2.1", 20, base.Add(time.Duration(i)*time.Second))
		}
		if allow("ip:192.0.2.1", 20, base.Add(30*time.Minute)) {
			t.Error("flooding IP allowed within its window")
		}
		if !allow("ip:192.0.2.1", 20, base.Add(hour+10*time.Minute)) {
			t.Error("flood kept the key refused deep into the next window")
		}

		if _, err := db.Allow(ctx, "x", 0, hour, base); err == nil {
			t.Error("zero limit accepted")
		}
	})
}

// TestAllowConcurrent checks that attempts racing from many goroutines (as
// from many instances) are all counted: exactly limit pass.
func TestAllowConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			passed int
		)
		for i := range 30 {
			wg.Go(func() {
				ok, err := db.Allow(ctx, "race", 10, time.Hour, now.Add(time.Duration(i)*time.Millisecond))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					passed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if passed != 10 {
			t.Errorf("%d attempts passed, want 10", passed)
		}
	})
}

// TestAllowCleanup checks that rows of keys long gone are deleted.
func TestAllowCleanup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
		for i := range 20 {
			if _, err := db.Allow(ctx, fmt.Sprint("old-", i), 5, time.Minute, now); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Allow(ctx, "new", 5, time.Minute, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM rate_limits`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d rate limit rows left, want 1", n)
		}
	})
}
