package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"masthead"
	"masthead/admin"
)

// TestEditorRevisions: each save keeps a revision; the revisions page
// lists them and shows the line diff with the changed words marked;
// restoring the first brings its text back as a new revision, and the
// history says so.
func TestEditorRevisions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		w := f.do(req{url: "/admin/articles/new", cookie: ed, wantStatus: http.StatusSeeOther,
			form: articleForm("draft", "title", "Floods in the valley", "body", "The river rose.\nThe town was warned two days ahead.")})
		id := idFromLocation(t, w)
		first := f.article(id)
		if first.Revision == 0 {
			t.Fatal("creating kept no revision")
		}
		base := strconv.FormatInt(first.Revision, 10)
		f.do(req{name: "edit page carries the base revision", url: articlePath(id), cookie: ed, wantStatus: 200,
			wantContains: []string{`name="base_revision" id="base_revision" value="` + base + `"`, `href="` + articlePath(id) + `/revisions"`,
				`data-autosave="` + articlePath(id) + `/autosave"`}})
		f.clock.Advance(10 * 60e9)
		f.do(req{name: "second save", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther,
			form: articleForm("draft", "title", "Floods in the valley", "base_revision", base,
				"body", "The river rose.\nThe town was warned three days ahead.\nNo one was hurt.")})
		second := f.article(id)
		if second.Revision == first.Revision {
			t.Fatal("the second save kept no revision")
		}
		f.do(req{name: "revisions and their diff", url: articlePath(id) + "/revisions", cookie: ed, wantStatus: 200,
			wantContains: []string{"Revision " + base + " → revision " + strconv.FormatInt(second.Revision, 10),
				"<del>two</del>", "<ins>three</ins>", `<tr class="added">`, "<ins>No one was hurt.</ins>",
				`action="` + articlePath(id) + `/revisions/` + base + `/restore"`}})

		f.do(req{name: "restore the first", url: articlePath(id) + "/revisions/" + base + "/restore", cookie: ed,
			form: url.Values{}, wantStatus: http.StatusSeeOther, wantLocation: articlePath(id) + "?msg=restored"})
		back := f.article(id)
		if back.BodyMarkdown != first.BodyMarkdown || back.Revision <= second.Revision {
			t.Fatalf("after restore: body %q, revision %d", back.BodyMarkdown, back.Revision)
		}
		f.do(req{name: "history says restored", url: articlePath(id), cookie: ed, wantStatus: 200,
			wantContains: []string{"Restored revision " + base}})
		f.do(req{name: "no such revision", url: articlePath(id) + "/revisions/999999/restore", cookie: ed, form: url.Values{},
			wantStatus: http.StatusNotFound})

		// An author may not see the revisions of an article not theirs.
		au := f.staff("ann@example.com", masthead.RoleAuthor, "ann")
		f.do(req{name: "author, other's revisions", url: articlePath(id) + "/revisions", cookie: au, wantStatus: http.StatusForbidden})
	})
}

