// Package masthead holds the domain of the publication: articles and their
// taxonomy, staff and members, the error type and the service interfaces
// that the adapters (store, http, cmd) implement or consume. It imports only
// the standard library.
package masthead

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Access is who may read an article in full.
type Access string

// Access levels. Metered is the default so that unlabelled or imported
// content is never free by accident.
const (
	AccessFree        Access = "free"
	AccessMetered     Access = "metered"
	AccessSubscribers Access = "subscribers"
)

// Accesses lists the access levels in the order editors see them.
var Accesses = []Access{AccessMetered, AccessFree, AccessSubscribers}

// Valid reports whether a is a known access level.
func (a Access) Valid() bool {
	return a == AccessFree || a == AccessMetered || a == AccessSubscribers
}

// Label is the human name of the access level.
func (a Access) Label() string {
	switch a {
	case AccessFree:
		return "Free"
	case AccessMetered:
		return "Metered"
	case AccessSubscribers:
		return "Subscribers only"
	}
	return string(a)
}

// Kind is the editorial form of an article.
type Kind string

// Article kinds.
const (
	KindDaily    Kind = "daily"
	KindInDepth  Kind = "in-depth"
	KindBriefing Kind = "briefing"
)

// Kinds lists the kinds in the order editors see them.
var Kinds = []Kind{KindDaily, KindInDepth, KindBriefing}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindDaily || k == KindInDepth || k == KindBriefing }

// Label is the human name of the kind.
func (k Kind) Label() string {
	switch k {
	case KindDaily:
		return "Daily analysis"
	case KindInDepth:
		return "In-depth"
	case KindBriefing:
		return "Briefing"
	}
	return string(k)
}

// Status is where an article is in its life.
type Status string

// Article statuses. A scheduled article is visible to readers from its
// PublishedAt on, whether or not the background promotion has flipped its
// status yet, so it goes live on time on every instance.
const (
	StatusDraft     Status = "draft"
	StatusScheduled Status = "scheduled"
	StatusPublished Status = "published"
)

// Statuses lists the statuses in order.
var Statuses = []Status{StatusDraft, StatusScheduled, StatusPublished}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	return s == StatusDraft || s == StatusScheduled || s == StatusPublished
}

// Image is a featured image. URL, Alt and Caption are what readers get;
// ID names the media library's image it was chosen from (0 for an image
// given by URL), whose URL and words the store copies in when an empty
// Alt or Caption leaves them to the library.
type Image struct {
	ID      int64
	URL     string
	Alt     string
	Caption string
	// Credit is the library image's credit as the library has it now,
	// read with the article (empty for an image given by URL); it is
	// never stored with the article, so a credit corrected in the
	// library shows at once.
	Credit string
}

// Author writes articles.
type Author struct {
	ID   int64
	Slug string
	Name string
	Bio  string
	// PhotoURL is the author's portrait: an address, or later a key of
	// the media library.
	PhotoURL string
	// Links are the author's addresses elsewhere (a site, a profile).
	Links []string
}

// Column is a named recurring series with its own page, such as a weekly
// column.
type Column struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	// Columnist is the author who writes the column; nil for none.
	Columnist *Author
	// Position orders the columns where they are listed, lowest first.
	Position int
	// ImageURL is the column's image: an address, or later a key of the
	// media library.
	ImageURL string
}

// Term is a topic or a region: a named, slugged label.
type Term struct {
	ID          int64
	Slug        string
	Name        string
	Description string
}

// Article is a piece of writing. BodyHTML and TeaserHTML are rendered and
// sanitised from BodyMarkdown when the article is saved, so serving a page
// never renders Markdown. List queries leave the three body fields empty.
type Article struct {
	ID           int64
	Slug         string
	Title        string
	Dek          string
	BodyMarkdown string
	BodyHTML     string
	TeaserHTML   string
	Authors      []Author
	Column       *Column
	Topics       []Term
	Regions      []Term
	Kind         Kind
	Access       Access
	Status       Status
	Image        Image
	WordCount    int
	PublishedAt  time.Time // zero for a draft never scheduled
	UpdatedAt    time.Time
	CreatedAt    time.Time
	// Review is where the article stands in review; ReviewNote is the
	// editor's note when it was returned.
	Review     ReviewState
	ReviewNote string
	// Notes are its corrections and updates, oldest first, and Revision
	// the id of its newest revision, 0 for none (single articles only;
	// lists leave them empty).
	Notes    []ArticleNote
	Revision int64
}

