package http

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"masthead"
	"masthead/access"
	"masthead/http/web"
)

//go:embed templates
var templateFS embed.FS

// pageNames lists the page templates; each is parsed on top of the shared
// layout and partials. The template test executes every one of them.
var pageNames = []string{"home", "article", "list", "terms", "archive", "error", "pricing"}

// templates holds one parsed set per page.
type templates struct {
	pages map[string]*template.Template
}

func mustParseTemplates(s *Server) *templates {
	t, err := parseTemplates(s)
	if err != nil {
		panic(err)
	}
	return t
}

func parseTemplates(s *Server) (*templates, error) {
	loc := s.cfg.Location
	funcs := template.FuncMap{
		"asset": s.assets.url,
		// date is the reader-facing date in the publication's zone.
		"date": func(t time.Time) string { return t.In(loc).Format("2 January 2006") },
		// datetime is the machine-readable form for <time datetime>.
		"datetime":   func(t time.Time) string { return t.In(loc).Format(time.RFC3339) },
		"articleURL": articlePath,
		"columnURL":  func(slug string) string { return columnPrefix + slug },
		"authorURL":  func(slug string) string { return authorPrefix + slug },
		"topicURL":   func(slug string) string { return topicPrefix + slug },
		"regionURL":  func(slug string) string { return regionPrefix + slug },
		"monthURL":   func(y int, m time.Month) string { return fmt.Sprintf("/archive/%04d/%02d", y, int(m)) },
		"yearURL":    func(y int) string { return "/archive/" + strconv.Itoa(y) },
		"card":       func(a *masthead.Article, level int) card { return card{A: a, Level: level} },
		"pictured":   func(a *masthead.Article, level int) card { return card{A: a, Level: level, Image: true} },
		// sep separates the i-th of n names: "A", "A and B", "A, B and C".
		"sep": func(i, n int) string {
			switch {
			case i == 0:
				return ""
			case i == n-1:
				return " and "
			}
			return ", "
		},
		"thousands": thousands,
		// follow and alertLabel: the curator's buttons (follow.go).
		"follow": func(c *curateView, kind, slug, name string) *followButton {
			return c.follow(masthead.FollowKind(kind), slug, name)
		},
		"alertLabel": alertLabel,
		// picture writes a featured image at a place (images.go).
		"picture": func(url, alt, place string, lazy bool) template.HTML {
			return picture(url, alt, imageSizes[place], lazy)
		},
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("http: parse layout: %w", err)
	}
	out := &templates{pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("http: clone layout: %w", err)
		}
		if _, err := t.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("http: parse %s: %w", name, err)
		}
		out.pages[name] = t
	}
	// Every file in templates/ must be a page or the layout; a stray file
	// would be a page nobody renders.
	files, _ := fs.Glob(templateFS, "templates/*.html")
	if len(files) != len(pageNames)+2 {
		return nil, fmt.Errorf("http: %d template files for %d pages", len(files), len(pageNames))
	}
	for _, d := range pageDirs {
		if err := parsePageDir(base, out, d.dir, d.prefix, d.names); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pageDirs are the pages kept in a directory of templates/ each, parsed
// on the layout like every other page; prefix goes before a page's name
// where it would otherwise be ambiguous.
var pageDirs = []struct {
	dir, prefix string
	names       []string
}{
	{"account", "", accountPageNames},
	{"search", "", searchPageNames},
	{"newsletter_archive", "", newsletterArchivePageNames},
	{"newsletters", "", newsletterPageNames},
	{"billing", "billing/", billingPageNames},
	{"curator", "", curatorPageNames},
}

// parsePageDir parses the pages names of templates/dir on the layout.
// Every file there must be one of them: a stray file would be a page
// nobody renders.
func parsePageDir(base *template.Template, out *templates, dir, prefix string, names []string) error {
	for _, name := range names {
		t, err := base.Clone()
		if err != nil {
			return fmt.Errorf("http: clone layout: %w", err)
		}
		if _, err := t.ParseFS(templateFS, "templates/"+dir+"/"+name+".html"); err != nil {
			return fmt.Errorf("http: parse %s/%s: %w", dir, name, err)
		}
		out.pages[prefix+name] = t
	}
	if files, _ := fs.Glob(templateFS, "templates/"+dir+"/*.html"); len(files) != len(names) {
		return fmt.Errorf("http: %d template files in %s for %d pages", len(files), dir, len(names))
	}
	return nil
}

// render executes page name with view into w (the adapters' buffer).
func (s *Server) render(w http.ResponseWriter, name string, view any) error {
	t, ok := s.tmpl.pages[name]
	if !ok {
		return fmt.Errorf("http: no template %q", name)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := t.ExecuteTemplate(w, "layout", view); err != nil {
		return fmt.Errorf("http: render %s: %w", name, err)
	}
	return nil
}

// base is embedded in every page's view: what the layout needs.
type base struct {
	Site        siteInfo
	Reader      readerInfo
	Flash       string
	Title       string // without the site name, which the layout adds
	Description string
	Canonical   string // absolute
	NoIndex     bool
	IsHome      bool
	Feeds       []feedLink
	Social      *social
	JSONLD      any
}

type siteInfo struct {
	Name     string
	Tagline  string
	BaseURL  string
	Language string
	Year     int
	// Logo, AccentCSS, FooterLinks and Social come from the site
	// settings (sitesettings.go); empty when not set.
	Logo        string
	AccentCSS   string
	FooterLinks []masthead.Link
	Social      []masthead.Link
}

// readerInfo is what the header shows about who is reading.
type readerInfo struct {
	SignedIn bool
	Name     string
	Staff    bool
	// Access is set for a signed-in reader who reads everything (a
	// subscriber, staff): the header then offers no Subscribe.
	Access bool
	// Curator: the For-you and Saved pages are there (follow.go).
	Curator bool
}

type feedLink struct {
	Title string
	Atom  bool // else RSS
	URL   string
}

// social is the Open Graph and Twitter card data of a page.
type social struct {
	Type        string // website or article
	Title       string
	Description string
	URL         string
	Image       string
	ImageAlt    string
	// ImageWidth and ImageHeight are known for an uploaded image.
	ImageWidth, ImageHeight int
	Card                    string // summary or summary_large_image
	Published               string
	Modified                string
	Authors                 []string
	Section                 string
	Tags                    []string
}

// newBase fills what every page has; the handler sets the rest.
func (s *Server) newBase(r *http.Request, title, description, path string) base {
	cur := s.site()
	b := base{
		Site: siteInfo{
			Name: cur.name, Tagline: cur.tagline, BaseURL: s.cfg.BaseURL,
			Language: s.cfg.Language, Year: s.clock.Now().In(s.cfg.Location).Year(),
			Logo: cur.logo, AccentCSS: cur.cssURL, FooterLinks: cur.footer, Social: cur.social,
		},
		Title:       title,
		Description: description,
		Canonical:   s.abs(path),
		Feeds: []feedLink{
			{Title: cur.name + " (RSS)", URL: s.abs("/feed.xml")},
			{Title: cur.name + " (Atom)", Atom: true, URL: s.abs("/atom.xml")},
		},
	}
	if m := member(r); m != nil {
		name := m.Name
		if name == "" {
			name = m.Email
		}
		b.Reader = readerInfo{SignedIn: true, Name: name, Staff: m.Role.Staff(), Curator: s.curating()}
		b.Reader.Access = b.Reader.Staff || s.headerSubscriber(r, m)
	}
	b.Social = &social{
		Type: "website", Title: title, Description: description, URL: b.Canonical, Card: "summary",
	}
	if b.Social.Title == "" {
		b.Social.Title = cur.name
	}
	return b
}

// card is an article in a list, with the heading level that fits the page
// it sits on (one h1 per page, no skipped levels).
type card struct {
	A     *masthead.Article
	Level int
	Image bool // show the featured image, if any
}

// pager is the pagination of a list.
type pager struct {
	Page, Pages int
	Total       int
	PrevURL     string
	NextURL     string
}

type homePage struct {
	base
	Lead *masthead.Article
	// LeadHeading names the lead's section: "Top story" for one an
	// editor chose, else what it is.
	LeadHeading string
	// Pinned are the stories an editor pinned under the lead.
	Pinned  []*masthead.Article
	Daily   []*masthead.Article
	InDepth []*masthead.Article
	Columns []columnLatest
	Topics  []topicSection
	// Sections are the sections an editor arranged; when there are
	// any, InDepth, Columns and Topics are empty.
	Sections []homeSection
	// Latest are the newest articles not shown above.
	Latest []*masthead.Article
	// Continue is what a signed-in reader opened last (follow.go);
	// never on the shared page.
	Continue []masthead.ReadArticle
}

// homeSection is a section of the home page an editor arranged.
type homeSection struct {
	Title, URL, ID string
	Articles       []*masthead.Article
}

type columnLatest struct {
	Column masthead.Column
	Latest *masthead.Article
}

type topicSection struct {
	Topic    masthead.Term
	Articles []*masthead.Article
}

type articlePage struct {
	base
	Article *masthead.Article // body fields emptied when Gated
	Body    template.HTML     // the full body or the teaser, never more than the decision allows
	Gated   bool
	Access  access.Decision
	Wall    wallView      // what the wall offers when Gated (reader.go, article.go)
	AdSide  template.HTML // the ad beside the article; empty for ad-free readers
	CanGift bool          // the reader may make a gift link for this article
	// Related is the article's related reading (related.go): live
	// articles only, each card with its access label.
	Related []*masthead.Article
	// Curate is the follow and save buttons' state (follow.go); nil
	// when the curator is off.
	Curate *curateView
	// Beacon is the address of the page's beacon when views are counted
	// by beacon (beacon.go): it names the article and whether the wall
	// was shown, never the reader.
	Beacon string
}

type listPage struct {
	base
	Kicker  string
	Heading string
	Intro   string
	// Image is an author's photo or a column's image; Byline names a
	// column's columnist with their page; Links are an author's
	// addresses elsewhere.
	Image  string
	Byline *masthead.Author
	Links  []string
	// Follow is the page's follow button (follow.go), nil for none.
	Follow   *followButton
	Articles []*masthead.Article
	Pager    pager
	Months   []monthLink // archive navigation
	FeedRSS  string
	FeedAtom string
}

type monthLink struct {
	Year    int
	Month   time.Month
	Count   int
	Current bool
}

type termsPage struct {
	base
	Heading string
	Intro   string
	Items   []termItem
}

type termItem struct {
	Name        string
	URL         string
	Description string
}

type archivePage struct {
	base
	Years []archiveYear
	Total int
}

type archiveYear struct {
	Year   int
	Count  int
	Months []monthLink
}

type errorPage struct {
	base
	Status  int
	Heading string
	Message string
}

func articlePath(slug string) string { return articlePrefix + slug }

// thousands writes n with comma separators, as the reader expects to read
// counts.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// renderError writes the page for an error status.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, err error) error {
	v := errorPage{Status: status}
	switch status {
	case http.StatusNotFound:
		v.Heading, v.Message = "Page not found", "We could not find the page you asked for. It may have moved, or the address may be mistyped."
	case http.StatusGone:
		v.Heading, v.Message = "This page has been removed", web.Message(err)
	case http.StatusRequestEntityTooLarge:
		v.Heading, v.Message = "Request too large", web.Message(err)
	case http.StatusInternalServerError:
		v.Heading, v.Message = "Something went wrong", "internal error"
	default:
		v.Heading, v.Message = http.StatusText(status), web.Message(err)
	}
	v.base = s.newBase(r, v.Heading, "", r.URL.Path)
	v.Canonical = ""
	v.NoIndex = true
	v.Social = nil
	return s.render(w, "error", v)
}

// headerSubscriber reports whether the signed-in m subscribes, for the
// header: from the state the session's one query read, or else asked of
// the use cases. A failure to tell shows the Subscribe button.
func (s *Server) headerSubscriber(r *http.Request, m *masthead.Member) bool {
	if st := readerState(r); st != nil && st.Member == m {
		return st.Subscriber
	}
	if s.reading == nil {
		return false
	}
	sub, err := s.reading.Subscriber(r.Context(), m, s.clock.Now())
	if err != nil {
		s.log.Warn("header: subscriber", "err", err, "request_id", requestID(r.Context()))
	}
	return sub
}
