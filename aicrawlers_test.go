package masthead_test

import (
	"slices"
	"testing"

	"masthead"
)

// TestParseCrawlerRanges reads the operators' JSON of prefixes and plain
// lists, normalises ranges and single addresses, and refuses anything
// that is not an address.
func TestParseCrawlerRanges(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
		bad      bool
	}{
		{name: "JSON of prefixes", in: `{"creationTime":"2026-11-30T00:00:00","prefixes":[{"ipv4Prefix":"52.230.152.0/24"},{"ipv6Prefix":"2a03:b0c0:3::/48"}]}`,
			want: []string{"52.230.152.0/24", "2a03:b0c0:3::/48"}},
		{name: "plain lines", in: "# OpenAI\n20.171.206.0/24\n\n20.171.207.9   # one address\n20.171.208.77/23\n",
			want: []string{"20.171.206.0/24", "20.171.207.9/32", "20.171.208.0/23"}},
		{name: "not an address", in: "20.171.206.0/24\ncrawler.example.com\n", bad: true},
		{name: "broken JSON", in: `{"prefixes":[`, bad: true},
		{name: "empty", in: "# nothing\n", bad: true},
	} {
		got, err := masthead.ParseCrawlerRanges([]byte(c.in))
		if c.bad {
			if err == nil || masthead.ErrorCode(err) != masthead.EINVALID {
				t.Errorf("%s: %v, %v", c.name, got, err)
			}
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if err != nil || !slices.Equal(s, c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, s, err, c.want)
		}
	}
}

// TestAIPolicy: a family not set reads the teaser; settings with an
// unknown family or policy are refused on the ai_crawlers field.
func TestAIPolicy(t *testing.T) {
	s := masthead.SiteSettings{AICrawlers: map[string]masthead.CrawlerPolicy{"gptbot": masthead.CrawlerRefuse}}
	if s.AIPolicy("gptbot") != masthead.CrawlerRefuse || s.AIPolicy("claudebot") != masthead.CrawlerTeaser {
		t.Errorf("policies %q %q", s.AIPolicy("gptbot"), s.AIPolicy("claudebot"))
	}
	if err := s.Validate(); err != nil {
		t.Errorf("valid settings: %v", err)
	}
	for _, bad := range []map[string]masthead.CrawlerPolicy{{"nosuchbot": masthead.CrawlerFull}, {"gptbot": "maybe"}} {
		s := masthead.SiteSettings{AICrawlers: bad}
		if f := masthead.ErrorFields(s.Validate()); f["ai_crawlers"] == "" {
			t.Errorf("%v: fields %v", bad, f)
		}
	}
	for _, c := range masthead.AICrawlers {
		if c.Family == "" || c.Agent == "" || c.Operator == "" {
			t.Errorf("incomplete family %+v", c)
		}
	}
}
