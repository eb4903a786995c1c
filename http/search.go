package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"masthead"
	"masthead/access"
	"masthead/http/web"
)

// Search: the /search page, the same results as JSON at /search.json, and
// title suggestions as the reader types at /search/suggest. Everyone may
// search; snippets are cut only from what the access decision lets this
// reader read, and results the reader cannot open are marked locked.
//
// None of these go through the page cache, whose key ignores the query
// string. An anonymous reader's results are the same for everyone and may
// sit in a CDN for a minute; anyone else's are private.

// searchPageNames are the templates under templates/search/.
var searchPageNames = []string{"search"}

// searchAdapter resolves the reader (the session, when there is one) and
// sets the caching of a search response: public for an anonymous reader,
// private for anyone else (the handler marks those).
func (s *Server) searchAdapter(h web.HandlerFunc, isJSON bool) http.Handler {
	inner := func(w http.ResponseWriter, r *http.Request) error {
		return h(w, s.withReader(r, hasSession(r)))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := s.run(inner, r)
		switch {
		case err != nil && isJSON:
			e = s.jsonError(r, err)
		case err != nil:
			s.serveError(w, r, err)
			return
		case e.Header.Get("Cache-Control") == "":
			e.CacheControl = web.CachePublic
		}
		e.VaryCookie = true
		web.Serve(w, r, &e.Entry)
	})
}

// searchRequest reads the query and filters of a search URL leniently:
// anything malformed is ignored rather than refused.
func (s *Server) searchRequest(r *http.Request) masthead.SearchQuery {
	v := r.URL.Query()
	q := masthead.SearchQuery{
		Text:     v.Get("q"),
		Topic:    slugParam(v.Get("topic")),
		Region:   slugParam(v.Get("region")),
		Column:   slugParam(v.Get("column")),
		Author:   slugParam(v.Get("author")),
		Page:     pageParam(r),
		Now:      s.clock.Now(),
		Location: s.cfg.Location,
		Recency:  s.SearchRecency(),
	}
	if k := masthead.Kind(v.Get("kind")); k.Valid() {
		q.Kind = string(k)
	}
	if y, err := strconv.Atoi(v.Get("year")); err == nil && y > 1000 && y < 10000 {
		q.Year = y
	}
	if t, err := time.ParseInLocation("2006-01-02", v.Get("from"), s.cfg.Location); err == nil {
		q.From = t
	}
	if t, err := time.ParseInLocation("2006-01-02", v.Get("to"), s.cfg.Location); err == nil {
		q.To = t.AddDate(0, 0, 1) // the whole of the last day
	}
	switch sort := masthead.SearchSort(v.Get("sort")); sort {
	case masthead.SortNewest, masthead.SortOldest:
		q.Sort = sort
	default:
		q.Sort = masthead.SortRelevance
	}
	return q
}

func slugParam(s string) string {
	if masthead.ValidSlug(s) {
		return s
	}
	return ""
}

// runSearch asks the store with this reader's access decision and marks
// the response private when the reader is not anonymous. What the query
// matches follows the same decision: every body for a reader whom it
// lets read an article for subscribers only (the library), else the
// bodies of free articles and of the member's unlocks. A browser's
// registration unlock and a gift link open one article on its page
// alone; search leaves them out, so that such a reader's results stay
// the anonymous ones, which a shared cache may keep.
func (s *Server) runSearch(w http.ResponseWriter, r *http.Request, q masthead.SearchQuery) (*masthead.SearchResults, error) {
	rd := s.requestReader(r)
	if !rd.Anonymous() {
		markPrivate(w)
	}
	now := q.Now
	q.Library = s.readers.ReadsLibrary(rd, now)
	if st := readerState(r); !q.Library && st != nil && rd.Member != nil && st.Member == rd.Member {
		// Read with the member, in one query (readerstate.go).
		q.Unlocked = st.UnlockedArticles
	}
	q.FullText = func(a *masthead.Article) bool {
		meter := access.Meter{Unlocked: slices.Contains(q.Unlocked, a.ID)}
		return s.readers.Decide(rd, a, meter, now).Full
	}
	return s.search.Search(r.Context(), q)
}

