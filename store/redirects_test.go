package store_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

func TestLegacyRedirects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b := &masthead.ImportBundle{
			Articles: []masthead.ArticleInput{{Slug: "first", Title: "First", BodyMarkdown: "x",
				Status: masthead.StatusPublished, PublishedAt: time.Now().Add(-time.Hour)}},
			Redirects: []masthead.LegacyRedirect{
				{From: "/2019/01/02/first/", ArticleSlug: "first"},
				{From: "/?p=12", ArticleSlug: "first"},
				{From: "/category/news/", To: "/topics/news"},
			},
		}
		sum, err := db.ImportBundle(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Created != 1 || sum.Redirects != 3 {
			t.Errorf("summary %+v", sum)
		}
		check := func(from, want string) {
			t.Helper()
			got, err := db.LegacyRedirect(ctx, from, time.Now())
			if want == "" {
				if masthead.ErrorCode(err) != masthead.ENOTFOUND {
					t.Errorf("%s: %q, %v; want not found", from, got, err)
				}
				return
			}
			if err != nil || got != want {
				t.Errorf("%s: %q, %v; want %q", from, got, err, want)
			}
		}
		check("/2019/01/02/first", "/articles/first")
		check("/?p=12", "/articles/first")
		check("/category/news", "/topics/news")
		check("/nothing", "")

		// The redirect follows the article to its new slug…
		a, err := db.Article(ctx, "first")
		if err != nil {
			t.Fatal(err)
		}
		in := b.Articles[0]
		in.Slug = "renamed"
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		check("/?p=12", "/articles/renamed")
		// …and goes with it.
		if err := db.DeleteArticle(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		check("/?p=12", "")
		list, err := db.LegacyRedirects(ctx)
		if err != nil || len(list) != 1 || list[0].To != "/topics/news" {
			t.Errorf("left: %+v, %v", list, err)
		}

		// A target that is not a path of this site is refused.
		_, err = db.ImportBundle(ctx, &masthead.ImportBundle{Redirects: []masthead.LegacyRedirect{{From: "/x", To: "https://elsewhere.example/"}}})
		if masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("off-site redirect: %v", err)
		}
	})
}
