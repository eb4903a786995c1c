package http

import (
	"context"
	"net/http"
	"strings"

	"masthead"
)

// Taxonomy pages: an index of each kind (columns, authors, topics,
// regions) and one paginated list per term. An unknown slug is a 404
// before any list query runs.

func (s *Server) handleColumns(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.taxonomy.Columns(r.Context())
	if err != nil {
		return err
	}
	v := termsPage{base: s.newBase(r, "Columns", "The columns of "+s.site().name+".", "/columns"), Heading: "Columns"}
	for _, c := range cs {
		v.Items = append(v.Items, termItem{Name: c.Name, URL: columnPrefix + c.Slug, Description: c.Description})
	}
	return s.render(w, "terms", v)
}

func (s *Server) handleColumn(w http.ResponseWriter, r *http.Request) error {
	c, err := bySlug(r, s.taxonomy.Column)
	if err != nil {
		return s.termMoved(w, r, err)
	}
	path := columnPrefix + c.Slug
	list, p, err := s.listLive(r.Context(), masthead.ArticleFilter{Column: &c.Slug}, pageParam(r), path)
	if err != nil {
		return err
	}
	v := listPage{
		base:   s.newBase(r, pageTitle(c.Name, p), c.Description, pageURL(path, p.Page)),
		Kicker: "Column", Heading: c.Name, Intro: c.Description, Articles: list, Pager: p,
		Image: c.ImageURL, Byline: c.Columnist,
		FeedRSS: path + "/feed.xml", FeedAtom: path + "/atom.xml",
	}
	v.Feeds = append(v.Feeds, termFeeds(s, c.Name, path)...)
	v.Follow = s.listFollow(r, masthead.FollowColumn, c.Slug, c.Name, path)
	return s.render(w, "list", v)
}

func (s *Server) handleAuthors(w http.ResponseWriter, r *http.Request) error {
	as, err := s.taxonomy.Authors(r.Context())
	if err != nil {
		return err
	}
	v := termsPage{base: s.newBase(r, "Authors", "The writers of "+s.site().name+".", "/authors"), Heading: "Authors"}
	for _, a := range as {
		v.Items = append(v.Items, termItem{Name: a.Name, URL: authorPrefix + a.Slug, Description: a.Bio})
	}
	return s.render(w, "terms", v)
}

func (s *Server) handleAuthor(w http.ResponseWriter, r *http.Request) error {
	a, err := bySlug(r, s.taxonomy.Author)
	if err != nil {
		return s.termMoved(w, r, err)
	}
	path := authorPrefix + a.Slug
	list, p, err := s.listLive(r.Context(), masthead.ArticleFilter{Author: &a.Slug}, pageParam(r), path)
	if err != nil {
		return err
	}
	v := listPage{
		base:   s.newBase(r, pageTitle(a.Name, p), a.Bio, pageURL(path, p.Page)),
		Kicker: "Author", Heading: a.Name, Intro: a.Bio, Articles: list, Pager: p,
		Image: a.PhotoURL, Links: a.Links,
	}
	v.Social.Type = "profile"
	v.Follow = s.listFollow(r, masthead.FollowAuthor, a.Slug, a.Name, path)
	return s.render(w, "list", v)
}

func (s *Server) handleTopics(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.taxonomy.Topics(r.Context())
	if err != nil {
		return err
	}
	v := termsPage{base: s.newBase(r, "Topics", "Topics covered by "+s.site().name+".", "/topics"), Heading: "Topics"}
	for _, t := range ts {
		v.Items = append(v.Items, termItem{Name: t.Name, URL: topicPrefix + t.Slug, Description: t.Description})
	}
	return s.render(w, "terms", v)
}

