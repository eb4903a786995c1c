package store_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestArticleRevisions: a person's creation and every save that changes
// the content keep a revision with the full text; a save based on an
// older revision is refused and writes nothing; autosaves fold into the
// member's newest; a restore is a new revision and the history says so.
func TestArticleRevisions(t *testing.T) {
	clock := &fixedClock{t0}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ed, err := db.EnsureMember(ctx, "ed@example.com", masthead.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		au, err := db.EnsureMember(ctx, "au@example.com", masthead.RoleAuthor)
		if err != nil {
			t.Fatal(err)
		}
		byEd := masthead.ArticleActor{MemberID: ed.ID, Via: masthead.ChangeViaEditor}
		byAu := masthead.ArticleActor{MemberID: au.ID, Via: masthead.ChangeViaEditor}
		revisions := func(id int64) []masthead.ArticleRevision {
			t.Helper()
			rs, err := db.ArticleRevisions(ctx, id, 0)
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}
		at := func(rev int64) *int64 { return &rev }

		in := published("river-story", t0.Add(-time.Hour))
		in.Status, in.PublishedAt = masthead.StatusDraft, time.Time{}
		in.By = byEd
		a := mustCreate(t, db, in)
		rs := revisions(a.ID)
		if len(rs) != 1 || a.Revision != rs[0].ID || rs[0].Kind != masthead.RevisionSave || rs[0].MemberEmail != "ed@example.com" {
			t.Fatalf("after creation: article revision %d, %+v", a.Revision, rs)
		}
		first := rs[0]
		if first.Content.Body != in.BodyMarkdown || first.Content.Title != in.Title || first.Content.Column != "the-long-view" ||
			!slices.Equal(first.Content.Topics, []string{"energy"}) || first.Content.Access != masthead.AccessFree {
			t.Errorf("first revision keeps %+v", first.Content)
		}

		// A second save, based on the first.
		clock.t = t0.Add(time.Minute)
		in2 := in
		in2.BodyMarkdown = "A second version of the river story."
		in2.Title = "The river, again"
		in2.BaseRevision = at(first.ID)
		a2, err := db.UpdateArticle(ctx, a.ID, in2)
		if err != nil {
			t.Fatal(err)
		}
		if a2.Revision == first.ID || len(revisions(a.ID)) != 2 {
			t.Fatalf("second save: revision %d, %d revisions", a2.Revision, len(revisions(a.ID)))
		}

		// A second tab still based on the first revision is refused,
		// and nothing of it is written.
		stale := in
		stale.BodyMarkdown = "Text from an old tab."
		stale.BaseRevision = at(first.ID)
		_, err = db.UpdateArticle(ctx, a.ID, stale)
		if masthead.ErrorCode(err) != masthead.ECONFLICT || masthead.ErrorFields(err)["base_revision"] == "" {
			t.Fatalf("stale save: %v", err)
		}
		if got, _ := db.ArticleByID(ctx, a.ID); got.BodyMarkdown != in2.BodyMarkdown || len(revisions(a.ID)) != 2 {
			t.Fatalf("a refused save changed the article: %q", got.BodyMarkdown)
		}

		// Autosaves by one member fold into one revision; the history
		// says once that the body was edited.
		histBefore, _ := db.ArticleHistory(ctx, a.ID, 0)
		base := a2.Revision
		for i, body := range []string{"Typing one.", "Typing one two.", "Typing one two three."} {
			clock.t = t0.Add(time.Duration(2+i) * time.Minute)
			auto := in2
			auto.By = byAu
			auto.BodyMarkdown, auto.Autosave, auto.BaseRevision = body, true, at(base)
			saved, err := db.UpdateArticle(ctx, a.ID, auto)
			if err != nil {
				t.Fatalf("autosave %d: %v", i, err)
			}
			base = saved.Revision
		}
		rs = revisions(a.ID)
		if len(rs) != 3 || rs[0].Kind != masthead.RevisionAutosave || rs[0].Content.Body != "Typing one two three." || rs[0].ID != base {
			t.Fatalf("after three autosaves: %+v", rs)
		}
		histAfter, _ := db.ArticleHistory(ctx, a.ID, 0)
		if len(histAfter) != len(histBefore)+1 {
			t.Errorf("three autosaves added %d history entries, want 1", len(histAfter)-len(histBefore))
		}
		// Another member's save, based on the autosave, keeps it.
		edSave := in2
		edSave.BodyMarkdown, edSave.BaseRevision = "The editor's text.", at(base)
		if _, err := db.UpdateArticle(ctx, a.ID, edSave); err != nil {
			t.Fatal(err)
		}
		if rs = revisions(a.ID); len(rs) != 4 || rs[1].Kind != masthead.RevisionAutosave {
			t.Fatalf("an editor's save after another's autosave: %+v", rs)
		}
		// The same save again keeps no second copy.
		if _, err := db.UpdateArticle(ctx, a.ID, edSave); masthead.ErrorCode(err) != masthead.ECONFLICT {
			t.Fatalf("a save based on a replaced revision: %v", err)
		}
		edSave.BaseRevision = nil
		if _, err := db.UpdateArticle(ctx, a.ID, edSave); err != nil {
			t.Fatal(err)
		}
		if n := len(revisions(a.ID)); n != 4 {
			t.Errorf("an unchanged save kept a revision: %d", n)
		}

		// Restoring the first revision: a new revision with its text,
		// and the history names it.
		clock.t = t0.Add(time.Hour)
		back := in
		back.By, back.RestoredFrom = byEd, first.ID
		restored, err := db.UpdateArticle(ctx, a.ID, back)
		if err != nil {
			t.Fatal(err)
		}
		rs = revisions(a.ID)
		if len(rs) != 5 || rs[0].Kind != masthead.RevisionRestore || rs[0].RestoredFrom != first.ID || rs[0].Content.Body != in.BodyMarkdown {
			t.Fatalf("after restore: %+v", rs[0])
		}
		if restored.BodyMarkdown != in.BodyMarkdown || restored.Title != in.Title {
			t.Errorf("restored article: %q %q", restored.Title, restored.BodyMarkdown)
		}
		h, _ := db.ArticleHistory(ctx, a.ID, 1)
		if !slices.ContainsFunc(h[0].Fields, func(f masthead.FieldChange) bool {
			return f.Field == masthead.FieldRestored && f.To == itoa(first.ID)
		}) {
			t.Errorf("history of the restore: %+v", h[0].Fields)
		}
		got, err := db.ArticleRevision(ctx, a.ID, first.ID)
		if err != nil || got.Content.Body != in.BodyMarkdown {
			t.Errorf("ArticleRevision: %v %+v", err, got)
		}
		if _, err := db.ArticleRevision(ctx, a.ID+1000, first.ID); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("a revision of another article: %v", err)
		}

		// An import keeps no revisions.
		imp := published("imported-story", t0)
		imp.By = masthead.ArticleActor{Via: masthead.ChangeViaImport}
		if b := mustCreate(t, db, imp); len(revisions(b.ID)) != 0 || b.Revision != 0 {
			t.Errorf("an import kept revisions")
		}
		// Revisions go with the article.
		if err := db.DeleteArticle(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(revisions(a.ID)); n != 0 {
			t.Errorf("revisions of a deleted article: %d", n)
		}
	})
}

