package http

import (
	"context"
	"net/http"
	"strings"

	"masthead"
)

// The dashboard's reader events (package insights, docs/insights.md).
// Recording only appends to the recorder's buffer; a nil recorder
// records nothing.

// recordArticle counts a rendered article page: a view and, when the
// wall stood in for the body, a wall view. The anonymous copy, the one
// the page cache keeps, is noted so hits on it count the same way. Only
// GETs count: a wall form that came back is the same reader again.
// Counting by beacon, the page's beacon counts it instead (beacon.go),
// and the server counts nothing here, rendered or cached.
func (s *Server) recordArticle(r *http.Request, a *masthead.Article, anonymous, full bool) {
	if s.insights == nil || r.Method != http.MethodGet || s.cfg.CountViews == CountByBeacon {
		return
	}
	s.insights.Record(masthead.InsightArticleView, a.ID, 0)
	if !full {
		s.insights.Record(masthead.InsightWallView, a.ID, 0)
	}
	if anonymous && r.URL.RawQuery == "" {
		s.insights.NotePage(r.URL.Path, a.ID, !full)
	}
}

// recordCheckout counts a checkout started, with the article the reader
// returns to when next is an article page, and the member, so the
// subscription that follows can be attributed to that article.
func (s *Server) recordCheckout(ctx context.Context, memberID int64, next string) {
	if s.insights == nil {
		return
	}
	var articleID int64
	if slug, ok := strings.CutPrefix(next, "/articles/"); ok && masthead.ValidSlug(slug) {
		if a, err := s.article(ctx, slug); err == nil {
			articleID = a.ID
		}
	}
	s.insights.Record(masthead.InsightCheckout, articleID, memberID)
}
