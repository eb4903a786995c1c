package http

import (
	"context"
	"strconv"

	"masthead"
)

// pageSize is the number of articles on one page of a list.
const pageSize = 20

// listLive fetches page (1-based) of the live articles matching f. A page
// past the end shows the last page instead of an error or an empty list,
// so a stale or hand-edited ?page= never breaks.
func (s *Server) listLive(ctx context.Context, f masthead.ArticleFilter, page int, path string) ([]*masthead.Article, pager, error) {
	f.Live = true
	f.Now = s.clock.Now()
	f.Limit = pageSize
	f.Offset = (page - 1) * pageSize
	list, total, err := s.articles.Articles(ctx, f)
	if err != nil {
		return nil, pager{}, err
	}
	pages := max((total+pageSize-1)/pageSize, 1)
	if page > pages {
		page = pages
		f.Offset = (page - 1) * pageSize
		if list, total, err = s.articles.Articles(ctx, f); err != nil {
			return nil, pager{}, err
		}
	}
	p := pager{Page: page, Pages: pages, Total: total}
	if page > 1 {
		p.PrevURL = pageURL(path, page-1)
	}
	if page < pages {
		p.NextURL = pageURL(path, page+1)
	}
	return list, p, nil
}

// pageURL is the canonical URL of page n of the list at path.
func pageURL(path string, n int) string {
	if n <= 1 {
		return path
	}
	return path + "?page=" + strconv.Itoa(n)
}
