package http_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// TestFeeds parses every feed with a real feed parser and checks what each
// item may carry: the dek as description, the full text of a free
// article, only the teaser of any other.
func TestFeeds(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		feeds := []struct {
			url, wantType string
			wantTitles    []string
			notTitles     []string
		}{
			{"/feed.xml", "rss", []string{"A free daily analysis", "The metered feature", "For subscribers"}, []string{"Never published", "Coming next week", "Pulled piece", "Deleted piece"}},
			{"/atom.xml", "atom", []string{"A free daily analysis", "The metered feature", "For subscribers"}, []string{"Never published", "Coming next week"}},
			{"/columns/the-long-view/feed.xml", "rss", []string{"The metered feature"}, []string{"A free daily analysis"}},
			{"/columns/the-long-view/atom.xml", "atom", []string{"The metered feature"}, []string{"A free daily analysis"}},
			{"/topics/economy/feed.xml", "rss", []string{"A free daily analysis", "For subscribers"}, []string{"The metered feature"}},
			{"/topics/economy/atom.xml", "atom", []string{"A free daily analysis", "For subscribers"}, []string{"The metered feature"}},
		}
		for _, f := range feeds {
			t.Run(f.url, func(t *testing.T) {
				res, body := s.get(t, f.url)
				if res.StatusCode != 200 {
					t.Fatalf("status %d", res.StatusCode)
				}
				if !strings.Contains(res.Header.Get("Content-Type"), f.wantType+"+xml") {
					t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
				}
				for _, secret := range []string{meteredClosing, subscribersClosing, "A middle paragraph"} {
					if strings.Contains(body, secret) {
						t.Errorf("feed carries gated text %q", secret)
					}
				}
				feed, err := gofeed.NewParser().ParseString(body)
				if err != nil {
					t.Fatalf("parse: %v\n%s", err, excerpt(body))
				}
				if feed.FeedType != f.wantType {
					t.Errorf("feed type %q, want %q", feed.FeedType, f.wantType)
				}
				if !strings.Contains(feed.Title, "The Test Review") {
					t.Errorf("feed title %q", feed.Title)
				}
				items := map[string]*gofeed.Item{}
				for _, it := range feed.Items {
					items[it.Title] = it
					if !strings.HasPrefix(it.Link, "https://news.example/articles/") {
						t.Errorf("item %q link %q", it.Title, it.Link)
					}
					if it.PublishedParsed == nil || it.GUID == "" {
						t.Errorf("item %q: published %v guid %q", it.Title, it.PublishedParsed, it.GUID)
					}
				}
				for _, title := range f.wantTitles {
					if items[title] == nil {
						t.Errorf("no item %q", title)
					}
				}
				for _, title := range f.notTitles {
					if items[title] != nil {
						t.Errorf("item %q should not be in the feed", title)
					}
				}
				if it := items["A free daily analysis"]; it != nil {
					if it.Description != "The free dek." {
						t.Errorf("free description %q", it.Description)
					}
					if !strings.Contains(it.Content, freeClosing) {
						t.Errorf("free item lacks its full text: %q", it.Content)
					}
					if len(it.Authors) == 0 || it.Authors[0].Name != "Ada Lovelace" {
						t.Errorf("free item authors %+v", it.Authors)
					}
				}
				if it := items["The metered feature"]; it != nil {
					if it.Description != "A dek that is safe to share." {
						t.Errorf("metered description %q", it.Description)
					}
					if !strings.Contains(it.Content, meteredOpening) || !strings.Contains(it.Content, "Continue reading") {
						t.Errorf("metered item content %q", it.Content)
					}
					if strings.Contains(it.Content, meteredClosing) {
						t.Error("metered item carries the full text")
					}
				}
				if it := items["For subscribers"]; it != nil && strings.Contains(it.Content, subscribersClosing) {
					t.Error("subscribers item carries the full text")
				}
			})
		}
		res, _ := s.get(t, "/columns/nope/feed.xml")
		if res.StatusCode != 404 {
			t.Errorf("unknown column feed: %d", res.StatusCode)
		}
		res, _ = s.get(t, "/topics/nope/atom.xml")
		if res.StatusCode != 404 {
			t.Errorf("unknown topic feed: %d", res.StatusCode)
		}
	})
}

