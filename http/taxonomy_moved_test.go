package http_test

import (
	"context"
	"strings"
	"testing"

	"masthead"
	mhttp "masthead/http"
	"masthead/store"
	"masthead/store/storetest"
)

// TestRenamedTermPagesRedirect: the page and the feeds of a renamed or
// merged topic, column or author answer 301 to where it went, the query
// kept; a slug that never was stays 404.
func TestRenamedTermPagesRedirect(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mustCreate(t, db, masthead.ArticleInput{Title: "Dams", BodyMarkdown: "Water.", TopicSlugs: []string{"rivers", "water"},
			ColumnSlug: "notes", AuthorSlugs: []string{"ann"}, Status: masthead.StatusPublished, PublishedAt: now.Add(-60e9)})
		if _, err := db.SaveTerm(ctx, masthead.TermTopic, "rivers", masthead.Term{Slug: "freshwater", Name: "Freshwater"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MergeTerms(ctx, masthead.TermTopic, "water", "freshwater"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveColumn(ctx, "notes", masthead.Column{Slug: "field-notes", Name: "Field notes"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveAuthor(ctx, "ann", masthead.Author{Slug: "ann-lee", Name: "Ann Lee"}, nil); err != nil {
			t.Fatal(err)
		}
		srv := mhttp.New(mhttp.Config{SiteName: "The Test Review", BaseURL: "https://news.example", Location: zone},
			mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: fixedClock{now}, Redirects: db})
		t.Cleanup(func() { srv.Close() })
		s := &site{db: db, srv: srv, h: srv.Handler()}
		for from, to := range map[string]string{
			"/topics/rivers":          "/topics/freshwater",
			"/topics/water?page=2":    "/topics/freshwater?page=2",
			"/topics/rivers/feed.xml": "/topics/freshwater/feed.xml",
			"/columns/notes":          "/columns/field-notes",
			"/authors/ann":            "/authors/ann-lee",
		} {
			resp, _ := s.get(t, from)
			if resp.StatusCode != 301 || resp.Header.Get("Location") != to {
				t.Errorf("%s: %d → %q, want 301 → %q", from, resp.StatusCode, resp.Header.Get("Location"), to)
			}
		}
		if resp, body := s.get(t, "/topics/freshwater"); resp.StatusCode != 200 || !strings.Contains(body, "Dams") {
			t.Errorf("the merged topic's page: %d", resp.StatusCode)
		}
		if _, err := db.SaveColumn(ctx, "field-notes", masthead.Column{Slug: "field-notes", Name: "Field notes",
			Columnist: &masthead.Author{Slug: "ann-lee"}, ImageURL: "/media/notes.png"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveAuthor(ctx, "ann-lee", masthead.Author{Slug: "ann-lee", Name: "Ann Lee", PhotoURL: "/media/ann.jpg",
			Links: []string{"https://ann.example/"}}, nil); err != nil {
			t.Fatal(err)
		}
		srv.Close()
		srv = mhttp.New(mhttp.Config{SiteName: "The Test Review", BaseURL: "https://news.example", Location: zone, PageCacheBytes: -1},
			mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: fixedClock{now}, Redirects: db})
		s = &site{db: db, srv: srv, h: srv.Handler()}
		if _, body := s.get(t, "/columns/field-notes"); !strings.Contains(body, `By <a href="/authors/ann-lee">Ann Lee</a>`) ||
			!strings.Contains(body, `src="/media/notes.png"`) {
			t.Error("the column page lacks its columnist or image")
		}
		if _, body := s.get(t, "/authors/ann-lee"); !strings.Contains(body, `href="https://ann.example/"`) || !strings.Contains(body, `src="/media/ann.jpg"`) {
			t.Error("the author page lacks the photo or the links")
		}
		if resp, _ := s.get(t, "/topics/never"); resp.StatusCode != 404 {
			t.Errorf("unknown topic: %d", resp.StatusCode)
		}
	})
}
