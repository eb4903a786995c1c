package web

import (
	"container/list"
	"sync"
	"time"
)

// Cache holds rendered responses, bounded by bytes, evicting the least
// recently used. Entries die at their TTL or when Purge is called
// because the content moved. A generation number makes sure a render
// that started before a purge is not stored after it. Concurrent misses
// for one key share a single render (Fill).
//
// V is what a surface keeps per response (the reader site keeps its
// rendered entries); size tells the cache how many bytes a V holds.
type Cache[V any] struct {
	max  int64
	ttl  time.Duration
	now  func() time.Time
	cost func(V) int64

	mu       sync.Mutex
	size     int64
	gen      uint64
	items    map[string]*list.Element
	lru      list.List // front is most recent; values are *cached[V]
	inflight map[string]*fillCall[V]
}

// cached is one stored value with its bookkeeping.
type cached[V any] struct {
	v       V
	key     string
	size    int64
	expires time.Time
}

// fillCall is one render that concurrent misses for the same key share.
type fillCall[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// NewCache returns a cache holding at most maxBytes, as counted by size
// plus the key and a fixed overhead per entry, each for at most ttl.
func NewCache[V any](maxBytes int64, ttl time.Duration, size func(V) int64) *Cache[V] {
	return &Cache[V]{
		max:      maxBytes,
		ttl:      ttl,
		now:      time.Now,
		cost:     size,
		items:    make(map[string]*list.Element),
		inflight: make(map[string]*fillCall[V]),
	}
}

// Get returns the live value for key, and whether there was one.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lookup(key)
}

func (c *Cache[V]) lookup(key string) (V, bool) {
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	e := el.Value.(*cached[V])
	if c.now().After(e.expires) {
		c.remove(el)
		var zero V
		return zero, false
	}
	c.lru.MoveToFront(el)
	return e.v, true
}

// Fill returns the value for key, rendering it with render unless another
// request is already doing so, in which case it waits for that result.
// render reports whether its value may be stored.
func (c *Cache[V]) Fill(key string, render func() (V, bool, error)) (V, error) {
	c.mu.Lock()
	if v, ok := c.lookup(key); ok {
		c.mu.Unlock()
		return v, nil
	}
	if call, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-call.done
		return call.v, call.err
	}
	call := &fillCall[V]{done: make(chan struct{}), err: ErrRenderAborted}
	c.inflight[key] = call
	gen := c.gen
	c.mu.Unlock()

	// The deferred part runs even if render panics, so waiters are
	// released (with ErrRenderAborted) and the panic still reaches the
	// recovery middleware of the request that caused it.
	defer func() {
		c.mu.Lock()
		delete(c.inflight, key)
		c.mu.Unlock()
		close(call.done)
	}()
	v, store, err := render()
	call.v, call.err = v, err
	if err == nil && store {
		c.mu.Lock()
		if c.gen == gen {
			c.put(key, v)
		}
		c.mu.Unlock()
	}
	return v, err
}

// ErrRenderAborted is what requests waiting for a shared render get when
// that render panicked.
var ErrRenderAborted = &renderAbortedError{}

type renderAbortedError struct{}

func (*renderAbortedError) Error() string { return "http: shared page render aborted" }

// put stores v under key, evicting from the cold end until it fits. A
// value larger than a quarter of the cache is not worth the churn.
func (c *Cache[V]) put(key string, v V) {
	// 256 stands for the headers, the list element and the map slot.
	size := int64(len(key)) + c.cost(v) + 256
	if size > c.max/4 {
		return
	}
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	c.items[key] = c.lru.PushFront(&cached[V]{v: v, key: key, size: size, expires: c.now().Add(c.ttl)})
	c.size += size
	for c.size > c.max {
		c.remove(c.lru.Back())
	}
}

func (c *Cache[V]) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cached[V])
	delete(c.items, e.key)
	c.size -= e.size
}

// Purge forgets every entry.
func (c *Cache[V]) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.items = make(map[string]*list.Element)
	c.lru.Init()
	c.size = 0
}

// Len reports the number of entries.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}
