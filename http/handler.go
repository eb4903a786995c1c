package http

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"masthead"
	"masthead/http/web"
)

// The site's handlers are web.HandlerFuncs: the adapters below turn
// their errors into pages (or JSON), so no handler writes an error
// response itself.

var (
	errNotFound = masthead.Errorf(masthead.ENOTFOUND, "Page not found.")
	errGone     = masthead.Errorf(masthead.EGONE, "This page has been removed.")
)

// bufWriter collects a handler's whole response so nothing reaches the
// client until the handler has succeeded: a template error half-way is a
// clean error page, and a finished page can go into the cache.
type bufWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
	// gz is the gzip of body, when the handler had it ready (a personal
	// view, viewgzip.go); any later Write drops it. gzBuf keeps its
	// memory for the next response from the pool (personal.go).
	gz, gzBuf []byte
	// keys are the content keys the handler named (addKeys, cdn.go).
	keys []string
	// ready is a finished response the handler kept, to be served as it
	// is, without copying its body (a reader's For-you page, foryou.go);
	// it must not be modified.
	ready *entry
}

func newBufWriter() *bufWriter { return &bufWriter{header: make(http.Header)} }

func (b *bufWriter) Header() http.Header { return b.header }

func (b *bufWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	b.gz = nil
	return b.body.Write(p)
}

func (b *bufWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

// response turns the buffered output into a servable entry.
func (b *bufWriter) response() *entry {
	if b.ready != nil {
		e := *b.ready // the adapters set fields of the copy, never of the kept entry
		return &e
	}
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	e := newEntry(status, b.header, b.body.Bytes())
	e.Gz = b.gz
	e.Keys = b.keys
	return e
}

// renderTimeout bounds a shared render, which outlives its own client.
const renderTimeout = 30 * time.Second

// readerKey carries the resolved reader in a request's context.
type readerKey struct{}

// page adapts a handler of a public page. Anonymous GETs are answered from
// the page cache when possible; a miss renders once (concurrent misses for
// the same page wait for that one render) and fills the cache. Requests
// carrying a session cookie bypass the cache both ways and get a private
// response.
func (s *Server) page(h web.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.refusedCrawler(r) {
			s.serveError(w, r, errRefusedCrawler)
			return
		}
		personal := hasSession(r)
		if personal || s.cache == nil {
			r = s.withReader(r, personal)
			// Never stored: rendered into a pooled buffer.
			e, release, err := s.runOnce(h, r)
			defer release()
			if err != nil {
				s.serveError(w, r, err)
				return
			}
			switch {
			case personal:
				e.CacheControl = web.CachePrivate
			case e.Header.Get("Cache-Control") == "":
				s.shareable(e, r)
			}
			e.VaryCookie = true
			web.Serve(w, r, &e.Entry)
			return
		}

		key := cacheKey(r)
		if e, ok := s.cache.Get(key); ok {
			s.insights.CachedHit(key) // counted, not rendered: insights.go
			s.cacheCount.hits.Add(1)
			web.Serve(w, r, &e.Entry)
			return
		}
		rendered := false
		defer func() {
			if !rendered {
				s.cacheCount.hits.Add(1) // another request's render
			}
		}()
		e, err := s.cache.Fill(key, func() (*entry, bool, error) {
			rendered = true
			s.cacheCount.renders.Add(1)
			// Other requests may be waiting for this render: it must not
			// fail because this one client went away.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), renderTimeout)
			defer cancel()
			e, err := s.run(h, r.WithContext(ctx))
			if err != nil {
				return nil, false, err
			}
			// A handler that set its own Cache-Control (a private page)
			// keeps it, and the page is not stored; any other page is
			// shared, here and at a CDN (cdn.go).
			shared := e.Header.Get("Cache-Control") == ""
			if shared {
				s.shareable(e, r)
			}
			e.VaryCookie = true
			e.Prepare()
			return e, e.Status == http.StatusOK && shared, nil
		})
		if err != nil {
			s.serveError(w, r, err)
			return
		}
		web.Serve(w, r, &e.Entry)
	})
}

// plain adapts a handler whose output is not worth caching (it is in
// memory already, or it is an error page).
func (s *Server) plain(h web.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := s.run(h, s.withReader(r, false))
		if err != nil {
			s.serveError(w, r, err)
			return
		}
		web.Serve(w, r, &e.Entry)
	})
}

// json adapts a JSON endpoint: errors are answered as JSON, never as a
// page.
func (s *Server) json(h web.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := s.run(h, r)
		if err != nil {
			e = s.jsonError(r, err)
		} else if e.CacheControl == "" && e.Header.Get("Cache-Control") == "" {
			e.CacheControl = web.NoStore
		}
		web.Serve(w, r, &e.Entry)
	})
}

