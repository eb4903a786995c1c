package store_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

func TestTaxonomyRenameKeepsRedirect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.CreateArticle(ctx, masthead.ArticleInput{Title: "On trade", BodyMarkdown: "Text.",
			TopicSlugs: []string{"economy"}, AuthorSlugs: []string{"jane"}, ColumnSlug: "notes",
			Status: masthead.StatusPublished, PublishedAt: time.Now().Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		v0, _ := db.ContentVersion(ctx)

		// A topic renamed: the old page redirects, the articles follow.
		if _, err := db.SaveTerm(ctx, masthead.TermTopic, "economy", masthead.Term{Slug: "the-economy", Name: "The economy",
			Description: "Money and work."}); err != nil {
			t.Fatal(err)
		}
		if v, _ := db.ContentVersion(ctx); v == v0 {
			t.Error("a rename left the content version")
		}
		topic, err := db.Topic(ctx, "the-economy")
		if err != nil || topic.Description != "Money and work." {
			t.Fatalf("renamed topic: %+v, %v", topic, err)
		}
		if to, err := db.LegacyRedirect(ctx, "/topics/economy", time.Now()); err != nil || to != "/topics/the-economy" {
			t.Errorf("old topic page: %q, %v", to, err)
		}
		tp := "the-economy"
		if list, n, err := db.Articles(ctx, masthead.ArticleFilter{Topic: &tp}); err != nil || n != 1 || len(list) != 1 {
			t.Errorf("articles of the renamed topic: %d, %v", n, err)
		}
		// Renamed again: the first address skips the middle one.
		if _, err := db.SaveTerm(ctx, masthead.TermTopic, "the-economy", masthead.Term{Slug: "economics", Name: "Economics"}); err != nil {
			t.Fatal(err)
		}
		for _, from := range []string{"/topics/economy", "/topics/the-economy"} {
			if to, err := db.LegacyRedirect(ctx, from, time.Now()); err != nil || to != "/topics/economics" {
				t.Errorf("%s: %q, %v", from, to, err)
			}
		}
		// A slug another topic holds is a field error; nothing changes.
		if _, err := db.SaveTerm(ctx, masthead.TermTopic, "", masthead.Term{Slug: "trade", Name: "Trade"}); err != nil {
			t.Fatal(err)
		}
		_, err = db.SaveTerm(ctx, masthead.TermTopic, "trade", masthead.Term{Slug: "economics", Name: "Trade"})
		if f := masthead.ErrorFields(err); f["slug"] == "" {
			t.Errorf("taken slug: %v", err)
		}

		// An author renamed takes the linked staff account along.
		m, err := db.EnsureMember(ctx, "jane@example.com", masthead.RoleAuthor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveAuthor(ctx, "jane", masthead.Author{Slug: "jane", Name: "Jane"}, &m.ID); err != nil {
			t.Fatal(err)
		}
		a, err := db.SaveAuthor(ctx, "jane", masthead.Author{Slug: "jane-doe", Name: "Jane Doe", Bio: "Writes.",
			PhotoURL: "/media/jane.jpg", Links: []string{"https://jane.example/"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.PhotoURL != "/media/jane.jpg" || len(a.Links) != 1 {
			t.Errorf("saved author %+v", a)
		}
		staff, err := db.Staff(ctx)
		if err != nil || len(staff) != 1 || staff[0].AuthorSlug != "jane-doe" {
			t.Errorf("staff after the rename: %+v, %v", staff, err)
		}
		if to, _ := db.LegacyRedirect(ctx, "/authors/jane", time.Now()); to != "/authors/jane-doe" {
			t.Errorf("old author page: %q", to)
		}
		_, err = db.SaveAuthor(ctx, "jane-doe", masthead.Author{Slug: "jane-doe", Name: "Jane", Links: []string{"javascript:alert(1)"}}, nil)
		if f := masthead.ErrorFields(err); f["links"] == "" {
			t.Errorf("a script link: %v", err)
		}

		// A column with its columnist, order and image.
		c, err := db.SaveColumn(ctx, "notes", masthead.Column{Slug: "field-notes", Name: "Field notes", Position: 2,
			ImageURL: "https://cdn.example/notes.png", Columnist: &masthead.Author{Slug: "jane-doe"}})
		if err != nil {
			t.Fatal(err)
		}
		if c.Columnist == nil || c.Columnist.Name != "Jane" && c.Columnist.Name != "Jane Doe" || c.Position != 2 {
			t.Errorf("saved column %+v", c)
		}
		if _, err := db.SaveColumn(ctx, "", masthead.Column{Slug: "first", Name: "First", Position: -1}); err != nil {
			t.Fatal(err)
		}
		cols, err := db.Columns(ctx)
		if err != nil || len(cols) != 2 || cols[0].Slug != "first" {
			t.Errorf("columns in order: %+v, %v", cols, err)
		}
		if to, _ := db.LegacyRedirect(ctx, "/columns/notes", time.Now()); to != "/columns/field-notes" {
			t.Errorf("old column page: %q", to)
		}
		_, err = db.SaveColumn(ctx, "field-notes", masthead.Column{Slug: "field-notes", Name: "Field notes", Columnist: &masthead.Author{Slug: "nobody"}})
		if f := masthead.ErrorFields(err); f["columnist"] == "" {
			t.Errorf("unknown columnist: %v", err)
		}
	})
}

func TestTaxonomyMergeMovesArticles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		past := time.Now().Add(-time.Hour)
		for _, in := range []masthead.ArticleInput{
			{Title: "One", TopicSlugs: []string{"climate"}},
			{Title: "Two", TopicSlugs: []string{"climate", "environment"}},
			{Title: "Three", TopicSlugs: []string{"environment"}},
		} {
			in.BodyMarkdown, in.Status, in.PublishedAt = "Glaciers melt.", masthead.StatusPublished, past
			if _, err := db.CreateArticle(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		v0, _ := db.ContentVersion(ctx)
		n, err := db.MergeTerms(ctx, masthead.TermTopic, "climate", "environment")
		if err != nil || n != 2 {
			t.Fatalf("merge: %d, %v", n, err)
		}
		if v, _ := db.ContentVersion(ctx); v == v0 {
			t.Error("a merge left the content version")
		}
		if _, err := db.Topic(ctx, "climate"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("merged topic still there: %v", err)
		}
		env := "environment"
		list, total, err := db.Articles(ctx, masthead.ArticleFilter{Topic: &env})
		if err != nil || total != 3 {
			t.Fatalf("articles of the merged topic: %d, %v", total, err)
		}
		for _, a := range list {
			if len(a.Topics) != 1 || a.Topics[0].Slug != "environment" {
				t.Errorf("%s topics %+v", a.Title, a.Topics)
			}
		}
		if to, err := db.LegacyRedirect(ctx, "/topics/climate", time.Now()); err != nil || to != "/topics/environment" {
			t.Errorf("old topic page: %q, %v", to, err)
		}
		// The search facets count the merged topic.
		res, err := db.Search(ctx, masthead.SearchQuery{Text: "glaciers", Topic: "environment", Now: time.Now(), Library: true})
		if err != nil || res.Total != 3 {
			t.Errorf("search by the merged topic: %+v, %v", res, err)
		}
		if _, err := db.MergeTerms(ctx, masthead.TermTopic, "environment", "nowhere"); masthead.ErrorFields(err)["into"] == "" {
			t.Errorf("merge into an unknown topic: %v", err)
		}
	})
}
