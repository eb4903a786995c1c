package store_test

import (
	"context"
	"strings"
	"testing"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestMergeAuthorsAccounts: the staff account behind a merged-away
// byline moves to the kept author; one behind the kept author stays;
// when both have one the merge is refused, naming both, and nothing
// moves.
func TestMergeAuthorsAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		link := func(email, slug string) *masthead.Member {
			t.Helper()
			m, err := db.EnsureMember(ctx, email, masthead.RoleAuthor)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SaveAuthor(ctx, slug, masthead.Author{Slug: slug, Name: slug}, &m.ID); err != nil {
				t.Fatal(err)
			}
			return m
		}
		byline := func(email string) string {
			t.Helper()
			staff, err := db.Staff(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range staff {
				if m.Email == email {
					return m.AuthorSlug
				}
			}
			t.Fatalf("no staff %s", email)
			return ""
		}
		for _, slug := range []string{"ann", "bea", "cy", "dee", "eve", "fay"} {
			if _, err := db.CreateArticle(ctx, masthead.ArticleInput{Title: "By " + slug, BodyMarkdown: "Text.", AuthorSlugs: []string{slug}}); err != nil {
				t.Fatal(err)
			}
		}

		// Only the merged-away author has an account: it moves.
		link("ann@example.com", "ann")
		if _, err := db.MergeAuthors(ctx, "ann", "bea"); err != nil {
			t.Fatal(err)
		}
		if got := byline("ann@example.com"); got != "bea" {
			t.Errorf("ann's account after merging ann into bea: byline %q, want bea", got)
		}

		// Only the kept author has one: it stays.
		link("dee@example.com", "dee")
		if _, err := db.MergeAuthors(ctx, "cy", "dee"); err != nil {
			t.Fatal(err)
		}
		if got := byline("dee@example.com"); got != "dee" {
			t.Errorf("dee's account after merging cy into dee: byline %q, want dee", got)
		}

		// Both have one: refused on the form's field, and nothing moved.
		link("eve@example.com", "eve")
		link("fay@example.com", "fay")
		_, err := db.MergeAuthors(ctx, "eve", "fay")
		msg := masthead.ErrorFields(err)["into"]
		if masthead.ErrorCode(err) != masthead.EINVALID || !strings.Contains(msg, "eve@example.com") || !strings.Contains(msg, "fay@example.com") {
			t.Fatalf("merging two linked authors: %v (into: %q)", err, msg)
		}
		if _, err := db.Author(ctx, "eve"); err != nil {
			t.Errorf("the refused merge removed eve: %v", err)
		}
		if byline("eve@example.com") != "eve" || byline("fay@example.com") != "fay" {
			t.Error("the refused merge moved an account")
		}
		eve := "eve"
		if _, n, err := db.Articles(ctx, masthead.ArticleFilter{Author: &eve}); err != nil || n != 1 {
			t.Errorf("eve's articles after the refused merge: %d, %v", n, err)
		}
	})
}