// searchPage is the view of /search.
type searchPage struct {
	base
	Q       string
	Sort    string
	From    string
	To      string
	Results *masthead.SearchResults
	Facets  []facetView
	Active  []activeFilter
	Pager   searchPager
	// DidYouMeanURL searches the corrected query.
	DidYouMeanURL string
	// OriginalURL searches the query as typed, when the results shown
	// are those of the correction.
	OriginalURL string
	// Zero is what a search that found nothing offers (search_empty.go).
	Zero *zeroResults
	// ResultURLs are the hits' links, which count the click by position
	// (searchstats.go).
	ResultURLs []string
}

type facetView struct {
	Name   string
	Label  string
	Values []facetValueView
}

type facetValueView struct {
	Label    string
	Count    int
	URL      string
	Selected bool
}

type activeFilter struct {
	Label     string
	RemoveURL string
}

type searchPager struct {
	Page, Pages int
	PrevURL     string
	NextURL     string
}

var facetLabels = map[string]string{
	"topic": "Topic", "region": "Region", "column": "Column", "author": "Author", "kind": "Kind", "year": "Year",
}

// handleSearch serves /search.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) error {
	q := s.searchRequest(r)
	v := searchPage{
		base: s.newBase(r, "Search", "Search the whole library of "+s.site().name+".", "/search"),
		Q:    q.Text, Sort: string(q.Sort),
	}
	// Result pages are not for search engines to index.
	v.NoIndex = q.Text != ""
	if !q.From.IsZero() {
		v.From = q.From.Format("2006-01-02")
	}
	if !q.To.IsZero() {
		v.To = q.To.AddDate(0, 0, -1).Format("2006-01-02")
	}
	if strings.TrimSpace(q.Text) == "" {
		return s.render(w, "search", v)
	}
	v.Title = "Search: " + q.Text
	res, err := s.runSearch(w, r, q)
	if err != nil {
		return err
	}
	v.Results = res
	s.recordSearch(res)
	if v.Zero, err = s.zeroResultsFor(w, r, q, res); err != nil {
		return err
	}
	for i, h := range res.Hits {
		v.ResultURLs = append(v.ResultURLs, searchResultURL(h.Article.Slug, (res.Page-1)*res.PerPage+i+1))
	}
	params := r.URL.Query()
	params.Del("page")
	with := func(key, value string) string {
		p := cloneValues(params)
		if value == "" {
			p.Del(key)
		} else {
			p.Set(key, value)
		}
		return "/search?" + p.Encode()
	}
	for _, f := range res.Facets {
		if len(f.Values) == 0 {
			continue
		}
		fv := facetView{Name: f.Name, Label: facetLabels[f.Name]}
		current := params.Get(f.Name)
		for _, val := range f.Values {
			sel := current == val.Slug
			u := with(f.Name, val.Slug)
			if sel {
				u = with(f.Name, "")
			}
			fv.Values = append(fv.Values, facetValueView{Label: val.Label, Count: val.Count, URL: u, Selected: sel})
			if sel {
				v.Active = append(v.Active, activeFilter{Label: fv.Label + ": " + val.Label, RemoveURL: u})
			}
		}
		v.Facets = append(v.Facets, fv)
	}
	if v.From != "" || v.To != "" {
		p := cloneValues(params)
		p.Del("from")
		p.Del("to")
		v.Active = append(v.Active, activeFilter{Label: "Dates: " + v.From + " – " + v.To, RemoveURL: "/search?" + p.Encode()})
	}
	if res.DidYouMean != "" {
		v.DidYouMeanURL = with("q", res.DidYouMean)
		if res.Corrected {
			p := cloneValues(params)
			p.Set("q", res.Query)
			v.OriginalURL = "/search?" + p.Encode()
		}
	}
	pages := (res.Total + res.PerPage - 1) / res.PerPage
	v.Pager = searchPager{Page: res.Page, Pages: pages}
	if res.Page > 1 && res.Page <= pages+1 {
		v.Pager.PrevURL = with("page", strconv.Itoa(res.Page-1))
		if res.Page == 2 {
			v.Pager.PrevURL = with("page", "")
		}
	}
	if res.Page < pages {
		v.Pager.NextURL = with("page", strconv.Itoa(res.Page+1))
	}
	return s.render(w, "search", v)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// searchJSON is the body of /search.json.
