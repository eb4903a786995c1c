package http

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"masthead"
)

// TestAgentVerdicts: the verdict kept for a user agent is what the scans
// say of it, asked the first time or again, for a string too long to
// keep too; asking again allocates nothing; and however many strings
// come, the map holds at most agentVerdictsMax.
func TestAgentVerdicts(t *testing.T) {
	s := &Server{}
	chrome := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	for _, ua := range []string{
		"", chrome,
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
		"curl/8.5.0",
		chrome + strings.Repeat(" Extension/1.0", 40) + " ClaudeBot/1.0", // too long to keep
	} {
		search, domains := claimedCrawler(ua)
		ai, aiOK := masthead.AICrawlerClaimed(ua)
		bot := search != "" || aiOK || botWordIn(ua)
		for i := range 2 {
			v := s.agent(ua)
			if v.search != search || len(v.domains) != len(domains) || v.ai != ai || v.aiOK != aiOK || v.bot != bot {
				t.Errorf("%.60q, asked %d times: verdict %q %v %q %v %v; the scans say %q %v %q %v %v",
					ua, i+1, v.search, v.domains, v.ai.Family, v.aiOK, v.bot, search, domains, ai.Family, aiOK, bot)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { s.agent(chrome) }); n != 0 {
		t.Errorf("a kept verdict costs %v allocations", n)
	}
	for i := range 3 * agentVerdictsMax {
		s.agent(chrome + " Build/" + strconv.Itoa(i))
	}
	kept := 0
	s.agents.m.Range(func(_, _ any) bool { kept++; return true })
	if kept > agentVerdictsMax {
		t.Errorf("%d verdicts kept, want at most %d", kept, agentVerdictsMax)
	}
}

// BenchmarkAgentBrowser is what an article request pays to know what a
// browser's user agent claims: the scans (crawlerGate's and readerPage's,
// before the page cache), then the kept verdict.
func BenchmarkAgentBrowser(b *testing.B) {
	ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := masthead.AICrawlerClaimed(ua); ok {
				b.Fatal("claimed")
			}
			if bot, _ := claimedCrawler(ua); bot != "" {
				b.Fatal("claimed")
			}
		}
	})
	b.Run("kept", func(b *testing.B) {
		s := &Server{}
		b.ReportAllocs()
		for b.Loop() {
			if v := s.agent(ua); v.aiOK || v.search != "" {
				b.Fatal("claimed")
			}
		}
	})
}

// TestRequestAgentOnce: within one request the verdict is looked up
// once and carried; the questions after the first (the crawler gate,
// the page cache's rules, the reader's facts, the beacon) ask no map.
// A user agent other than the request's own is looked up as before.
func TestRequestAgentOnce(t *testing.T) {
	s := &Server{}
	googlebot := "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	curl := "curl/8.5.0"
	var asked int
	h := s.requestIDs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := s.requestAgent(r)
		if first.search == "" {
			t.Errorf("verdict on %q claims no search engine", googlebot)
		}
		// Forget every kept verdict: a question that looked up again
		// would keep it anew.
		s.agents.m.Clear()
		for range 3 {
			asked++
			if v := s.requestAgent(r); v != first {
				t.Errorf("question %d: verdict %p, want the request's %p", asked, v, first)
			}
			if v := s.agentOf(r.Context(), googlebot); v != first {
				t.Errorf("agentOf the request's own agent: verdict %p, want %p", v, first)
			}
		}
		kept := 0
		s.agents.m.Range(func(_, _ any) bool { kept++; return true })
		if kept != 0 {
			t.Errorf("%d verdicts looked up again within the request", kept)
		}
		if v := s.agentOf(r.Context(), curl); v == first || !v.bot || v.search != "" {
			t.Errorf("agentOf another agent: verdict %+v, the request's own or wrong", v)
		}
	}))
	r := httptest.NewRequest("GET", "/a/slug", nil)
	r.Header.Set("User-Agent", googlebot)
	h.ServeHTTP(httptest.NewRecorder(), r)
	if asked != 3 {
		t.Fatalf("handler asked %d times, want 3", asked)
	}
	// Outside a request's facts (a handler called on its own) the
	// verdict is still right.
	if v := s.requestAgent(r); v.search == "" {
		t.Errorf("without the request's facts: verdict claims no search engine")
	}
}
