package admin_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
)

func TestArticleLifecycle(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		if _, err := f.db.UpsertColumn(ctx, masthead.Column{Slug: "the-week", Name: "The Week"}); err != nil {
			t.Fatal(err)
		}
		f.do(req{name: "new form", url: "/admin/articles/new", cookie: ed, wantStatus: 200,
			wantContains: []string{`<label for="title">Title</label>`, `<option value="metered" selected>Metered</option>`,
				`<option value="the-week">The Week</option>`, `value="draft" class="primary">Save draft</button>`,
				`value="publish">Publish</button>`, `id="schedule_at"`}})

		// Create a draft with everything set; the slug comes from the title.
		w := f.do(req{name: "create draft", url: "/admin/articles/new", cookie: ed, wantStatus: http.StatusSeeOther,
			form: articleForm("draft", "access", "subscribers", "kind", "in-depth", "column", "the-week",
				"authors", "jane-doe, sam-lee", "topics", "economy, public-debt", "regions", "europe",
				"image_url", "https://cdn.example/a.jpg", "image_alt", "A long table", "image_caption", "The talks.")})
		id := idFromLocation(t, w)
		a := f.article(id)
		if a.Slug != "budget-talks-collapse" || a.Status != masthead.StatusDraft || !a.PublishedAt.IsZero() ||
			a.Access != masthead.AccessSubscribers || a.Kind != masthead.KindInDepth || a.Column == nil || a.Column.Slug != "the-week" ||
			len(a.Authors) != 2 || len(a.Topics) != 2 || len(a.Regions) != 1 || a.Image.Alt != "A long table" {
			t.Fatalf("created article = %+v", a)
		}
		if _, err := f.db.Topic(ctx, "public-debt"); err != nil {
			t.Errorf("unknown topic slug was not created: %v", err)
		}
		f.do(req{name: "edit form", url: articlePath(id) + "?msg=created", cookie: ed, wantStatus: 200,
			wantContains: []string{"Article created.", `value="Budget talks collapse"`, `value="budget-talks-collapse"`,
				`value="jane-doe, sam-lee"`, `value="economy, public-debt"`, `<option value="the-week" selected>The Week</option>`,
				`<option value="subscribers" selected>Subscribers only</option>`, "The talks ended at dawn.", "Draft"}})

		// Schedule, in the publication's time zone.
		f.do(req{name: "schedule in the past", url: articlePath(id), cookie: ed, wantStatus: http.StatusUnprocessableEntity,
			form:         articleForm("schedule", "schedule_at", "2025-05-01T09:00"),
			wantContains: []string{`id="schedule-error"`, "Choose a time in the future"}})
		f.do(req{name: "schedule without a time", url: articlePath(id), cookie: ed, wantStatus: http.StatusUnprocessableEntity,
			form: articleForm("schedule"), wantContains: []string{`id="schedule-error"`}})
		f.do(req{name: "schedule", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther,
			wantLocation: articlePath(id) + "?msg=scheduled", form: articleForm("schedule", "schedule_at", "2025-06-01T09:00")})
		a = f.article(id)
		if want := time.Date(2025, 6, 1, 9, 0, 0, 0, f.loc); a.Status != masthead.StatusScheduled || !a.PublishedAt.Equal(want) {
			t.Errorf("scheduled: status %s at %v, want scheduled at %v", a.Status, a.PublishedAt, want)
		}
		f.do(req{name: "scheduled form", url: articlePath(id), cookie: ed, wantStatus: 200,
			wantContains: []string{`value="2025-06-01T09:00"`, "Scheduled", "Goes live 1 Jun 2025 09:00 CEST", ">Publish now</button>", ">Unschedule</button>"}})

		// Publish now: the time is now, not the scheduled one.
		f.do(req{name: "publish", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther,
			wantLocation: articlePath(id) + "?msg=published", form: articleForm("publish")})
		a = f.article(id)
		if a.Status != masthead.StatusPublished || !a.PublishedAt.Equal(t0) {
			t.Errorf("published: status %s at %v, want published at %v", a.Status, a.PublishedAt, t0)
		}
		f.do(req{name: "published form", url: articlePath(id), cookie: ed, wantStatus: 200,
			wantContains:    []string{"Published 20 May 2025 12:00 CEST", `value="save" class="primary">Update</button>`, ">Unpublish</button>"},
			wantNotContains: []string{`id="schedule_at"`}})

		// Unpublish keeps the publication time, so readers get 410.
		f.clock.Advance(time.Hour)
		f.do(req{name: "unpublish", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther, form: articleForm("unpublish")})
		a = f.article(id)
		if a.Status != masthead.StatusDraft || !a.PublishedAt.Equal(t0) || a.LiveAt(f.clock.Now()) {
			t.Errorf("unpublished: status %s at %v, want draft keeping %v", a.Status, a.PublishedAt, t0)
		}
		f.do(req{name: "unpublished form", url: articlePath(id), cookie: ed, wantStatus: 200, wantContains: []string{"Unpublished"}})

		// Republishing keeps the original date.
		f.do(req{name: "republish", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther, form: articleForm("publish")})
		if a = f.article(id); a.Status != masthead.StatusPublished || !a.PublishedAt.Equal(t0) {
			t.Errorf("republished: status %s at %v, want published at %v", a.Status, a.PublishedAt, t0)
		}

		// A changed slug keeps the old one redirecting; "Update" keeps the
		// article published.
		f.do(req{name: "change slug", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther,
			wantLocation: articlePath(id) + "?msg=saved", form: articleForm("save", "slug", "budget-talks-end")})
		if a = f.article(id); a.Slug != "budget-talks-end" || a.Status != masthead.StatusPublished {
			t.Errorf("after slug change: %q %s", a.Slug, a.Status)
		}
		if to, err := f.db.Redirect(ctx, "budget-talks-collapse", f.clock.Now()); err != nil || to != "budget-talks-end" {
			t.Errorf("old slug redirects to %q, %v; want budget-talks-end", to, err)
		}

		// Delete asks first, then deletes.
		f.do(req{name: "delete confirm", url: articlePath(id) + "/delete", cookie: ed, wantStatus: 200,
			wantContains: []string{"Delete “Budget talks collapse”?", `action="` + articlePath(id) + `/delete"`}})
		if f.article(id) == nil {
			t.Fatal("the confirmation page deleted the article")
		}
		f.do(req{name: "delete", url: articlePath(id) + "/delete", method: "POST", form: url.Values{}, cookie: ed,
			wantStatus: http.StatusSeeOther, wantLocation: "/admin/?msg=deleted"})
		if _, err := f.db.ArticleByID(ctx, id); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("after delete: %v, want not found", err)
		}
		f.do(req{name: "deleted article", url: articlePath(id), cookie: ed, wantStatus: http.StatusNotFound})
		f.do(req{name: "bad id", url: "/admin/articles/abc", cookie: ed, wantStatus: http.StatusNotFound})
	})
}

