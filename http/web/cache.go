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

	// keysOf names what a value shows (its content keys, set by
	// KeysBy); PurgeKeys drops the entries carrying any of them.
	keysOf func(V) []string

	mu       sync.Mutex
	size     int64
	gen      uint64
	items    map[string]*list.Element
	lru      list.List // front is most recent; values are *cached[V]
	inflight map[string]*fillCall[V]
	// byKey indexes the entries by content key: key → cache keys.
	byKey map[string]map[string]struct{}
}

// cached is one stored value with its bookkeeping.
type cached[V any] struct {
	v       V
	key     string
	size    int64
	expires time.Time
	keys    []string // content keys, for byKey
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
		byKey:    make(map[string]map[string]struct{}),
	}
}

// KeysBy tells the cache the content keys of a value, so PurgeKeys can
// drop just the entries showing what changed. Call it before the cache
// is used.
func (c *Cache[V]) KeysBy(keys func(V) []string) { c.keysOf = keys }

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
	e := &cached[V]{v: v, key: key, size: size, expires: c.now().Add(c.ttl)}
	if c.keysOf != nil {
		e.keys = c.keysOf(v)
		for _, k := range e.keys {
			set := c.byKey[k]
			if set == nil {
				set = make(map[string]struct{})
				c.byKey[k] = set
			}
			set[key] = struct{}{}
		}
	}
	c.items[key] = c.lru.PushFront(e)
	c.size += size
	for c.size > c.max {
		c.remove(c.lru.Back())
	}
}

func (c *Cache[V]) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cached[V])
	delete(c.items, e.key)
	c.size -= e.size
	for _, k := range e.keys {
		if set := c.byKey[k]; set != nil {
			delete(set, e.key)
			if len(set) == 0 {
				delete(c.byKey, k)
			}
		}
	}
}

// Purge forgets every entry.
func (c *Cache[V]) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.items = make(map[string]*list.Element)
	c.byKey = make(map[string]map[string]struct{})
	c.lru.Init()
	c.size = 0
}

// PurgeKeys forgets the entries carrying any of the content keys, and
// reports how many it dropped. Like Purge, it keeps a render already
// under way from being stored: that render may have read the content
// before the change.
func (c *Cache[V]) PurgeKeys(keys []string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	n := 0
	for _, k := range keys {
		for key := range c.byKey[k] {
			if el, ok := c.items[key]; ok {
				c.remove(el)
				n++
			}
		}
	}
	return n
}

// Len reports the number of entries.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}
