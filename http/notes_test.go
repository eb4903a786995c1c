package http_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	"masthead/store"
	"masthead/store/storetest"
)

// TestCorrectionNote: a correction added to a live article is shown on
// its page with its date and kind, and moves the page's dateModified and
// the Atom feed's updated date to when it was added.
func TestCorrectionNote(t *testing.T) {
	clock := &clocktest.Clock{}
	clock.Set(now)
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.Set(now)
		s := newSite(t, db, nil)
		a, err := s.db.Article(t.Context(), "free-daily")
		if err != nil {
			t.Fatal(err)
		}
		// The correction comes a day after everything else.
		at := now.Add(24 * time.Hour)
		clock.Set(at)
		if _, err := s.db.AddArticleNote(t.Context(), a.ID, masthead.ArticleNoteInput{Kind: masthead.NoteCorrection,
			Body: "An earlier version gave the wrong year for the treaty."}); err != nil {
			t.Fatal(err)
		}
		_, page := s.get(t, "/articles/free-daily")
		want := `<strong>Correction, <time datetime="` + at.In(zone).Format(time.RFC3339) + `">` + at.In(zone).Format("2 January 2006") +
			`</time>:</strong> An earlier version gave the wrong year for the treaty.`
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks the note %q", want)
		}
		m := regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no JSON-LD")
		}
		var ld struct {
			Modified string `json:"dateModified"`
		}
		if err := json.Unmarshal([]byte(m[1]), &ld); err != nil {
			t.Fatal(err)
		}
		if ld.Modified != at.In(zone).Format(time.RFC3339) {
			t.Errorf("dateModified %q, want %q", ld.Modified, at.In(zone).Format(time.RFC3339))
		}
		_, feed := s.get(t, "/atom.xml")
		if !strings.Contains(feed, "<updated>"+at.UTC().Format(time.RFC3339)+"</updated>") {
			t.Errorf("the Atom feed has no entry updated at %s", at.UTC().Format(time.RFC3339))
		}
	})
}

// TestCorrectionNoteEdited: an edited note is shown with its new kind
// and text under its first date, and moves dateModified and the feed's
// updated date to the edit; a deleted one is gone from the page and
// moves them again. The page cache does not keep the old note.
func TestCorrectionNoteEdited(t *testing.T) {
	clock := &clocktest.Clock{}
	clock.Set(now)
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.Set(now)
		s := newSite(t, db, nil)
		a, err := s.db.Article(t.Context(), "free-daily")
		if err != nil {
			t.Fatal(err)
		}
		added := now.Add(24 * time.Hour)
		clock.Set(added)
		n, err := s.db.AddArticleNote(t.Context(), a.ID, masthead.ArticleNoteInput{Kind: masthead.NoteCorrection,
			Body: "An earlier version gave the wrong year for the treaty."})
		if err != nil {
			t.Fatal(err)
		}
		s.get(t, "/articles/free-daily") // cached with the first text
		modified := func(page string) string {
			t.Helper()
			m := regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`).FindStringSubmatch(page)
			if m == nil {
				t.Fatal("no JSON-LD")
			}
			var ld struct {
				Modified string `json:"dateModified"`
			}
			if err := json.Unmarshal([]byte(m[1]), &ld); err != nil {
				t.Fatal(err)
			}
			return ld.Modified
		}

		edited := added.Add(3 * time.Hour)
		clock.Set(edited)
		if _, err := s.db.EditArticleNote(t.Context(), a.ID, n.ID, masthead.ArticleNoteInput{Kind: masthead.NoteUpdate,
			Body: "The treaty was signed in 1951, not 1952."}); err != nil {
			t.Fatal(err)
		}
		if err := s.srv.FollowContent(t.Context()); err != nil {
			t.Fatal(err)
		}
		_, page := s.get(t, "/articles/free-daily")
		want := `<strong>Update, <time datetime="` + added.In(zone).Format(time.RFC3339) + `">` + added.In(zone).Format("2 January 2006") +
			`</time>:</strong> The treaty was signed in 1951, not 1952.`
		if !strings.Contains(page, want) || strings.Contains(page, "wrong year") {
			t.Errorf("the page lacks the edited note %q, or keeps the old one", want)
		}
		if got := modified(page); got != edited.In(zone).Format(time.RFC3339) {
			t.Errorf("dateModified %q after the edit, want %q", got, edited.In(zone).Format(time.RFC3339))
		}
		if _, feed := s.get(t, "/atom.xml"); !strings.Contains(feed, "<updated>"+edited.UTC().Format(time.RFC3339)+"</updated>") {
			t.Errorf("the Atom feed has no entry updated at %s", edited.UTC().Format(time.RFC3339))
		}

		deleted := edited.Add(time.Hour)
		clock.Set(deleted)
		if err := s.db.DeleteArticleNote(t.Context(), a.ID, n.ID, masthead.ArticleActor{}); err != nil {
			t.Fatal(err)
		}
		if err := s.srv.FollowContent(t.Context()); err != nil {
			t.Fatal(err)
		}
		_, page = s.get(t, "/articles/free-daily")
		if strings.Contains(page, "1951") {
			t.Error("the deleted note is still on the page")
		}
		if got := modified(page); got != deleted.In(zone).Format(time.RFC3339) {
			t.Errorf("dateModified %q after the delete, want %q", got, deleted.In(zone).Format(time.RFC3339))
		}
	})
}