// TestArticleNotes: a correction is dated, listed with the article, makes
// the article modified now and is in its history; a bad note is refused
// with the field at fault.
func TestArticleNotes(t *testing.T) {
	clock := &fixedClock{t0}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreate(t, db, published("bridge-story", t0.Add(-48*time.Hour)))
		v0, _ := db.ContentVersion(ctx)
		clock.t = t0.Add(24 * time.Hour)
		n, err := db.AddArticleNote(ctx, a.ID, masthead.ArticleNoteInput{Kind: masthead.NoteCorrection, Body: "  The bridge is 40 m long, not 400 m.  "})
		if err != nil {
			t.Fatal(err)
		}
		if n.Body != "The bridge is 40 m long, not 400 m." || !n.CreatedAt.Equal(clock.t) {
			t.Errorf("note: %+v", n)
		}
		got, err := db.Article(ctx, "bridge-story")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Notes) != 1 || got.Notes[0].Kind != masthead.NoteCorrection || !got.UpdatedAt.Equal(clock.t) {
			t.Errorf("article after note: notes %+v, updated %v", got.Notes, got.UpdatedAt)
		}
		if v1, _ := db.ContentVersion(ctx); v1 == v0 {
			t.Error("the content version did not move")
		}
		h, _ := db.ArticleHistory(ctx, a.ID, 1)
		if len(h) != 1 || h[0].Fields[0].Field != masthead.FieldNote {
			t.Errorf("history: %+v", h)
		}
		_, err = db.AddArticleNote(ctx, a.ID, masthead.ArticleNoteInput{Kind: "erratum", Body: ""})
		if f := masthead.ErrorFields(err); f["note_kind"] == "" || f["note_body"] == "" {
			t.Errorf("bad note: %v", err)
		}
		if _, err := db.AddArticleNote(ctx, a.ID+1000, masthead.ArticleNoteInput{Kind: masthead.NoteUpdate, Body: "x"}); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("note on no article: %v", err)
		}
	})
}

