package web

import (
	"bytes"
	"compress/gzip"
	"hash/fnv"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Cache-Control values. Anonymous pages may sit in a CDN for a minute, the
// same lifetime as our own cache; anything personal stays in the browser.
const (
	CachePublic    = "public, max-age=60"
	CachePrivate   = "private, no-cache"
	NoStore        = "no-store"
	CacheImmutable = "public, max-age=31536000, immutable"
)

// GzipMin is the smallest body worth compressing: below it the gzip
// framing eats the saving.
const GzipMin = 1024

// Entry is a complete response: what a handler produced, ready to be
// written any number of times (Serve).
type Entry struct {
	Status       int
	Header       http.Header // set by the handler: Content-Type, Location
	Body         []byte
	Gz           []byte // gzip of Body, when worth having
	ETag         string
	CacheControl string
	// VaryCookie marks a page whose content depends on the session
	// cookie, so a shared cache keeps signed-in readers' requests apart.
	VaryCookie bool
}

// NewEntry returns the response of status with header and body.
func NewEntry(status int, header http.Header, body []byte) Entry {
	// Clone gives each value slice a capacity equal to its length, so an
	// append by a later middleware copies rather than writing into a
	// cached entry shared by other requests.
	return Entry{Status: status, Header: header.Clone(), Body: body}
}

// Prepare computes the ETag and the compressed copy once, when an entry
// is about to be cached, so serving it costs nothing but the write.
func (e *Entry) Prepare() {
	h := fnv.New64a()
	h.Write(e.Body)
	e.ETag = `W/"` + strconv.FormatUint(h.Sum64(), 36) + `"`
	e.Gz = Compress(e.Header.Get("Content-Type"), e.Body, gzip.DefaultCompression)
}

// Compress gzips textual bodies large enough to gain from it, or returns
// nil.
func Compress(contentType string, body []byte, level int) []byte {
	if len(body) < GzipMin || !Compressible(contentType) {
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

// Compressible reports whether a body of contentType is text that gzip
// shrinks.
func Compressible(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "xml") ||
		strings.HasSuffix(mt, "json") || mt == "image/svg+xml" || mt == "application/javascript"
}

// Serve writes e, answering a matching If-None-Match with 304 and
// choosing the gzip copy when the client accepts it. Headers are assigned
// directly, already in canonical form, because this is the hot path of
// every cached page.
func Serve(w http.ResponseWriter, r *http.Request, e *Entry) {
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	if e.CacheControl != "" {
		h["Cache-Control"] = []string{e.CacheControl}
	}
	if e.VaryCookie {
		h["Vary"] = varyCookie
	}
	if e.Gz == nil && e.ETag == "" && len(e.Body) >= GzipMin && AcceptsGzip(r) {
		// An uncached (personal) page: compress it for this response
		// only, favouring speed over size.
		if gz := compressOnce(h.Get("Content-Type"), e.Body); gz != nil {
			h["Vary"] = e.vary()
			h["Content-Encoding"] = gzipEncoding
			h["Content-Length"] = []string{strconv.Itoa(len(gz))}
			w.WriteHeader(e.Status)
			if r.Method != http.MethodHead {
				w.Write(gz)
			}
			return
		}
	}
	if e.ETag != "" {
		h["Etag"] = []string{e.ETag}
		if e.Status == http.StatusOK && etagMatch(r.Header.Get("If-None-Match"), e.ETag) {
			if e.Gz != nil {
				h["Vary"] = e.vary()
			}
			delete(h, "Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	body := e.Body
	if e.Gz != nil {
		h["Vary"] = e.vary()
		if AcceptsGzip(r) {
			body = e.Gz
			h["Content-Encoding"] = gzipEncoding
		}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(e.Status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// vary is the Vary header of a compressible entry.
func (e *Entry) vary() []string {
	if e.VaryCookie {
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

// gzips holds the writers of compressOnce. A gzip writer carries about a
// megabyte of tables, far more than the page it compresses, so writers
// are kept in a pool rather than built per response.
var gzips sync.Pool // of *gzip.Writer

// compressOnce gzips a response that is not cached (a personal page)
// for this one response, favouring speed over size.
func compressOnce(contentType string, body []byte) []byte {
	if len(body) < GzipMin || !Compressible(contentType) {
		return nil
	}
	var b bytes.Buffer
	b.Grow(len(body) / 3)
	zw, _ := gzips.Get().(*gzip.Writer)
	if zw == nil {
		var err error
		if zw, err = gzip.NewWriterLevel(&b, gzip.BestSpeed); err != nil {
			return nil
		}
	} else {
		zw.Reset(&b)
	}
	defer gzips.Put(zw)
	if _, err := zw.Write(body); err != nil {
		return nil
	}
	if err := zw.Close(); err != nil || b.Len() >= len(body) {
		return nil
	}
	return b.Bytes()
}

// AcceptsGzip reads Accept-Encoding enough to honour an explicit q=0.
func AcceptsGzip(r *http.Request) bool {
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
