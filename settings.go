package masthead

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SiteSettings are the settings staff change at /admin/settings, kept
// in the database and read by every instance. A field left at its zero
// value is not set, and the operator's flag or environment value applies;
// once set, the database value wins (docs/operations.md).
type SiteSettings struct {
	Name    string `json:"name,omitempty"`
	Tagline string `json:"tagline,omitempty"`
	// LogoURL is the logo shown in the masthead: an address or a path of
	// this site (later a key of the media library).
	LogoURL string `json:"logo_url,omitempty"`
	// Accent is the accent colour, "#rrggbb".
	Accent string `json:"accent,omitempty"`
	// FooterLinks are the links at the foot of every page.
	FooterLinks []Link `json:"footer_links,omitempty"`
	// Social are the publication's accounts elsewhere.
	Social []Link `json:"social,omitempty"`
	// AdsHTML is the publisher's markup for the ad slots, trusted as the
	// operator's --ad-html-file is.
	AdsHTML string `json:"ads_html,omitempty"`
	// MeterCredits is how many metered articles a verified reader may
	// unlock each period; nil is not set (0 is a meter that gives none).
	MeterCredits *int `json:"meter_credits,omitempty"`
	// MeterPeriod is "month" or "week".
	MeterPeriod string `json:"meter_period,omitempty"`
	// TeaserWords is the teaser's budget; a change cuts every stored
	// teaser again.
	TeaserWords int `json:"teaser_words,omitempty"`
	// AICrawlers is the policy of each family of AI crawler, by
	// AICrawler.Family; a family not set gets CrawlerTeaser
	// (aicrawlers.go).
	AICrawlers map[string]CrawlerPolicy `json:"ai_crawlers,omitempty"`
	// LicencePrice is what an AI crawler's licence costs per article,
	// "0.005 USD", told with a 402; LicenceURL where to ask for one and
	// LicenceContact whom (docs/licensing.md).
	LicencePrice   string `json:"licence_price,omitempty"`
	LicenceURL     string `json:"licence_url,omitempty"`
	LicenceContact string `json:"licence_contact,omitempty"`
	// SearchRecency is how much search favours recent articles; empty
	// is not set (DefaultRecency).
	SearchRecency SearchRecency `json:"search_recency,omitempty"`
}

// Link is a labelled address.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// Bounds of the settings.
const (
	MinTeaserWords  = 20
	MaxTeaserWords  = 1000
	maxMeterCredits = 100
	maxSettingLinks = 20
	maxAdsHTML      = 20000
)

var accentRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate checks the settings as staff submit them; each message names
// its form field.
func (s *SiteSettings) Validate() error {
	v := Invalid{}
	if utf8.RuneCountInString(s.Name) > 100 {
		v.Add("name", "The name must be at most 100 characters.")
	}
	if utf8.RuneCountInString(s.Tagline) > 300 {
		v.Add("tagline", "The tagline must be at most 300 characters.")
	}
	// The logo is on every page, and the site's security policy loads
	// images from this site only.
	if s.LogoURL != "" && (imageRefProblem(s.LogoURL) != "" || !strings.HasPrefix(s.LogoURL, "/")) {
		v.Add("logo_url", "Give the logo as a path of this site, such as /media/logo.svg.")
	}
	if s.Accent != "" && !accentRE.MatchString(s.Accent) {
		v.Add("accent", "Write the colour as # and six hexadecimal digits, such as #b3261e.")
	}
	checkLinks(v, "footer_links", s.FooterLinks, true)
	checkLinks(v, "social", s.Social, false)
	if len(s.AdsHTML) > maxAdsHTML {
		v.Add("ads_html", "The ads' HTML must be at most 20,000 bytes.")
	}
	if s.MeterCredits != nil && (*s.MeterCredits < 0 || *s.MeterCredits > maxMeterCredits) {
		v.Add("meter_credits", "Credits must be a whole number from 0 to 100.")
	}
	if s.MeterPeriod != "" && s.MeterPeriod != "month" && s.MeterPeriod != "week" {
		v.Add("meter_period", "The period is a month or a week.")
	}
	if s.TeaserWords != 0 && (s.TeaserWords < MinTeaserWords || s.TeaserWords > MaxTeaserWords) {
		v.Add("teaser_words", "The teaser's budget must be from 20 to 1000 words.")
	}
	if s.SearchRecency != "" && !s.SearchRecency.Valid() {
		v.Add("search_recency", "Choose how much search favours recent articles from the list.")
	}
	validateAICrawlers(v, s.AICrawlers)
	validateLicenceOffer(v, s)
	return v.Err()
}

func checkLinks(v Invalid, field string, links []Link, sitePaths bool) {
	if len(links) > maxSettingLinks {
		v.Add(field, "At most 20 links.")
	}
	for _, l := range links {
		ok := webAddress(l.URL) || (sitePaths && strings.HasPrefix(l.URL, "/") && !strings.HasPrefix(l.URL, "//") &&
			!strings.ContainsAny(l.URL, " \t\"'<>"))
		if l.Label == "" || !ok {
			v.Add(field, "Write each link as “Label | address”, one a line; the address starts with https:// "+
				map[bool]string{true: "or is a path of this site (/about).", false: "."}[sitePaths])
			return
		}
	}
}

// ParseLinks reads "Label | address" lines, as the settings form takes
// links. A line without a bar keeps its text as both label and address,
// for Validate to refuse if it is no address.
func ParseLinks(text string) []Link {
	var out []Link
	for _, line := range SplitLines(text) {
		label, addr, ok := strings.Cut(line, "|")
		if !ok {
			label, addr = "", line
		}
		out = append(out, Link{Label: strings.TrimSpace(label), URL: strings.TrimSpace(addr)})
	}
	return out
}

// FormatLinks writes links back as ParseLinks reads them.
func FormatLinks(links []Link) string {
	lines := make([]string, len(links))
	for i, l := range links {
		lines[i] = l.Label + " | " + l.URL
	}
	return strings.Join(lines, "\n")
}

// FormatOptionalInt writes an optional number for a form: "" for nil.
func FormatOptionalInt(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}
