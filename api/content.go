package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"masthead"
	"masthead/access"
	"masthead/http/web"
	"masthead/reading"
)

// The Content API: live articles, their taxonomy and search, read with
// a content key. How much of a body a key reads is the access decision's
// answer for an anonymous reader, unless the key has the full-text scope
// (decide) or is a licence (licensedArticle); no rule is repeated here.

// ReasonFullTextKey is the reason given when a key's full-text scope,
// not the access decision, opened a body.
const ReasonFullTextKey = "full-text-key"

// authorJSON, termJSON and the rest are the documented shapes
// (openapi.json's components).
type authorJSON struct {
	Slug     string   `json:"slug"`
	Name     string   `json:"name"`
	Bio      string   `json:"bio"`
	PhotoURL string   `json:"photo_url"`
	Links    []string `json:"links"`
}

type columnJSON struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description"`
	ImageURL    string `json:"image_url"`
}

// variantJSON is one stored width of a library image, for a client's
// srcset: the WebP file and the JPEG or PNG beside it.
type variantJSON struct {
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	WebP     string `json:"webp"`
	Fallback string `json:"fallback"`
}

// noteJSON is a correction or an update shown under an article.
type noteJSON struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

type termJSON struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type imageJSON struct {
	// ID names a media library image: sent, it chooses that image
	// (its URL, and its words where alt and caption are empty); read,
	// it says the image came from the library.
	ID      int64  `json:"id,omitempty"`
	URL     string `json:"url"`
	Alt     string `json:"alt"`
	Caption string `json:"caption"`
	// Credit is a library image's credit, read only: the caption of an
	// image chosen from the library may carry it too ("… (Credit: …)"),
	// as it did before this field, for clients that read it there.
	Credit string `json:"credit"`
	// Width, Height and Variants describe a library image, read only:
	// its full size and every stored width, narrowest first.
	Width    int           `json:"width,omitempty"`
	Height   int           `json:"height,omitempty"`
	Variants []variantJSON `json:"variants,omitempty"`
}

// bodyJSON is an article's body as this caller may read it: the full
// HTML or the teaser, and why.
type bodyJSON struct {
	HTML   string `json:"html"`
	Full   bool   `json:"full"`
	Reason string `json:"reason"`
}

// articleJSON is an article. Lists leave Body out; the Admin API adds
// Status and BodyMarkdown.
type articleJSON struct {
	ID             int64        `json:"id"`
	Slug           string       `json:"slug"`
	URL            string       `json:"url"`
	Title          string       `json:"title"`
	Dek            string       `json:"dek"`
	Kind           string       `json:"kind"`
	Access         string       `json:"access"`
	Status         string       `json:"status,omitempty"`
	Authors        []authorJSON `json:"authors"`
	Column         *columnJSON  `json:"column"`
	Topics         []termJSON   `json:"topics"`
	Regions        []termJSON   `json:"regions"`
	Image          *imageJSON   `json:"image"`
	WordCount      int          `json:"word_count"`
	ReadingMinutes int          `json:"reading_minutes"`
	PublishedAt    *time.Time   `json:"published_at"`
	UpdatedAt      time.Time    `json:"updated_at"`
	// Notes are the corrections and updates, oldest first, where the
	// article was read whole (not in lists).
	Notes        []noteJSON `json:"notes,omitempty"`
	Body         *bodyJSON  `json:"body,omitempty"`
	BodyMarkdown *string    `json:"body_markdown,omitempty"`
	// Revision, Review and ReviewNote are the Admin API's: the newest
	// revision's id and where the article stands in review.
	Revision   int64   `json:"revision,omitempty"`
	Review     *string `json:"review,omitempty"`
	ReviewNote *string `json:"review_note,omitempty"`
}

// listJSON is a page of a list. Next is the URL of the following page,
// null on the last.
type listJSON[T any] struct {
	Data    []T     `json:"data"`
	Page    int     `json:"page"`
	PerPage int     `json:"per_page"`
	Total   int     `json:"total"`
	Next    *string `json:"next"`
}

// dataJSON wraps a whole list that needs no pages (taxonomy).
type dataJSON[T any] struct {
	Data []T `json:"data"`
}

func (h *Handler) articleURL(slug string) string { return h.cfg.BaseURL + "/articles/" + slug }

