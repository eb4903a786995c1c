package web

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// newPages is a cache of response bodies, the size of a value its length.
func newPages(maxBytes int64) *Cache[[]byte] {
	return NewCache(maxBytes, time.Minute, func(b []byte) int64 { return int64(len(b)) })
}

func TestCache(t *testing.T) {
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	// Entries of 100 bytes cost 358 (key and overhead included): five
	// fit in 2,000 bytes, six do not.
	c := newPages(2000)
	c.now = func() time.Time { return clock }
	mk := func(n int) []byte { return bytes.Repeat([]byte("x"), n) }
	fill := func(key string, b []byte) {
		if _, err := c.Fill(key, func() ([]byte, bool, error) { return b, true, nil }); err != nil {
			t.Fatal(err)
		}
	}
	has := func(key string) bool {
		_, ok := c.Get(key)
		return ok
	}
	for _, k := range []string{"/a", "/b", "/c", "/d", "/e"} {
		fill(k, mk(100))
	}
	if c.Len() != 5 {
		t.Fatalf("%d entries stored, want 5", c.Len())
	}
	// Touch /a so /b is the least recently used, then overflow.
	c.Get("/a")
	fill("/f", mk(100))
	if has("/b") {
		t.Error("least recently used entry survived eviction")
	}
	if !has("/a") || !has("/f") || c.Len() != 5 {
		t.Error("wrong entries evicted")
	}
	if c.size > c.max {
		t.Errorf("size %d over max %d", c.size, c.max)
	}
	// Too large for the cache: served, not stored.
	fill("/big", mk(600))
	if has("/big") {
		t.Error("oversized entry stored")
	}
	// Not storable (an error page, a private page).
	c.Fill("/no", func() ([]byte, bool, error) { return mk(10), false, nil })
	if has("/no") {
		t.Error("unstorable entry stored")
	}
	// TTL.
	clock = clock.Add(2 * time.Minute)
	if has("/a") {
		t.Error("expired entry served")
	}
	// A render that straddles a purge is not stored.
	fill("/e", mk(10))
	c.Fill("/f", func() ([]byte, bool, error) { c.Purge(); return mk(10), true, nil })
	if has("/e") || has("/f") || c.Len() != 0 {
		t.Error("purge left entries behind")
	}
}

// TestCacheSharedRender checks that concurrent misses for one page
// render it once.
func TestCacheSharedRender(t *testing.T) {
	c := newPages(1 << 20)
	var renders atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	results := make([][]byte, 8)
	started := make(chan struct{})
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i > 0 {
				<-started
			}
			b, err := c.Fill("/k", func() ([]byte, bool, error) {
				renders.Add(1)
				if i == 0 {
					close(started)
				}
				<-release
				return []byte("body"), true, nil
			})
			if err != nil {
				t.Error(err)
			}
			results[i] = b
		}()
	}
	<-started
	// Give the others a moment to queue behind the first render; if one
	// is late it simply finds the stored entry, which is also correct.
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := renders.Load(); n != 1 {
		t.Errorf("%d renders, want 1", n)
	}
	for i, b := range results {
		if string(b) != "body" {
			t.Errorf("result %d: %q", i, b)
		}
	}
}

// TestCachePanic checks that a panicking render releases its waiters.
func TestCachePanic(t *testing.T) {
	c := newPages(1 << 20)
	func() {
		defer func() { recover() }()
		c.Fill("/p", func() ([]byte, bool, error) { panic("boom") })
	}()
	b, err := c.Fill("/p", func() ([]byte, bool, error) { return []byte{}, true, nil })
	if err != nil || b == nil {
		t.Errorf("after a panic: %v %v", b, err)
	}
}

// TestCachePurgeKeys: a change drops the entries that carry its keys and
// leaves the rest; the index follows evictions and purges, and a render
// that began before the change is not stored after it.
func TestCachePurgeKeys(t *testing.T) {
	c := NewCache(1<<20, time.Minute, func(b []byte) int64 { return int64(len(b)) })
	// A value's keys are its words.
	c.KeysBy(func(b []byte) []string { return strings.Fields(string(b)) })
	fill := func(key, keys string) {
		if _, err := c.Fill(key, func() ([]byte, bool, error) { return []byte(keys), true, nil }); err != nil {
			t.Fatal(err)
		}
	}
	fill("/", "site home")
	fill("/articles/one", "site a:1")
	fill("/articles/two", "site a:2")
	fill("/topics/energy", "site topic:energy lists")
	fill("/archive", "site lists")

	if n := c.PurgeKeys([]string{"a:1", "topic:energy", "nothing"}); n != 2 {
		t.Errorf("dropped %d entries, want 2", n)
	}
	for key, want := range map[string]bool{"/": true, "/articles/one": false, "/articles/two": true, "/topics/energy": false, "/archive": true} {
		if _, ok := c.Get(key); ok != want {
			t.Errorf("%s cached: %v, want %v", key, ok, want)
		}
	}
	if _, ok := c.byKey["a:1"]; ok {
		t.Error("the index keeps a key whose entries are gone")
	}
	if set := c.byKey["lists"]; len(set) != 1 {
		t.Errorf("lists indexes %v, want /archive alone", set)
	}

	// A render under way when the change lands is served, not stored.
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Fill("/articles/three", func() ([]byte, bool, error) {
			close(started)
			<-release
			return []byte("site a:3"), true, nil
		})
	}()
	<-started
	c.PurgeKeys([]string{"a:3"})
	close(release)
	<-done
	if _, ok := c.Get("/articles/three"); ok {
		t.Error("a render begun before the change was stored")
	}

	if n := c.PurgeKeys([]string{"site"}); n != 3 || c.Len() != 0 || len(c.byKey) != 0 {
		t.Errorf("site dropped %d, left %d entries and %d index keys", n, c.Len(), len(c.byKey))
	}
}
