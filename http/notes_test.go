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
