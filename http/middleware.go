package http

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"masthead"
	"masthead/http/web"
)

// middleware wraps the mux, outermost first: request id, access log,
// security headers, panic recovery, body limit, cross-origin protection.
// Recovery sits inside the log so a panic is logged as the 500 it became.
func (s *Server) middleware(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serveError(w, r, masthead.Errorf(masthead.EFORBIDDEN, "Cross-origin request refused."))
	}))
	h := cop.Handler(next)
	h = s.limitBody(h)
	h = s.recoverPanic(h)
	h = s.securityHeaders(h)
	h = s.accessLog(h)
	return s.requestIDs(h)
}

// requestFactsKey carries a request's *requestFacts in its context.
type requestFactsKey struct{}

// requestFacts is what is known of a request for all of its life, set
// by requestIDs: its id, and the verdict on its user agent, looked up
// the first time a handler asks (requestAgent) and kept for the next:
// an article request asks four or five times (the crawler gate, the
// page cache's rules, the reader's facts, the insights).
type requestFacts struct {
	id string
	// ua is the user agent the verdict is for; agent is set once.
	ua    string
	agent atomic.Pointer[agentVerdict]
}

func factsOf(ctx context.Context) *requestFacts {
	f, _ := ctx.Value(requestFactsKey{}).(*requestFacts)
	return f
}

// requestID returns the id the request was given, or "".
func requestID(ctx context.Context) string {
	if f := factsOf(ctx); f != nil {
		return f.id
	}
	return ""
}

// requestIDs gives every request an id, echoed in X-Request-Id and
// carried into every log line about it. An id set by a proxy in front is
// kept when it looks like one, so logs can be joined across hops; with
// trusted proxies configured, only an id from one of them is kept. New ids
// are a random per-process prefix and a counter: unique, and cheaper than
// reading random bytes on every request.
func (s *Server) requestIDs(next http.Handler) http.Handler {
	var buf [8]byte
	rand.Read(buf[:])
	prefix := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(buf[:])) + "-"
	var seq atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) || (len(s.cfg.TrustedProxies) > 0 && !s.trusted(remoteAddr(r))) {
			id = prefix + strconv.FormatUint(seq.Add(1), 36)
		}
		w.Header()["X-Request-Id"] = []string{id}
		f := &requestFacts{id: id, ua: r.UserAgent()}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestFactsKey{}, f)))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusRecorder remembers what was written, for the access log and for
// recovery (which can only render a page if nothing was sent yet).
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusRecorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusRecorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog writes one line per request and records its duration under
// the route pattern the mux matched (r.Pattern, set on this very request:
// the middleware between here and the mux passes it down unchanged).
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.metrics.ObserveRequest(r.Pattern, status, elapsed)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "http",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("duration", elapsed),
			slog.String("request_id", requestID(r.Context())),
		)
	})
}

// recoverPanic turns a panic into the 500 page, logged with its stack.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()),
				"method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()))
			if rec.status != 0 {
				// Too late for a page; the client sees a cut response.
				return
			}
			h := w.Header()
			for _, k := range []string{"Content-Encoding", "Content-Length", "Etag", "Location", "Vary", "Last-Modified"} {
				delete(h, k)
			}
			s.serveError(w, r, fmt.Errorf("http: panic: %v", v))
		}()
		next.ServeHTTP(rec, r)
	})
}

// securityHeaders sets the headers every response carries. The policy
// allows nothing from other origins: the site makes no third-party
// requests, and a script injected despite the sanitiser could not load or
// send anything elsewhere. JSON-LD blocks are data, not script, and are
// not subject to script-src.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	csp := []string{"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; " +
		"base-uri 'none'; object-src 'none'; frame-ancestors 'none'"}
	nosniff := []string{"nosniff"}
	referrer := []string{"strict-origin-when-cross-origin"}
	frame := []string{"DENY"}
	coop := []string{"same-origin"}
	perms := []string{"camera=(), microphone=(), geolocation=(), payment=(), usb=()"}
	var hsts []string
	if s.base.Scheme == "https" {
		hsts = []string{"max-age=31536000"}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Security-Policy"] = csp
		h["X-Content-Type-Options"] = nosniff
		h["Referrer-Policy"] = referrer
		h["X-Frame-Options"] = frame
		h["Cross-Origin-Opener-Policy"] = coop
		h["Permissions-Policy"] = perms
		if hsts != nil {
			h["Strict-Transport-Security"] = hsts
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody answers a declared oversized body with 413 at once and caps
// undeclared (chunked) ones, so a handler reading the body fails with
// *http.MaxBytesError, which the error table also maps to 413.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.cfg.MaxBodyBytes
		if s.cfg.MaxUploadBytes > limit && strings.HasPrefix(r.URL.Path, web.UploadPath) {
			limit = s.cfg.MaxUploadBytes
		}
		if r.ContentLength > limit {
			// Closing keeps the server from reading a body nobody wants.
			w.Header().Set("Connection", "close")
			s.serveError(w, r, masthead.Errorf(masthead.ETOOLARGE, "The request is larger than the %s this site accepts.", sizeLabel(limit)))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// sizeLabel writes a byte count the way a reader would say it.
func sizeLabel(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	if n >= 1<<10 {
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
