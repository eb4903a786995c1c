package http

import (
	"net/http"

	"masthead"
)

// Home page shape: one lead daily analysis and a column of the next ones,
// in-depth features, each column with its latest piece, and sections for
// the topics written about most recently.
const (
	homeDaily         = 7
	homeInDepth       = 4
	homeRecent        = 100 // articles scanned to find the active topics
	homeTopics        = 6
	homeTopicArticles = 3
)

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := s.clock.Now()
	live := func(f masthead.ArticleFilter) ([]*masthead.Article, error) {
		f.Live, f.Now = true, now
		list, _, err := s.articles.Articles(ctx, f)
		return list, err
	}

	daily, inDepth := masthead.KindDaily, masthead.KindInDepth
	dailies, err := live(masthead.ArticleFilter{Kind: &daily, Limit: homeDaily})
	if err != nil {
		return err
	}
	features, err := live(masthead.ArticleFilter{Kind: &inDepth, Limit: homeInDepth})
	if err != nil {
		return err
	}
	columns, err := s.taxonomy.Columns(ctx)
	if err != nil {
		return err
	}
	var cols []columnLatest
	for _, c := range columns {
		slug := c.Slug
		latest, err := live(masthead.ArticleFilter{Column: &slug, Limit: 1})
		if err != nil {
			return err
		}
		if len(latest) > 0 {
			cols = append(cols, columnLatest{Column: c, Latest: latest[0]})
		}
	}

	// Topics: group the latest articles by topic, in order of their most
	// recent piece. One query however many topics exist; a topic nobody
	// wrote about lately has no place on the front page anyway.
	recent, err := live(masthead.ArticleFilter{Limit: homeRecent})
	if err != nil {
		return err
	}
	shown := map[int64]bool{}
	for _, a := range dailies {
		shown[a.ID] = true
	}
	for _, a := range features {
		shown[a.ID] = true
	}
	var topics []topicSection
	index := map[string]int{}
	for _, a := range recent {
		if shown[a.ID] {
			continue
		}
		for _, t := range a.Topics {
			i, ok := index[t.Slug]
			if !ok {
				if len(topics) == homeTopics {
					continue
				}
				i = len(topics)
				index[t.Slug] = i
				topics = append(topics, topicSection{Topic: t})
			}
			if len(topics[i].Articles) < homeTopicArticles {
				topics[i].Articles = append(topics[i].Articles, a)
				break // one section per article, so nothing repeats
			}
		}
	}

	v := homePage{base: s.newBase(r, "", s.site().tagline, "/"), InDepth: features, Columns: cols, Topics: topics}
	v.IsHome = true
	if len(dailies) > 0 {
		v.Lead, v.Daily = dailies[0], dailies[1:]
	}
	v.JSONLD = websiteLD{Context: "https://schema.org", Type: "WebSite", Name: s.site().name, URL: s.abs("/"), Description: s.site().tagline}
	return s.render(w, "home", v)
}
