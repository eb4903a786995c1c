package http

import (
	"context"
	"net/http"
	"time"

	"masthead"
)

// The home page. An editor arranges it at /admin/home (masthead.HomeLayout,
// read with the site settings, sitesettings.go): a lead story, pinned
// stories, and sections of topics, columns or kinds in the order given.
// What is not arranged falls back to the page nobody arranged: the
// newest daily analysis leads, then the next dailies, in-depth features,
// each column with its latest piece, and sections for the topics written
// about most recently; arranged sections replace all of these. Below it all, "Latest" lists the newest articles
// not shown above, so nothing published is missing from the page (a
// briefing without a topic, say).
const (
	homeDaily         = 7
	homeInDepth       = 4
	homeRecent        = 100 // articles scanned to find the active topics
	homeTopics        = 6
	homeTopicArticles = 3
	homeLatest        = 10
)

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := s.clock.Now()
	live := func(f masthead.ArticleFilter) ([]*masthead.Article, error) {
		f.Live, f.Now = true, now
		list, _, err := s.articles.Articles(ctx, f)
		return list, err
	}
	layout := s.site().home
	v := homePage{base: s.newBase(r, "", s.site().tagline, "/")}
	v.IsHome = true
	// shown is every article on the page so far: nothing appears twice.
	shown := onPage{}
	take := shown.take

	// The lead and the pinned stories an editor chose, while live.
	if layout.Lead != "" {
		if a, err := s.liveArticle(ctx, layout.Lead, now); err != nil {
			return err
		} else if a != nil {
			v.Lead, v.LeadHeading = a, "Top story"
			shown[a.ID] = true
		}
	}
	for _, slug := range layout.Pinned {
		a, err := s.liveArticle(ctx, slug, now)
		if err != nil {
			return err
		}
		if a != nil && !shown[a.ID] {
			shown[a.ID] = true
			v.Pinned = append(v.Pinned, a)
		}
	}

	// The newest daily analysis leads when no editor chose a lead; the
	// next ones follow it on the page nobody arranged. Arranged
	// sections replace them (an editor who wants them adds kind:daily).
	daily := masthead.KindDaily
	dailies, err := live(masthead.ArticleFilter{Kind: &daily, Limit: homeDaily + len(shown)})
	if err != nil {
		return err
	}
	if v.Lead == nil {
		if lead := take(dailies, 1); len(lead) > 0 {
			v.Lead, v.LeadHeading = lead[0], "Daily analysis"
		}
	}
	if len(layout.Sections) > 0 {
		if err := s.arrangedSections(ctx, &v, layout.Sections, live, shown); err != nil {
			return err
		}
	} else {
		v.Daily = take(dailies, homeDaily-1)
		if err := s.automaticSections(ctx, &v, live, shown); err != nil {
			return err
		}
	}

	latest, err := live(masthead.ArticleFilter{Limit: homeLatest + len(shown)})
	if err != nil {
		return err
	}
	if v.Lead == nil {
		// No daily analysis at all: the newest piece of any kind leads.
		if lead := take(latest, 1); len(lead) > 0 {
			v.Lead, v.LeadHeading = lead[0], "Latest"
		}
	}
	v.Latest = take(latest, homeLatest)
	ld := websiteLD{Context: "https://schema.org", Type: "WebSite", Name: s.site().name, URL: s.abs("/"), Description: s.site().tagline}
	if s.site().logo != "" {
		pub := s.publisherLD()
		ld.Publisher = &pub
	}
	v.JSONLD = ld
	v.Continue = s.continueReading(r)
	return s.render(w, "home", v)
}

// liveArticle is the article with slug when readers may see it at now,
// or nil.
func (s *Server) liveArticle(ctx context.Context, slug string, now time.Time) (*masthead.Article, error) {
	a, err := s.articles.Article(ctx, slug)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !a.LiveAt(now) {
		return nil, nil
	}
	return a, nil
}

type liveFunc func(masthead.ArticleFilter) ([]*masthead.Article, error)

// onPage is the set of articles on the home page so far.
type onPage map[int64]bool

// take keeps up to n articles of list not on the page yet and marks them
// as on it.
func (p onPage) take(list []*masthead.Article, n int) []*masthead.Article {
	var out []*masthead.Article
	for _, a := range list {
		if len(out) < n && !p[a.ID] {
			p[a.ID] = true
			out = append(out, a)
		}
	}
	return out
}

// arrangedSections fills the sections an editor chose, in their order;
// one naming a topic or column that is gone is left out, as is one with
// nothing live.
func (s *Server) arrangedSections(ctx context.Context, v *homePage, sections []masthead.HomeSection, live liveFunc, shown onPage) error {
	for _, sec := range sections {
		var (
			f     = masthead.ArticleFilter{}
			title string
			url   string
		)
		slug := sec.Slug
		switch sec.Source {
		case "topic":
			t, err := s.taxonomy.Topic(ctx, slug)
			if masthead.ErrorCode(err) == masthead.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			f.Topic, title, url = &slug, t.Name, topicPrefix+slug
		case "column":
			c, err := s.taxonomy.Column(ctx, slug)
			if masthead.ErrorCode(err) == masthead.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			f.Column, title, url = &slug, c.Name, columnPrefix+slug
		case "kind":
			k := masthead.Kind(slug)
			f.Kind, title = &k, k.Label()
		default:
			continue
		}
		// Enough to fill the section after leaving out what is shown.
		f.Limit = sec.Count + len(v.Pinned) + len(v.Daily) + 1
		list, err := live(f)
		if err != nil {
			return err
		}
		if keep := shown.take(list, sec.Count); len(keep) > 0 {
			v.Sections = append(v.Sections, homeSection{Title: title, URL: url, ID: sec.Source + "-" + slug, Articles: keep})
		}
	}
	return nil
}

// automaticSections fills the page nobody arranged: in-depth features,
// each column's latest piece and the topics written about lately.
func (s *Server) automaticSections(ctx context.Context, v *homePage, live liveFunc, shown onPage) error {
	inDepth := masthead.KindInDepth
	features, err := live(masthead.ArticleFilter{Kind: &inDepth, Limit: homeInDepth})
	if err != nil {
		return err
	}
	v.InDepth = shown.take(features, homeInDepth)
	columns, err := s.taxonomy.Columns(ctx)
	if err != nil {
		return err
	}
	for _, c := range columns {
		slug := c.Slug
		latest, err := live(masthead.ArticleFilter{Column: &slug, Limit: 1})
		if err != nil {
			return err
		}
		if len(latest) > 0 {
			v.Columns = append(v.Columns, columnLatest{Column: c, Latest: latest[0]})
			shown.take(latest, 1)
		}
	}

	// Topics: group the latest articles by topic, in order of their most
	// recent piece. One query however many topics exist; a topic nobody
	// wrote about lately has no place on the front page anyway.
	recent, err := live(masthead.ArticleFilter{Limit: homeRecent})
	if err != nil {
		return err
	}
	index := map[string]int{}
	for _, a := range recent {
		if shown[a.ID] {
			continue
		}
		for _, t := range a.Topics {
			i, ok := index[t.Slug]
			if !ok {
				if len(v.Topics) == homeTopics {
					continue
				}
				i = len(v.Topics)
				index[t.Slug] = i
				v.Topics = append(v.Topics, topicSection{Topic: t})
			}
			if len(v.Topics[i].Articles) < homeTopicArticles {
				v.Topics[i].Articles = append(v.Topics[i].Articles, a)
				shown[a.ID] = true
				break // one section per article, so nothing repeats
			}
		}
	}
	return nil
}
