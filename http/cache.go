package http

import (
	"net/http"
	"time"

	"masthead/http/web"
)

// entry is a complete response of the site (web.Entry), with what the
// article page's views add to it.
type entry struct {
	web.Entry
	// nameMark is, for a view of the article page (readerview.go), 1 +
	// the offset of the reader-name marker in body, -1 when the view
	// has none, and 0 when it was not checked.
	nameMark int
	// viewGz is a view's gzip, compressed around the name (viewgzip.go).
	viewGz *viewGzip
	// Keys are the content keys of what the page shows (cdn.go): the
	// page cache drops it, and the CDN purges it, when one changes.
	Keys []string
}

func newEntry(status int, header http.Header, body []byte) *entry {
	return &entry{Entry: web.NewEntry(status, header, body)}
}

// pageCache holds rendered anonymous pages and the views of the article
// page (readerview.go); the mechanism is web.Cache.
type pageCache = web.Cache[*entry]

func newPageCache(maxBytes int64, ttl time.Duration) *pageCache {
	c := web.NewCache(maxBytes, ttl, (*entry).cacheSize)
	c.KeysBy(entryKeys)
	return c
}

// cacheSize is the memory e holds, for the cache's bound.
func (e *entry) cacheSize() int64 {
	return int64(len(e.Body) + len(e.Gz) + e.viewGz.size())
}
