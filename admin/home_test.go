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

func TestHomeLayoutPage(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.Home = f.db })
		editor := f.staff("editor@example.com", masthead.RoleEditor, "")
		writer := f.staff("writer@example.com", masthead.RoleAuthor, "wanda")
		for _, slug := range []string{"harbour-strike", "tide-tables"} {
			f.create(masthead.ArticleInput{Slug: slug, Title: slug, BodyMarkdown: "Text.", TopicSlugs: []string{"ports"},
				Status: masthead.StatusPublished, PublishedAt: t0.Add(-time.Hour)})
		}
		f.run([]req{
			{name: "authors may not", url: "/admin/home", cookie: writer, wantStatus: http.StatusForbidden},
			{name: "page", url: "/admin/home", cookie: editor, wantStatus: 200,
				wantContains: []string{`<option value="harbour-strike">harbour-strike</option>`, "Topics: ports."}},
			{name: "refused, as typed", url: "/admin/home", cookie: editor,
				form:       url.Values{"lead": {"harbour-strike"}, "pinned": {"no-such-story"}, "sections": {"topic:ports 4\nsection two"}},
				wantStatus: http.StatusBadRequest, wantContains: []string{"Line 2: write a section as", "section two"}},
			{name: "unknown story", url: "/admin/home", cookie: editor,
				form:       url.Values{"lead": {"harbour-strike"}, "pinned": {"no-such-story"}, "sections": {"topic:ports 4"}},
				wantStatus: http.StatusBadRequest, wantContains: []string{"There is no article “no-such-story”."}},
			{name: "saved", url: "/admin/home", cookie: editor,
				form:       url.Values{"lead": {"harbour-strike"}, "pinned": {"/articles/tide-tables/"}, "sections": {"topic:ports 4\nkind:in-depth"}},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/home?msg=saved"},
			{name: "shown", url: "/admin/home", cookie: editor, wantStatus: 200,
				wantContains: []string{`<option value="harbour-strike" selected>`, "tide-tables", "topic:ports 4\nkind:in-depth 4"}},
		})
		l, err := f.db.HomeLayout(context.Background())
		if err != nil || l.Lead != "harbour-strike" || len(l.Pinned) != 1 || l.Pinned[0] != "tide-tables" || len(l.Sections) != 2 {
			t.Errorf("saved layout %+v, %v", l, err)
		}
	})
}
