package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"masthead"
)

func TestRoles(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		author := f.staff("ann@example.com", masthead.RoleAuthor, "ann")
		bylineless := f.staff("bob@example.com", masthead.RoleAuthor, "")
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		adm := f.staff("root@example.com", masthead.RoleAdmin, "")

		others := f.create(masthead.ArticleInput{Title: "Someone else's", AuthorSlugs: []string{"zoe"}})
		sharedPub := f.create(masthead.ArticleInput{Title: "Shared and live", AuthorSlugs: []string{"zoe", "ann"},
			Status: masthead.StatusPublished, PublishedAt: t0})

		// An author creates a draft; their byline is added even when they
		// leave it out, or they could not open the article again.
		w := f.do(req{name: "author creates", url: "/admin/articles/new", cookie: author, wantStatus: http.StatusSeeOther,
			form: articleForm("draft", "title", "Ann's draft", "authors", "")})
		own := f.article(idFromLocation(t, w))
		if len(own.Authors) != 1 || own.Authors[0].Slug != "ann" || own.Status != masthead.StatusDraft {
			t.Fatalf("author's new article: authors %v, status %s", own.Authors, own.Status)
		}

		f.run([]req{
			{name: "author: new form has no publish buttons", url: "/admin/articles/new", cookie: author, wantStatus: 200,
				wantContains: []string{`value="ann"`, ">Save draft</button>"}, wantNotContains: []string{">Publish</button>", ">Schedule</button>", `id="schedule_at"`}},
			{name: "author: publish new", url: "/admin/articles/new", cookie: author, form: articleForm("publish", "title", "Sneaky"),
				wantStatus: http.StatusForbidden, wantContains: []string{"Only editors publish"}},
			{name: "author: schedule new", url: "/admin/articles/new", cookie: author,
				form: articleForm("schedule", "title", "Sneaky", "schedule_at", "2025-06-01T09:00"), wantStatus: http.StatusForbidden},
			{name: "author: publish own", url: articlePath(own.ID), cookie: author, form: articleForm("publish", "authors", "ann"),
				wantStatus: http.StatusForbidden},
			{name: "author: unpublish shared", url: articlePath(sharedPub.ID), cookie: author, form: articleForm("unpublish", "authors", "zoe, ann"),
				wantStatus: http.StatusForbidden},
			{name: "author: draft over published", url: articlePath(sharedPub.ID), cookie: author, form: articleForm("draft", "authors", "zoe, ann"),
				wantStatus: http.StatusForbidden},
			{name: "author: open other's", url: articlePath(others.ID), cookie: author, wantStatus: http.StatusForbidden,
				wantNotContains: []string{"Someone else's"}},
			{name: "author: save other's", url: articlePath(others.ID), cookie: author, form: articleForm("draft", "title", "Hijacked", "authors", "zoe"),
				wantStatus: http.StatusForbidden},
			{name: "author: delete other's", url: articlePath(others.ID) + "/delete", method: "POST", form: url.Values{}, cookie: author,
				wantStatus: http.StatusForbidden},
			{name: "author: delete published", url: articlePath(sharedPub.ID) + "/delete", method: "POST", form: url.Values{}, cookie: author,
				wantStatus: http.StatusForbidden},
			{name: "author: list shows own", url: "/admin/", cookie: author, wantStatus: 200,
				wantContains: []string{"Ann&#39;s draft", "Shared and live", "under your byline"}, wantNotContains: []string{"Someone else&#39;s"}},
			{name: "author: list ignores author filter", url: "/admin/?author=zoe", cookie: author, wantStatus: 200,
				wantNotContains: []string{"Someone else&#39;s"}},
			{name: "author: staff page", url: "/admin/staff", cookie: author, wantStatus: http.StatusForbidden},
			{name: "author: no staff link", url: "/admin/", cookie: author, wantNotContains: []string{`href="/admin/staff"`}},
			{name: "author without byline", url: "/admin/articles/new", cookie: bylineless, wantStatus: http.StatusForbidden,
				wantContains: []string{"no byline"}},
			{name: "editor: staff page", url: "/admin/staff", cookie: editor, wantStatus: http.StatusForbidden},
			{name: "admin: staff page", url: "/admin/staff", cookie: adm, wantStatus: 200,
				wantContains: []string{"ann@example.com", "ed@example.com", "root@example.com", "<td>editor</td>", "<td>ann</td>"}},
			{name: "admin: staff link", url: "/admin/", cookie: adm, wantContains: []string{`href="/admin/staff"`}},
		})
		if a := f.article(own.ID); a.Status != masthead.StatusDraft {
			t.Errorf("author's refused publish changed status to %s", a.Status)
		}
		if a := f.article(sharedPub.ID); a.Status != masthead.StatusPublished {
			t.Errorf("author's refused unpublish changed status to %s", a.Status)
		}
		if a := f.article(others.ID); a.Title != "Someone else's" {
			t.Errorf("author changed another's article: %q", a.Title)
		}
		if _, n, _ := f.db.Articles(ctx, masthead.ArticleFilter{TitleQuery: new("Sneaky")}); n != 0 {
			t.Errorf("refused publishes created %d articles", n)
		}

		// An author may update a published article of theirs, which stays
		// published at its time, and delete their own unpublished draft.
		f.do(req{name: "author: update own published", url: articlePath(sharedPub.ID), cookie: author, wantStatus: http.StatusSeeOther,
			form: articleForm("save", "title", "Shared, revised", "authors", "zoe, ann", "schedule_at", "2030-01-01T00:00")})
		if a := f.article(sharedPub.ID); a.Title != "Shared, revised" || a.Status != masthead.StatusPublished || !a.PublishedAt.Equal(t0) {
			t.Errorf("author's update: %q %s %v", a.Title, a.Status, a.PublishedAt)
		}
		f.do(req{name: "author: delete own draft", url: articlePath(own.ID) + "/delete", method: "POST", form: url.Values{}, cookie: author,
			wantStatus: http.StatusSeeOther})

		// An editor does all of it to anyone's article.
		f.do(req{name: "editor: publish other's", url: articlePath(others.ID), cookie: editor, form: articleForm("publish", "authors", "zoe"),
			wantStatus: http.StatusSeeOther})
		if a := f.article(others.ID); a.Status != masthead.StatusPublished {
			t.Errorf("editor's publish: %s", a.Status)
		}
	})
}

