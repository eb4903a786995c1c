package http

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// Sitemaps: /sitemap.xml is an index of /sitemaps/pages.xml (home and the
// taxonomy pages), /sitemaps/news.xml (Google News, the last 48 hours) and
// /sitemaps/articles-N.xml, chunks of sitemapChunk articles read with
// ArticleFilter.Bare so a chunk of ten thousand costs one light query.

// sitemapChunk is the number of articles per sitemap file: within the
// protocol's 50,000 URLs and the store's 10,000-row limit.
const sitemapChunk = 10000

// newsWindow and newsMax are Google News' rules: articles from the last
// two days, at most a thousand.
const (
	newsWindow = 48 * time.Hour
	newsMax    = 1000
)

const sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

type sitemapIndex struct {
	XMLName  xml.Name     `xml:"sitemapindex"`
	NS       string       `xml:"xmlns,attr"`
	Sitemaps []sitemapRef `xml:"sitemap"`
}

type sitemapRef struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type urlSet struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	NSNews  string       `xml:"xmlns:news,attr,omitempty"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string    `xml:"loc"`
	LastMod string    `xml:"lastmod,omitempty"`
	News    *newsItem `xml:"news:news,omitempty"`
}

type newsItem struct {
	Publication newsPublication `xml:"news:publication"`
	Date        string          `xml:"news:publication_date"`
	Title       string          `xml:"news:title"`
}

type newsPublication struct {
	Name     string `xml:"news:name"`
	Language string `xml:"news:language"`
}

func (s *Server) writeXML(w http.ResponseWriter, doc any) error {
	out, err := xml.MarshalIndent(doc, "", " ")
	if err != nil {
		return fmt.Errorf("http: sitemap: %w", err)
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	w.Write(out)
	return nil
}

func w3c(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Server) handleSitemapIndex(w http.ResponseWriter, r *http.Request) error {
	now := s.clock.Now()
	newest, total, err := s.articles.Articles(r.Context(), masthead.ArticleFilter{Live: true, Now: now, Limit: 1, Bare: true})
	if err != nil {
		return err
	}
	idx := sitemapIndex{NS: sitemapNS}
	lastmod := ""
	if len(newest) > 0 {
		lastmod = w3c(later(newest[0].UpdatedAt, newest[0].PublishedAt))
	}
	idx.Sitemaps = append(idx.Sitemaps,
		sitemapRef{Loc: s.abs("/sitemaps/pages.xml"), LastMod: lastmod},
		sitemapRef{Loc: s.abs("/sitemaps/news.xml"), LastMod: lastmod})
	for n := 1; (n-1)*sitemapChunk < total; n++ {
		ref := sitemapRef{Loc: s.abs(fmt.Sprintf("/sitemaps/articles-%d.xml", n))}
		if n == 1 {
			ref.LastMod = lastmod
		}
		idx.Sitemaps = append(idx.Sitemaps, ref)
	}
	return s.writeXML(w, idx)
}

func (s *Server) handleSitemapArticles(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("chunk")
	num, ok := strings.CutPrefix(name, "articles-")
	num, ok2 := strings.CutSuffix(num, ".xml")
	n, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil || n < 1 || n > maxPage || strconv.Itoa(n) != num {
		return errNotFound
	}
	list, total, err := s.articles.Articles(r.Context(), masthead.ArticleFilter{
		Live: true, Now: s.clock.Now(), Bare: true, Offset: (n - 1) * sitemapChunk, Limit: sitemapChunk,
	})
	if err != nil {
		return err
	}
	if len(list) == 0 && (n > 1 || total > 0) {
		return errNotFound
	}
	set := urlSet{NS: sitemapNS, URLs: make([]sitemapURL, 0, len(list))}
	for _, a := range list {
		set.URLs = append(set.URLs, sitemapURL{Loc: s.abs(articlePath(a.Slug)), LastMod: w3c(later(a.UpdatedAt, a.PublishedAt))})
	}
	return s.writeXML(w, set)
}

func (s *Server) handleSitemapNews(w http.ResponseWriter, r *http.Request) error {
	now := s.clock.Now()
	from := now.Add(-newsWindow)
	list, _, err := s.articles.Articles(r.Context(), masthead.ArticleFilter{
		Live: true, Now: now, From: &from, Bare: true, Limit: newsMax,
	})
	if err != nil {
		return err
	}
	set := urlSet{NS: sitemapNS, NSNews: "http://www.google.com/schemas/sitemap-news/0.9", URLs: []sitemapURL{}}
	for _, a := range list {
		set.URLs = append(set.URLs, sitemapURL{
			Loc: s.abs(articlePath(a.Slug)),
			News: &newsItem{
				Publication: newsPublication{Name: s.site().name, Language: s.cfg.Language},
				Date:        w3c(a.PublishedAt),
				Title:       a.Title,
			},
		})
	}
	return s.writeXML(w, set)
}

// handleSitemapPages lists the pages that are not articles.
func (s *Server) handleSitemapPages(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	set := urlSet{NS: sitemapNS}
	add := func(path string) { set.URLs = append(set.URLs, sitemapURL{Loc: s.abs(path)}) }
	for _, p := range []string{"/", "/columns", "/authors", "/topics", "/regions", "/archive"} {
		add(p)
	}
	cs, err := s.taxonomy.Columns(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		add(columnPrefix + c.Slug)
	}
	as, err := s.taxonomy.Authors(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		add(authorPrefix + a.Slug)
	}
	ts, err := s.taxonomy.Topics(ctx)
	if err != nil {
		return err
	}
	for _, t := range ts {
		add(topicPrefix + t.Slug)
	}
	rs, err := s.taxonomy.Regions(ctx)
	if err != nil {
		return err
	}
	for _, t := range rs {
		add(regionPrefix + t.Slug)
	}
	return s.writeXML(w, set)
}

// handleRobots points crawlers at the sitemaps and away from the staff
// area.
func (s *Server) handleRobots(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "User-agent: *\nDisallow: /admin/\n%s\nSitemap: %s\nSitemap: %s\n",
		s.robotsAI(), s.abs("/sitemap.xml"), s.abs("/sitemaps/news.xml"))
	return nil
}
