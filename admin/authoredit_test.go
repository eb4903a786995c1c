package admin_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"masthead"
)

// TestAuthorKeepsAccessAndBylines: an author's save of an article that
// exists keeps its access level and bylines whatever the form posts (a
// script can post any field), while their other edits are kept; an
// editor changes both. Each save is in the article's history, shown on
// the editor page with who made it.
func TestAuthorKeepsAccessAndBylines(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		author := f.staff("ann@example.com", masthead.RoleAuthor, "ann")
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		live := f.create(masthead.ArticleInput{Title: "Shared and live", Slug: "shared-and-live", BodyMarkdown: "First words.",
			AuthorSlugs: []string{"zoe", "ann"}, Access: masthead.AccessSubscribers,
			Status: masthead.StatusPublished, PublishedAt: t0})
		draft := f.create(masthead.ArticleInput{Title: "Ann's draft", AuthorSlugs: []string{"ann"}, Access: masthead.AccessMetered})

		for _, a := range []*masthead.Article{live, draft} {
			authors := []string{}
			for _, au := range a.Authors {
				authors = append(authors, au.Slug)
			}
			// The form shows both as text, not as fields to change.
			f.do(req{name: "author's form of " + a.Title, url: articlePath(a.ID), cookie: author, wantStatus: 200,
				wantContains:    []string{"An editor sets who may read the article.", "An editor changes the bylines."},
				wantNotContains: []string{`name="access"`, `name="authors"`}})
			// A crafted post: free access, the co-author dropped, a
			// stranger added; the body edit is the author's to make.
			f.do(req{name: "author's crafted save of " + a.Title, url: articlePath(a.ID), cookie: author, wantStatus: http.StatusSeeOther,
				form: articleForm("save", "title", a.Title, "slug", a.Slug, "access", "free", "authors", "ann, mallory", "body", "Revised words.")})
			got := f.article(a.ID)
			var gotAuthors []string
			for _, au := range got.Authors {
				gotAuthors = append(gotAuthors, au.Slug)
			}
			if got.Access != a.Access || !slices.Equal(gotAuthors, authors) {
				t.Errorf("%s after the author's save: access %s, authors %v; want %s, %v", a.Title, got.Access, gotAuthors, a.Access, authors)
			}
			if got.BodyMarkdown != "Revised words." || got.Status != a.Status {
				t.Errorf("%s after the author's save: body %q, status %s", a.Title, got.BodyMarkdown, got.Status)
			}
		}
		if _, err := f.db.Author(ctx, "mallory"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("the author's post created the byline mallory: %v", err)
		}

		// An editor changes both, and the history tells them apart.
		f.do(req{name: "editor changes access and bylines", url: articlePath(live.ID), cookie: editor, wantStatus: http.StatusSeeOther,
			form: articleForm("save", "title", live.Title, "slug", live.Slug, "access", "free", "authors", "ann", "body", "Revised words.")})
		got := f.article(live.ID)
		if got.Access != masthead.AccessFree || len(got.Authors) != 1 || got.Authors[0].Slug != "ann" {
			t.Errorf("after the editor's save: access %s, authors %v", got.Access, got.Authors)
		}
		hist, err := f.db.ArticleHistory(ctx, live.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 {
			t.Fatalf("history has %d entries, want the author's save and the editor's: %+v", len(hist), hist)
		}
		ed, auth := hist[0], hist[1]
		if auth.ActorEmail != "ann@example.com" || auth.Via != masthead.ChangeViaEditor ||
			!slices.Equal(auth.Fields, []masthead.FieldChange{{Field: masthead.FieldDek, To: "What went wrong."}, {Field: masthead.FieldBody}}) {
			t.Errorf("the author's entry: %+v", auth)
		}
		wantEd := []masthead.FieldChange{
			{Field: masthead.FieldAccess, From: "subscribers", To: "free"},
			{Field: masthead.FieldAuthors, From: "zoe, ann", To: "ann"},
		}
		if ed.ActorEmail != "ed@example.com" || !slices.Equal(ed.Fields, wantEd) {
			t.Errorf("the editor's entry: %+v, want fields %+v", ed, wantEd)
		}
		f.do(req{name: "history on the editor page", url: articlePath(live.ID), cookie: editor, wantStatus: 200,
			wantContains: []string{"History", "ed@example.com:</span> Access: Subscribers only → Free; Authors: zoe, ann → ann",
				"ann@example.com:</span> Summary: none → What went wrong.; Body edited"}})
	})
}