func TestCrossOriginRefused(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		f.run([]req{
			{name: "cross-site fetch metadata", url: "/admin/articles/new", cookie: ed, form: articleForm("publish"),
				headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: http.StatusForbidden,
				wantContains: []string{"came from another site"}},
			{name: "foreign Origin", url: "/admin/articles/new", cookie: ed, form: articleForm("publish"),
				headers: map[string]string{"Origin": "https://evil.example"}, wantStatus: http.StatusForbidden},
			{name: "cross-site sign out", url: "/admin/logout", method: "POST", form: url.Values{}, cookie: ed,
				headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: http.StatusForbidden},
			{name: "cross-site preview", url: "/admin/preview", cookie: ed, form: url.Values{"body": {"x"}},
				headers: map[string]string{"Sec-Fetch-Site": "same-site"}, wantStatus: http.StatusForbidden},
			{name: "cross-site GET is harmless and allowed", url: "/admin/", cookie: ed,
				headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: 200},
		})
		if _, n, _ := f.db.Articles(ctx, masthead.ArticleFilter{}); n != 0 {
			t.Fatalf("cross-origin posts created %d articles", n)
		}
		f.do(req{name: "same origin", url: "/admin/articles/new", cookie: ed, form: articleForm("publish"),
			headers: map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.test"}, wantStatus: http.StatusSeeOther})
		f.do(req{name: "session still valid", url: "/admin/", cookie: ed, wantStatus: 200})
	})
}
