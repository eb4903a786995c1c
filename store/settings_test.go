package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store/storetest"
)

// TestSettingsSharedAndTeaserBudget: settings one instance saves, a
// second store on the same database reads; a budget saved in them cuts
// every teaser again at once, and wins over the renderer's at the next
// start.
func TestSettingsSharedAndTeaserBudget(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			one := openTeasers(t, dsn, 150, false)
			defer one.Close()
			two := openTeasers(t, dsn, 150, false)
			defer two.Close()

			s, err := two.Settings(ctx)
			if err != nil || s.Name != "" || s.MeterCredits != nil {
				t.Fatalf("fresh settings: %+v, %v", s, err)
			}
			body := strings.Repeat("word ", 60) + "\n\n" + strings.Repeat("more text here ", 80)
			a := mustCreate(t, one, doc("long", "Long", "Dek.", body, t0.Add(-time.Hour)))
			if n := len(strings.Fields(stripTags(a.TeaserHTML))); n < 60 {
				t.Fatalf("teaser at 150 words holds %d", n)
			}
			v0, _ := two.ContentVersion(ctx)

			credits := 5
			changed, err := one.SaveSettings(ctx, masthead.SiteSettings{Name: "The Daily Lens", Accent: "#0a5c36",
				FooterLinks: []masthead.Link{{Label: "About", URL: "/about"}}, MeterCredits: &credits, MeterPeriod: "week",
				TeaserWords: 30}, 0)
			if err != nil || changed != 1 {
				t.Fatalf("save: %d, %v", changed, err)
			}
			s, err = two.Settings(ctx)
			if err != nil || s.Name != "The Daily Lens" || s.MeterCredits == nil || *s.MeterCredits != 5 || s.MeterPeriod != "week" ||
				len(s.FooterLinks) != 1 || s.TeaserWords != 30 {
				t.Fatalf("read on the second store: %+v, %v", s, err)
			}
			if v, _ := two.ContentVersion(ctx); v == v0 {
				t.Error("saving settings left the content version")
			}
			got, err := two.Article(ctx, "long")
			if err != nil {
				t.Fatal(err)
			}
			if n := len(strings.Fields(stripTags(got.TeaserHTML))); n >= 60 {
				t.Errorf("teaser after the budget of 30: %d words", n)
			}
			// The other instance cuts new articles to the new budget.
			b := mustCreate(t, two, doc("later", "Later", "Dek.", body, t0.Add(-time.Minute)))
			if n := len(strings.Fields(stripTags(b.TeaserHTML))); n >= 60 {
				t.Errorf("a new article's teaser on the second store: %d words", n)
			}
			// A save that keeps the budget cuts nothing.
			if n, err := two.SaveSettings(ctx, masthead.SiteSettings{Name: "The Lens", TeaserWords: 30}, 0); err != nil || n != 0 {
				t.Errorf("a save keeping the budget: %d, %v", n, err)
			}
			// At the next start the setting wins over --teaser-words.
			three := openTeasers(t, dsn, 150, false)
			defer three.Close()
			if got, _ := three.Article(ctx, "long"); len(strings.Fields(stripTags(got.TeaserHTML))) >= 60 {
				t.Error("a start with --teaser-words 150 cut the teasers back")
			}

			bad := masthead.SiteSettings{Accent: "red", TeaserWords: 5, MeterPeriod: "day",
				Social: []masthead.Link{{Label: "X", URL: "javascript:alert(1)"}}}
			_, err = one.SaveSettings(ctx, bad, 0)
			f := masthead.ErrorFields(err)
			for _, k := range []string{"accent", "teaser_words", "meter_period", "social"} {
				if f[k] == "" {
					t.Errorf("no message for %s: %v", k, err)
				}
			}
		})
	}
}

// stripTags leaves the text of an HTML fragment, for counting words.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}