// ReadingMinutes estimates reading time at 230 words a minute, at least one.
func (a *Article) ReadingMinutes() int {
	m := (a.WordCount + 229) / 230
	if m < 1 {
		m = 1
	}
	return m
}

// LiveAt reports whether readers may see the article at now.
func (a *Article) LiveAt(now time.Time) bool {
	return a.Status != StatusDraft && !a.PublishedAt.IsZero() && !a.PublishedAt.After(now)
}

// ArticleInput is what an editor or an importer submits to create or
// replace an article. Taxonomy is named by slug; unknown author, topic and
// region slugs are created with a name derived from the slug unless a name
// is given in the matching Names map.
type ArticleInput struct {
	Slug         string
	Title        string
	Dek          string
	BodyMarkdown string
	AuthorSlugs  []string
	ColumnSlug   string
	TopicSlugs   []string
	RegionSlugs  []string
	Kind         Kind
	Access       Access
	Status       Status
	Image        Image
	PublishedAt  time.Time // required for scheduled; defaults to now for published

	// Names gives display names for taxonomy slugs created on the way
	// (authors, topics, regions, column), keyed by slug.
	Names map[string]string

	// By is who makes the write, recorded in the article's history.
	By ArticleActor

	// BaseRevision, when set, is the newest revision the writer had seen
	// (0: none yet); the write is refused as stale when the article has
	// a newer one, so a second tab never overwrites the first silently.
	BaseRevision *int64
	// Autosave marks a save made while typing: its revision gives way to
	// the same member's next one.
	Autosave bool
	// RestoredFrom names the revision this write brings back.
	RestoredFrom int64
	// Review and ReviewNote set the review state; a write that leaves
	// them empty ends any review.
	Review     ReviewState
	ReviewNote string
}

// Input is the input that would store a as it is: what a command or an
// API changes one field of before saving it again.
func (a *Article) Input() ArticleInput {
	in := ArticleInput{Slug: a.Slug, Title: a.Title, Dek: a.Dek, BodyMarkdown: a.BodyMarkdown,
		Kind: a.Kind, Access: a.Access, Status: a.Status, Image: a.Image, PublishedAt: a.PublishedAt,
		Review: a.Review, ReviewNote: a.ReviewNote}
	for _, au := range a.Authors {
		in.AuthorSlugs = append(in.AuthorSlugs, au.Slug)
	}
	if a.Column != nil {
		in.ColumnSlug = a.Column.Slug
	}
	for _, t := range a.Topics {
		in.TopicSlugs = append(in.TopicSlugs, t.Slug)
	}
	for _, t := range a.Regions {
		in.RegionSlugs = append(in.RegionSlugs, t.Slug)
	}
	return in
}

// MaxBodyBytes bounds an article's Markdown source.
const MaxBodyBytes = 512 << 10

var slugRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// ValidSlug reports whether s is a lowercase, hyphen-separated slug of at
// most 200 characters.
func ValidSlug(s string) bool { return len(s) <= 200 && slugRE.MatchString(s) }

// ReservedSlug reports whether s would clash with a route beside the
// articles' own, such as /admin/articles/new.
func ReservedSlug(s string) bool { return s == "new" }

// Slugify derives a slug from free text: lowercase ASCII letters and digits
// separated by single hyphens, at most 80 characters, cut between words.
func Slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			if f, ok := foldLatin[r]; ok {
				if dash && b.Len() > 0 {
					b.WriteByte('-')
				}
				dash = false
				b.WriteString(f)
			} else {
				dash = true
			}
		}
		if b.Len() > 200 {
			break
		}
	}
	slug := strings.Trim(b.String(), "-")
	// Long titles are cut at a word boundary, not inside a word.
	if len(slug) > 80 {
		cut := slug[:81]
		if i := strings.LastIndexByte(cut, '-'); i > 0 {
			slug = cut[:i]
		} else {
			slug = slug[:80]
		}
	}
	return slug
}

