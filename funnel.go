package masthead

import "time"

// InsightKind names one kind of reader event the dashboard counts.
type InsightKind string

// The events recorded for the publisher's dashboard (docs/insights.md).
// None carries an address, a user agent or an email; only the funnel's
// last steps keep a member id, to attribute a subscription to the
// article its checkout started from.
const (
	// InsightArticleView is an article page served, rendered or from
	// the anonymous page cache.
	InsightArticleView InsightKind = "article_view"
	// InsightWallView is an article page served with the wall in place
	// of the body.
	InsightWallView InsightKind = "wall_view"
	// InsightRegistration is an email address submitted on an
	// article's wall.
	InsightRegistration InsightKind = "registration"
	// InsightUnlock is a free-article credit spent.
	InsightUnlock InsightKind = "unlock"
	// InsightCheckout is a subscription checkout started; ArticleID is
	// the article the reader returns to, when there is one.
	InsightCheckout InsightKind = "checkout"
)

// InsightKinds lists every event kind, in funnel order.
var InsightKinds = []InsightKind{InsightWallView, InsightArticleView, InsightRegistration, InsightUnlock, InsightCheckout}

// Valid reports whether k is a known kind: of the funnel, of search
// (searchstats.go), or a reading-history read (follow.go).
func (k InsightKind) Valid() bool {
	for _, v := range InsightKinds {
		if k == v {
			return true
		}
	}
	return k.Search() || k == InsightCrawler || k == InsightRead
}

// InsightEvent is one recorded event, or Count identical ones (the page
// cache counts its hits and hands them over as one event per article).
type InsightEvent struct {
	Kind      InsightKind
	ArticleID int64 // 0: none
	MemberID  int64 // 0: none; kept for checkouts and reads only
	At        time.Time
	Count     int64 // 0 counts as 1
	// Query is a search's normalised text, and Position the place of
	// the result a search click opened (from 1); search kinds only.
	Query    string
	Position int
	// Family and Decision are an AI crawler's request (InsightCrawler,
	// crawlertraffic.go).
	Family, Decision string
}

// InsightRange is the window a dashboard query covers: [From, To), in
// whole UTC days.
type InsightRange struct {
	From, To time.Time
}

// FunnelPoint is one day's or one week's funnel.
type FunnelPoint struct {
	Start         time.Time // the day or the Monday the week starts on (UTC)
	WallViews     int64
	Registrations int64
	Verified      int64
	Unlocks       int64
	Checkouts     int64
	Subscriptions int64
}

// Conversion is what one article, column or topic brought in over a
// range: wall views, registrations from its wall and subscriptions whose
// checkout started from it.
type Conversion struct {
	Key           string // the article's slug, the column's or topic's slug
	Name          string // the title or name
	Views         int64
	WallViews     int64
	Registrations int64
	Subscriptions int64
}

// SubscriberPoint is the number of active subscriptions at the end of a
// day, week or month, with their monthly recurring revenue in minor units,
// one amount per currency (largest first): amounts in two currencies are
// never added together.
type SubscriberPoint struct {
	At          time.Time
	Active      int64
	MRR         []Money
	Started     int64 // subscriptions that started in the period
	Ended       int64 // subscriptions that ended in the period
	ActiveStart int64 // active at the period's start (churn's denominator)
}

// Churn is the share of the subscriptions active at the period's start
// that ended during it; 0 when none were active.
func (p SubscriberPoint) Churn() float64 {
	if p.ActiveStart == 0 {
		return 0
	}
	return float64(p.Ended) / float64(p.ActiveStart)
}

// NewsletterPoint is one sent issue's delivery.
type NewsletterPoint struct {
	IssueID      int64
	Newsletter   string
	Subject      string
	SentAt       time.Time
	Sent         int64
	Bounced      int64
	Unsubscribed int64
}

// ArticleReads is an article and how often it was read over a range.
type ArticleReads struct {
	Slug  string
	Title string
	Views int64
}

// InsightArticles is the dashboard's part that goes article by article
// over a range, computed in one pass: conversions by article, column and
// topic (best converting first), the subscriptions whose checkout named
// no article, and the most read articles.
type InsightArticles struct {
	ByArticle, ByColumn, ByTopic []Conversion
	Unattributed                 int64
	MostRead                     []ArticleReads
}

// InsightRollup reports what a rollup did.
type InsightRollup struct {
	Events int64 // raw events (checkouts, registrations) deleted
	Hours  int64 // hourly counts deleted (the daily ones stay)
}

// Money is an amount in a currency's minor unit (cents).
type Money struct {
	Currency string // ISO 4217, lower case
	Amount   int64
}

// InsightHeadline is the line of figures the dashboard opens with, over a
// range that ends now: paying subscribers at its start and now, those
// that ended in it (churn's numerator), and the monthly recurring revenue
// now, one figure per currency, since amounts in two currencies do not
// add up.
type InsightHeadline struct {
	Paying      int64 // paid subscriptions active now
	PayingStart int64 // paid subscriptions active at the range's start
	Started     int64 // paid subscriptions that started in the range
	Ended       int64 // of those active at the start, the ones that ended in the range
	MRR         []Money
}

// Change is the difference in paying subscribers over the range.
func (h InsightHeadline) Change() int64 { return h.Paying - h.PayingStart }

// Churn is the share of the subscriptions active at the range's start
// that ended in it; 0 when none were active.
func (h InsightHeadline) Churn() float64 {
	if h.PayingStart == 0 {
		return 0
	}
	return float64(h.Ended) / float64(h.PayingStart)
}
