package http

import "net/http"

// readerRoutes lists the routes of registration and the meter. The
// article page itself is routed in routes.go through readerPage.
func (s *Server) readerRoutes(mux *http.ServeMux) {
	mux.Handle("POST /register", s.action(s.handleRegister))
	mux.Handle("POST /articles/{slug}/unlock", s.action(s.handleUnlock))
}

// action adapts a handler of a form post: the session is resolved, the
// response (a redirect, or the page the form came back on) is personal
// and never stored by any cache.
func (s *Server) action(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = s.withReader(r, hasSession(r))
		e, err := s.run(h, r)
		// Before the answer leaves, so the page a POST redirects to
		// reads the reader afresh (readerstate.go).
		s.readerChanged(r)
		if err != nil {
			s.serveError(w, r, err)
			return
		}
		if e.header.Get("Cache-Control") == "" {
			e.cacheControl = ccNoStore
		}
		e.varyCookie = true
		s.serveEntry(w, r, e)
	})
}