// jsonError is the answer to err for a JSON client, in the shape the
// APIs use too (web.Body); it is never stored.
func (s *Server) jsonError(r *http.Request, err error) *entry {
	status := web.Status(err)
	s.logError(r, status, err)
	body, _ := json.Marshal(web.Body(err))
	hdr := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	e := newEntry(status, hdr, append(body, '\n'))
	e.CacheControl = web.NoStore
	return e
}

// run executes h into a buffer.
func (s *Server) run(h web.HandlerFunc, r *http.Request) (*entry, error) {
	b := newBufWriter()
	if err := h(b, r); err != nil {
		return nil, err
	}
	return b.response(), nil
}

// serveError renders the error page for err. Internal errors are logged
// here, once, with the request id; readers see only "internal error".
func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	status := web.Status(err)
	s.logError(r, status, err)
	b := newBufWriter()
	if rerr := s.renderError(b, r, status, err); rerr != nil {
		s.log.Error("render error page", "err", rerr, "request_id", requestID(r.Context()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	b.status = status
	e := b.response()
	switch {
	case hasSession(r):
		e.CacheControl = web.CachePrivate
	case status == http.StatusNotFound || status == http.StatusGone:
		// A CDN may keep these briefly; they are the same for everyone.
		e.CacheControl = web.CachePublic
	default:
		e.CacheControl = web.NoStore
	}
	web.Serve(w, r, &e.Entry)
}

func (s *Server) logError(r *http.Request, status int, err error) {
	if status >= 500 {
		s.log.Error("request failed", "err", err, "status", status,
			"method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()))
	}
}

// hasSession reports whether the request carries a session cookie, valid
// or not. Only its presence matters for caching: a page for a signed-in
// reader must never be stored for, or served from, the shared cache.
func hasSession(r *http.Request) bool {
	for _, line := range r.Header["Cookie"] {
		if strings.Contains(line, SessionCookie+"=") {
			_, ok := cookieValue(r, SessionCookie)
			return ok
		}
	}
	return false
}

// withReader resolves the session cookie, when there is one, to a member
// and stores it in the request's context. A cookie that names no live
// session is an anonymous reader; a store failure is logged and treated
// the same way, since the anonymous page is always safe to show.
func (s *Server) withReader(r *http.Request, personal bool) *http.Request {
	if !personal || s.members == nil {
		return r
	}
	token, _ := cookieValue(r, SessionCookie)
	if token == "" {
		return r
	}
	if r, ok := s.withReaderState(r, token); ok {
		return r
	}
	m, err := s.members.SessionMember(r.Context(), masthead.HashToken(token))
	if err != nil {
		if masthead.ErrorCode(err) == masthead.EINTERNAL {
			s.log.Error("resolve session", "err", err, "request_id", requestID(r.Context()))
		}
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), readerKey{}, m))
}

// member returns the signed-in member of r, or nil.
func member(r *http.Request) *masthead.Member {
	m, _ := r.Context().Value(readerKey{}).(*masthead.Member)
	return m
}

// pageParam reads ?page=N leniently: anything that is not a positive
// number is page 1, and huge numbers are clamped so an offset never
// overflows. Handlers clamp again to the last page they have.
func pageParam(r *http.Request) int {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxPage)
}

// maxPage bounds ?page= before any query sees it.
const maxPage = 100000

// cacheKey is the path plus the known query parameters in normal form, so
// ?page=01, ?utm_source=x&page=1 and no query share one entry, and random
// parameters cannot fill the cache.
func cacheKey(r *http.Request) string {
	if p := pageParam(r); p > 1 {
		return r.URL.Path + "?page=" + strconv.Itoa(p)
	}
	return r.URL.Path
}

// action adapts a handler of a form post: the session is resolved, the
// response (a redirect, or the page the form came back on) is personal
// and never stored by any cache.
func (s *Server) action(h web.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = s.withReader(r, hasSession(r))
		// Never stored: rendered into a pooled buffer.
		e, release, err := s.runOnce(h, r)
		defer release()
		// Before the answer leaves, so the page a POST redirects to
		// reads the reader afresh (readerstate.go).
		s.readerChanged(r)
		if err != nil {
			s.serveError(w, r, err)
			return
		}
		if e.Header.Get("Cache-Control") == "" {
			e.CacheControl = web.NoStore
		}
		e.VaryCookie = true
		web.Serve(w, r, &e.Entry)
	})
}
