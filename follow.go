package masthead

import "time"

// FollowKind is what a reader follows: a topic, a region, a column or an
// author.
type FollowKind string

// The kinds of follow.
const (
	FollowTopic  FollowKind = "topic"
	FollowRegion FollowKind = "region"
	FollowColumn FollowKind = "column"
	FollowAuthor FollowKind = "author"
)

// FollowKinds lists the kinds in the order pages show them.
var FollowKinds = []FollowKind{FollowTopic, FollowRegion, FollowColumn, FollowAuthor}

// Valid reports whether k is a known kind.
func (k FollowKind) Valid() bool {
	return k == FollowTopic || k == FollowRegion || k == FollowColumn || k == FollowAuthor
}

// Path is the site's path of the page of slug of this kind.
func (k FollowKind) Path(slug string) string { return "/" + string(k) + "s/" + slug }

// AlertMode is when a follow emails its reader: never, as soon as an
// article goes live, or in the daily digest.
type AlertMode string

// The alert modes.
const (
	AlertOff     AlertMode = "off"
	AlertInstant AlertMode = "instant"
	AlertDaily   AlertMode = "daily"
)

// Valid reports whether m is a known mode.
func (m AlertMode) Valid() bool { return m == AlertOff || m == AlertInstant || m == AlertDaily }

// NewsletterAlerts is the slug of the newsletter whose issues carry the
// alerts: a reader's consent to it is their consent to every alert, and
// its unsubscribe link stops them all.
const NewsletterAlerts = "alerts"

// AlertsConsentWording is recorded with the consent to alerts, given when
// a reader first turns an alert on.
const AlertsConsentWording = "Email me when something I follow publishes, as I choose for each follow. I can stop any alert, or all of them, at any time."

// Follow is one thing a member follows.
type Follow struct {
	Kind      FollowKind
	TargetID  int64
	Slug      string
	Name      string
	Alert     AlertMode
	CreatedAt time.Time
}

// Path is the site's path of the followed page.
func (f Follow) Path() string { return f.Kind.Path(f.Slug) }

// SavedArticle is an article a member saved for later.
type SavedArticle struct {
	Article *Article
	SavedAt time.Time
}

// ReadArticle is an article a member opened, when they last did.
type ReadArticle struct {
	Article *Article
	ReadAt  time.Time
}

// InsightRead is a signed-in member served an article, for their reading
// history. It travels in the dashboard's batches (InsightEvent, with
// MemberID, ArticleID and At) so that a page view writes nothing itself,
// and is never counted on the dashboard: it only sets the read's time in
// the member's history, unless they paused it or cleared or resumed it
// after At (docs/curator.md).
const InsightRead InsightKind = "read"

// CuratorSettings are a member's settings of the curator.
type CuratorSettings struct {
	HistoryPaused bool
	// HistoryFrom is when the member last cleared or resumed their
	// history: a read at or before it is not kept. Zero if never.
	HistoryFrom time.Time
	// PickerShownAt is when the topic picker was offered; zero if never.
	PickerShownAt time.Time
}

// ReaderCuration is what a signed-in reader's pages show of the curator,
// read at once: what they follow, and the ids of the articles they
// saved, the most recently saved first, at most the number asked;
// SavedAll is false when they saved more than that.
type ReaderCuration struct {
	Follows  []Follow
	Saved    []int64
	SavedAll bool
}

// ForYouItem is one article of the For-you page and why it is there.
type ForYouItem struct {
	Article *Article
	// Related is true for related reading of what the member read,
	// false for an article of something they follow.
	Related bool
	Read    bool
}

// AlertMatch is what one alert email tells one member: which of its
// issue's articles (positions in Issue.Articles) and the follows that
// matched them.
type AlertMatch struct {
	Articles []int           `json:"a"`
	Follows  []AlertFollowed `json:"f"`
}

// AlertFollowed names a follow in an alert email, for its stop link.
type AlertFollowed struct {
	Kind FollowKind `json:"k"`
	Slug string     `json:"s"`
	Name string     `json:"n"`
}

// AlertsPayload is the payload of a JobAlerts: which alerts to compose,
// and the articles gone live before Until that they take.
type AlertsPayload struct {
	Mode  AlertMode `json:"mode"`
	Until time.Time `json:"until"`
}

// JobAlerts composes the alert issue of a slot (docs/curator.md).
const JobAlerts = "alerts-compose"

// AlertsJob returns the job that composes mode's alerts for the articles
// gone live before until, due at until and keyed by mode and until, so
// every article going live in one slot adds nothing after the first.
func AlertsJob(mode AlertMode, until time.Time) Job {
	until = until.UTC().Truncate(time.Microsecond)
	j, _ := NewJob(JobAlerts, AlertsPayload{Mode: mode, Until: until})
	j.Key = string(mode) + " " + until.Format(time.RFC3339Nano)
	j.RunAt = until
	return j
}
