package http

import (
	"net/http"
	"strconv"
	"strings"

	"masthead"
)

// Search analytics (docs/insights.md, "What readers search for"): each
// search's first page counts its normalised query, and whether it found
// nothing; each result links to its article with ?from=search&pos=N,
// and the article's request counts a click at N. Nothing tells who
// searched or clicked: the recorder keeps no member, address or cookie.
//
// The click is counted before the page cache is asked, by a wrapper
// around the article route, so a page served from the cache counts as
// one rendered; the cache's key ignores the query string, so the
// parameters cost no second copy of the page and the response is the
// article's own, canonical URL and all. A CDN in front keys by the whole
// URL: it must pass requests with from=search to the origin (or drop the
// parameters from its key and forward them), or it will answer them
// itself and the clicks will not be counted.

// recordSearch counts a search made, on its first page only, so paging
// through results counts once. The alternatives offered when nothing was
// found are not counted.
func (s *Server) recordSearch(res *masthead.SearchResults) {
	if s.insights == nil || res == nil || res.Empty || res.Page > 1 {
		return
	}
	s.insights.RecordSearch(strings.ToLower(res.Query), res.Total == 0)
}

// searchResultURL is the address of the result at position pos (from 1)
// of a search: the article's, with what counts the click.
func searchResultURL(slug string, pos int) string {
	return articlePath(slug) + "?from=search&pos=" + strconv.Itoa(pos)
}

// searchClicks counts a GET that came from a search's results, then
// serves it with h.
func (s *Server) searchClicks(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.insights != nil && r.Method == http.MethodGet && strings.Contains(r.URL.RawQuery, "from=search") {
			v := r.URL.Query()
			if pos, err := strconv.Atoi(v.Get("pos")); err == nil && v.Get("from") == "search" && pos >= 1 {
				s.insights.RecordSearchClick(min(pos, masthead.MaxSearchPosition))
			}
		}
		h.ServeHTTP(w, r)
	})
}
