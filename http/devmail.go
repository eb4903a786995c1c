package http

import "net/http"

// devMailPath is where the development outbox is mounted (mail.OutboxPath).
const devMailPath = "/_dev/mail"

// devMailRoutes mounts the development outbox (mail.Outbox) when the
// program runs in demo mode without an SMTP server. Its pages hold live
// sign-in links, so they never go through the page cache; the outbox
// marks them no-store itself and sets its own CSP (an inline style
// allowed by hash, a sandboxed frame for the HTML part).
func (s *Server) devMailRoutes(mux *http.ServeMux) {
	if s.devMail == nil {
		return
	}
	mux.Handle("GET "+devMailPath, s.devMail)
	mux.Handle("GET "+devMailPath+"/", s.devMail)
}
