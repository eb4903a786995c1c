package http

import (
	"context"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"masthead"
	"masthead/access"
	"masthead/http/web"
)

// Feeds carry the title, the dek as description and, as content, what an
// anonymous reader may read: the full text of a free article, only the
// teaser of any other. Feed readers are anonymous, and a feed must never
// be a way around the wall.

type feedKind int

const (
	feedRSS feedKind = iota
	feedAtom
)

// feedItems is the length of every feed.
const feedItems = 20

// feedInfo describes one feed: whose it is and where it lives.
type feedInfo struct {
	Title       string
	Description string
	Path        string // the page the feed belongs to
	Self        string // the feed's own path
	Filter      masthead.ArticleFilter
}

func (k feedKind) file() string {
	if k == feedAtom {
		return "atom.xml"
	}
	return "feed.xml"
}

func (s *Server) handleSiteFeed(k feedKind) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.writeFeed(w, r, k, feedInfo{
			Title: s.site().name, Description: s.site().tagline, Path: "/", Self: "/" + k.file(),
		})
	}
}

func (s *Server) handleColumnFeed(k feedKind) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := bySlug(r, s.taxonomy.Column)
		if err != nil {
			return s.termMoved(w, r, err)
		}
		path := columnPrefix + c.Slug
		return s.writeFeed(w, r, k, feedInfo{
			Title: c.Name + " — " + s.site().name, Description: c.Description,
			Path: path, Self: path + "/" + k.file(), Filter: masthead.ArticleFilter{Column: &c.Slug},
		})
	}
}

func (s *Server) handleTopicFeed(k feedKind) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := bySlug(r, s.taxonomy.Topic)
		if err != nil {
			return s.termMoved(w, r, err)
		}
		path := topicPrefix + t.Slug
		return s.writeFeed(w, r, k, feedInfo{
			Title: t.Name + " — " + s.site().name, Description: "Articles about " + t.Name + ".",
			Path: path, Self: path + "/" + k.file(), Filter: masthead.ArticleFilter{Topic: &t.Slug},
		})
	}
}

// feedEntry is an article as a feed shows it.
type feedEntry struct {
	a       *masthead.Article
	content string // HTML the anonymous reader may see
}

// feedEntries lists the latest live articles of f with the content each
// may carry. Lists come without bodies, so each article is read by slug:
// at most feedItems indexed lookups, on a cache miss only.
func (s *Server) feedEntries(ctx context.Context, f masthead.ArticleFilter) ([]feedEntry, error) {
	now := s.clock.Now()
	f.Live, f.Now, f.Limit = true, now, feedItems
	list, _, err := s.articles.Articles(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]feedEntry, 0, len(list))
	for _, sum := range list {
		a, err := s.articles.Article(ctx, sum.Slug)
		if masthead.ErrorCode(err) == masthead.ENOTFOUND {
			continue // changed between the two reads
		}
		if err != nil {
			return nil, err
		}
		if !a.LiveAt(now) {
			continue
		}
		d := access.Decide(access.Reader{}, a, access.Meter{}, s.policy(), now)
		content := a.TeaserHTML
		if d.Full {
			content = a.BodyHTML
		} else {
			content += fmt.Sprintf(`<p><a href="%s">Continue reading on %s</a></p>`,
				template.HTMLEscapeString(s.abs(articlePath(a.Slug))), template.HTMLEscapeString(s.site().name))
		}
		out = append(out, feedEntry{a: a, content: content})
	}
	return out, nil
}