type searchJSON struct {
	Query      string                 `json:"query"`
	Total      int                    `json:"total"`
	Page       int                    `json:"page"`
	PerPage    int                    `json:"per_page"`
	DidYouMean string                 `json:"did_you_mean,omitempty"`
	Corrected  bool                   `json:"corrected,omitempty"`
	Truncated  bool                   `json:"truncated,omitempty"`
	Empty      bool                   `json:"empty,omitempty"`
	Hits       []searchHitJSON        `json:"hits"`
	Facets     map[string][]facetJSON `json:"facets"`
	Zero       *zeroResults           `json:"zero,omitempty"`
}

type searchHitJSON struct {
	URL         string             `json:"url"`
	Slug        string             `json:"slug"`
	Title       string             `json:"title"`
	TitleParts  []masthead.Snippet `json:"title_parts"`
	Dek         string             `json:"dek"`
	Snippet     []masthead.Snippet `json:"snippet"`
	Locked      bool               `json:"locked"`
	Access      string             `json:"access"`
	Kind        string             `json:"kind"`
	PublishedAt time.Time          `json:"published_at"`
	Authors     []string           `json:"authors"`
	Column      string             `json:"column,omitempty"`
}

type facetJSON struct {
	Slug  string `json:"slug"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// handleSearchJSON serves /search.json: the same search as the page.
func (s *Server) handleSearchJSON(w http.ResponseWriter, r *http.Request) error {
	q := s.searchRequest(r)
	if n, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil {
		q.PerPage = n
	}
	res, err := s.runSearch(w, r, q)
	if err != nil {
		return err
	}
	out := searchJSON{
		Query: res.Query, Total: res.Total, Page: res.Page, PerPage: res.PerPage,
		DidYouMean: res.DidYouMean, Corrected: res.Corrected, Truncated: res.Truncated, Empty: res.Empty,
		Hits: []searchHitJSON{}, Facets: map[string][]facetJSON{},
	}
	s.recordSearch(res)
	if out.Zero, err = s.zeroResultsFor(w, r, q, res); err != nil {
		return err
	}
	for _, h := range res.Hits {
		a := h.Article
		hj := searchHitJSON{
			URL: s.abs(articlePath(a.Slug)), Slug: a.Slug, Title: a.Title, TitleParts: h.Title, Dek: a.Dek,
			Snippet: h.Snippet, Locked: !h.Full, Access: string(a.Access), Kind: string(a.Kind),
			PublishedAt: a.PublishedAt, Authors: []string{},
		}
		for _, au := range a.Authors {
			hj.Authors = append(hj.Authors, au.Name)
		}
		if a.Column != nil {
			hj.Column = a.Column.Name
		}
		out.Hits = append(out.Hits, hj)
	}
	for _, f := range res.Facets {
		vals := []facetJSON{}
		for _, v := range f.Values {
			vals = append(vals, facetJSON{Slug: v.Slug, Label: v.Label, Count: v.Count})
		}
		out.Facets[f.Name] = vals
	}
	return writeJSON(w, out)
}

// suggestionJSON is one entry of /search/suggest.
type suggestionJSON struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// handleSuggest serves /search/suggest?q=: titles for what the reader has
// typed so far. They are the same for everyone, so they may be cached.
func (s *Server) handleSuggest(w http.ResponseWriter, r *http.Request) error {
	list, err := s.search.Suggest(r.Context(), r.URL.Query().Get("q"), s.clock.Now(), 8)
	if err != nil {
		return err
	}
	out := []suggestionJSON{}
	for _, sg := range list {
		out = append(out, suggestionJSON{Title: sg.Title, URL: articlePath(sg.Slug)})
	}
	w.Header().Set("Cache-Control", web.CachePublic)
	return writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("http: encode json: %w", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, err = w.Write(append(b, '\n'))
	return err
}
