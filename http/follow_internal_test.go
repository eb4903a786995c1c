package http

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"masthead"
)

// TestCuratorTemplates executes the curator's pages and the parts it
// adds to others with full and empty views.
func TestCuratorTemplates(t *testing.T) {
	s := testServer(t)
	r := httptest.NewRequest("GET", "/", nil)
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	a := &masthead.Article{ID: 1, Slug: "a", Title: "Title <x>", Kind: masthead.KindDaily, Access: masthead.AccessMetered,
		PublishedAt: when, Authors: []masthead.Author{{Slug: "x", Name: "X"}}, Column: &masthead.Column{Slug: "c", Name: "Col"},
		Topics: []masthead.Term{{Slug: "t", Name: "T"}}, Regions: []masthead.Term{{Slug: "r", Name: "R"}}}
	b := s.accountBase(r, "T", "/for-you")
	b.Reader = readerInfo{SignedIn: true, Name: "N", Curator: true}
	item := forYouItem{Article: a, Read: true, Open: true, SavedAt: when}
	follows := []masthead.Follow{{Kind: masthead.FollowTopic, Slug: "t", Name: "T", Alert: masthead.AlertDaily}}
	views := map[string][]any{
		"foryou": {&forYouPage{base: b, Follows: follows, Items: []forYouItem{item}, Related: []forYouItem{{Article: a}},
			Page: 2, PrevURL: "/for-you", NextURL: "/for-you?page=3"}, &forYouPage{base: b, Page: 1}},
		"saved":  {&savedPage{base: b, Items: []forYouItem{item}, NextURL: "/saved?page=2"}, &savedPage{base: b}},
		"picker": {&pickerPage{base: b, Topics: []masthead.Term{{Slug: "t", Name: "T"}}, Regions: []masthead.Term{{Slug: "r", Name: "R"}}, Next: "/x"}, &pickerPage{base: b}},
		"article": {
			&articlePage{base: b, Article: a, Body: "<p>x</p>", Curate: &curateView{Personal: true, Next: "/articles/a",
				followed: map[string]bool{"topic:t": true}, Saved: true}},
			&articlePage{base: s.newBase(r, "", "", "/"), Article: a, Curate: &curateView{Next: "/articles/a"}},
		},
		"account": {&accountPage{base: b, Member: &masthead.Member{ID: 1}, Curator: &curatorAccount{Follows: follows,
			History: []masthead.ReadArticle{{Article: a, ReadAt: when}}, HistoryPaused: true,
			Modes: []masthead.AlertMode{masthead.AlertOff, masthead.AlertInstant, masthead.AlertDaily}}}},
		"home": {&homePage{base: b, Continue: []masthead.ReadArticle{{Article: a, ReadAt: when}}}},
	}
	for _, name := range append(curatorPageNames, "article", "account", "home") {
		for i, v := range views[name] {
			w := newBufWriter()
			if err := s.render(w, name, v); err != nil {
				t.Errorf("%s #%d: %v", name, i, err)
				continue
			}
			out := w.body.String()
			if !strings.Contains(out, "</html>") || strings.Contains(out, "Title <x>") {
				t.Errorf("%s #%d: incomplete or unescaped page", name, i)
			}
		}
	}
	// The personal article page shows the state; the shared one never.
	w := newBufWriter()
	s.render(w, "article", views["article"][0])
	if out := w.body.String(); !strings.Contains(out, "Following T") || !strings.Contains(out, "Follow R") || !strings.Contains(out, "Saved for later — remove") {
		t.Errorf("personal article page lacks the reader's state")
	}
	w = newBufWriter()
	s.render(w, "article", views["article"][1])
	if out := w.body.String(); strings.Contains(out, "Following") || !strings.Contains(out, "Follow T") || !strings.Contains(out, "Log in or register") {
		t.Errorf("shared article page: %s", out)
	}
	w = newBufWriter()
	s.render(w, "account", views["account"][0])
	if out := w.body.String(); !strings.Contains(out, `<option value="daily" selected>`) || !strings.Contains(out, "Resume history") {
		t.Errorf("account section lacks the alert choice or the pause")
	}
}

// TestCurateViewKey: readers who follow different things of an article,
// or differ in having saved it, never share a view; anonymous views have
// no curator part.
func TestCurateViewKey(t *testing.T) {
	a := &masthead.Article{Topics: []masthead.Term{{Slug: "t"}}, Regions: []masthead.Term{{Slug: "r"}},
		Authors: []masthead.Author{{Slug: "x"}}, Column: &masthead.Column{Slug: "c"}}
	keys := map[string]string{}
	for name, c := range map[string]*curateView{
		"none":   {Personal: true, followed: map[string]bool{}},
		"topic":  {Personal: true, followed: map[string]bool{"topic:t": true}},
		"region": {Personal: true, followed: map[string]bool{"region:r": true}},
		"author": {Personal: true, followed: map[string]bool{"author:x": true}},
		"column": {Personal: true, followed: map[string]bool{"column:c": true}},
		"saved":  {Personal: true, followed: map[string]bool{}, Saved: true},
	} {
		k := c.articleKey(a)
		if other, dup := keys[k]; dup {
			t.Errorf("%s and %s share the key %q", name, other, k)
		}
		keys[k] = name
	}
	if k := (&curateView{}).articleKey(a); k != "" {
		t.Errorf("a shared view has a curator key %q", k)
	}
}
