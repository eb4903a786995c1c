package http

import (
	"time"

	"masthead"
)

// The JSON-LD below follows schema.org's NewsArticle as Google reads it,
// including its markup for paywalled content: isAccessibleForFree on the
// article and, when gated, a hasPart naming the CSS selector of the gated
// section, so a crawler that sees only the teaser is not mistaken for
// cloaking. Descriptions come from the dek, never from the body, so the
// structured data never carries text past the wall.

// gatedSelector is the class of the element that stands where the gated
// text would be: the wall.
const gatedSelector = ".article-gated"

type websiteLD struct {
	Context     string `json:"@context"`
	Type        string `json:"@type"`
	Name        string `json:"name"`
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
	// Publisher carries the logo, when the settings set one.
	Publisher *organizationLD `json:"publisher,omitempty"`
}

type newsArticleLD struct {
	Context             string         `json:"@context"`
	Type                string         `json:"@type"`
	Headline            string         `json:"headline"`
	Description         string         `json:"description,omitempty"`
	URL                 string         `json:"url"`
	MainEntityOfPage    string         `json:"mainEntityOfPage"`
	DatePublished       string         `json:"datePublished"`
	DateModified        string         `json:"dateModified"`
	Image               []string       `json:"image,omitempty"`
	Author              []personLD     `json:"author,omitempty"`
	Publisher           organizationLD `json:"publisher"`
	ArticleSection      string         `json:"articleSection,omitempty"`
	Keywords            []string       `json:"keywords,omitempty"`
	WordCount           int            `json:"wordCount,omitempty"`
	InLanguage          string         `json:"inLanguage,omitempty"`
	IsAccessibleForFree bool           `json:"isAccessibleForFree"`
	HasPart             *webPartLD     `json:"hasPart,omitempty"`
}

type personLD struct {
	Type string `json:"@type"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type organizationLD struct {
	Type string `json:"@type"`
	Name string `json:"name"`
	URL  string `json:"url"`
	// Logo is the site's logo, from the settings in force.
	Logo string `json:"logo,omitempty"`
}

type webPartLD struct {
	Type                string `json:"@type"`
	IsAccessibleForFree bool   `json:"isAccessibleForFree"`
	CSSSelector         string `json:"cssSelector"`
}

// publisherLD is the publication as the structured data names it: the
// name and logo in force (sitesettings.go).
func (s *Server) publisherLD() organizationLD {
	o := organizationLD{Type: "Organization", Name: s.site().name, URL: s.abs("/")}
	if logo := s.site().logo; logo != "" {
		o.Logo = s.abs(logo)
	}
	return o
}

// articleMeta fills the Open Graph, Twitter and JSON-LD data of an article
// page. Free means the article is free to everyone (its access level), not
// that this reader happens to see it all: the structured data describes
// the article, and crawlers and caches get the anonymous view.
func (s *Server) articleMeta(b *base, a *masthead.Article) {
	rfc := func(t time.Time) string { return t.In(s.cfg.Location).Format(time.RFC3339) }
	url := s.abs(articlePath(a.Slug))
	modified := a.UpdatedAt
	if modified.Before(a.PublishedAt) {
		modified = a.PublishedAt
	}
	free := a.Access == masthead.AccessFree

	so := &social{
		Type: "article", Title: a.Title, Description: a.Dek, URL: url, Card: "summary",
		Published: rfc(a.PublishedAt), Modified: rfc(modified),
	}
	ld := newsArticleLD{
		Context: "https://schema.org", Type: "NewsArticle",
		Headline: a.Title, Description: a.Dek, URL: url, MainEntityOfPage: url,
		DatePublished: rfc(a.PublishedAt), DateModified: rfc(modified),
		Publisher:           s.publisherLD(),
		WordCount:           a.WordCount,
		InLanguage:          s.cfg.Language,
		IsAccessibleForFree: free,
	}
	if !free {
		ld.HasPart = &webPartLD{Type: "WebPageElement", IsAccessibleForFree: false, CSSSelector: gatedSelector}
	}
	if a.Image.URL != "" {
		img := s.abs(a.Image.URL)
		if ref, ok := masthead.ParseImageRef(a.Image.URL); ok {
			// An uploaded image: the JPEG or PNG variant every preview
			// reads, with its size.
			v := ref.OpenGraph()
			img = s.abs(masthead.MediaPrefix + v.Fallback)
			so.ImageWidth, so.ImageHeight = v.Width, v.Height
		}
		so.Image, so.ImageAlt, so.Card = img, a.Image.Alt, "summary_large_image"
		ld.Image = []string{img}
	}
	for _, au := range a.Authors {
		u := s.abs(authorPrefix + au.Slug)
		so.Authors = append(so.Authors, u)
		ld.Author = append(ld.Author, personLD{Type: "Person", Name: au.Name, URL: u})
	}
	if a.Column != nil {
		so.Section, ld.ArticleSection = a.Column.Name, a.Column.Name
	} else if len(a.Topics) > 0 {
		so.Section, ld.ArticleSection = a.Topics[0].Name, a.Topics[0].Name
	}
	for _, t := range a.Topics {
		so.Tags = append(so.Tags, t.Name)
		ld.Keywords = append(ld.Keywords, t.Name)
	}
	for _, t := range a.Regions {
		ld.Keywords = append(ld.Keywords, t.Name)
	}
	b.Social = so
	b.JSONLD = ld
}
