package http_test

import (
	"context"
	"html"
	"os"
	"path/filepath"
	"testing"

	mhttp "masthead/http"
	"masthead/importer"
	"masthead/store"
	"masthead/store/storetest"
)

// sharedFixture finds an export fixture in ../shared/fixtures from the
// project's root, or skips.
func sharedFixture(t *testing.T, rel string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for range 6 {
		p := filepath.Join(dir, "..", "shared", "fixtures", rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		dir = filepath.Dir(dir)
	}
	t.Skipf("fixture %s not found in ../shared/fixtures", rel)
	return ""
}

// importedSite imports an export fixture into a fresh database and serves
// it the way cmd/masthead does, redirects included.
func importedSite(t *testing.T, db *store.DB, rel string) *site {
	t.Helper()
	if _, err := importer.ImportExport(context.Background(), db, sharedFixture(t, rel), importer.ExportOptions{Clock: fixedClock{now}}); err != nil {
		t.Fatalf("import %s: %v", rel, err)
	}
	srv := mhttp.New(mhttp.Config{SiteName: "The Test Review", BaseURL: "https://news.example", Location: zone},
		mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: fixedClock{now}, Redirects: db})
	t.Cleanup(func() { srv.Close() })
	return &site{db: db, srv: srv, h: srv.Handler()}
}

// closing is the last sentence of an imported article, which only a
// reader past the wall may get.
func closing(t *testing.T, db *store.DB, slug string) string {
	t.Helper()
	a, err := db.Article(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return html.UnescapeString(lastSentence(a.BodyHTML))
}

// TestImportedGhostSite is what a reader sees after moving in from Ghost:
// articles, the wall by visibility, topic and author pages, and the old
// addresses answering 301.
func TestImportedGhostSite(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		s := importedSite(t, db, "ghost/v4_export.json")
		paid := closing(t, db, "sell")
		free := closing(t, db, "welcome")
		for _, sc := range []scenario{
			{name: "public post is free", url: "/articles/welcome", wantStatus: 200,
				wantContains: []string{"Start here for a quick overview of everything you need to know", "Hey there", free}, wantNotContains: []string{"Keep reading for free"}},
			{name: "paid post shows the teaser and the wall", url: "/articles/sell", wantStatus: 200,
				wantContains: []string{"Selling premium memberships with recurring revenue", "Subscribe"}, wantNotContains: []string{paid}},
			{name: "page is free", url: "/articles/about", wantStatus: 200, wantContains: []string{"About this site"}},
			{name: "topic page", url: "/topics/getting-started", wantStatus: 200, wantContains: []string{"Getting Started", "Start here for a quick overview"}},
			{name: "author page", url: "/authors/ghost", wantStatus: 200, wantContains: []string{"Ghost", "Start here for a quick overview"}},
			{name: "old post address", url: "/welcome/", wantStatus: 301, wantHeader: map[string]string{"Location": "/articles/welcome"}},
			{name: "old post address without slash", url: "/sell", wantStatus: 301, wantHeader: map[string]string{"Location": "/articles/sell"}},
			{name: "old tag page", url: "/tag/getting-started/", wantStatus: 301, wantHeader: map[string]string{"Location": "/topics/getting-started"}},
			{name: "old author page", url: "/author/ghost/", wantStatus: 301, wantHeader: map[string]string{"Location": "/authors/ghost"}},
			{name: "unknown address", url: "/no-such-post/", wantStatus: 404},
			{name: "asked again, from the cache", url: "/no-such-post/", wantStatus: 404},
			{name: "home page still serves", url: "/", wantStatus: 200, wantContains: []string{"Start here for a quick overview"}},
		} {
			t.Run(sc.name, func(t *testing.T) { s.run(t, sc) })
		}
	})
}

// TestImportedWordPressSite is the same for a WordPress export, with its
// query-string addresses.
func TestImportedWordPressSite(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		s := importedSite(t, db, "wordpress/themeunittestdata.wordpress.xml")
		for _, sc := range []scenario{
			{name: "post", url: "/articles/template-more-tag", wantStatus: 200,
				wantContains: []string{"This content is before the", "after the more tag"}},
			// Its one paragraph is the teaser, as for any one-paragraph
			// article; the wall below it asks for a subscription.
			{name: "password-protected post is for subscribers", url: "/articles/template-password-protected", wantStatus: 200,
				wantContains: []string{"Subscribe", `class="wall article-gated"`}},
			{name: "caption became a figure", url: "/articles/post-format-image-caption", wantStatus: 200,
				wantContains: []string{"<figure>", "<figcaption>Bell on wharf in San Francisco</figcaption>"}},
			{name: "category became a topic", url: "/topics/markup", wantStatus: 200, wantContains: []string{"Markup"}},
			{name: "author page", url: "/authors/themedemos", wantStatus: 200, wantContains: []string{"Theme Buster"}},
			{name: "?p=ID", url: "/?p=996", wantStatus: 301, wantHeader: map[string]string{"Location": "/articles/template-more-tag"}},
			{name: "?p=ID with tracking", url: "/?utm_source=x&p=996", wantStatus: 301, wantHeader: map[string]string{"Location": "/articles/template-more-tag"}},
			{name: "?page_id=ID", url: "/?page_id=2", wantStatus: 301, wantHeader: map[string]string{"Location": "/articles/about"}},
			{name: "date permalink", url: "/2012/03/15/template-more-tag/", wantStatus: 301, wantHeader: map[string]string{"Location": "/articles/template-more-tag"}},
			{name: "page permalink", url: "/about/", wantStatus: 301, wantHeader: map[string]string{"Location": "/articles/about"}},
			{name: "category page", url: "/category/markup/", wantStatus: 301, wantHeader: map[string]string{"Location": "/topics/markup"}},
			{name: "tag page", url: "/tag/8bit/", wantStatus: 301, wantHeader: map[string]string{"Location": "/topics/8bit"}},
			{name: "unknown ?p= shows the home page", url: "/?p=999999", wantStatus: 200},
			{name: "unknown address", url: "/2012/03/15/nothing-here/", wantStatus: 404},
			{name: "POST to an old address is not redirected", method: "POST", url: "/about/", wantStatus: 404},
		} {
			t.Run(sc.name, func(t *testing.T) { s.run(t, sc) })
		}
	})
}
