package http

import (
	"context"
	"net/http"
	"net/netip"
	"slices"

	"masthead"
)

// AI crawlers on the publisher's terms (masthead.AICrawler): a request
// whose user agent claims a family is verified by the address ranges the
// family's operator publishes, loaded into the database by an operator
// (`masthead crawlers load`) and held here in memory. A verified crawler
// of a family set to full text reads as a verified search engine does
// (private, never cached); one refused is answered 403 (robots.txt
// tells it first); anything else, and any claim that cannot be verified,
// gets the anonymous page.

// CrawlerRangeSource supplies the AI crawlers' address ranges by family.
type CrawlerRangeSource interface {
	CrawlerRanges(ctx context.Context) (map[string][]netip.Prefix, error)
}

// aiTerms is the AI crawlers' part of the settings in force.
type aiTerms struct {
	policy map[string]masthead.CrawlerPolicy // by family; missing: teaser
	// active is set when some family is not at teaser: otherwise a
	// claim changes nothing and costs nothing.
	active bool
	// offer is what a 402 tells (licences.go).
	offer licenceOffer
}

// licenceOffer is the licensing settings a 402 tells.
type licenceOffer struct {
	price        masthead.LicencePrice
	url, contact string
}

func newLicenceOffer(st *masthead.SiteSettings) licenceOffer {
	o := licenceOffer{url: st.LicenceURL, contact: st.LicenceContact}
	if p, err := masthead.ParseLicencePrice(st.LicencePrice); err == nil {
		o.price = p
	}
	return o
}

func newAITerms(m map[string]masthead.CrawlerPolicy) aiTerms {
	t := aiTerms{policy: map[string]masthead.CrawlerPolicy{}}
	for family, p := range m {
		if p.Valid() && p != masthead.CrawlerTeaser {
			t.policy[family] = p
			t.active = true
		}
	}
	return t
}

// aiCrawler returns the family r claims and its policy, when the
// settings make the claim matter (a family at full text or refused).
func (s *Server) aiCrawler(r *http.Request) (masthead.AICrawler, masthead.CrawlerPolicy, bool) {
	terms := s.site().ai
	if !terms.active {
		return masthead.AICrawler{}, "", false
	}
	v := s.requestAgent(r)
	c, ok := v.ai, v.aiOK
	if !ok {
		return c, "", false
	}
	p, set := terms.policy[c.Family]
	if !set {
		return c, "", false
	}
	return c, p, true
}

// aiDependent reports whether r claims an AI crawler whose page may not
// be the anonymous one, so it must not touch the shared cache.
func (s *Server) aiDependent(r *http.Request) bool {
	_, _, ok := s.aiCrawler(r)
	return ok
}

// aiVerified reports whether client lies in the published ranges of
// family.
func (s *Server) aiVerified(family string, client netip.Addr) bool {
	ranges := s.aiRanges.Load()
	if ranges == nil || !client.IsValid() {
		return false
	}
	return slices.ContainsFunc((*ranges)[family], func(p netip.Prefix) bool { return p.Contains(client) })
}

// aiFullText reports whether r comes from a verified AI crawler whose
// family may read the full text (crawlerCheck).
func (s *Server) aiFullText(ctx context.Context, ua string, client netip.Addr) bool {
	if !s.site().ai.active {
		return false
	}
	v := s.agentOf(ctx, ua)
	c, ok := v.ai, v.aiOK
	if !ok || s.site().ai.policy[c.Family] != masthead.CrawlerFull {
		return false
	}
	return s.aiVerified(c.Family, client)
}

var errRefusedCrawler = masthead.Errorf(masthead.EFORBIDDEN, "This publication does not allow this crawler; see /robots.txt.")

// refusedCrawler reports whether r comes from a verified AI crawler of a
// refused family. robots.txt stays open to it: it says why; and so is an
// article to its licensed requests (licences.go).
func (s *Server) refusedCrawler(r *http.Request) bool {
	c, p, ok := s.aiCrawler(r)
	if !ok || p != masthead.CrawlerRefuse || r.URL.Path == "/robots.txt" || licenceOf(r) != nil {
		return false
	}
	return s.aiVerified(c.Family, s.clientIP(r))
}

// loadCrawlerRanges reads the AI crawlers' ranges into memory.
func (s *Server) loadCrawlerRanges(ctx context.Context) error {
	if s.crawlerRanges == nil {
		return nil
	}
	m, err := s.crawlerRanges.CrawlerRanges(ctx)
	if err != nil {
		return err
	}
	s.aiRanges.Store(&m)
	return nil
}

// robotsAI is the part of robots.txt the AI crawlers' policies write:
// a refused family is disallowed everywhere; the others are allowed what
// every crawler is.
func (s *Server) robotsAI() string {
	var b []byte
	for _, c := range masthead.AICrawlers {
		if s.site().ai.policy[c.Family] != masthead.CrawlerRefuse {
			continue
		}
		b = append(b, "\nUser-agent: "...)
		b = append(b, c.Agent...)
		b = append(b, "\nDisallow: /\n"...)
	}
	return string(b)
}