func TestPublishNewArticle(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ed := f.staff("ed@example.com", masthead.RoleAdmin, "")
		w := f.do(req{url: "/admin/articles/new", cookie: ed, wantStatus: http.StatusSeeOther, form: articleForm("publish")})
		a := f.article(idFromLocation(t, w))
		if a.Status != masthead.StatusPublished || !a.PublishedAt.Equal(t0) || !a.LiveAt(t0) {
			t.Errorf("published new article: %s at %v", a.Status, a.PublishedAt)
		}
		w = f.do(req{url: "/admin/articles/new", cookie: ed, wantStatus: http.StatusSeeOther,
			form: articleForm("schedule", "title", "Tomorrow", "schedule_at", "2025-05-21T08:30")})
		a = f.article(idFromLocation(t, w))
		if want := time.Date(2025, 5, 21, 6, 30, 0, 0, time.UTC); a.Status != masthead.StatusScheduled || !a.PublishedAt.Equal(want) {
			t.Errorf("scheduled new article: %s at %v, want %v", a.Status, a.PublishedAt, want)
		}
	})
}

func TestFormErrorsKeepInput(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		body := "My *typed* body with <b>tags</b> & ampersands."
		f.do(req{name: "invalid fields", url: "/admin/articles/new", cookie: ed, wantStatus: http.StatusUnprocessableEntity,
			form: articleForm("draft", "title", "", "dek", "A dek I typed", "body", body, "topics", "economy, Not A Slug",
				"access", "subscribers", "image_url", "javascript:alert(1)", "image_alt", ""),
			wantContains: []string{
				"The article was not saved",
				`id="title-error">Title is required.</p>`,
				`id="topics-error">`, `value="economy, Not A Slug"`,
				`id="image_url-error">`, `id="image_alt-error">`,
				"A dek I typed", html.EscapeString(body),
				`<option value="subscribers" selected>Subscribers only</option>`,
				`aria-invalid="true" aria-describedby="title-error"`,
			}})
		if _, n, _ := f.db.Articles(ctx, masthead.ArticleFilter{}); n != 0 {
			t.Fatalf("an invalid form created %d articles", n)
		}

		// A slug taken by another article: the store's conflict comes back
		// beside the slug field, on create and on edit.
		f.create(masthead.ArticleInput{Title: "Taken", Slug: "taken", AuthorSlugs: []string{"x"}})
		f.do(req{name: "duplicate slug on create", url: "/admin/articles/new", cookie: ed, wantStatus: http.StatusUnprocessableEntity,
			form:         articleForm("draft", "title", "Another one", "slug", "taken", "body", body),
			wantContains: []string{`id="slug-error">`, `value="taken"`, `value="Another one"`, html.EscapeString(body)}})
		other := f.create(masthead.ArticleInput{Title: "Other", AuthorSlugs: []string{"x"}})
		f.do(req{name: "duplicate slug on edit", url: articlePath(other.ID), cookie: ed, wantStatus: http.StatusUnprocessableEntity,
			form:         articleForm("draft", "title", "Renamed", "slug", "taken"),
			wantContains: []string{`id="slug-error">`, `value="Renamed"`}})
		if a := f.article(other.ID); a.Title != "Other" || a.Slug != "other" {
			t.Errorf("a refused edit changed the article: %q %q", a.Title, a.Slug)
		}
		f.do(req{name: "unknown action", url: "/admin/articles/new", cookie: ed, form: articleForm("explode"), wantStatus: http.StatusBadRequest})
	})
}