// TestStaleSave: a save or an autosave based on an older revision than
// the newest is refused, says who changed the article and when, keeps
// the text typed, and writes nothing.
func TestStaleSave(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		other := f.staff("olga@example.com", masthead.RoleEditor, "")
		w := f.do(req{url: "/admin/articles/new", cookie: ed, wantStatus: http.StatusSeeOther,
			form: articleForm("draft", "title", "Harbour plans")})
		id := idFromLocation(t, w)
		old := strconv.FormatInt(f.article(id).Revision, 10)

		// Tab one autosaves.
		w = f.do(req{name: "autosave", url: articlePath(id) + "/autosave", cookie: ed, wantStatus: 200,
			form: articleForm("", "title", "Harbour plans", "base_revision", old, "body", "Tab one's text.")})
		var ans struct {
			Revision int64  `json:"revision"`
			SavedAt  string `json:"saved_at"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil || ans.Revision == 0 || ans.SavedAt == "" {
			t.Fatalf("autosave answer %s: %v", w.Body, err)
		}
		// Tab two, opened before, is refused, and told.
		w = f.do(req{name: "stale autosave", url: articlePath(id) + "/autosave", cookie: ed, wantStatus: http.StatusConflict,
			form: articleForm("", "title", "Harbour plans", "base_revision", old, "body", "Tab two's text.")})
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code != "conflict" ||
			!strings.Contains(e.Error.Message, "changed in another tab at") || !strings.Contains(e.Error.Message, "your text is kept") {
			t.Errorf("stale autosave answer: %s", w.Body)
		}
		f.do(req{name: "stale save keeps the text", url: articlePath(id), cookie: ed, wantStatus: http.StatusConflict,
			form:         articleForm("draft", "title", "Harbour plans", "base_revision", old, "body", "Tab two's text."),
			wantContains: []string{"changed in another tab at", "your text is kept below", "Tab two&#39;s text."}})
		if got := f.article(id); got.BodyMarkdown != "Tab one's text." {
			t.Fatalf("a stale save was written: %q", got.BodyMarkdown)
		}
		// Another editor, based on the old revision, is told who.
		f.do(req{name: "stale by another", url: articlePath(id), cookie: other, wantStatus: http.StatusConflict,
			form:         articleForm("draft", "title", "Harbour plans", "base_revision", old, "body", "Olga's text."),
			wantContains: []string{"changed by ed@example.com at"}})
		// Based on the autosave, the manual save goes through.
		f.do(req{name: "save on the autosave", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther,
			form: articleForm("draft", "title", "Harbour plans", "base_revision", strconv.FormatInt(ans.Revision, 10), "body", "Final.")})
		// A published article is not autosaved.
		f.do(req{name: "publish", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther,
			form: articleForm("publish", "title", "Harbour plans", "body", "Final.")})
		f.do(req{name: "autosave of a live article", url: articlePath(id) + "/autosave", cookie: ed, wantStatus: http.StatusBadRequest,
			form:         articleForm("", "title", "Harbour plans", "base_revision", strconv.FormatInt(f.article(id).Revision, 10)),
			wantContains: []string{`"code":"invalid"`}})
	})
}

// TestSlugFromTitle: an empty slug is made from the title; once the
// article has been published an emptied slug keeps the address; "new"
// is refused with a message.
func TestSlugFromTitle(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		w := f.do(req{url: "/admin/articles/new", cookie: ed, wantStatus: http.StatusSeeOther,
			form: articleForm("draft", "title", "Élan & vigour: the Tour’s last week", "slug", "")})
		id := idFromLocation(t, w)
		if got := f.article(id).Slug; got != "elan-vigour-the-tour-s-last-week" {
			t.Errorf("slug from title: %q", got)
		}
		f.do(req{name: "draft retitled", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther,
			form: articleForm("draft", "title", "The Tour’s final week", "slug", "")})
		if got := f.article(id).Slug; got != "the-tour-s-final-week" {
			t.Errorf("a draft's emptied slug follows the title: %q", got)
		}
		f.do(req{name: "publish", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther,
			form: articleForm("publish", "title", "The Tour’s final week", "slug", "the-tour-s-final-week")})
		f.do(req{name: "published, retitled", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther,
			form: articleForm("save", "title", "A new headline", "slug", "")})
		if got := f.article(id); got.Slug != "the-tour-s-final-week" || got.Title != "A new headline" {
			t.Errorf("after publishing, a title edit changed the slug: %q", got.Slug)
		}
		f.do(req{name: "edit page: view on site, slug locked", url: articlePath(id), cookie: ed, wantStatus: 200,
			wantContains: []string{`href="http://example.test/articles/the-tour-s-final-week"`, "View on site", "data-locked"}})
		f.do(req{name: "slug new", url: "/admin/articles/new", cookie: ed, wantStatus: http.StatusUnprocessableEntity,
			form: articleForm("draft", "title", "New"), wantContains: []string{"The slug “new” is kept for the site’s own pages"}})
	})
}

// TestReviewWorkflow: an author submits a draft for review and cannot
// publish it; an editor finds it under "In review", returns it with a
// note the author then sees, and publishes it, which ends the review.
func TestReviewWorkflow(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		au := f.staff("ann@example.com", masthead.RoleAuthor, "ann")
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		w := f.do(req{url: "/admin/articles/new", cookie: au, wantStatus: http.StatusSeeOther,
			form: articleForm("draft", "title", "Ann's market report", "authors", "ann")})
		id := idFromLocation(t, w)
		f.do(req{name: "author sees submit", url: articlePath(id), cookie: au, wantStatus: 200,
			wantContains: []string{`value="submit">Submit for review</button>`}, wantNotContains: []string{">Publish</button>"}})
		f.do(req{name: "author publishes", url: articlePath(id), cookie: au, wantStatus: http.StatusForbidden,
			form: articleForm("publish", "title", "Ann's market report", "authors", "ann")})
		f.do(req{name: "author returns", url: articlePath(id), cookie: au, wantStatus: http.StatusForbidden,
			form: articleForm("return", "title", "Ann's market report", "authors", "ann", "review_note", "ok")})
		f.do(req{name: "author submits", url: articlePath(id), cookie: au, wantStatus: http.StatusSeeOther, wantLocation: articlePath(id) + "?msg=submitted",
			form: articleForm("submit", "title", "Ann's market report", "authors", "ann")})
		if a := f.article(id); a.Review != masthead.ReviewPending || a.Status != masthead.StatusDraft {
			t.Fatalf("after submit: review %q, status %s", a.Review, a.Status)
		}
		f.run([]req{
			{name: "in review list", url: "/admin/articles?status=review", cookie: ed, wantStatus: 200,
				wantContains: []string{"Ann&#39;s market report", `<span class="badge review">In review</span>`}},
			{name: "draft list leaves it out", url: "/admin/articles?status=draft", cookie: ed, wantStatus: 200,
				wantNotContains: []string{"Ann&#39;s market report"}},
			{name: "editor sees return", url: articlePath(id), cookie: ed, wantStatus: 200,
				wantContains: []string{`value="return">Return to author</button>`, `id="review_note"`}},
			{name: "return without a note", url: articlePath(id), cookie: ed, wantStatus: http.StatusUnprocessableEntity,
				form: articleForm("return", "title", "Ann's market report", "authors", "ann"), wantContains: []string{"Tell the author what to change."}},
			{name: "return with a note", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther,
				form: articleForm("return", "title", "Ann's market report", "authors", "ann", "review_note", "Add the figures for March.")},
			{name: "author sees the note", url: articlePath(id), cookie: au, wantStatus: 200,
				wantContains: []string{"Returned by an editor:", "Add the figures for March."}},
			{name: "author submits again", url: articlePath(id), cookie: au, wantStatus: http.StatusSeeOther,
				form: articleForm("submit", "title", "Ann's market report", "authors", "ann")},
			{name: "editor publishes", url: articlePath(id), cookie: ed, wantStatus: http.StatusSeeOther,
				form: articleForm("publish", "title", "Ann's market report", "authors", "ann")},
		})
		if a := f.article(id); a.Review != masthead.ReviewNone || a.Status != masthead.StatusPublished || a.ReviewNote != "" {
			t.Fatalf("after publishing: review %q %q, status %s", a.Review, a.ReviewNote, a.Status)
		}
	})
}

// TestCorrectionForm: editors add a correction to a live article; an
// author cannot; an empty note comes back with its message.
func TestCorrectionForm(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		au := f.staff("ann@example.com", masthead.RoleAuthor, "ann")
		a := f.create(masthead.ArticleInput{Title: "Rail strike", AuthorSlugs: []string{"ann"}, Status: masthead.StatusPublished, PublishedAt: t0})
		f.run([]req{
			{name: "form shown", url: articlePath(a.ID), cookie: ed, wantStatus: 200, wantContains: []string{`action="/admin/articles/` + strconv.FormatInt(a.ID, 10) + `/notes"`}},
			{name: "author adds", url: articlePath(a.ID) + "/notes", cookie: au, wantStatus: http.StatusForbidden,
				form: url.Values{"note_kind": {"correction"}, "note_body": {"x"}}},
			{name: "empty note", url: articlePath(a.ID) + "/notes", cookie: ed, wantStatus: http.StatusUnprocessableEntity,
				form: url.Values{"note_kind": {"update"}, "note_body": {" "}}, wantContains: []string{"Write the note readers will see."}},
			{name: "adds", url: articlePath(a.ID) + "/notes", cookie: ed, wantStatus: http.StatusSeeOther,
				form: url.Values{"note_kind": {"update"}, "note_body": {"The strike was called off at noon."}}},
			{name: "listed", url: articlePath(a.ID), cookie: ed, wantStatus: 200,
				wantContains: []string{"<strong>Update</strong>", "The strike was called off at noon."}},
		})
		if got := f.article(a.ID); len(got.Notes) != 1 || got.Notes[0].Kind != masthead.NoteUpdate {
			t.Errorf("notes: %+v", got.Notes)
		}
	})
}

// TestCorrectionEdit: an editor edits a note's kind and text and deletes
// it from the editor page; an author may not; an emptied note comes back
// in its own form with the message; the history says what changed.
func TestCorrectionEdit(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		au := f.staff("ann@example.com", masthead.RoleAuthor, "ann")
		a := f.create(masthead.ArticleInput{Title: "Port closure", AuthorSlugs: []string{"ann"}, Status: masthead.StatusPublished, PublishedAt: t0})
		n, err := f.db.AddArticleNote(context.Background(), a.ID, masthead.ArticleNoteInput{Kind: masthead.NoteCorrection, Body: "The port closed on Monday."})
		if err != nil {
			t.Fatal(err)
		}
		notePath := articlePath(a.ID) + "/notes/" + strconv.FormatInt(n.ID, 10)
		f.run([]req{
			{name: "edit form shown", url: articlePath(a.ID), cookie: ed, wantStatus: 200,
				wantContains: []string{`action="` + notePath + `"`, `action="` + notePath + `/delete"`}},
			{name: "no edit form for an author", url: articlePath(a.ID), cookie: au, wantStatus: 200,
				wantNotContains: []string{`action="` + notePath + `"`}},
			{name: "author edits", url: notePath, cookie: au, wantStatus: http.StatusForbidden,
				form: url.Values{"note_kind": {"update"}, "note_body": {"x"}}},
			{name: "author deletes", url: notePath + "/delete", cookie: au, wantStatus: http.StatusForbidden, form: url.Values{}},
			{name: "emptied", url: notePath, cookie: ed, wantStatus: http.StatusUnprocessableEntity,
				form:         url.Values{"note_kind": {"update"}, "note_body": {" "}},
				wantContains: []string{"<details open>", "Write the note readers will see.", "The note was not changed."}},
			{name: "no such note", url: articlePath(a.ID) + "/notes/99999", cookie: ed, wantStatus: http.StatusNotFound,
				form: url.Values{"note_kind": {"update"}, "note_body": {"x"}}},
			{name: "edited", url: notePath, cookie: ed, wantStatus: http.StatusSeeOther, wantLocation: articlePath(a.ID) + "?msg=note-edited",
				form: url.Values{"note_kind": {"update"}, "note_body": {"The port closed on Tuesday."}}},
			{name: "shown edited", url: articlePath(a.ID), cookie: ed, wantStatus: 200,
				wantContains: []string{"<strong>Update</strong>", "The port closed on Tuesday.", "Update edited: The port closed on Tuesday."}},
		})
		if got := f.article(a.ID); len(got.Notes) != 1 || got.Notes[0].Kind != masthead.NoteUpdate || got.Notes[0].Body != "The port closed on Tuesday." {
			t.Errorf("notes after the edit: %+v", got.Notes)
		}
		f.run([]req{
			{name: "deleted", url: notePath + "/delete", cookie: ed, form: url.Values{}, wantStatus: http.StatusSeeOther,
				wantLocation: articlePath(a.ID) + "?msg=note-deleted"},
			{name: "history says deleted", url: articlePath(a.ID), cookie: ed, wantStatus: 200,
				wantContains: []string{"Update deleted: The port closed on Tuesday."}, wantNotContains: []string{`action="` + notePath + `"`}},
			{name: "deleted twice", url: notePath + "/delete", cookie: ed, form: url.Values{}, wantStatus: http.StatusNotFound},
		})
		if got := f.article(a.ID); len(got.Notes) != 0 {
			t.Errorf("notes after the delete: %+v", got.Notes)
		}
	})
}

// TestAuthorMerge: an editor folds one author into another: the bylines
// move (an article with both keeps one), the account behind the old
// byline moves to the new one, the old author is gone; an author may not
// merge, an unknown target comes back with its message, and so does a
// merge of two authors who each have a staff account.
func TestAuthorMerge(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.Newsroom = f.db })
		ctx := context.Background()
		ed := f.staff("ed@example.com", masthead.RoleEditor, "")
		ann := f.staff("ann@example.com", masthead.RoleAuthor, "ann")
		only := f.create(masthead.ArticleInput{Title: "Ann alone", AuthorSlugs: []string{"ann"}})
		both := f.create(masthead.ArticleInput{Title: "Ann and Bea", AuthorSlugs: []string{"ann", "bea"}})
		f.run([]req{
			{name: "merge offered", url: "/admin/authors/ann", cookie: ed, wantStatus: 200, wantContains: []string{`action="/admin/authors/ann/merge"`}},
			{name: "an author merges", url: "/admin/authors/ann/merge", cookie: ann, form: url.Values{"into": {"bea"}}, wantStatus: http.StatusForbidden},
			{name: "into nobody", url: "/admin/authors/ann/merge", cookie: ed, form: url.Values{"into": {"nobody"}},
				wantStatus: http.StatusUnprocessableEntity, wantContains: []string{"There is no author with this slug.", `value="nobody"`}},
			{name: "merged", url: "/admin/authors/ann/merge", cookie: ed, form: url.Values{"into": {"bea"}},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/authors/bea?msg=merged&n=2"},
		})
		for _, a := range []*masthead.Article{only, both} {
			if got := f.article(a.ID); len(got.Authors) != 1 || got.Authors[0].Slug != "bea" {
				t.Errorf("%q after the merge: %+v", a.Title, got.Authors)
			}
		}
		if _, err := f.db.Author(ctx, "ann"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("the merged author: %v", err)
		}
		staff, err := f.db.Staff(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range staff {
			if m.Email == "ann@example.com" && m.AuthorSlug != "bea" {
				t.Errorf("ann's account has byline %q, want bea", m.AuthorSlug)
			}
		}

		// Bea now has ann's account; merging cy, who has one too, into
		// her is refused on the form, and nothing moves.
		f.staff("cy@example.com", masthead.RoleAuthor, "cy")
		f.create(masthead.ArticleInput{Title: "Cy's piece", AuthorSlugs: []string{"cy"}})
		f.do(req{name: "both linked", url: "/admin/authors/cy/merge", cookie: ed, form: url.Values{"into": {"bea"}},
			wantStatus:   http.StatusUnprocessableEntity,
			wantContains: []string{"Both authors have a staff account behind the byline", "cy@example.com", "ann@example.com", `value="bea"`}})
		if _, err := f.db.Author(ctx, "cy"); err != nil {
			t.Errorf("the refused merge removed cy: %v", err)
		}
	})
}