// articleOut describes a for the APIs, without its body.
func (h *Handler) articleOut(a *masthead.Article) articleJSON {
	out := articleJSON{
		ID: a.ID, Slug: a.Slug, URL: h.articleURL(a.Slug), Title: a.Title, Dek: a.Dek,
		Kind: string(a.Kind), Access: string(a.Access),
		Authors: []authorJSON{}, Topics: []termJSON{}, Regions: []termJSON{},
		WordCount: a.WordCount, ReadingMinutes: a.ReadingMinutes(), UpdatedAt: a.UpdatedAt.UTC(),
	}
	for _, au := range a.Authors {
		out.Authors = append(out.Authors, h.authorOut(au))
	}
	if a.Column != nil {
		out.Column = &columnJSON{Slug: a.Column.Slug, Name: a.Column.Name, Description: a.Column.Description,
			ImageURL: h.absURL(a.Column.ImageURL)}
	}
	for _, n := range a.Notes {
		out.Notes = append(out.Notes, noteJSON{ID: n.ID, Kind: string(n.Kind), Text: n.Body, CreatedAt: n.CreatedAt.UTC()})
	}
	for _, t := range a.Topics {
		out.Topics = append(out.Topics, termJSON{Slug: t.Slug, Name: t.Name})
	}
	for _, t := range a.Regions {
		out.Regions = append(out.Regions, termJSON{Slug: t.Slug, Name: t.Name})
	}
	if a.Image.URL != "" {
		img := imageJSON{ID: a.Image.ID, URL: h.absURL(a.Image.URL), Alt: a.Image.Alt, Caption: a.Image.Caption, Credit: a.Image.Credit}
		if ref, ok := masthead.ParseImageRef(a.Image.URL); ok {
			img.Width, img.Height = ref.Width, ref.Height
			for _, v := range ref.Variants() {
				img.Variants = append(img.Variants, variantJSON{Width: v.Width, Height: v.Height,
					WebP: h.absURL(masthead.MediaPrefix + v.WebP), Fallback: h.absURL(masthead.MediaPrefix + v.Fallback)})
			}
		}
		out.Image = &img
	}
	if !a.PublishedAt.IsZero() {
		t := a.PublishedAt.UTC()
		out.PublishedAt = &t
	}
	return out
}

// absURL makes a path of this site absolute; an address stays as it is.
func (h *Handler) absURL(u string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return h.cfg.BaseURL + u
	}
	return u
}

// authorOut describes an author: the byline with the bio, the photo and
// the links of the author's page.
func (h *Handler) authorOut(a masthead.Author) authorJSON {
	links := a.Links
	if links == nil {
		links = []string{}
	}
	return authorJSON{Slug: a.Slug, Name: a.Name, Bio: a.Bio, PhotoURL: h.absURL(a.PhotoURL), Links: links}
}

// keyReader is the reader a key reads as: one the request tells nothing
// of, its facts gathered as the article page gathers a reader's
// (reading.Readers).
func (h *Handler) keyReader(ctx context.Context, now time.Time) access.Reader {
	return h.deps.Readers.Reader(ctx, reading.Request{}, now)
}

// decide answers whether key, reading as rd, reads a in full, and why.
// Without the full-text scope the key is an anonymous reader to
// access.Decide, the same function the article page asks.
func (h *Handler) decide(key *masthead.APIKey, rd access.Reader, a *masthead.Article, now time.Time) (bool, string) {
	if key.HasScope(masthead.ScopeFullText) {
		return true, ReasonFullTextKey
	}
	d := h.deps.Readers.Decide(rd, a, access.Meter{}, now)
	return d.Full, string(d.Reason)
}

// query reads the query parameters strictly: a malformed value is a 400
// naming the parameter, so a client's typo never silently widens a list.
type query struct {
	v   url.Values
	bad masthead.Invalid
}

func newQuery(r *http.Request) *query { return &query{v: r.URL.Query(), bad: masthead.Invalid{}} }

func (q *query) slug(name string) *string {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	if !masthead.ValidSlug(s) {
		q.bad.Add(name, fmt.Sprintf("%s must be a slug, like “the-weekly-view”.", name))
		return nil
	}
	return &s
}

func (q *query) kind() *masthead.Kind {
	s := q.v.Get("kind")
	if s == "" {
		return nil
	}
	k := masthead.Kind(s)
	if !k.Valid() {
		q.bad.Add("kind", "kind must be daily, in-depth or briefing.")
		return nil
	}
	return &k
}

func (q *query) int(name string, def, lo, hi int) int {
	s := q.v.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		q.bad.Add(name, fmt.Sprintf("%s must be a whole number from %d to %d.", name, lo, hi))
		return def
	}
	return n
}

// time reads an RFC 3339 time or a date (midnight in loc).
func (q *query) time(name string, loc *time.Location) *time.Time {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return &t
	}
	q.bad.Add(name, name+" must be a date (2026-01-31) or an RFC 3339 time (2026-01-31T09:00:00Z).")
	return nil
}

