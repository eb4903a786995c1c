package http

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"masthead"
)

// TestNewsletterArchiveTemplates executes the archive's templates with a
// full view and an empty one.
func TestNewsletterArchiveTemplates(t *testing.T) {
	s := testServer(t)
	r := httptest.NewRequest("GET", "/", nil)
	b := s.newBase(r, "Title <x>", "Desc", "/newsletters")
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	sum := newsletterSummary{Slug: "daily", Name: "D", Description: "Desc", Audience: "For subscribers", Schedule: "Weekdays at 06:00", SubscribersOnly: true}
	views := map[string][]any{
		"newsletters": {newslettersPage{base: b, Newsletters: []newsletterSummary{sum}}, newslettersPage{base: s.newBase(r, "", "", "/")}},
		"newsletter_issues": {newsletterIssuesPage{base: b, Newsletter: sum, Issues: []issueLink{{URL: "/newsletters/daily/1", Subject: "S", Sent: when}},
			Page: 2, PrevURL: "/p", NextURL: "/n"}, newsletterIssuesPage{base: s.newBase(r, "", "", "/")}},
		"newsletter_issue": {
			newsletterIssuePage{base: b, Newsletter: sum, Subject: "S", Sent: when, EditorsNote: []string{"N"}, Full: true, Radar: []string{"R"},
				Articles: []issueArticleView{{URL: "/articles/a", Title: "A", Dek: "D", Authors: "X and Y", Kind: "In-depth"}}},
			newsletterIssuePage{base: b, Newsletter: sum, Subject: "S", Articles: []issueArticleView{{URL: "/articles/a", Title: "A"}}},
			newsletterIssuePage{base: s.newBase(r, "", "", "/")},
		},
	}
	for _, name := range newsletterArchivePageNames {
		vs, ok := views[name]
		if !ok {
			t.Errorf("no test view for template %q", name)
			continue
		}
		for i, v := range vs {
			w := newBufWriter()
			if err := s.render(w, name, v); err != nil {
				t.Errorf("%s #%d: %v", name, i, err)
				continue
			}
			if out := w.body.String(); !strings.Contains(out, "</html>") || strings.Contains(out, "Title <x>") {
				t.Errorf("%s #%d: incomplete page or title not escaped", name, i)
			}
		}
	}
}

func TestScheduleWords(t *testing.T) {
	for in, want := range map[string]string{
		"mon-fri 06:00": "Weekdays at 06:00",
		"fri 14:00":     "Fridays at 14:00",
		"daily 07:30":   "Every day at 07:30",
		"mon,wed 09:05": "Mondays, Wednesdays at 09:05",
	} {
		sc, err := masthead.ParseSchedule(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := nlScheduleWords(sc); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
