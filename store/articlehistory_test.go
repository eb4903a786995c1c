package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestArticleHistory: a person's creation and every write that changes a
// followed field append one entry, in the transaction of the write; a
// write that changes nothing followed, an import's creation and a failed
// write append none; the scheduler's publication is recorded too.
func TestArticleHistory(t *testing.T) {
	clock := &fixedClock{t0}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ed, err := db.EnsureMember(ctx, "ed@example.com", masthead.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		by := masthead.ArticleActor{MemberID: ed.ID, Via: masthead.ChangeViaEditor}
		history := func(id int64) []masthead.ArticleChange {
			t.Helper()
			h, err := db.ArticleHistory(ctx, id, 0)
			if err != nil {
				t.Fatal(err)
			}
			return h
		}

		in := published("grid-story", t0.Add(-time.Hour))
		in.By = by
		a := mustCreate(t, db, in)
		h := history(a.ID)
		if len(h) != 1 || h[0].ActorEmail != "ed@example.com" || h[0].Via != masthead.ChangeViaEditor || !h[0].CreatedAt.Equal(t0) {
			t.Fatalf("after creation: %+v", h)
		}
		wantCreated := []masthead.FieldChange{
			{Field: "title", To: "Title of grid-story"}, {Field: "slug", To: "grid-story"}, {Field: "status", To: "published"},
			{Field: "published_at", To: t0.Add(-time.Hour).Format(time.RFC3339)}, {Field: "access", To: "free"},
			{Field: "authors", To: "ada-lovelace, grace-hopper"}, {Field: "kind", To: "in-depth"}, {Field: "column", To: "the-long-view"},
			{Field: "dek", To: "Dek of grid-story"}, {Field: "body"},
		}
		if !slices.Equal(h[0].Fields, wantCreated) {
			t.Errorf("creation entry:\n%+v\nwant\n%+v", h[0].Fields, wantCreated)
		}

		// Saved unchanged: nothing to record.
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if n := len(history(a.ID)); n != 1 {
			t.Errorf("an unchanged save added entries: %d", n)
		}

		// Access, bylines, status and title change together.
		ch := in
		ch.Title, ch.Access, ch.Status, ch.AuthorSlugs = "New title", masthead.AccessSubscribers, masthead.StatusDraft, []string{"grace-hopper"}
		if _, err := db.UpdateArticle(ctx, a.ID, ch); err != nil {
			t.Fatal(err)
		}
		want := []masthead.FieldChange{
			{Field: "title", From: "Title of grid-story", To: "New title"}, {Field: "status", From: "published", To: "draft"},
			{Field: "access", From: "free", To: "subscribers"}, {Field: "authors", From: "ada-lovelace, grace-hopper", To: "grace-hopper"},
		}
		if h := history(a.ID); len(h) != 2 || !slices.Equal(h[0].Fields, want) {
			t.Errorf("after the change: %+v, want newest %+v", h, want)
		}

		// A write that fails leaves neither the change nor its entry: the
		// entry's actor is unknown, so its insert fails and the update
		// with it.
		bad := ch
		bad.Access, bad.By = masthead.AccessFree, masthead.ArticleActor{MemberID: ed.ID + 1000, Via: masthead.ChangeViaEditor}
		if _, err := db.UpdateArticle(ctx, a.ID, bad); err == nil {
			t.Fatal("a change with an unknown actor was written")
		}
		if got, _ := db.ArticleByID(ctx, a.ID); got.Access != masthead.AccessSubscribers {
			t.Errorf("the failed write changed access to %s", got.Access)
		}
		if n := len(history(a.ID)); n != 2 {
			t.Errorf("the failed write left %d entries, want 2", n)
		}
		other := mustCreate(t, db, published("taken", t0.Add(-time.Hour)))
		clash := ch
		clash.Slug = other.Slug
		if _, err := db.UpdateArticle(ctx, a.ID, clash); masthead.ErrorCode(err) != masthead.ECONFLICT {
			t.Fatalf("slug clash: %v", err)
		}
		if n := len(history(a.ID)); n != 2 {
			t.Errorf("the refused rename left %d entries, want 2", n)
		}
		if n := len(history(other.ID)); n != 0 {
			t.Errorf("a creation without an actor (an import) has %d entries, want none", n)
		}

		// The scheduler's publication.
		sch := published("later", t0.Add(time.Hour))
		sch.Status = masthead.StatusScheduled
		s := mustCreate(t, db, sch)
		clock.t = t0.Add(2 * time.Hour)
		if ok, err := db.PublishScheduled(ctx, s.ID, t0.Add(time.Hour)); err != nil || !ok {
			t.Fatalf("publish scheduled: %v %v", ok, err)
		}
		clock.t = t0
		h = history(s.ID)
		if len(h) != 1 || h[0].Via != masthead.ChangeViaSchedule || h[0].ActorID != 0 ||
			!slices.Equal(h[0].Fields, []masthead.FieldChange{{Field: "status", From: "scheduled", To: "published"}}) {
			t.Errorf("promoted: %+v", h)
		}

		// The history goes with the article.
		if err := db.DeleteArticle(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(history(a.ID)); n != 0 {
			t.Errorf("%d entries outlive their article", n)
		}
	})
}