func TestPreview(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		evil := "Hello **bold**\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1))\n\n" +
			`<img src="/a.png" alt="a" onerror="alert(2)">` + "\n\n<iframe src=\"https://evil.example\"></iframe>\n"
		bad := []string{"<script", "alert('x')", "javascript:", "onerror", "<iframe"}
		f.do(req{name: "live preview", url: "/admin/preview", cookie: ed, form: url.Values{"body": {evil}}, wantStatus: 200,
			wantContains: []string{"<strong>bold</strong>", `<img src="/a.png" alt="a"`}, wantNotContains: bad})

		// Without script, the Preview button re-renders the form with the
		// preview and what was typed, and saves nothing.
		w := f.do(req{name: "preview button", url: "/admin/articles/new", cookie: ed, wantStatus: 200,
			form:         articleForm("preview", "body", evil, "title", "Draft title"),
			wantContains: []string{"<strong>bold</strong>", `value="Draft title"`, `<div id="preview" class="preview">`}})
		// The textarea holds the typed source, escaped; the preview holds
		// none of the dangerous markup.
		if body := w.Body.String(); !strings.Contains(body, html.EscapeString("<script>alert('x')</script>")) {
			t.Errorf("the textarea lost the typed source")
		}
		f.do(req{name: "preview button (markup)", url: "/admin/articles/new", cookie: ed, wantStatus: 200,
			form: articleForm("preview", "body", evil), wantNotContains: []string{"<script>alert", "<iframe", "onerror=\"alert"}})
		if _, n, _ := f.db.Articles(ctx, masthead.ArticleFilter{}); n != 0 {
			t.Errorf("preview saved %d articles", n)
		}
		// The limit is on the body's own size, not on its encoding: the
		// largest body of non-ASCII text still fits.
		accents := strings.Repeat("é", masthead.MaxBodyBytes/2)
		f.do(req{name: "largest body", url: "/admin/preview", cookie: ed, form: url.Values{"body": {accents}}, wantStatus: 200})
		f.do(req{name: "oversized", url: "/admin/preview", cookie: ed, form: url.Values{"body": {accents + "é"}},
			wantStatus: http.StatusRequestEntityTooLarge})
		f.do(req{name: "oversized form", url: "/admin/articles/new", cookie: ed, form: articleForm("draft", "body", accents+"é"),
			wantStatus: http.StatusUnprocessableEntity, wantContains: []string{`id="body-error">`}})
		f.do(req{name: "oversized request", url: "/admin/preview", cookie: ed,
			form: url.Values{"body": {strings.Repeat("é", 2*masthead.MaxBodyBytes)}}, wantStatus: http.StatusRequestEntityTooLarge})
	})
}

