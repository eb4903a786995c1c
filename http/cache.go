package http

import (
	"bytes"
	"compress/gzip"
	"hash/fnv"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"masthead/http/web"
)

// Cache-Control values. Anonymous pages may sit in a CDN for a minute, the
// same lifetime as our own cache; anything personal stays in the browser.
const (
	ccPublic    = "public, max-age=60"
	ccPrivate   = "private, no-cache"
	ccNoStore   = "no-store"
	ccImmutable = "public, max-age=31536000, immutable"
)

// gzipMin is the smallest body worth compressing: below it the gzip
// framing eats the saving.
const gzipMin = 1024

// entry is a complete response: what a handler produced, ready to be
// written any number of times.
type entry struct {
	status       int
	header       http.Header // set by the handler: Content-Type, Location
	body         []byte
	gz           []byte // gzip of body, when worth having
	etag         string
	cacheControl string
	// varyCookie marks a page whose content depends on the session
	// cookie, so a shared cache keeps signed-in readers' requests apart.
	varyCookie bool
	// nameMark is, for a view of the article page (readerview.go), 1 +
	// the offset of the reader-name marker in body, -1 when the view
	// has none, and 0 when it was not checked.
	nameMark int
	// viewGz is a view's gzip, compressed around the name (viewgzip.go).
	viewGz *viewGzip
}

func newEntry(status int, header http.Header, body []byte) *entry {
	// Clone gives each value slice a capacity equal to its length, so an
	// append by a later middleware copies rather than writing into a
	// cached entry shared by other requests.
	return &entry{status: status, header: header.Clone(), body: body}
}

// prepare computes the ETag and the compressed copy once, when an entry
// is about to be cached, so serving it costs nothing but the write.
func (e *entry) prepare() {
	h := fnv.New64a()
	h.Write(e.body)
	e.etag = `W/"` + strconv.FormatUint(h.Sum64(), 36) + `"`
	e.gz = compress(e.header.Get("Content-Type"), e.body, gzip.DefaultCompression)
}

// compress gzips textual bodies large enough to gain from it.
func compress(contentType string, body []byte, level int) []byte {
	if len(body) < gzipMin || !compressible(contentType) {
		return nil
	}
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		return nil
	}
	if _, err := zw.Write(body); err != nil {
		return nil
	}
	if err := zw.Close(); err != nil || b.Len() >= len(body) {
		return nil
	}
	return b.Bytes()
}

func compressible(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "xml") ||
		strings.HasSuffix(mt, "json") || mt == "image/svg+xml" || mt == "application/javascript"
}

// serveEntry writes e, answering a matching If-None-Match with 304 and
// choosing the gzip copy when the client accepts it. Headers are assigned
// directly, already in canonical form, because this is the hot path of
// every cached page.
func (s *Server) serveEntry(w http.ResponseWriter, r *http.Request, e *entry) {
	h := w.Header()
	for k, v := range e.header {
		h[k] = v
	}
	if e.cacheControl != "" {
		h["Cache-Control"] = []string{e.cacheControl}
	}
	if e.varyCookie {
		h["Vary"] = varyCookie
	}
	if e.gz == nil && e.etag == "" && len(e.body) >= gzipMin && acceptsGzip(r) {
		// An uncached (personal) page: compress it for this response
		// only, favouring speed over size.
		if gz := s.compressPersonal(h.Get("Content-Type"), e.body); gz != nil {
			h["Vary"] = e.vary()
			h["Content-Encoding"] = gzipEncoding
			h["Content-Length"] = []string{strconv.Itoa(len(gz))}
			w.WriteHeader(e.status)
			if r.Method != http.MethodHead {
				w.Write(gz)
			}
			return
		}
	}
	if e.etag != "" {
		h["Etag"] = []string{e.etag}
		if e.status == http.StatusOK && etagMatch(r.Header.Get("If-None-Match"), e.etag) {
			if e.gz != nil {
				h["Vary"] = e.vary()
			}
			delete(h, "Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	body := e.body
	if e.gz != nil {
		h["Vary"] = e.vary()
		if acceptsGzip(r) {
			body = e.gz
			h["Content-Encoding"] = gzipEncoding
		}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// vary is the Vary header of a compressible entry.
func (e *entry) vary() []string {
	if e.varyCookie {
		return varyEncodingCookie
	}
	return varyEncoding
}

var (
	// These slices are only ever assigned into headers, never appended
	// to or modified; net/http copies nothing out of them but the values.
	varyEncoding       = []string{"Accept-Encoding"}
	varyCookie         = []string{"Cookie"}
	varyEncodingCookie = []string{"Accept-Encoding, Cookie"}
	gzipEncoding       = []string{"gzip"}
)

// acceptsGzip reads Accept-Encoding enough to honour an explicit q=0.
func acceptsGzip(r *http.Request) bool {
	for _, line := range r.Header["Accept-Encoding"] {
		for part := range strings.SplitSeq(line, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.TrimSpace(name)
			if name != "gzip" && name != "*" {
				continue
			}
			q := strings.ReplaceAll(params, " ", "")
			if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
				return false
			}
			return true
		}
	}
	return false
}

// etagMatch implements the weak comparison If-None-Match asks for.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for part := range strings.SplitSeq(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(part), "W/") == want {
			return true
		}
	}
	return false
}

// pageCache holds rendered anonymous pages and the views of the article
// page (readerview.go); the mechanism is web.Cache.
type pageCache = web.Cache[*entry]

func newPageCache(maxBytes int64, ttl time.Duration) *pageCache {
	return web.NewCache(maxBytes, ttl, (*entry).cacheSize)
}

// cacheSize is the memory e holds, for the cache's bound.
func (e *entry) cacheSize() int64 {
	return int64(len(e.body) + len(e.gz) + e.viewGz.size())
}