// TestArticleNoteEdits: an editor edits a note's kind and text (its
// date stays) and deletes it; each change makes the article modified
// now, is in its history and moves the content version. A note of
// another article is not found; an edit that changes nothing writes
// nothing; a bad edit is refused with the field at fault.
func TestArticleNoteEdits(t *testing.T) {
	clock := &fixedClock{t0}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreate(t, db, published("dam-story", t0.Add(-48*time.Hour)))
		other := mustCreate(t, db, published("weir-story", t0.Add(-48*time.Hour)))
		added := t0.Add(time.Hour)
		clock.t = added
		n, err := db.AddArticleNote(ctx, a.ID, masthead.ArticleNoteInput{Kind: masthead.NoteCorrection, Body: "The dam is 30 m high."})
		if err != nil {
			t.Fatal(err)
		}
		state := func() (*masthead.Article, int64, []masthead.ArticleChange) {
			t.Helper()
			got, err := db.Article(ctx, "dam-story")
			if err != nil {
				t.Fatal(err)
			}
			v, err := db.ContentVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			h, err := db.ArticleHistory(ctx, a.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			return got, v, h
		}
		_, v0, _ := state()

		// Edited: kind and text change, the date stays, the article is
		// modified now.
		clock.t = t0.Add(24 * time.Hour)
		e, err := db.EditArticleNote(ctx, a.ID, n.ID, masthead.ArticleNoteInput{Kind: masthead.NoteUpdate, Body: " The dam is 35 m high. "})
		if err != nil {
			t.Fatal(err)
		}
		if e.Body != "The dam is 35 m high." || e.Kind != masthead.NoteUpdate || !e.CreatedAt.Equal(added) {
			t.Errorf("edited note: %+v", e)
		}
		got, v1, h := state()
		if len(got.Notes) != 1 || got.Notes[0].Body != "The dam is 35 m high." || got.Notes[0].Kind != masthead.NoteUpdate ||
			!got.Notes[0].CreatedAt.Equal(added) {
			t.Errorf("notes after the edit: %+v", got.Notes)
		}
		if !got.UpdatedAt.Equal(clock.t) {
			t.Errorf("updated at %v after the edit, want %v", got.UpdatedAt, clock.t)
		}
		if v1 == v0 {
			t.Error("the edit left the content version")
		}
		if len(h) != 1 || h[0].Fields[0].Field != masthead.FieldNoteEdited || h[0].Fields[0].To != "The dam is 35 m high." {
			t.Errorf("history after the edit: %+v", h)
		}

		// The same again writes nothing.
		clock.t = t0.Add(30 * time.Hour)
		if _, err := db.EditArticleNote(ctx, a.ID, n.ID, masthead.ArticleNoteInput{Kind: masthead.NoteUpdate, Body: "The dam is 35 m high."}); err != nil {
			t.Fatal(err)
		}
		if got, v, _ := state(); !got.UpdatedAt.Equal(t0.Add(24*time.Hour)) || v != v1 {
			t.Errorf("an edit changing nothing: updated %v, version %d (was %d)", got.UpdatedAt, v, v1)
		}

		// Refused edits.
		_, err = db.EditArticleNote(ctx, a.ID, n.ID, masthead.ArticleNoteInput{Kind: "erratum", Body: " "})
		if f := masthead.ErrorFields(err); f["note_kind"] == "" || f["note_body"] == "" {
			t.Errorf("bad edit: %v", err)
		}
		if _, err := db.EditArticleNote(ctx, other.ID, n.ID, masthead.ArticleNoteInput{Kind: masthead.NoteUpdate, Body: "x"}); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("edit through another article: %v", err)
		}
		if err := db.DeleteArticleNote(ctx, other.ID, n.ID, masthead.ArticleActor{}); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("delete through another article: %v", err)
		}

		// Deleted.
		clock.t = t0.Add(48 * time.Hour)
		if err := db.DeleteArticleNote(ctx, a.ID, n.ID, masthead.ArticleActor{}); err != nil {
			t.Fatal(err)
		}
		got, v2, h := state()
		if len(got.Notes) != 0 || !got.UpdatedAt.Equal(clock.t) || v2 == v1 {
			t.Errorf("after the delete: notes %+v, updated %v, version %d", got.Notes, got.UpdatedAt, v2)
		}
		if len(h) != 1 || h[0].Fields[0].Field != masthead.FieldNoteDeleted || h[0].Fields[0].To != "The dam is 35 m high." {
			t.Errorf("history after the delete: %+v", h)
		}
		if err := db.DeleteArticleNote(ctx, a.ID, n.ID, masthead.ArticleActor{}); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("deleted twice: %v", err)
		}
	})
}

