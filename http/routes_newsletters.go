package http

import "net/http"

// newsletterRoutes lists the newsletters' pages: the archive of sent
// issues (newsletter_archive.go), whose issue pages ask the reader's
// facts like an article page, and one-click unsubscription
// (newsletters.go). The literal /newsletters/unsubscribe wins over
// {slug}.
func (s *Server) newsletterRoutes(mux *http.ServeMux) {
	if s.nlIssues != nil {
		mux.Handle("GET /newsletters", s.page(s.handleNewsletters))
		mux.Handle("GET /newsletters/{slug}", s.page(s.handleNewsletterIssues))
		mux.Handle("GET /newsletters/{slug}/{issue}", s.readerPage(s.handleNewsletterIssue))
	}
	if s.newsletters != nil {
		mux.Handle("GET /newsletters/unsubscribe", s.plain(s.handleUnsubscribeForm))
		mux.Handle("POST /newsletters/unsubscribe", s.plain(s.handleUnsubscribe))
	}
}
