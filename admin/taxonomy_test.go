package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
)

func TestTaxonomyScreens(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.Newsroom = f.db })
		ctx := context.Background()
		editor := f.staff("editor@example.com", masthead.RoleEditor, "")
		writer := f.staff("writer@example.com", masthead.RoleAuthor, "wanda")
		other := f.staff("other@example.com", masthead.RoleAuthor, "otto")
		f.create(masthead.ArticleInput{Title: "On rivers", BodyMarkdown: "Water.", TopicSlugs: []string{"rivers", "water"},
			Status: masthead.StatusPublished, PublishedAt: t0.Add(-time.Hour)})

		f.run([]req{
			{name: "new column", url: "/admin/columns/new", cookie: editor,
				form: url.Values{"name": {"Field Notes"}, "columnist": {"wanda"}, "position": {"3"}, "image_url": {"/media/notes.png"},
					"description": {"From the road."}},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/columns/field-notes?msg=saved"},
			{name: "columns list", url: "/admin/columns", cookie: editor, wantStatus: 200,
				wantContains: []string{"Field Notes", "<code>field-notes</code>", `href="/columns/field-notes"`}},
			{name: "a bad column comes back as typed", url: "/admin/columns/field-notes", cookie: editor,
				form:       url.Values{"name": {""}, "slug": {"Bad Slug"}, "position": {"first"}, "image_url": {"javascript:x"}},
				wantStatus: http.StatusBadRequest,
				wantContains: []string{"Name is required.", "Slug must be lowercase", "Order must be a whole number",
					`value="Bad Slug"`, `value="javascript:x"`}},
			{name: "authors may not edit columns", url: "/admin/columns", cookie: writer, wantStatus: http.StatusForbidden},
			{name: "author renamed, account linked", url: "/admin/authors/wanda", cookie: editor,
				form: url.Values{"name": {"Wanda Writer"}, "slug": {"wanda-w"}, "bio": {"Walks."}, "links": {"https://wanda.example/\n"},
					"account": {"0"}},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/authors/wanda-w?msg=saved"},
			{name: "topic renamed", url: "/admin/topics/rivers", cookie: editor,
				form:       url.Values{"name": {"Rivers and lakes"}, "slug": {"freshwater"}, "description": {"Inland water."}},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/topics/freshwater?msg=saved"},
			{name: "topic merged", url: "/admin/topics/water/merge", cookie: editor, form: url.Values{"into": {"freshwater"}},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/topics/freshwater?msg=merged&n=1"},
			{name: "merge page", url: "/admin/topics/freshwater?msg=merged&n=1", cookie: editor, wantStatus: 200,
				wantContains: []string{"Merged: 1 articles moved here", "Inland water."}},
			{name: "other author's profile", url: "/admin/authors/wanda-w", cookie: other, wantStatus: http.StatusForbidden},
		})
		// Wanda's account was unlinked by the editor; the author "otto"
		// edits their own profile, and a posted name or slug is ignored.
		f.run([]req{
			{name: "own profile", url: "/admin/authors/otto", cookie: other, wantStatus: 200,
				wantContains: []string{"An editor changes the name and the slug."}, wantNotContains: []string{`name="slug"`}},
			{name: "own profile saved", url: "/admin/authors/otto", cookie: other,
				form:       url.Values{"name": {"Hijack"}, "slug": {"hijack"}, "bio": {"Otto writes."}, "photo_url": {"https://cdn.example/otto.jpg"}},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/authors/otto?msg=saved"},
		})
		c, err := f.db.Column(ctx, "field-notes")
		if err != nil || c.Columnist == nil || c.Columnist.Slug != "wanda-w" || c.Position != 3 || c.ImageURL != "/media/notes.png" {
			t.Errorf("column after the author's rename: %+v, %v", c, err)
		}
		a, err := f.db.Author(ctx, "otto")
		if err != nil || a.Name == "Hijack" || a.Bio != "Otto writes." || a.PhotoURL != "https://cdn.example/otto.jpg" {
			t.Errorf("author's own save: %+v, %v", a, err)
		}
		staff, _ := f.db.Staff(ctx)
		for _, m := range staff {
			if m.Email == "writer@example.com" && m.AuthorSlug != "" {
				t.Errorf("unlinked account still writes as %q", m.AuthorSlug)
			}
		}
		ft := "freshwater"
		if _, n, err := f.db.Articles(ctx, masthead.ArticleFilter{Topic: &ft}); err != nil || n != 1 {
			t.Errorf("articles of the merged topic: %d, %v", n, err)
		}
	})
}