func TestListSearchAndFilters(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		f.create(masthead.ArticleInput{Title: "Budget talks collapse", AuthorSlugs: []string{"jane"}, TopicSlugs: []string{"economy"},
			Status: masthead.StatusPublished, PublishedAt: t0.Add(-time.Hour)})
		f.create(masthead.ArticleInput{Title: "Election night", AuthorSlugs: []string{"sam"}, Access: masthead.AccessFree,
			Status: masthead.StatusScheduled, PublishedAt: t0.Add(24 * time.Hour)})
		f.create(masthead.ArticleInput{Title: "The BUDGET deficit, explained", AuthorSlugs: []string{"sam"}, Kind: masthead.KindBriefing})
		f.create(masthead.ArticleInput{Title: "100% of 50_50 odds", AuthorSlugs: []string{"sam"}})
		f.run([]req{
			{name: "all", url: "/admin/", cookie: ed, wantStatus: 200,
				wantContains: []string{"Budget talks collapse", "Election night", "The BUDGET deficit, explained", "4 articles",
					`<span class="badge scheduled">Scheduled</span>`, "Scheduled for", "21 May 2025 12:00 CEST",
					`<span class="badge published">Published</span>`}},
			{name: "title search", url: "/admin/articles?q=budget", cookie: ed, wantStatus: 200,
				wantContains:    []string{"Budget talks collapse", "The BUDGET deficit, explained", `value="budget"`},
				wantNotContains: []string{"Election night"}},
			{name: "search is literal", url: "/admin/articles?q=" + url.QueryEscape("0%"), cookie: ed, wantStatus: 200,
				wantContains: []string{"100% of 50_50 odds"}, wantNotContains: []string{"Election night"}},
			{name: "status", url: "/admin/?status=scheduled", cookie: ed, wantStatus: 200,
				wantContains: []string{"Election night", `<option value="scheduled" selected>`}, wantNotContains: []string{"Budget talks collapse"}},
			{name: "access", url: "/admin/?access=free", cookie: ed, wantStatus: 200,
				wantContains: []string{"Election night"}, wantNotContains: []string{"Budget talks collapse"}},
			{name: "kind", url: "/admin/?kind=briefing", cookie: ed, wantStatus: 200,
				wantContains: []string{"The BUDGET deficit"}, wantNotContains: []string{"Election night"}},
			{name: "author", url: "/admin/?author=jane", cookie: ed, wantStatus: 200,
				wantContains: []string{"Budget talks collapse"}, wantNotContains: []string{"Election night"}},
			{name: "topic", url: "/admin/?topic=economy", cookie: ed, wantStatus: 200,
				wantContains: []string{"Budget talks collapse"}, wantNotContains: []string{"The BUDGET deficit"}},
			{name: "junk parameters are ignored", url: "/admin/?status=bogus&page=-3&column=%00&utm_source=x", cookie: ed, wantStatus: 200,
				wantContains: []string{"Budget talks collapse", "Election night"}},
			{name: "no match", url: "/admin/?q=zebra", cookie: ed, wantStatus: 200, wantContains: []string{"No articles match."}},
		})

		// Pages of 50, newest first.
		for i := range 52 {
			f.create(masthead.ArticleInput{Title: "Filler " + strconv.Itoa(i), AuthorSlugs: []string{"sam"},
				Status: masthead.StatusPublished, PublishedAt: t0.Add(-time.Duration(100+i) * time.Hour)})
		}
		f.run([]req{
			{name: "page 1", url: "/admin/?author=sam", cookie: ed, wantStatus: 200,
				wantContains:    []string{"Page 1 of 2", `rel="next"`, "Filler 0<", "Election night"},
				wantNotContains: []string{"Filler 51<", `rel="prev"`}},
			{name: "page 2", url: "/admin/?author=sam&page=2", cookie: ed, wantStatus: 200,
				wantContains:    []string{"Page 2 of 2", `rel="prev"`, "Filler 51<"},
				wantNotContains: []string{"Filler 0<", `rel="next"`}},
		})
	})
}