var foldLatin = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'æ': "ae",
	'ç': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ì': "i", 'í': "i",
	'î': "i", 'ï': "i", 'ñ': "n", 'ò': "o", 'ó': "o", 'ô': "o", 'ö': "o",
	'õ': "o", 'ø': "o", 'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ý': "y",
	'ÿ': "y", 'ß': "ss", 'œ': "oe",
}

// Normalize fills defaults: a slug from the title, metered access, daily
// kind, draft status, and for a published article without a date, now.
func (in *ArticleInput) Normalize(now time.Time) {
	in.Title = strings.TrimSpace(in.Title)
	in.Dek = strings.TrimSpace(in.Dek)
	in.Slug = strings.TrimSpace(in.Slug)
	if in.Slug == "" {
		in.Slug = Slugify(in.Title)
	}
	if in.Access == "" {
		in.Access = AccessMetered
	}
	if in.Kind == "" {
		in.Kind = KindDaily
	}
	if in.Status == "" {
		in.Status = StatusDraft
	}
	if in.Status == StatusPublished && in.PublishedAt.IsZero() {
		in.PublishedAt = now
	}
	in.AuthorSlugs = cleanSlugs(in.AuthorSlugs)
	in.TopicSlugs = cleanSlugs(in.TopicSlugs)
	in.RegionSlugs = cleanSlugs(in.RegionSlugs)
	in.ColumnSlug = strings.TrimSpace(in.ColumnSlug)
}