func (s *Server) handleTopic(w http.ResponseWriter, r *http.Request) error {
	t, err := bySlug(r, s.taxonomy.Topic)
	if err != nil {
		return s.termMoved(w, r, err)
	}
	path := topicPrefix + t.Slug
	list, p, err := s.listLive(r.Context(), masthead.ArticleFilter{Topic: &t.Slug}, pageParam(r), path)
	if err != nil {
		return err
	}
	v := listPage{
		base:   s.newBase(r, pageTitle(t.Name, p), "Articles about "+t.Name+" from "+s.site().name+".", pageURL(path, p.Page)),
		Kicker: "Topic", Heading: t.Name, Intro: t.Description, Articles: list, Pager: p,
		FeedRSS: path + "/feed.xml", FeedAtom: path + "/atom.xml",
	}
	v.Feeds = append(v.Feeds, termFeeds(s, t.Name, path)...)
	v.Follow = s.listFollow(r, masthead.FollowTopic, t.Slug, t.Name, path)
	return s.render(w, "list", v)
}

func (s *Server) handleRegions(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.taxonomy.Regions(r.Context())
	if err != nil {
		return err
	}
	v := termsPage{base: s.newBase(r, "Regions", "Regions covered by "+s.site().name+".", "/regions"), Heading: "Regions"}
	for _, t := range rs {
		v.Items = append(v.Items, termItem{Name: t.Name, URL: regionPrefix + t.Slug, Description: t.Description})
	}
	return s.render(w, "terms", v)
}

func (s *Server) handleRegion(w http.ResponseWriter, r *http.Request) error {
	t, err := bySlug(r, s.taxonomy.Region)
	if err != nil {
		return s.termMoved(w, r, err)
	}
	path := regionPrefix + t.Slug
	list, p, err := s.listLive(r.Context(), masthead.ArticleFilter{Region: &t.Slug}, pageParam(r), path)
	if err != nil {
		return err
	}
	v := listPage{
		base:   s.newBase(r, pageTitle(t.Name, p), "Articles on "+t.Name+" from "+s.site().name+".", pageURL(path, p.Page)),
		Kicker: "Region", Heading: t.Name, Intro: t.Description, Articles: list, Pager: p,
	}
	v.Follow = s.listFollow(r, masthead.FollowRegion, t.Slug, t.Name, path)
	return s.render(w, "list", v)
}

// pageTitle adds the page number to a list's title after the first page,
// so search results and tabs tell the pages apart.
func pageTitle(name string, p pager) string {
	if p.Page > 1 {
		return name + " — page " + thousands(p.Page)
	}
	return name
}

// termFeeds are the alternate links of a column or topic page.
func termFeeds(s *Server, name, path string) []feedLink {
	return []feedLink{
		{Title: name + " — " + s.site().name + " (RSS)", URL: s.abs(path + "/feed.xml")},
		{Title: name + " — " + s.site().name + " (Atom)", Atom: true, URL: s.abs(path + "/atom.xml")},
	}
}

// termMoved answers for a column, author, topic or region page whose
// slug names nothing: the page of a renamed or merged one redirects to
// where it went (store/taxonomy_edit.go keeps the old page in the old
// site's redirects), with the rest of the path, a feed, and the query
// kept. Anything else is err.
func (s *Server) termMoved(w http.ResponseWriter, r *http.Request, err error) error {
	if masthead.ErrorCode(err) != masthead.ENOTFOUND || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return err
	}
	// "/topics/old/feed.xml": the page is the first two segments.
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 3)
	if len(parts) < 2 {
		return err
	}
	to, lerr := s.legacy.lookupPath(r.Context(), "/"+parts[0]+"/"+parts[1], s.clock.Now())
	if lerr != nil {
		return lerr
	}
	if to == "" {
		return err
	}
	if len(parts) == 3 {
		to += "/" + parts[2]
	}
	if r.URL.RawQuery != "" {
		to += "?" + r.URL.RawQuery
	}
	return legacyMoved(w, to)
}

// bySlug finds what the {slug} path value names with find. A malformed
// slug is a 404 without a query.
func bySlug[T any](r *http.Request, find func(context.Context, string) (T, error)) (T, error) {
	slug := r.PathValue("slug")
	if !masthead.ValidSlug(slug) {
		var zero T
		return zero, errNotFound
	}
	return find(r.Context(), slug)
}
