package http

import (
	"strings"
	"testing"

	"masthead"
)

// TestAIClaim: every family with a match is claimed by a user agent that
// names it in any case, and a browser's claims none.
func TestAIClaim(t *testing.T) {
	for _, c := range masthead.AICrawlers {
		if c.Match == "" {
			continue
		}
		for _, ua := range []string{
			"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; " + c.Agent + "/1.0; +https://example.com/bot)",
			strings.ToUpper(c.Agent),
		} {
			if got, ok := masthead.AICrawlerClaimed(ua); !ok || got.Family != c.Family {
				t.Errorf("masthead.AICrawlerClaimed(%q) = %q, %v; want %q", ua, got.Family, ok, c.Family)
			}
		}
	}
	for _, ua := range []string{"", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"} {
		if got, ok := masthead.AICrawlerClaimed(ua); ok {
			t.Errorf("masthead.AICrawlerClaimed(%q) = %q", ua, got.Family)
		}
	}
}

func BenchmarkAIClaimBrowser(b *testing.B) {
	ua := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	for b.Loop() {
		if _, ok := masthead.AICrawlerClaimed(ua); ok {
			b.Fatal("claimed")
		}
	}
}
