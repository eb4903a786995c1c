package masthead

// Search analytics (docs/insights.md, "What readers search for"): what
// readers search for, which searches find nothing, and where the result
// they open stood. They are counted like the dashboard's other events,
// without anything that tells who searched: no member, no address, no
// cookie; the query's normalised text, a day and a count.
const (
	// InsightSearch is a search made (its first page): Query is its
	// normal form.
	InsightSearch InsightKind = "search"
	// InsightSearchZero is a search that found nothing, counted beside
	// its InsightSearch.
	InsightSearchZero InsightKind = "search_zero"
	// InsightSearchClick is an article opened from a search's results;
	// Position is where it stood, from 1.
	InsightSearchClick InsightKind = "search_click"
)

// SearchKinds lists the kinds of search event.
var SearchKinds = []InsightKind{InsightSearch, InsightSearchZero, InsightSearchClick}

// Search reports whether k is a kind of search event.
func (k InsightKind) Search() bool {
	return k == InsightSearch || k == InsightSearchZero || k == InsightSearchClick
}

// MaxSearchPosition is the deepest result position counted; clicks
// beyond it count there.
const MaxSearchPosition = 50

// SearchStats is what readers searched for over a range.
type SearchStats struct {
	Searches int64 // searches made
	Zero     int64 // of which found nothing
	Clicks   int64 // results opened
	// Top are the queries searched most; NoResults those searched most
	// that found nothing, which tell what the library lacks or what its
	// tags do not name.
	Top, NoResults []QueryCount
	// Positions counts the results opened by where they stood, from 1,
	// every position up to the deepest opened.
	Positions []PositionClicks
}

// QueryCount is one query's searches, and how many of them found nothing.
type QueryCount struct {
	Query    string
	Searches int64
	Zero     int64
}

// PositionClicks is the results opened at one position.
type PositionClicks struct {
	Position int
	Clicks   int64
}
