package http

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"masthead"
)

// What a request's user agent claims is asked on every article request
// before the page cache answers (crawlerGate, readerPage) and on every
// beacon: a search engine's crawler (claimedCrawler), an AI crawler's
// family (masthead.AICrawlerClaimed), any crawler or program (botWords).
// Each answer is a scan of the string for a dozen words or more. Real
// traffic comes from a few thousand distinct strings, most of it from a
// few dozen browsers' (a browser's version changes every few weeks), so
// the answers are kept per string: a request whose string was seen
// costs one lookup of a concurrent map, with no lock and no allocation;
// and a request asks the map once: the verdict is kept on the request
// (requestFacts, middleware.go) for its other questions.

// agentVerdictsMax bounds the strings kept (about 200 bytes each with
// the map's own); past it the map starts again, so a client sending a
// new string with every request costs each of them one scan, as before,
// and memory stays bounded.
const agentVerdictsMax = 4096

// agentMaxLen is the longest user agent kept; a longer one (no browser
// sends one) is scanned every time.
const agentMaxLen = 512

// agentVerdict is what a user agent claims.
type agentVerdict struct {
	// search and domains: the search engine whose crawler it claims and
	// the DNS zones that confirm it (claimedCrawler), or "".
	search  string
	domains []string
	// ai is the AI crawler family it claims, when aiOK.
	ai   masthead.AICrawler
	aiOK bool
	// bot: it names a crawler or a program rather than a browser a
	// reader holds (botWords).
	bot bool
}

// judgeAgent scans ua for the crawlers it claims.
func judgeAgent(ua string) *agentVerdict {
	v := &agentVerdict{}
	v.search, v.domains = claimedCrawler(ua)
	v.ai, v.aiOK = masthead.AICrawlerClaimed(ua)
	v.bot = v.search != "" || v.aiOK || botWordIn(ua)
	return v
}

// agentVerdicts keeps the verdicts per user agent string.
type agentVerdicts struct {
	m sync.Map // string → *agentVerdict
	n atomic.Int64
}

// requestAgent returns what the user agent of r claims (agentOf).
func (s *Server) requestAgent(r *http.Request) *agentVerdict {
	return s.agentOf(r.Context(), r.UserAgent())
}

// agentOf returns what the user agent ua of the request of ctx claims:
// the verdict the request already holds (requestFacts), or one looked
// up now and kept on the request for the next question.
func (s *Server) agentOf(ctx context.Context, ua string) *agentVerdict {
	f := factsOf(ctx)
	if f == nil || f.ua != ua {
		return s.agent(ua)
	}
	if v := f.agent.Load(); v != nil {
		return v
	}
	v := s.agent(ua)
	f.agent.Store(v)
	return v
}

// agent returns what the user agent ua claims; the verdict is shared
// and must not be changed.
func (s *Server) agent(ua string) *agentVerdict {
	c := &s.agents
	if len(ua) > agentMaxLen {
		return judgeAgent(ua)
	}
	if v, ok := c.m.Load(ua); ok {
		return v.(*agentVerdict)
	}
	v := judgeAgent(ua)
	if c.n.Add(1) > agentVerdictsMax {
		c.m.Clear()
		c.n.Store(1)
	}
	// Its own copy: the request's header may share memory with more.
	c.m.Store(strings.Clone(ua), v)
	return v
}
