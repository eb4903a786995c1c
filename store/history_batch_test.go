package store_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/insights"
	"masthead/store"
	"masthead/store/storetest"
)

// batchedReads starts the insights recorder on db as the server does,
// with an interval long enough that nothing is written but by Flush.
func batchedReads(t *testing.T, db *store.DB) *insights.Recorder {
	t.Helper()
	rec := insights.New(db, insights.Options{Interval: time.Hour, Batch: 10_000, Clock: &fixedClock{curatorNow}})
	t.Cleanup(rec.Close)
	return rec
}

// historySlugs lists member's history, latest first, at a time after
// every read of these tests.
func historySlugs(t *testing.T, db *store.DB, memberID int64) []string {
	t.Helper()
	h, err := db.History(context.Background(), memberID, curatorNow.Add(24*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range h {
		out = append(out, r.Article.Slug)
	}
	return out
}

// TestHistoryBatched checks that reads handed to the recorder reach the
// history when their batch is written and not before, that a later
// batch with an older read of the same article does not move it back,
// and that the dashboard never counts them as views.
func TestHistoryBatched(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{curatorNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rec := batchedReads(t, db)
		m := verifiedMember(t, db, "reader@example.com")
		a := mustCreate(t, db, curatorArticle("first", curatorNow.Add(-2*time.Hour), "energy", "asia"))
		b := mustCreate(t, db, curatorArticle("second", curatorNow.Add(-time.Hour), "energy", "asia"))

		rec.RecordRead(m.ID, a.ID, curatorNow)
		rec.RecordRead(m.ID, b.ID, curatorNow.Add(time.Second))
		rec.RecordRead(m.ID, a.ID, curatorNow.Add(2*time.Second)) // the same article again, in the same batch
		if got := historySlugs(t, db, m.ID); len(got) != 0 {
			t.Fatalf("history before the batch = %v, want nothing yet", got)
		}
		rec.Flush()
		if got := historySlugs(t, db, m.ID); !equalSlugs(got, "first", "second") {
			t.Fatalf("history after the batch = %v, want [first second]", got)
		}
		// A batch from a slower instance, with an older read of b.
		rec.RecordRead(m.ID, b.ID, curatorNow.Add(-time.Minute))
		rec.Flush()
		if got := historySlugs(t, db, m.ID); !equalSlugs(got, "first", "second") {
			t.Errorf("an older read moved the history back: %v", got)
		}
		read, err := db.ReadAmong(ctx, m.ID, []int64{a.ID, b.ID})
		if err != nil || !read[a.ID] || !read[b.ID] {
			t.Errorf("read among = %v, %v", read, err)
		}
		views, err := db.InsightTopArticles(ctx, insightDays(), 10)
		if err != nil || len(views) != 0 {
			t.Errorf("reads counted as views: %+v, %v", views, err)
		}
	})
}

// TestHistoryClearNotUndoneByLateBatch checks that reads still waiting
// in a batch when the member clears, pauses or resumes their history are
// not written after it, while reads made after a clear or a resumption
// are.
func TestHistoryClearNotUndoneByLateBatch(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{curatorNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rec := batchedReads(t, db)
		m := verifiedMember(t, db, "reader@example.com")
		other := verifiedMember(t, db, "other@example.com")
		a := mustCreate(t, db, curatorArticle("first", curatorNow.Add(-2*time.Hour), "energy", "asia"))
		b := mustCreate(t, db, curatorArticle("second", curatorNow.Add(-time.Hour), "energy", "asia"))

		// Written before the clear, then read again while the clear
		// happens: the buffered read is from before it.
		if err := db.RecordRead(ctx, m.ID, a.ID, curatorNow); err != nil {
			t.Fatal(err)
		}
		rec.RecordRead(m.ID, b.ID, curatorNow.Add(time.Second))
		rec.RecordRead(other.ID, b.ID, curatorNow.Add(time.Second))
		if err := db.ClearHistory(ctx, m.ID, curatorNow.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		rec.Flush()
		if got := historySlugs(t, db, m.ID); len(got) != 0 {
			t.Fatalf("history after clear and a late batch = %v, want nothing", got)
		}
		if got := historySlugs(t, db, other.ID); !equalSlugs(got, "second") {
			t.Errorf("another member's read in the same batch = %v, want [second]", got)
		}
		rec.RecordRead(m.ID, a.ID, curatorNow.Add(3*time.Second))
		rec.Flush()
		if got := historySlugs(t, db, m.ID); !equalSlugs(got, "first") {
			t.Fatalf("a read after the clear = %v, want [first]", got)
		}

		// Paused: a read from before the pause but written after it is
		// not kept, nor one made while paused and written after the
		// resumption; one made after resuming is.
		rec.RecordRead(m.ID, b.ID, curatorNow.Add(4*time.Second))
		if err := db.SetHistoryPaused(ctx, m.ID, true, curatorNow.Add(5*time.Second)); err != nil {
			t.Fatal(err)
		}
		rec.Flush()
		rec.RecordRead(m.ID, b.ID, curatorNow.Add(6*time.Second))
		if err := db.SetHistoryPaused(ctx, m.ID, false, curatorNow.Add(7*time.Second)); err != nil {
			t.Fatal(err)
		}
		rec.Flush()
		if got := historySlugs(t, db, m.ID); !equalSlugs(got, "first") {
			t.Fatalf("history after reads around a pause = %v, want [first]", got)
		}
		rec.RecordRead(m.ID, b.ID, curatorNow.Add(8*time.Second))
		rec.Flush()
		if got := historySlugs(t, db, m.ID); !equalSlugs(got, "second", "first") {
			t.Errorf("a read after resuming = %v, want [second first]", got)
		}
	})
}

// TestDeleteAccountErasesBufferedReads checks that reads waiting in a
// batch when the account is deleted are not written after it, and that
// they do not fail the batch: the other events in it are counted.
func TestDeleteAccountErasesBufferedReads(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{curatorNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rec := batchedReads(t, db)
		m := verifiedMember(t, db, "reader@example.com")
		a := mustCreate(t, db, curatorArticle("first", curatorNow.Add(-2*time.Hour), "energy", "asia"))
		gone := mustCreate(t, db, curatorArticle("gone", curatorNow.Add(-time.Hour), "energy", "asia"))

		rec.RecordRead(m.ID, a.ID, curatorNow)
		rec.RecordRead(m.ID, gone.ID, curatorNow)
		rec.Record(masthead.InsightArticleView, a.ID, 0)
		if err := db.DeleteArticle(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteAccount(ctx, masthead.AccountDeletion{MemberID: m.ID, PeriodStart: curatorNow.AddDate(0, -1, 0),
			PeriodEnd: curatorNow.AddDate(0, 1, 0), Now: curatorNow.Add(time.Second)}); err != nil {
			t.Fatal(err)
		}
		rec.Flush()
		if got := historySlugs(t, db, m.ID); len(got) != 0 {
			t.Errorf("a deleted account's history after a late batch = %v, want nothing", got)
		}
		if n := rec.Written(); n != 3 {
			t.Errorf("written = %d events, want the batch of 3 written", n)
		}
		views, err := db.InsightTopArticles(ctx, insightDays(), 10)
		if err != nil || len(views) != 1 || views[0].Views != 1 {
			t.Errorf("the batch's view = %+v, %v; want one view", views, err)
		}
	})
}

// TestReaderCuration checks that the curator's state of a reader's pages
// holds their follows and their last saved articles, and says when there
// are more.
func TestReaderCuration(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{curatorNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := verifiedMember(t, db, "reader@example.com")
		a := mustCreate(t, db, curatorArticle("first", curatorNow.Add(-2*time.Hour), "energy", "asia"))
		b := mustCreate(t, db, curatorArticle("second", curatorNow.Add(-time.Hour), "energy", "asia"))
		if err := db.Follow(ctx, m.ID, masthead.FollowTopic, "energy", masthead.AlertOff, curatorNow); err != nil {
			t.Fatal(err)
		}
		c, err := db.ReaderCuration(ctx, m.ID, 1)
		if err != nil || len(c.Follows) != 1 || c.Follows[0].Slug != "energy" || len(c.Saved) != 0 || !c.SavedAll {
			t.Fatalf("nothing saved: %+v, %v", c, err)
		}
		db.SaveArticle(ctx, m.ID, a.ID, curatorNow)
		db.SaveArticle(ctx, m.ID, b.ID, curatorNow.Add(time.Minute))
		if c, err = db.ReaderCuration(ctx, m.ID, 1); err != nil || len(c.Saved) != 1 || c.Saved[0] != b.ID || c.SavedAll {
			t.Errorf("two saved, one asked: %+v, %v", c, err)
		}
		if c, err = db.ReaderCuration(ctx, m.ID, 2); err != nil || len(c.Saved) != 2 || !c.SavedAll || len(c.Follows) != 1 {
			t.Errorf("two saved, two asked: %+v, %v", c, err)
		}
	})
}

func equalSlugs(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// insightDays is the dashboard's range of the days around curatorNow.
func insightDays() masthead.InsightRange {
	day := curatorNow.Truncate(24 * time.Hour)
	return masthead.InsightRange{From: day.AddDate(0, 0, -1), To: day.AddDate(0, 0, 2)}
}