func (q *query) err() error { return q.bad.Err() }

// nextURL is the request's URL at page+1 when there is one, without the
// key: a secret never travels in a response body.
func (h *Handler) nextURL(r *http.Request, page, perPage, total int) *string {
	if page*perPage >= total {
		return nil
	}
	v := r.URL.Query()
	v.Del("key")
	v.Set("page", strconv.Itoa(page+1))
	s := h.cfg.BaseURL + r.URL.Path + "?" + v.Encode()
	return &s
}

const maxPage = 10000

func (h *Handler) contentArticles(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	q := newQuery(r)
	now := h.now()
	f := masthead.ArticleFilter{Live: true, Now: now,
		Topic: q.slug("topic"), Region: q.slug("region"), Column: q.slug("column"), Author: q.slug("author"),
		Kind: q.kind(), From: q.time("since", h.cfg.Location)}
	return h.writeArticles(w, r, q, f, h.articleOut)
}

// writeArticles answers a page of the articles f selects, each written by
// out, with the page's place in the whole and a link to the next.
func (h *Handler) writeArticles(w http.ResponseWriter, r *http.Request, q *query, f masthead.ArticleFilter, out func(*masthead.Article) articleJSON) error {
	page := q.int("page", 1, 1, maxPage)
	perPage := q.int("per_page", 20, 1, 100)
	if err := q.err(); err != nil {
		return err
	}
	f.Offset, f.Limit = (page-1)*perPage, perPage
	list, total, err := h.deps.Articles.Articles(r.Context(), f)
	if err != nil {
		return fmt.Errorf("api: articles: %w", err)
	}
	res := listJSON[articleJSON]{Data: []articleJSON{}, Page: page, PerPage: perPage, Total: total,
		Next: h.nextURL(r, page, perPage, total)}
	for _, a := range list {
		res.Data = append(res.Data, out(a))
	}
	return writeJSON(w, http.StatusOK, res)
}

var errNoArticle = masthead.Errorf(masthead.ENOTFOUND, "There is no such article.")

func (h *Handler) contentArticle(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	slug := r.PathValue("slug")
	if !masthead.ValidSlug(slug) {
		return errNoArticle
	}
	a, err := h.deps.Articles.Article(r.Context(), slug)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return errNoArticle
	}
	if err != nil {
		return fmt.Errorf("api: article %q: %w", slug, err)
	}
	now := h.now()
	if !a.LiveAt(now) {
		// Drafts and scheduled articles do not exist for the Content
		// API, as for readers.
		return errNoArticle
	}
	if key.IsLicence() {
		return h.licensedArticle(w, r, key, a, now)
	}
	out := h.articleOut(a)
	full, reason := h.decide(key, h.keyReader(r.Context(), now), a, now)
	out.Body = &bodyJSON{HTML: a.TeaserHTML, Full: full, Reason: reason}
	if full {
		out.Body.HTML = a.BodyHTML
	}
	return writeJSON(w, http.StatusOK, out)
}

