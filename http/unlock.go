package http

import (
	"net/http"
	"net/url"

	"masthead"
	"masthead/http/web"
)

// handleUnlock spends one of a verified member's free credits on a
// metered article: POST /articles/{slug}/unlock, from the button the wall
// shows (reading.Readers.Unlock). Only this POST spends; GET, HEAD,
// prefetches and feed readers never do. Cross-origin posts are refused by
// the middleware and the session cookie is SameSite=Lax, so another site
// cannot spend a reader's credits.
func (s *Server) handleUnlock(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if !masthead.ValidSlug(slug) || !s.reading.Registers() {
		return errNotFound
	}
	if member(r) == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(articlePath(slug)), http.StatusSeeOther)
		return nil
	}
	a, spent, err := s.readers.Unlock(r.Context(), s.readerRequest(w, r), slug, s.clock.Now())
	if err != nil {
		return err
	}
	if spent {
		s.metrics.Unlock()
		s.insights.Record(masthead.InsightUnlock, a.ID, 0)
	}
	w.Header().Set("Cache-Control", web.NoStore)
	http.Redirect(w, r, articlePath(a.Slug), http.StatusSeeOther)
	return nil
}
