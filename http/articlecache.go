package http

import (
	"container/list"
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"masthead"
)

// articleCache keeps recently read articles in memory, so that the pages
// that cannot come from the page cache — a signed-in reader's, a
// registered browser's, a crawler's — do not pay for the article's lookup
// (the row and its taxonomy, a third of such a page's cost) on every
// request. It forgets everything when the content version moves, together
// with the page cache, and entries live at most as long as cached pages.
//
// Cached articles are shared between requests and must not be modified;
// the article page works on a copy.
type articleCache struct {
	max int
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	gen   uint64
	items map[string]*list.Element
	lru   list.List // of *articleEntry, most recent first
}

type articleEntry struct {
	slug    string
	a       *masthead.Article
	expires time.Time
}

// articleCacheEntries bounds the cache: articles are tens of KB each, and
// the pages read most are few.
const articleCacheEntries = 512

func newArticleCache(ttl time.Duration) *articleCache {
	return &articleCache{max: articleCacheEntries, ttl: ttl, now: time.Now, items: map[string]*list.Element{}}
}

// article returns the article with slug from the cache or the store.
// Errors (not found included) are not cached: a retired slug's redirect
// is looked up each time, and a new article is found at once.
func (s *Server) article(ctx context.Context, slug string) (*masthead.Article, error) {
	c := s.articleCache
	if c == nil {
		return s.articles.Article(ctx, slug)
	}
	c.mu.Lock()
	if el, ok := c.items[slug]; ok {
		e := el.Value.(*articleEntry)
		if c.now().Before(e.expires) {
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			return e.a, nil
		}
		c.lru.Remove(el)
		delete(c.items, slug)
	}
	gen := c.gen
	c.mu.Unlock()

	a, err := s.articles.Article(ctx, slug)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A purge while the article was being read may mean it is already
	// stale: use it for this request, but do not keep it.
	if c.gen == gen {
		if el, ok := c.items[slug]; ok {
			c.lru.Remove(el)
		}
		c.items[slug] = c.lru.PushFront(&articleEntry{slug: slug, a: a, expires: c.now().Add(c.ttl)})
		for c.lru.Len() > c.max {
			old := c.lru.Back()
			c.lru.Remove(old)
			delete(c.items, old.Value.(*articleEntry).slug)
		}
	}
	return a, nil
}

// purgeKeys forgets the articles named by the content keys among keys
// (masthead.ArticleKey); the rest name pages, not articles.
func (c *articleCache) purgeKeys(keys []string) {
	if c == nil {
		return
	}
	ids := map[int64]bool{}
	for _, k := range keys {
		if n, ok := strings.CutPrefix(k, "a:"); ok {
			if id, err := strconv.ParseInt(n, 10, 64); err == nil {
				ids[id] = true
			}
		}
	}
	if len(ids) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A read under way may have the old article: it is not kept.
	c.gen++
	for slug, el := range c.items {
		if ids[el.Value.(*articleEntry).a.ID] {
			c.lru.Remove(el)
			delete(c.items, slug)
		}
	}
}

// purge forgets every article.
func (c *articleCache) purge() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.items = map[string]*list.Element{}
	c.lru.Init()
}