// TestArticleReview: the review state is kept with the article, filters
// the list, and publishing ends it.
func TestArticleReview(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		in := published("draft-in-review", t0)
		in.Status, in.PublishedAt, in.Review = masthead.StatusDraft, time.Time{}, masthead.ReviewPending
		a := mustCreate(t, db, in)
		other := published("plain-draft", t0)
		other.Status, other.PublishedAt = masthead.StatusDraft, time.Time{}
		mustCreate(t, db, other)
		list, n, err := db.Articles(ctx, masthead.ArticleFilter{Review: new(masthead.ReviewPending)})
		if err != nil || n != 1 || list[0].ID != a.ID || list[0].Review != masthead.ReviewPending {
			t.Fatalf("in review: %v %d", err, n)
		}
		_, n, _ = db.Articles(ctx, masthead.ArticleFilter{Status: new(masthead.StatusDraft), NotReview: new(masthead.ReviewPending)})
		if n != 1 {
			t.Errorf("drafts not in review: %d", n)
		}
		back := in
		back.Review, back.ReviewNote = masthead.ReviewReturned, "Cut the second half."
		got, err := db.UpdateArticle(ctx, a.ID, back)
		if err != nil || got.Review != masthead.ReviewReturned || got.ReviewNote != "Cut the second half." {
			t.Fatalf("returned: %v %+v", err, got)
		}
		// The slug "new" is the editor's own address.
		bad := published("new", t0)
		if _, err := db.CreateArticle(ctx, bad); masthead.ErrorFields(err)["slug"] == "" {
			t.Errorf("slug new: %v", err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
