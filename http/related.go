package http

import (
	"context"
	"time"

	"masthead"
)

// relatedReading returns the related reading shown under article a: the
// live neighbours stored when it was last saved (store/related.go), read
// by one query along an index. It is called only when the page is
// rendered, never for a page that comes from the page or view cache, and
// both caches are dropped when the content version moves, which every
// save and every scheduled publication does. A failure costs the section,
// not the page.
func (s *Server) relatedReading(ctx context.Context, a *masthead.Article, now time.Time) []*masthead.Article {
	list, err := s.articles.Related(ctx, a.ID, now, masthead.RelatedShown)
	if err != nil {
		s.log.Warn("related reading", "article", a.ID, "err", err)
		return nil
	}
	return list
}
