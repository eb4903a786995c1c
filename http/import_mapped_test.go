package http_test

import (
	"context"
	"strings"
	"testing"

	"masthead"
	mhttp "masthead/http"
	"masthead/importer"
	"masthead/store"
	"masthead/store/storetest"
)

// TestImportMappedKinds imports the WordPress block test data with a
// mapping that drops the version tags, makes the "Block" tag a kind and
// meters the post-format demos: the home page then shows no sections
// named "6.1" or "Block", the labels show the mapped kind, and a mapped
// access level meters what the old site showed to all.
func TestImportMappedKinds(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := map[string]string{}
		if err := importer.ParseMap([]string{"6-1=-", "block=kind:in-depth", "blocks=kind:in-depth", "post-formats=kind:briefing,access:metered,topic:formats"}, m); err != nil {
			t.Fatal(err)
		}
		if err := importer.ParseMap([]string{"x=kind:opinion"}, map[string]string{}); err == nil || !strings.Contains(err.Error(), "not a kind") {
			t.Errorf("a bad kind: %v", err)
		}
		for _, rel := range []string{"wordpress/64-block-test-data.xml", "wordpress/themeunittestdata.wordpress.xml"} {
			if _, err := importer.ImportExport(ctx, db, sharedFixture(t, rel), importer.ExportOptions{Clock: fixedClock{now}, Map: m}); err != nil {
				t.Fatalf("import %s: %v", rel, err)
			}
		}
		for _, slug := range []string{"6-1", "block"} {
			if _, err := db.Topic(ctx, slug); masthead.ErrorCode(err) != masthead.ENOTFOUND {
				t.Errorf("topic %q imported: %v", slug, err)
			}
		}
		inDepth, briefing := masthead.KindInDepth, masthead.KindBriefing
		if _, n, err := db.Articles(ctx, masthead.ArticleFilter{Kind: &inDepth}); err != nil || n == 0 {
			t.Errorf("in-depth articles from the Block tag: %d, %v", n, err)
		}
		formats := "formats"
		list, n, err := db.Articles(ctx, masthead.ArticleFilter{Topic: &formats, Limit: 100})
		if err != nil || n == 0 {
			t.Fatalf("articles of the post formats: %d, %v", n, err)
		}
		for _, a := range list {
			if a.Kind != briefing || a.Access == masthead.AccessFree {
				t.Errorf("%s: kind %s, access %s; want a metered briefing", a.Slug, a.Kind, a.Access)
			}
		}

		srv := mhttp.New(mhttp.Config{SiteName: "The Test Review", BaseURL: "https://news.example", Location: zone},
			mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: fixedClock{now}, Redirects: db})
		t.Cleanup(func() { srv.Close() })
		s := &site{db: db, srv: srv, h: srv.Handler()}
		_, body := s.get(t, "/")
		for _, bad := range []string{">6.1</a></h2>", ">Block</a></h2>"} {
			if strings.Contains(body, bad) {
				t.Errorf("home page has the section %q", bad)
			}
		}
		if !strings.Contains(body, "In-depth") && !strings.Contains(body, "In depth") {
			t.Error("no article on the home page is labelled in-depth")
		}
	})
}
