package http_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"masthead"
)

// TestRelatedReading: an article page lists its related reading, live
// articles only; a subscribers-only neighbour carries its label for an
// anonymous reader, and its own page still shows that reader the teaser
// alone.
func TestRelatedReading(t *testing.T) {
	each(t, nil, func(t *testing.T, s *site) {
		ctx := context.Background()
		const locked = "CLOSING-RELATED smelters will restart in May."
		add := func(slug, title, body string, acc masthead.Access, st masthead.Status) {
			mustCreate(t, s.db, masthead.ArticleInput{
				Slug: slug, Title: title, BodyMarkdown: body, AuthorSlugs: []string{"ada-lovelace"},
				TopicSlugs: []string{"mining"}, Kind: masthead.KindDaily, Access: acc, Status: st,
				PublishedAt: now.Add(-3 * time.Hour),
			})
		}
		add("copper-strike", "Copper miners strike at Escondida",
			"Escondida copper miners walked out; Antofagasta smelters wait for ore.", masthead.AccessFree, masthead.StatusPublished)
		add("copper-analysis", "What the Escondida copper strike means",
			"The strike by Escondida copper miners starves Antofagasta smelters of ore.\n\n<!--more-->\n\n"+
				strings.Repeat("Smelter output falls as the stoppage drags on. ", 12)+"\n\n"+locked,
			masthead.AccessSubscribers, masthead.StatusPublished)
		add("copper-draft", "Draft on the Escondida copper miners",
			"Escondida copper miners and Antofagasta smelters, in a draft.", masthead.AccessFree, masthead.StatusDraft)
		if _, err := s.db.RelateArticles(ctx); err != nil {
			t.Fatal(err)
		}

		res, body := s.get(t, "/articles/copper-strike")
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		_, section, ok := strings.Cut(body, "More from the library")
		if !ok {
			t.Fatalf("no related reading on the page:\n%s", excerpt(body))
		}
		if !strings.Contains(section, `href="/articles/copper-analysis"`) || !strings.Contains(section, `<span class="badge">Subscribers</span>`) {
			t.Errorf("the subscribers-only neighbour or its label is missing:\n%s", excerpt(section))
		}
		if strings.Contains(body, "copper-draft") || strings.Contains(body, "Draft on the Escondida") {
			t.Errorf("a draft is listed")
		}

		_, body = s.get(t, "/articles/copper-analysis")
		if strings.Contains(body, "CLOSING-RELATED") || !strings.Contains(body, "starves Antofagasta smelters") {
			t.Errorf("the neighbour's page does not show the anonymous reader the teaser alone:\n%s", excerpt(body))
		}
		if !strings.Contains(body, `href="/articles/copper-strike"`) {
			t.Errorf("the neighbour does not list the article back")
		}
	})
}