func cleanSlugs(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// Validate checks the input after Normalize. It reports every field at
// fault at once.
func (in *ArticleInput) Validate() error {
	v := Invalid{}
	if in.Title == "" {
		v.Add("title", "Title is required.")
	} else if utf8.RuneCountInString(in.Title) > 300 {
		v.Add("title", "Title must be at most 300 characters.")
	}
	if utf8.RuneCountInString(in.Dek) > 1000 {
		v.Add("dek", "Summary must be at most 1,000 characters.")
	}
	switch {
	case !ValidSlug(in.Slug):
		v.Add("slug", "Slug must be lowercase letters, digits and single hyphens, like “the-weekly-view”.")
	case ReservedSlug(in.Slug):
		v.Add("slug", "The slug “"+in.Slug+"” is kept for the site’s own pages; choose another.")
	}
	if !in.Access.Valid() {
		v.Add("access", "Access must be free, metered or subscribers.")
	}
	if !in.Kind.Valid() {
		v.Add("kind", "Kind must be daily, in-depth or briefing.")
	}
	if !in.Status.Valid() {
		v.Add("status", "Status must be draft, scheduled or published.")
	}
	if !in.Review.Valid() {
		v.Add("review", `Review must be "" (none), "review" or "returned".`)
	}
	if utf8.RuneCountInString(in.ReviewNote) > MaxReviewNote {
		v.Add("review_note", "The note must be at most 2,000 characters.")
	}
	if in.Status == StatusScheduled && in.PublishedAt.IsZero() {
		v.Add("published_at", "A scheduled article needs a publication time.")
	}
	if len(in.BodyMarkdown) > MaxBodyBytes {
		v.Add("body", "The body is larger than 512 KB.")
	}
	for _, s := range in.AuthorSlugs {
		if !ValidSlug(s) {
			v.Add("authors", "Author “"+s+"” is not a valid slug.")
		}
	}
	for _, s := range in.TopicSlugs {
		if !ValidSlug(s) {
			v.Add("topics", "Topic “"+s+"” is not a valid slug.")
		}
	}
	for _, s := range in.RegionSlugs {
		if !ValidSlug(s) {
			v.Add("regions", "Region “"+s+"” is not a valid slug.")
		}
	}
	if in.ColumnSlug != "" && !ValidSlug(in.ColumnSlug) {
		v.Add("column", "Column “"+in.ColumnSlug+"” is not a valid slug.")
	}
	// A library image (Image.ID) gets its URL, and alt text when none
	// is given, from the library when it is stored; the store checks it.
	if in.Image.ID == 0 && in.Image.URL != "" && !safeImageURL(in.Image.URL) {
		v.Add("image_url", "Image URL must start with https://, http:// or /.")
	}
	if in.Image.ID == 0 && in.Image.URL != "" && strings.TrimSpace(in.Image.Alt) == "" {
		v.Add("image_alt", "Describe the image for readers who cannot see it.")
	}
	if bareLibraryImage.MatchString(in.BodyMarkdown) {
		v.Add("body", "An image from the media library in the body has no alt text: write it between the brackets of ![…](…).")
	}
	return v.Err()
}

// bareLibraryImage finds a library image inserted in Markdown with empty
// alt text: ![](/media/i/…).
var bareLibraryImage = regexp.MustCompile(`!\[\s*\]\(\s*(?:https?://[^\s)/]+)?/media/i/`)

func safeImageURL(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") ||
		(strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//"))
}

// ArticleFilter selects articles. Nil fields do not filter. Live restricts
// to what readers may see at Now.
type ArticleFilter struct {
	Live       bool
	Now        time.Time
	Status     *Status
	Access     *Access
	Kind       *Kind
	Column     *string // column slug
	Author     *string // author slug
	Topic      *string // topic slug
	Region     *string // region slug
	From, To   *time.Time
	TitleQuery *string // case-insensitive substring of the title
	// Review keeps articles in that review state; NotReview leaves out
	// those in it (drafts not waiting for review).
	Review, NotReview *ReviewState
	Offset            int
	Limit             int // 0 means 20; at most 10,000
	// Bare skips loading authors, column, topics and regions, for lists
	// that need only slugs and dates (sitemaps, feeds of links).
	Bare bool
}

// MonthCount is the number of live articles in one calendar month of the
// publication's time zone.
type MonthCount struct {
	Year  int
	Month time.Month
	Count int
}

// ArticleService reads and writes articles and their taxonomy.
type ArticleService interface {
	// Article finds an article by slug in any status.
	Article(ctx context.Context, slug string) (*Article, error)
	// ArticleByID finds an article by id in any status.
	ArticleByID(ctx context.Context, id int64) (*Article, error)
	// ArticleLive reports whether article id exists and is live at now
	// (Article.LiveAt), reading no more of it.
	ArticleLive(ctx context.Context, id int64, now time.Time) (bool, error)
	// Articles lists article summaries, newest first, and the total count.
	Articles(ctx context.Context, f ArticleFilter) ([]*Article, int, error)
	// CreateArticle stores a new article.
	CreateArticle(ctx context.Context, in ArticleInput) (*Article, error)
	// UpdateArticle replaces an article; a changed slug keeps the old one
	// as a redirect.
	UpdateArticle(ctx context.Context, id int64, in ArticleInput) (*Article, error)
	// UpsertArticle creates or replaces the article with in.Slug.
	UpsertArticle(ctx context.Context, in ArticleInput) (*Article, bool, error)
	// ArticleHistory returns an article's history, newest first, at most
	// limit entries (limit <= 0 means 50).
	ArticleHistory(ctx context.Context, id int64, limit int) ([]ArticleChange, error)
	// Related returns up to n live articles close in content to article
	// id, best first, as computed when it was last saved (related.go).
	Related(ctx context.Context, id int64, now time.Time, n int) ([]*Article, error)
	// DeleteArticle removes an article; its slugs answer 410 Gone after.
	DeleteArticle(ctx context.Context, id int64) error
	// Redirect resolves a retired slug: the current slug of the article it
	// now names if that article is live at now, an EGONE error for a
	// deleted one, else ENOTFOUND (a draft's, a scheduled or an
	// unpublished article's old slug reveals nothing).
	Redirect(ctx context.Context, slug string, now time.Time) (string, error)
	// ArchiveMonths counts live articles per month in loc, newest first.
	ArchiveMonths(ctx context.Context, now time.Time, loc *time.Location) ([]MonthCount, error)
	// ContentVersion returns a number that changes whenever any article or
	// taxonomy changes, on any instance; page caches compare it to know
	// when to forget.
	ContentVersion(ctx context.Context) (int64, error)
}