func (s *Server) writeFeed(w http.ResponseWriter, r *http.Request, k feedKind, fi feedInfo) error {
	entries, err := s.feedEntries(r.Context(), fi.Filter)
	if err != nil {
		return err
	}
	updated := time.Unix(0, 0)
	for _, e := range entries {
		updated = later(updated, later(e.a.UpdatedAt, e.a.PublishedAt))
	}
	var doc any
	ctype := "application/rss+xml; charset=utf-8"
	if k == feedAtom {
		doc = s.atomFeed(fi, entries, updated)
		ctype = "application/atom+xml; charset=utf-8"
	} else {
		doc = s.rssFeed(fi, entries, updated)
	}
	out, err := xml.MarshalIndent(doc, "", " ")
	if err != nil {
		return fmt.Errorf("http: feed %s: %w", fi.Self, err)
	}
	w.Header().Set("Content-Type", ctype)
	w.Write([]byte(xml.Header))
	w.Write(out)
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// entryID is an article's permanent feed id: a tag URI from the host, the
// day the article was created and its database id, so it survives slug
// changes and never collides with another publication's.
func (s *Server) entryID(a *masthead.Article) string {
	return fmt.Sprintf("tag:%s,%s:article-%d", s.base.Hostname(), a.CreatedAt.UTC().Format("2006-01-02"), a.ID)
}

type rssDoc struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	NSAtom    string     `xml:"xmlns:atom,attr"`
	NSContent string     `xml:"xmlns:content,attr"`
	NSDC      string     `xml:"xmlns:dc,attr"`
	Channel   rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Image         *rssImage `xml:"image,omitempty"`
	Self          rssSelf   `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

// rssImage is the channel's logo: the site's, from the settings in
// force.
type rssImage struct {
	URL   string `xml:"url"`
	Title string `xml:"title"`
	Link  string `xml:"link"`
}

type rssSelf struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        rssGUID  `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	Creators    []string `xml:"dc:creator"`
	Categories  []string `xml:"category"`
	Description string   `xml:"description"`
	Content     string   `xml:"content:encoded"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

func (s *Server) rssFeed(fi feedInfo, entries []feedEntry, updated time.Time) rssDoc {
	desc := fi.Description
	if desc == "" {
		desc = fi.Title
	}
	doc := rssDoc{
		Version: "2.0", NSAtom: "http://www.w3.org/2005/Atom",
		NSContent: "http://purl.org/rss/1.0/modules/content/", NSDC: "http://purl.org/dc/elements/1.1/",
		Channel: rssChannel{
			Title: fi.Title, Link: s.abs(fi.Path), Description: desc, Language: s.cfg.Language,
			LastBuildDate: updated.UTC().Format(time.RFC1123Z),
			Self:          rssSelf{Href: s.abs(fi.Self), Rel: "self", Type: "application/rss+xml"},
		},
	}
	if logo := s.site().logo; logo != "" {
		doc.Channel.Image = &rssImage{URL: s.abs(logo), Title: fi.Title, Link: s.abs(fi.Path)}
	}
	for _, e := range entries {
		a := e.a
		it := rssItem{
			Title: a.Title, Link: s.abs(articlePath(a.Slug)),
			GUID:        rssGUID{Value: s.entryID(a)},
			PubDate:     a.PublishedAt.UTC().Format(time.RFC1123Z),
			Description: a.Dek, Content: e.content,
		}
		for _, au := range a.Authors {
			it.Creators = append(it.Creators, au.Name)
		}
		for _, t := range a.Topics {
			it.Categories = append(it.Categories, t.Name)
		}
		doc.Channel.Items = append(doc.Channel.Items, it)
	}
	return doc
}

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"xml:lang,attr"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Logo     string      `xml:"logo,omitempty"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Author   atomPerson  `xml:"author"`
	Entries  []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Links      []atomLink     `xml:"link"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Authors    []atomPerson   `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    atomText       `xml:"content"`
}

func (s *Server) atomFeed(fi feedInfo, entries []feedEntry, updated time.Time) atomFeed {
	doc := atomFeed{
		Lang: s.cfg.Language, ID: s.abs(fi.Self), Title: fi.Title, Subtitle: fi.Description,
		Updated: updated.UTC().Format(time.RFC3339),
		Links: []atomLink{
			{Href: s.abs(fi.Self), Rel: "self", Type: "application/atom+xml"},
			{Href: s.abs(fi.Path), Rel: "alternate", Type: "text/html"},
		},
		Author: atomPerson{Name: s.site().name, URI: s.abs("/")},
	}
	if logo := s.site().logo; logo != "" {
		doc.Logo = s.abs(logo)
	}
	for _, e := range entries {
		a := e.a
		en := atomEntry{
			ID: s.entryID(a), Title: a.Title,
			Links:     []atomLink{{Href: s.abs(articlePath(a.Slug)), Rel: "alternate", Type: "text/html"}},
			Published: a.PublishedAt.UTC().Format(time.RFC3339),
			Updated:   later(a.UpdatedAt, a.PublishedAt).UTC().Format(time.RFC3339),
			Content:   atomText{Type: "html", Body: e.content},
		}
		if strings.TrimSpace(a.Dek) != "" {
			en.Summary = &atomText{Type: "text", Body: a.Dek}
		}
		for _, au := range a.Authors {
			en.Authors = append(en.Authors, atomPerson{Name: au.Name, URI: s.abs(authorPrefix + au.Slug)})
		}
		for _, t := range a.Topics {
			en.Categories = append(en.Categories, atomCategory{Term: t.Slug, Label: t.Name})
		}
		doc.Entries = append(doc.Entries, en)
	}
	return doc
}
