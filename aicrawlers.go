package masthead

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
)

// AI crawlers on the publisher's terms. Each family of crawler that
// gathers text for an AI model or an AI answer engine gets a policy set by
// staff at /admin/settings: the full text, the teaser (what an anonymous
// reader gets, the default), or nothing. robots.txt says the policy to the
// crawlers that honour it; the site enforces it on those whose identity it
// can verify, by the address ranges their operator publishes, loaded by
// an operator with `masthead crawlers load` (never fetched while serving).
// A claim that cannot be verified gets what an anonymous reader gets.

// CrawlerPolicy is what one family of AI crawler may read.
type CrawlerPolicy string

// The policies.
const (
	// CrawlerFull lets a verified crawler of the family read every
	// article in full, as a verified search engine does.
	CrawlerFull CrawlerPolicy = "full"
	// CrawlerTeaser gives it what an anonymous reader gets.
	CrawlerTeaser CrawlerPolicy = "teaser"
	// CrawlerRefuse disallows it in robots.txt and answers a verified
	// one 403.
	CrawlerRefuse CrawlerPolicy = "refuse"
	// CrawlerPrice answers a verified one without a licence 402 Payment
	// Required on article pages, with the price and how to license
	// (docs/licensing.md); robots.txt lets it come and read the terms.
	CrawlerPrice CrawlerPolicy = "price"
)

// Valid reports whether p is one of the policies.
func (p CrawlerPolicy) Valid() bool {
	return p == CrawlerFull || p == CrawlerTeaser || p == CrawlerRefuse || p == CrawlerPrice
}

// AICrawler is one family of AI crawler.
type AICrawler struct {
	// Family names it in the settings and in `masthead crawlers load`.
	Family string
	// Agent is its token in robots.txt.
	Agent string
	// Match is the lower-case word its user agent carries; empty for a
	// token that only robots.txt reads (Google-Extended and
	// Applebot-Extended ride on their search crawlers' visits).
	Match string
	// Operator and Use describe it to staff.
	Operator, Use string
}

// AICrawlers are the families staff set a policy for, in the order the
// settings page lists them.
var AICrawlers = []AICrawler{
	{Family: "gptbot", Agent: "GPTBot", Match: "gptbot", Operator: "OpenAI", Use: "training data"},
	{Family: "oai-searchbot", Agent: "OAI-SearchBot", Match: "oai-searchbot", Operator: "OpenAI", Use: "ChatGPT search"},
	{Family: "chatgpt-user", Agent: "ChatGPT-User", Match: "chatgpt-user", Operator: "OpenAI", Use: "pages fetched for a ChatGPT user"},
	{Family: "claudebot", Agent: "ClaudeBot", Match: "claudebot", Operator: "Anthropic", Use: "training data"},
	{Family: "perplexitybot", Agent: "PerplexityBot", Match: "perplexitybot", Operator: "Perplexity", Use: "answer engine"},
	{Family: "google-extended", Agent: "Google-Extended", Operator: "Google", Use: "Gemini training and grounding (robots.txt only)"},
	{Family: "ccbot", Agent: "CCBot", Match: "ccbot", Operator: "Common Crawl", Use: "open crawl used for training"},
	{Family: "applebot-extended", Agent: "Applebot-Extended", Operator: "Apple", Use: "Apple Intelligence training (robots.txt only)"},
	{Family: "bytespider", Agent: "Bytespider", Match: "bytespider", Operator: "ByteDance", Use: "training data"},
	{Family: "amazonbot", Agent: "Amazonbot", Match: "amazonbot", Operator: "Amazon", Use: "Alexa answers"},
	{Family: "meta-externalagent", Agent: "meta-externalagent", Match: "meta-externalagent", Operator: "Meta", Use: "training data"},
}

// AICrawlerClaimed returns the family of AI crawler the user agent ua
// claims to be, if any: the first whose Match it holds, in any case. The
// reader site's article page and the Content API both read a licence
// bound to a family (Licence.Family) against it.
func AICrawlerClaimed(ua string) (AICrawler, bool) {
	for _, c := range AICrawlers {
		if c.Match != "" && ContainsFold(ua, c.Match) {
			return c, true
		}
	}
	return AICrawler{}, false
}

// ContainsFold reports whether s holds sub, ASCII letters in any case;
// sub is lower case. It allocates nothing: it runs on every request that
// carries a user agent (the crawlers' claims, the beacon's filters).
func ContainsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for ; j < len(sub); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

// AICrawlerFamily returns the family named family.
func AICrawlerFamily(family string) (AICrawler, bool) {
	for _, c := range AICrawlers {
		if c.Family == family {
			return c, true
		}
	}
	return AICrawler{}, false
}

// AIPolicy is the policy for family in s: CrawlerTeaser unless set.
func (s *SiteSettings) AIPolicy(family string) CrawlerPolicy {
	if p, ok := s.AICrawlers[family]; ok && p.Valid() {
		return p
	}
	return CrawlerTeaser
}

// validateAICrawlers checks the policies of a settings form.
func validateAICrawlers(v Invalid, m map[string]CrawlerPolicy) {
	for family, p := range m {
		if _, ok := AICrawlerFamily(family); !ok {
			v.Add("ai_crawlers", fmt.Sprintf("There is no AI crawler called %q.", family))
		}
		if !p.Valid() {
			v.Add("ai_crawlers", "A crawler's policy is full text, teaser only, refused, or refused with a price.")
		}
	}
}

// ParseCrawlerRanges reads the address ranges an operator publishes for
// its crawler: the JSON document OpenAI, Google and others publish
// ({"prefixes": [{"ipv4Prefix": "…"}, {"ipv6Prefix": "…"}]}), or plain
// text with one address or CIDR range a line (# starts a comment).
func ParseCrawlerRanges(data []byte) ([]netip.Prefix, error) {
	data = bytes.TrimSpace(data)
	var out []netip.Prefix
	add := func(s string) error {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return Errorf(EINVALID, "%q is neither an address nor a CIDR range", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
		return nil
	}
	if len(data) > 0 && data[0] == '{' {
		var doc struct {
			Prefixes []struct {
				IPv4 string `json:"ipv4Prefix"`
				IPv6 string `json:"ipv6Prefix"`
			} `json:"prefixes"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, Errorf(EINVALID, "the ranges are not the JSON of prefixes: %v", err)
		}
		for _, p := range doc.Prefixes {
			for _, s := range []string{p.IPv4, p.IPv6} {
				if s != "" {
					if err := add(s); err != nil {
						return nil, err
					}
				}
			}
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line, _, _ := strings.Cut(sc.Text(), "#")
			if strings.TrimSpace(line) == "" {
				continue
			}
			if err := add(line); err != nil {
				return nil, err
			}
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EINVALID, "the file holds no address ranges")
	}
	return out, nil
}

// KeyCrawlers is the content key of a change of the crawlers' address
// ranges: no page carries it, but instances reload the ranges on it.
const KeyCrawlers = "crawlers"
