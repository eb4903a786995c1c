package store_test

import (
	"context"
	"testing"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestInsertArticlesNeverReplaces: an import that is not to replace
// anything gets a conflict for a slug that is an article's or a retired
// slug still leading to one, writes the rest, and leaves both as they
// were.
func TestInsertArticlesNeverReplaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ours := mustCreate(t, db, published("ours", t0))
		renamed := mustCreate(t, db, published("old-name", t0))
		if _, err := db.UpdateArticle(ctx, renamed.ID, published("new-name", t0)); err != nil {
			t.Fatal(err)
		}
		theirs := func(slug string) masthead.ArticleInput {
			in := published(slug, t0)
			in.Title, in.BodyMarkdown = "Theirs", "Their words."
			return in
		}
		res, err := db.InsertArticles(ctx, []masthead.ArticleInput{theirs("ours"), theirs("old-name"), theirs("fresh")})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{masthead.ECONFLICT, masthead.ECONFLICT, ""} {
			if got := masthead.ErrorCode(res[i].Err); got != want {
				t.Errorf("%s: %q, want %q", res[i].Slug, got, want)
			}
		}
		if a, _ := db.ArticleByID(ctx, ours.ID); a.Title != ours.Title {
			t.Errorf("our article became %q", a.Title)
		}
		if to, err := db.Redirect(ctx, "old-name", t0); err != nil || to != "new-name" {
			t.Errorf("the retired slug leads to %q, %v", to, err)
		}
		if !res[2].Created {
			t.Errorf("fresh: %+v", res[2])
		}
	})
}