// licensedArticle answers a licence key's read of a as the article page
// answers the licensee's crawler (docs/licensing.md): the licence joins
// the reader's facts, so access.Decide opens in full what its terms
// cover (reason "licensed") and gives the teaser of the rest, and the
// read is admitted against the licence's rates and written to the
// billing log, full or teaser with the bytes sent, in one step. Over a
// rate it is 429 with Retry-After and nothing of the article. Lists and
// search stay what a content key reads: they bill nothing, so they open
// nothing.
func (h *Handler) licensedArticle(w http.ResponseWriter, r *http.Request, key *masthead.APIKey, a *masthead.Article, now time.Time) error {
	claim, _ := masthead.AICrawlerClaimed(r.UserAgent())
	if err := h.deps.Readers.CheckLicence(key, claim.Family, now); err != nil {
		return err
	}
	// Every read is billed and held to the rates: none may be answered
	// from a cache on the way.
	w.Header().Set("Cache-Control", "no-store")
	rd := h.deps.Readers.Reader(r.Context(), reading.Request{Licence: key}, now)
	d := h.deps.Readers.Decide(rd, a, access.Meter{}, now)
	out := h.articleOut(a)
	out.Body = &bodyJSON{HTML: a.TeaserHTML, Full: d.Full, Reason: string(d.Reason)}
	if d.Full {
		out.Body.HTML = a.BodyHTML
	}
	wait, err := h.deps.Readers.AdmitLicensed(r.Context(), key, a, d.Full, len(out.Body.HTML))
	if err != nil {
		return fmt.Errorf("api: licensed read of %q: %w", a.Slug, err)
	}
	if wait > 0 {
		web.RateLimited(w, r, wait)
		return nil
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) contentAuthors(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	return writeList(w, r, "authors", h.deps.Taxonomy.Authors, func(a masthead.Author) authorJSON {
		return h.authorOut(a)
	})
}

func (h *Handler) contentColumns(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	return writeList(w, r, "columns", h.deps.Taxonomy.Columns, func(c masthead.Column) columnJSON {
		return columnJSON{Slug: c.Slug, Name: c.Name, Description: c.Description, ImageURL: h.absURL(c.ImageURL)}
	})
}

func (h *Handler) contentTopics(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	return writeList(w, r, "topics", h.deps.Taxonomy.Topics, term)
}

func (h *Handler) contentRegions(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	return writeList(w, r, "regions", h.deps.Taxonomy.Regions, term)
}

func term(t masthead.Term) termJSON { return termJSON{Slug: t.Slug, Name: t.Name} }

// writeList answers a whole list (what) loaded by load, each item written
// by conv; an empty list is [] rather than null.
func writeList[T, J any](w http.ResponseWriter, r *http.Request, what string, load func(context.Context) ([]T, error), conv func(T) J) error {
	list, err := load(r.Context())
	if err != nil {
		return fmt.Errorf("api: %s: %w", what, err)
	}
	out := dataJSON[J]{Data: make([]J, 0, len(list))}
	for _, x := range list {
		out.Data = append(out.Data, conv(x))
	}
	return writeJSON(w, http.StatusOK, out)
}

// searchHitJSON is one search result. Snippet is cut only from what the
// key may read.
type searchHitJSON struct {
	Slug        string             `json:"slug"`
	URL         string             `json:"url"`
	Title       string             `json:"title"`
	Dek         string             `json:"dek"`
	Kind        string             `json:"kind"`
	Access      string             `json:"access"`
	PublishedAt time.Time          `json:"published_at"`
	Snippet     []masthead.Snippet `json:"snippet"`
	Full        bool               `json:"full"`
}

// searchJSON is a page of search results.
type searchJSON struct {
	listJSON[searchHitJSON]
	Query      string `json:"query"`
	DidYouMean string `json:"did_you_mean"`
}

func (h *Handler) contentSearch(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	if h.deps.Search == nil {
		return masthead.Errorf(masthead.ENOTFOUND, "Search is not available on this server.")
	}
	q := newQuery(r)
	now := h.now()
	sq := masthead.SearchQuery{Text: q.v.Get("q"), Now: now, Location: h.cfg.Location, NoFacets: true,
		Page: q.int("page", 1, 1, maxPage), PerPage: q.int("per_page", 10, 1, 50)}
	for name, dst := range map[string]*string{"topic": &sq.Topic, "region": &sq.Region, "column": &sq.Column, "author": &sq.Author} {
		if s := q.slug(name); s != nil {
			*dst = *s
		}
	}
	if k := q.kind(); k != nil {
		sq.Kind = string(*k)
	}
	if h.deps.Recency != nil {
		sq.Recency = h.deps.Recency()
	}
	if err := q.err(); err != nil {
		return err
	}
	rd := h.keyReader(r.Context(), now)
	sq.FullText = func(a *masthead.Article) bool {
		full, _ := h.decide(key, rd, a, now)
		return full
	}
	// The key matches bodies as it reads them: all of them, or those of
	// free articles.
	sq.Library, _ = h.decide(key, rd, &masthead.Article{Access: masthead.AccessSubscribers}, now)
	res, err := h.deps.Search.Search(r.Context(), sq)
	if err != nil {
		return fmt.Errorf("api: search: %w", err)
	}
	out := searchJSON{Query: res.Query, DidYouMean: res.DidYouMean}
	out.Data, out.Page, out.PerPage, out.Total = []searchHitJSON{}, res.Page, res.PerPage, res.Total
	out.Next = h.nextURL(r, res.Page, res.PerPage, res.Total)
	for _, hit := range res.Hits {
		a := hit.Article
		sn := hit.Snippet
		if sn == nil {
			sn = []masthead.Snippet{}
		}
		out.Data = append(out.Data, searchHitJSON{Slug: a.Slug, URL: h.articleURL(a.Slug), Title: a.Title, Dek: a.Dek,
			Kind: string(a.Kind), Access: string(a.Access), PublishedAt: a.PublishedAt.UTC(), Snippet: sn, Full: hit.Full})
	}
	return writeJSON(w, http.StatusOK, out)
}
