package http

import (
	"sync"
	"time"
)

// memo keeps a few values read from the database for a short while, per
// key, so a figure many pages show (the walls' price, the most read
// articles of a topic) is not read again for every request. It is
// forgotten whole when the content changes (followChanges) and, per
// value, after ttl on the site's clock. A failed read is not kept.
type memo[K comparable, V any] struct {
	ttl time.Duration
	max int // most keys kept; past it, the memo starts afresh

	mu   sync.Mutex
	vals map[K]memoValue[V]
}

type memoValue[V any] struct {
	v  V
	at time.Time
}

func newMemo[K comparable, V any](ttl time.Duration, max int) *memo[K, V] {
	return &memo[K, V]{ttl: ttl, max: max}
}

// get returns the value of key kept since less than ttl before now, or
// reads it with load and keeps it.
func (c *memo[K, V]) get(key K, now time.Time, load func() (V, error)) (V, error) {
	c.mu.Lock()
	if e, ok := c.vals[key]; ok && !now.Before(e.at) && now.Sub(e.at) < c.ttl {
		c.mu.Unlock()
		return e.v, nil
	}
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.vals == nil || len(c.vals) >= c.max {
		c.vals = map[K]memoValue[V]{}
	}
	c.vals[key] = memoValue[V]{v: v, at: now}
	c.mu.Unlock()
	return v, nil
}

// purge forgets every value.
func (c *memo[K, V]) purge() {
	c.mu.Lock()
	c.vals = nil
	c.mu.Unlock()
}
