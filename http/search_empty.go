package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// A search that finds nothing does not end on an empty page
// (docs/search.md, "When nothing is found"). It offers, each with the
// number of results it finds for this reader:
//
//   - the query with its misspelt words corrected, under the same
//     filters or, when they leave nothing, without them;
//   - broader searches: each filter dropped in turn, all of them at once,
//     and a "phrase" read as separate words;
//
// and lists the most read articles of the topic the reader was looking in
// (the topic filter, or the commonest topic of the broader results), or
// of the whole library, made up with the newest. Every alternative is a
// search like the reader's own, under the same access rule, so a count
// never tells of text past the wall. Only the first page of a search
// that found nothing pays for them: at most ten searches without facets,
// a page of one result each.

// zeroResults is what the page and search.json offer instead of results.
type zeroResults struct {
	Suggestion      string        `json:"suggestion,omitempty"`
	SuggestionURL   string        `json:"suggestion_url,omitempty"`
	SuggestionTotal int           `json:"suggestion_total,omitempty"`
	Broaden         []broadenLink `json:"broaden"`
	// Heading names the list of articles: those of a topic, or of the
	// whole library.
	Heading  string              `json:"heading"`
	Articles []*masthead.Article `json:"-"`
	Read     []zeroArticleJSON   `json:"articles"`
}

// broadenLink is one broader search.
type broadenLink struct {
	Label string `json:"label"`
	URL   string `json:"url"`
	Total int    `json:"total"`
}

type zeroArticleJSON struct {
	URL         string    `json:"url"`
	Title       string    `json:"title"`
	Dek         string    `json:"dek"`
	Access      string    `json:"access"`
	PublishedAt time.Time `json:"published_at"`
}

// mostReadDays is the window of "most read".
const mostReadDays = 30

// zeroShown is how many articles the page lists instead of results.
const zeroShown = 5

// mostReadTTL is how long the most read articles of a topic are kept for
// the zero-result page (Server.mostRead): counting a month of views for
// every search that finds nothing would make such searches the dearest
// requests of the site.
const mostReadTTL = 5 * time.Minute

// searchFilters are the URL parameters that narrow a search, in the order
// the page offers to drop them.
var searchFilters = []struct{ param, label string }{
	{"topic", "topic"}, {"region", "region"}, {"column", "column"}, {"author", "author"},
	{"kind", "kind"}, {"year", "year"}, {"from", "dates"},
}

// zeroResultsFor builds the alternatives to a search that found nothing,
// or returns nil when it found something, had nothing to search for or
// is not its first page.
func (s *Server) zeroResultsFor(w http.ResponseWriter, r *http.Request, q masthead.SearchQuery, res *masthead.SearchResults) (*zeroResults, error) {
	if res == nil || res.Empty || res.Total > 0 || res.Page > 1 {
		return nil, nil
	}
	ctx := r.Context()
	params := r.URL.Query()
	for _, k := range []string{"page", "per_page"} {
		params.Del(k)
	}
	z := &zeroResults{Broaden: []broadenLink{}, Read: []zeroArticleJSON{}}
	// count runs the reader's search for the parameters p, one result
	// without facets, and returns its total and the query it ran.
	var topTopic string
	count := func(p url.Values, facets bool) (int, error) {
		r2 := r.Clone(ctx)
		r2.URL = &url.URL{Path: r.URL.Path, RawQuery: p.Encode()}
		alt := s.searchRequest(r2)
		alt.PerPage, alt.NoFacets = 1, !facets
		out, err := s.runSearch(w, r, alt)
		if err != nil {
			return 0, err
		}
		if topTopic == "" && out.Total > 0 {
			for _, f := range out.Facets {
				if f.Name == "topic" && len(f.Values) > 0 {
					topTopic = f.Values[0].Slug
				}
			}
		}
		return out.Total, nil
	}
	link := func(p url.Values) string { return "/search?" + p.Encode() }
	// found is the first alternative that finds something: the topic the
	// reader was looking in is the commonest among its results.
	var found url.Values
	hit := func(p url.Values, n int) {
		if n > 0 && found == nil {
			found = p
		}
	}

	fixed, changed, err := s.search.CorrectQuery(ctx, q.Text)
	if err != nil {
		return nil, err
	}
	if changed && fixed != res.Query {
		p := cloneValues(params)
		p.Set("q", fixed)
		n, err := count(p, false)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			p = url.Values{"q": {fixed}}
			if n, err = count(p, false); err != nil {
				return nil, err
			}
		}
		if n > 0 {
			z.Suggestion, z.SuggestionURL, z.SuggestionTotal = fixed, link(p), n
			hit(p, n)
		}
	}

	var active []string
	for _, f := range searchFilters {
		if params.Get(f.param) == "" && (f.param != "from" || params.Get("to") == "") {
			continue
		}
		active = append(active, f.param)
		p := cloneValues(params)
		p.Del(f.param)
		label := "Any " + f.label
		if f.param == "from" {
			p.Del("to")
		}
		if v := params.Get(f.param); v != "" && f.param != "from" {
			label += " (not only " + filterValueLabel(v) + ")"
		}
		n, err := count(p, false)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			z.Broaden = append(z.Broaden, broadenLink{Label: label, URL: link(p), Total: n})
			hit(p, n)
		}
	}
	if len(active) > 1 {
		p := url.Values{"q": {q.Text}}
		n, err := count(p, false)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			z.Broaden = append(z.Broaden, broadenLink{Label: "Without any filter", URL: link(p), Total: n})
			hit(p, n)
		}
	}
	if words := strings.ReplaceAll(q.Text, `"`, " "); words != q.Text && strings.TrimSpace(words) != "" {
		p := cloneValues(params)
		p.Set("q", strings.Join(strings.Fields(words), " "))
		n, err := count(p, false)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			z.Broaden = append(z.Broaden, broadenLink{Label: "These words anywhere, not as a phrase", URL: link(p), Total: n})
			hit(p, n)
		}
	}

	// The topic the reader was looking in: the filter's, else the
	// commonest among the results of the first alternative that finds
	// something.
	topic := q.Topic
	if topic == "" && found != nil {
		if _, err := count(found, true); err != nil {
			return nil, err
		}
		topic = topTopic
	}
	now := s.clock.Now()
	mostRead := func(topic string) ([]*masthead.Article, error) {
		return s.mostRead.get(topic, now, func() ([]*masthead.Article, error) {
			return s.search.MostRead(ctx, topic, now.AddDate(0, 0, -mostReadDays), now, zeroShown)
		})
	}
	list, err := mostRead(topic)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 && topic != "" {
		topic = ""
		if list, err = mostRead(""); err != nil {
			return nil, err
		}
	}
	z.Articles = list
	z.Heading = "Popular now"
	if topic != "" {
		z.Heading = "Popular in " + filterValueLabel(topic)
	}
	for _, a := range list {
		z.Read = append(z.Read, zeroArticleJSON{URL: s.abs(articlePath(a.Slug)), Title: a.Title, Dek: a.Dek,
			Access: string(a.Access), PublishedAt: a.PublishedAt})
	}
	return z, nil
}

// filterValueLabel names a filter's value from its slug: "middle-east"
// is "Middle East".
func filterValueLabel(v string) string {
	if _, err := strconv.Atoi(v); err == nil {
		return v
	}
	words := strings.Split(v, "-")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}
