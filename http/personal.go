package http

import (
	"net/http"
	"net/textproto"
	"strings"

	"masthead/http/web"
)

// Responses that are written once and never stored — every signed-in
// page — are rendered into buffers taken from a pool rather than made per
// request: a page is tens of kilobytes, and allocating (and collecting)
// that much on every signed-in view was the largest cost left once the
// reader's state came from memory.

// maxPooledBuffer is the largest buffer kept for reuse; a rare huge page
// is left to the collector rather than pinned in the pool.
const maxPooledBuffer = 1 << 20

// runOnce executes h into a pooled buffer. The entry it returns shares
// that buffer: it must be written at once and never stored, and release
// must be called once it has been written (and not before).
func (s *Server) runOnce(h web.HandlerFunc, r *http.Request) (e *entry, release func(), err error) {
	b, _ := s.bufs.Get().(*bufWriter)
	if b == nil {
		b = newBufWriter()
	}
	release = func() {
		if b.body.Cap() > maxPooledBuffer {
			return
		}
		b.body.Reset()
		clear(b.header)
		b.status = 0
		b.gz = nil
		b.keys = b.keys[:0]
		b.ready = nil
		s.bufs.Put(b)
	}
	if err := h(b, r); err != nil {
		release()
		return nil, func() {}, err
	}
	return b.response(), release, nil
}

// maxCookies is net/http's default limit on the cookies of a request
// (GODEBUG httpcookiemaxnum): beyond it, Request.Cookie finds none.
const maxCookies = 3000

// cookieValue returns the value of the first valid cookie named name, as
// r.Cookie would, without parsing every cookie into a new slice: signed-in
// pages look for their cookies several times per request.
func cookieValue(r *http.Request, name string) (string, bool) {
	lines := r.Header["Cookie"]
	n := 0
	for _, line := range lines {
		n += strings.Count(line, ";") + 1
	}
	if n > maxCookies {
		return "", false
	}
	for _, line := range lines {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, _ := strings.Cut(textproto.TrimString(part), "=")
			if textproto.TrimString(k) != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validCookieValue(v) {
				return v, true
			}
		}
	}
	return "", false
}

// validCookieValue accepts what net/http accepts in a cookie's value.
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}