func TestSitemaps(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		res, body := s.get(t, "/sitemap.xml")
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "xml") {
			t.Fatalf("index: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		var idx struct {
			Sitemaps []struct {
				Loc string `xml:"loc"`
			} `xml:"sitemap"`
		}
		if err := xml.Unmarshal([]byte(body), &idx); err != nil {
			t.Fatal(err)
		}
		var locs []string
		for _, sm := range idx.Sitemaps {
			locs = append(locs, sm.Loc)
		}
		want := []string{"https://news.example/sitemaps/pages.xml", "https://news.example/sitemaps/news.xml", "https://news.example/sitemaps/articles-1.xml"}
		if strings.Join(locs, " ") != strings.Join(want, " ") {
			t.Errorf("index lists %v, want %v", locs, want)
		}

		type urlset struct {
			URLs []struct {
				Loc     string `xml:"loc"`
				LastMod string `xml:"lastmod"`
				News    *struct {
					Title string `xml:"title"`
					Date  string `xml:"publication_date"`
					Pub   struct {
						Name     string `xml:"name"`
						Language string `xml:"language"`
					} `xml:"publication"`
				} `xml:"news"`
			} `xml:"url"`
		}
		parse := func(url string) (urlset, string) {
			res, body := s.get(t, url)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", url, res.StatusCode)
			}
			var u urlset
			if err := xml.Unmarshal([]byte(body), &u); err != nil {
				t.Fatalf("%s: %v", url, err)
			}
			return u, body
		}

		arts, body := parse("/sitemaps/articles-1.xml")
		// Live articles: free, metered, subscribers, renamed, hostile and the fillers.
		if got, want := len(arts.URLs), 5+s.fillers; got != want {
			t.Errorf("articles sitemap has %d URLs, want %d", got, want)
		}
		for _, w := range []string{"https://news.example/articles/free-daily", "https://news.example/articles/new-slug"} {
			if !strings.Contains(body, "<loc>"+w+"</loc>") {
				t.Errorf("articles sitemap lacks %s", w)
			}
		}
		for _, w := range []string{"a-draft", "future-piece", "pulled-piece", "deleted-piece", "old-slug"} {
			if strings.Contains(body, w) {
				t.Errorf("articles sitemap lists %s", w)
			}
		}
		for _, u := range arts.URLs {
			if u.LastMod == "" {
				t.Errorf("%s has no lastmod", u.Loc)
			}
		}
		if res, _ := s.get(t, "/sitemaps/articles-2.xml"); res.StatusCode != 404 {
			t.Errorf("articles-2: %d", res.StatusCode)
		}
		if res, _ := s.get(t, "/sitemaps/articles-01.xml"); res.StatusCode != 404 {
			t.Errorf("articles-01: %d", res.StatusCode)
		}

		news, body := parse("/sitemaps/news.xml")
		if !strings.Contains(body, `xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"`) {
			t.Error("news sitemap lacks the news namespace")
		}
		got := map[string]bool{}
		for _, u := range news.URLs {
			got[strings.TrimPrefix(u.Loc, "https://news.example/articles/")] = true
			if u.News == nil || u.News.Title == "" || u.News.Pub.Name != "The Test Review" || u.News.Pub.Language != "en" || u.News.Date == "" {
				t.Errorf("news entry %s: %+v", u.Loc, u.News)
			}
		}
		// Within 48 hours: free-daily (2 h), hostile (5 h), metered (26 h).
		for _, slug := range []string{"free-daily", "hostile", "metered-feature"} {
			if !got[slug] {
				t.Errorf("news sitemap lacks %s", slug)
			}
		}
		if len(got) != 3 {
			t.Errorf("news sitemap lists %v", got)
		}

		pages, _ := parse("/sitemaps/pages.xml")
		var all []string
		for _, u := range pages.URLs {
			all = append(all, u.Loc)
		}
		joined := strings.Join(all, " ")
		for _, w := range []string{"https://news.example/", "/columns/the-long-view", "/authors/ada-lovelace", "/topics/economy", "/regions/europe", "/archive"} {
			if !strings.Contains(joined, w) {
				t.Errorf("pages sitemap lacks %s", w)
			}
		}
	})
}
