package masthead

// AI crawler traffic on the dashboard: every article request whose user
// agent claims an AI crawler family is counted, by family and by what it
// was given, into hourly counts (never a row per request). They go
// through the insights' buffer like the reader events, and carry no
// address or user agent.

// InsightCrawler is an AI crawler's request for an article; Family and
// Decision say whose and what it got.
const InsightCrawler InsightKind = "crawler"

// What an AI crawler's request was given.
const (
	// CrawlerGotFull: a verified crawler of a family at full text.
	CrawlerGotFull = "full"
	// CrawlerGotTeaser: a verified crawler of a family at teaser only.
	CrawlerGotTeaser = "teaser"
	// CrawlerGotRefused: a verified crawler of a refused family (403).
	CrawlerGotRefused = "refused"
	// CrawlerGotPrice: a verified crawler of a family refused with a
	// price (402).
	CrawlerGotPrice = "price"
	// CrawlerGotLicensed: a request with a valid licence key.
	CrawlerGotLicensed = "licensed"
	// CrawlerGotSpoofed: a claim from an address outside the family's
	// published ranges (or a family with none loaded), which got what an
	// anonymous reader gets; or a licence key sent with another
	// family's user agent.
	CrawlerGotSpoofed = "spoofed"
)

// CrawlerDecisions lists the decisions in the dashboard's column order.
var CrawlerDecisions = []string{CrawlerGotFull, CrawlerGotTeaser, CrawlerGotRefused, CrawlerGotPrice, CrawlerGotLicensed, CrawlerGotSpoofed}

// OtherCrawler is the family of a licensed request whose user agent
// names no known AI crawler.
const OtherCrawler = "other"

// CrawlerTraffic is one family's requests over a range, by decision.
type CrawlerTraffic struct {
	Family string
	// Counts are by decision (CrawlerDecisions).
	Counts map[string]int64
	Total  int64
}
