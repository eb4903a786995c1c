package masthead

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Licensed access for AI crawlers (docs/licensing.md). A licensee (a
// company that pays to read the archive for its AI model or answer
// engine) gets a content key carrying ScopeLicence, made at
// /admin/api-keys like any other: the secret shown once, the store
// keeping its hash. Its crawler sends the key on ordinary article URLs
// (Authorization: Bearer) and reads in full the articles its terms
// cover, the teaser of the rest; never from a shared cache, never
// counted as a reader's view, each request logged for billing and held
// to the licence's rate.

// ScopeLicence makes a content key a licence for AI crawlers.
const ScopeLicence = "licence"

// Licence is what a licence key grants, beside its name.
type Licence struct {
	// Contact is whom to reach at the licensee (an email address, a
	// name): free text for staff.
	Contact string
	// Terms are the articles opened in full: none for all.
	Terms LicenceTerms
	// PerMinute and PerHour bound the requests made with the key; zero
	// is no bound.
	PerMinute, PerHour int
	// ExpiresAt ends the licence; zero for none.
	ExpiresAt time.Time
	// Family binds the key to one AI crawler family's user agent
	// (masthead.AICrawler.Family); empty for any agent.
	Family string
}

// ExpiredAt reports whether the licence has ended at now.
func (l *Licence) ExpiredAt(now time.Time) bool {
	return !l.ExpiresAt.IsZero() && !now.Before(l.ExpiresAt)
}

// Covers reports whether the licence opens a in full: every article when
// its terms name none, else an article in one of the columns, topics or
// regions named.
func (l *Licence) Covers(a *Article) bool {
	if a == nil {
		return false
	}
	if len(l.Terms) == 0 {
		return true
	}
	for _, t := range l.Terms {
		switch t.Kind {
		case "column":
			if a.Column != nil && a.Column.Slug == t.Slug {
				return true
			}
		case "topic":
			if hasTermSlug(a.Topics, t.Slug) {
				return true
			}
		case "region":
			if hasTermSlug(a.Regions, t.Slug) {
				return true
			}
		}
	}
	return false
}

func hasTermSlug(ts []Term, slug string) bool {
	for _, t := range ts {
		if t.Slug == slug {
			return true
		}
	}
	return false
}

// LicenceTerm names one column, topic or region a licence covers.
type LicenceTerm struct {
	Kind string // column, topic or region
	Slug string
}

func (t LicenceTerm) String() string { return t.Kind + ":" + t.Slug }

// LicenceTerms are a licence's terms; none covers every article.
type LicenceTerms []LicenceTerm

// String writes the terms as ParseLicenceTerms reads them.
func (ts LicenceTerms) String() string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return strings.Join(parts, " ")
}

// maxLicenceTerms bounds the terms of one licence.
const maxLicenceTerms = 100

