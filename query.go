package masthead

import (
	"context"
	"math"
	"time"
)

// SearchSort orders search results.
type SearchSort string

// Sort orders. Relevance ranks title matches above dek matches above body
// matches, newer first among equals.
const (
	SortRelevance SearchSort = "relevance"
	SortNewest    SearchSort = "newest"
	SortOldest    SearchSort = "oldest"
)

// SearchRecency is how much a ranking by relevance favours recent
// articles, a publisher's choice at /admin/settings (docs/search.md,
// "Recency"). The zero value favours none: the date only breaks ties.
type SearchRecency string

// Recency levels. A level multiplies each ranked article's score by 1
// plus a boost that halves with every half-life of its age, so it moves
// an article past others of about its relevance and never past one
// clearly more about the query.
const (
	RecencyNone   SearchRecency = "none"
	RecencyGentle SearchRecency = "gentle" // up to a quarter more, halving each year
	RecencyStrong SearchRecency = "strong" // up to twice, halving each month
)

// DefaultRecency is the level of a site whose staff chose none: news
// is read for what is new, but a search asks for a subject first.
const DefaultRecency = RecencyGentle

// Valid reports whether r is a level; the zero value is not.
func (r SearchRecency) Valid() bool {
	return r == RecencyNone || r == RecencyGentle || r == RecencyStrong
}

// Factor is what the score of an article of age age is multiplied by.
func (r SearchRecency) Factor(age time.Duration) float64 {
	boost, halfLife := 0.0, time.Duration(0)
	switch r {
	case RecencyGentle:
		boost, halfLife = 0.25, 365*24*time.Hour
	case RecencyStrong:
		boost, halfLife = 1, 30*24*time.Hour
	default:
		return 1
	}
	age = max(age, 0)
	return 1 + boost*math.Exp2(-float64(age)/float64(halfLife))
}

// SearchQuery is a reader's search: the text as typed, optional filters
// and a page.
type SearchQuery struct {
	// Text is the query in the reader's syntax: words, "phrases",
	// -exclusions, OR, and a trailing * for a prefix.
	Text string
	// Filters by slug; empty means any. Kind is a Kind value.
	Topic, Region, Column, Author, Kind string
	// Year keeps articles published in that year of Location; 0 means any.
	Year int
	// From and To bound the publication time: From ≤ published < To.
	From, To time.Time
	Sort     SearchSort
	Page     int // from 1
	PerPage  int // 0 means 10; at most 50
	// Now is the time at which results must be live.
	Now time.Time
	// Location is the time zone of the year facet; nil means UTC.
	Location *time.Location
	// FullText reports whether the reader may read an article in full,
	// and so see snippets of its body; nil means no: snippets then come
	// from the title, dek and teaser only. The HTTP layer asks the access
	// decision, the one place that knows.
	FullText func(*Article) bool
	// Library reports whether the reader may read the whole library
	// (a subscriber, an institution, staff, a verified crawler): the
	// query then matches every article's body. Otherwise it matches the
	// bodies of free articles and of Unlocked only, and any other article
	// on what the wall shows everyone: title, dek and teaser. A phrase or
	// a prefix thus never confirms text past the wall. The zero value is
	// the anonymous reader's search.
	Library bool
	// Unlocked are the ids of articles whose body the reader may read
	// besides the free ones: a member's unlocks. As in the access
	// decision, an unlock opens a metered article only.
	Unlocked []int64
	// NoFacets skips counting facets, for callers that show none.
	NoFacets bool
	// Recency is how much the ranking by relevance favours recent
	// articles; the zero value, none.
	Recency SearchRecency
}

// SearchResults is a page of results.
type SearchResults struct {
	// Query is the query in normal form, as it was understood.
	Query string
	Hits  []SearchHit
	// Total counts every result on every page.
	Total   int
	Page    int
	PerPage int
	Facets  []Facet
	// DidYouMean is a spelling-corrected query that finds more, or "".
	DidYouMean string
	// Corrected is set when the query as typed found nothing and the
	// hits are those of DidYouMean instead.
	Corrected bool
	// Truncated is set when the query was longer than searches may be
	// and only its start was used.
	Truncated bool
	// Empty is set when there was nothing to search for (no words, only
	// exclusions or only very common words).
	Empty bool
}

// SearchHit is one result: the article summary (no body fields) and
// highlighted text.
type SearchHit struct {
	Article *Article
	// Title is the title with the query's words marked.
	Title []Snippet
	// Snippet is a passage around the matched words, cut from what the
	// reader may read.
	Snippet []Snippet
	// Full is the FullText answer for the article: false means the
	// result is locked for this reader.
	Full bool
}

// Snippet is a piece of highlighted text.
type Snippet struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// Facet is the counts of one filter dimension over all results.
type Facet struct {
	Name   string // topic, region, column, author, kind, year
	Values []FacetValue
}

// FacetValue is one value of a facet and how many results have it.
type FacetValue struct {
	Slug  string
	Label string
	Count int
}

// Suggestion is an article title offered as the reader types.
type Suggestion struct {
	Slug  string
	Title string
}

// SearchService searches the live library.
type SearchService interface {
	// Search runs a query. Bad input never fails: an empty or
	// meaningless query gives an empty result with Empty set.
	Search(ctx context.Context, q SearchQuery) (*SearchResults, error)
	// Suggest offers up to n live titles containing words that start
	// with what the reader has typed, newest first.
	Suggest(ctx context.Context, prefix string, now time.Time, n int) ([]Suggestion, error)
	// CorrectQuery returns the query with its misspelt words replaced
	// from the vocabulary of titles and deks, and whether it changed.
	CorrectQuery(ctx context.Context, text string) (string, bool, error)
	// MostRead returns up to n live articles most read since the given
	// time, of a topic (by slug) unless topic is empty, made up with
	// the newest when too few were read: what a search that found
	// nothing shows instead.
	MostRead(ctx context.Context, topic string, since, now time.Time, n int) ([]*Article, error)
}