// ParseLicenceTerms reads terms as staff type them: words separated by
// spaces, commas or lines, each "topic:SLUG", "column:SLUG" or
// "region:SLUG" (the plurals are accepted too). Empty text, or the word
// "all", is every article. Repeated terms count once.
func ParseLicenceTerms(text string) (LicenceTerms, error) {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	if len(words) == 1 && strings.EqualFold(words[0], "all") {
		return nil, nil
	}
	var out LicenceTerms
	seen := map[LicenceTerm]bool{}
	for _, w := range words {
		kind, slug, ok := strings.Cut(w, ":")
		kind = strings.TrimSuffix(strings.ToLower(kind), "s")
		if !ok || (kind != "topic" && kind != "column" && kind != "region") {
			return nil, Errorf(EINVALID, "Write each term as topic:slug, column:slug or region:slug; %q is neither.", clip(w, 40))
		}
		if !ValidSlug(slug) {
			return nil, Errorf(EINVALID, "%q is not a valid slug.", clip(slug, 40))
		}
		t := LicenceTerm{Kind: kind, Slug: slug}
		if seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > maxLicenceTerms {
		return nil, Errorf(EINVALID, "A licence names at most %d columns, topics and regions.", maxLicenceTerms)
	}
	return out, nil
}

// clip cuts s to n runes for a message.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Bounds of a licence's rates.
const maxLicenceRate = 1_000_000

// validateLicence checks the licence of a key input.
func validateLicence(v Invalid, l *Licence) {
	if utf8.RuneCountInString(l.Contact) > 200 {
		v.Add("contact", "The contact must be at most 200 characters.")
	}
	if l.PerMinute < 0 || l.PerMinute > maxLicenceRate || l.PerHour < 0 || l.PerHour > maxLicenceRate {
		v.Add("rate", "A rate is a whole number of requests from 0 (no limit) to 1,000,000.")
	}
	if l.Family != "" {
		if c, ok := AICrawlerFamily(l.Family); !ok || c.Match == "" {
			v.Add("family", "Bind the licence to a crawler that sends its own user agent, or to none.")
		}
	}
	if len(l.Terms) > maxLicenceTerms {
		v.Add("terms", "A licence names at most 100 columns, topics and regions.")
	}
}

// What a licensed request was given, in the billing log.
const (
	LicenceFull        = "full"
	LicenceTeaser      = "teaser"
	LicenceRateLimited = "rate-limited"
)

// LicenceRequest is one request made with a licence, as the billing log
// keeps it.
type LicenceRequest struct {
	KeyID     int64
	Licensee  string // the key's name
	At        time.Time
	ArticleID int64
	Slug      string // the article's slug now; empty when it is gone
	Decision  string // LicenceFull, LicenceTeaser or LicenceRateLimited
	Bytes     int64  // bytes of article text sent (body or teaser HTML)
}

// LicenceUsageDay is one licensee's requests on one UTC day.
type LicenceUsageDay struct {
	KeyID    int64
	Licensee string
	Day      time.Time
	Full     int64
	Teaser   int64
	Limited  int64
	Bytes    int64
}

// LicenceKeep is how long the billing log keeps each request: thirteen
// months, a year's invoices and the disputes of the month after.
const LicenceKeep = 396 * 24 * time.Hour

// LicencePrice is a price per article: an amount in decimal and an ISO
// 4217 currency code.
type LicencePrice struct {
	Amount   string // "0.005"
	Currency string // "USD"
}

// ParseLicencePrice reads "0.005 USD" (or "USD 0.005"): a positive
// decimal amount of at most 12 digits and a three-letter currency code.
func ParseLicencePrice(s string) (LicencePrice, error) {
	f := strings.Fields(s)
	bad := Errorf(EINVALID, "Write the price per article as an amount and a currency code, such as 0.005 USD.")
	if len(f) != 2 {
		return LicencePrice{}, bad
	}
	amount, cur := f[0], f[1]
	if isCurrency(amount) {
		amount, cur = cur, amount
	}
	if !isCurrency(cur) || !isDecimal(amount) {
		return LicencePrice{}, bad
	}
	return LicencePrice{Amount: amount, Currency: strings.ToUpper(cur)}, nil
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// isDecimal reports whether s is a positive decimal such as 0.005 or 12.
func isDecimal(s string) bool {
	digits, dot, nonzero := 0, false, false
	for i, c := range s {
		switch {
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		case '0' <= c && c <= '9':
			digits++
			nonzero = nonzero || c != '0'
		default:
			return false
		}
	}
	return digits > 0 && digits <= 12 && nonzero
}

// validateLicenceOffer checks the licensing settings: a family refused
// with a price needs the price.
func validateLicenceOffer(v Invalid, s *SiteSettings) {
	if s.LicencePrice != "" {
		if _, err := ParseLicencePrice(s.LicencePrice); err != nil {
			v.Add("licence_price", ErrorMessage(err))
		}
	}
	if s.LicenceURL != "" && !webAddress(s.LicenceURL) {
		v.Add("licence_url", "The licensing page's address starts with https://.")
	}
	if utf8.RuneCountInString(s.LicenceContact) > 200 {
		v.Add("licence_contact", "The contact must be at most 200 characters.")
	}
	for _, p := range s.AICrawlers {
		if p == CrawlerPrice && s.LicencePrice == "" {
			v.Add("licence_price", "Set the price per article that a crawler refused with a price is told.")
			break
		}
	}
}
