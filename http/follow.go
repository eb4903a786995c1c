package http

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"masthead"
)

// Follow and save buttons, and what a signed-in reader's pages know of
// what they follow and saved (docs/curator.md).
//
// Anonymous pages are shared and cached, so the buttons on them are the
// same for everyone: a "Follow" form that posts to /follow, which checks
// the session and sends a signed-out reader to log in or register. Only
// a personal render — a signed-in reader's, never stored in the shared
// cache — shows what the reader follows and saved; on the article page,
// whose personal renders are shared between readers in the same
// position (readerview.go), that state is part of the view's key.

// followButton is one follow form.
type followButton struct {
	Kind     masthead.FollowKind
	Slug     string
	Name     string
	Next     string
	Followed bool
}

// curateView is what a page shows of the curator: the buttons' state on
// a personal render, nothing personal otherwise.
type curateView struct {
	// Personal is set on a signed-in reader's render.
	Personal bool
	Next     string
	followed map[string]bool
	// Saved: the article is on the reader's reading list.
	Saved bool
}

// follow makes the button of a target for the template.
func (c *curateView) follow(kind masthead.FollowKind, slug, name string) *followButton {
	if c == nil {
		return nil
	}
	return &followButton{Kind: kind, Slug: slug, Name: name, Next: c.Next, Followed: c.followed[string(kind)+":"+slug]}
}

// articleKey is the part of an article view's key the curator decides:
// which of a's targets the reader follows, and whether they saved it.
func (c *curateView) articleKey(a *masthead.Article) string {
	if c == nil || !c.Personal {
		return ""
	}
	var b strings.Builder
	b.WriteString(" curate ")
	bit := func(on bool) {
		if on {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	for _, t := range a.Topics {
		bit(c.followed["topic:"+t.Slug])
	}
	b.WriteByte('.')
	for _, t := range a.Regions {
		bit(c.followed["region:"+t.Slug])
	}
	b.WriteByte('.')
	for _, t := range a.Authors {
		bit(c.followed["author:"+t.Slug])
	}
	b.WriteByte('.')
	if a.Column != nil {
		bit(c.followed["column:"+a.Column.Slug])
	}
	b.WriteByte('.')
	bit(c.Saved)
	return b.String()
}

// curatorState is what this instance keeps of a signed-in reader for a
// few seconds (the session cache's lifetime): their follows and the
// articles they saved last, read in one query, the saved state of other
// articles they opened when they saved more than those, and the articles
// whose reading it has handed to the batches, so a page view costs at
// most that one query and a reread nothing. A change made here forgets
// it at once; one made on another instance shows within its lifetime.
type curatorState struct {
	mu      sync.Mutex
	expires time.Time
	// version is the reader's curator version when the state was read
	// (from the session's state, read before it; -1 when unknown): a
	// session state of another version means the reader changed
	// something, perhaps on another instance, and the state is read
	// again, so a For-you page kept under a version is never built from
	// an older state.
	version  int64
	follows  []masthead.Follow
	followed map[string]bool
	// savedIDs are the articles saved last (reading.SavedKnown), and
	// savedAll tells that they are all; saved keeps the answers asked
	// of the store about others.
	savedIDs []int64
	savedAll bool
	saved    map[int64]bool
	read     map[int64]bool
	forYou   map[int]*forYouCached
}

// curatorStates holds the readers' curatorStates.
type curatorStates struct {
	mu sync.Mutex
	m  map[int64]*curatorState
}

// maxCuratorStates bounds the readers kept; past it, the map starts
// afresh (a few seconds' lookups are all that is lost).
const maxCuratorStates = 20000

// curatorTTL is how long a reader's curator state is kept.
func (s *Server) curatorTTL() time.Duration {
	if ttl := s.cfg.Accounts.SessionCacheTTL; ttl != 0 {
		return ttl
	}
	return 5 * time.Second
}

// curatorState returns m's state, read from the store when not kept.
func (s *Server) curatorState(r *http.Request, m *masthead.Member) (*curatorState, error) {
	now := time.Now()
	ttl := s.curatorTTL()
	version := int64(-1)
	if rs := readerState(r); rs != nil && rs.Member.ID == m.ID {
		version = rs.CuratorVersion
	}
	s.curator.mu.Lock()
	st := s.curator.m[m.ID]
	if st != nil && now.Before(st.expires) && ttl > 0 && st.version == version {
		s.curator.mu.Unlock()
		return st, nil
	}
	s.curator.mu.Unlock()
	c, err := s.reading.Curation(r.Context(), m)
	if err != nil {
		return nil, err
	}
	fs := c.Follows
	if fs == nil {
		fs = []masthead.Follow{}
	}
	st = &curatorState{expires: now.Add(ttl), version: version, follows: fs, followed: make(map[string]bool, len(fs)),
		savedIDs: c.Saved, savedAll: c.SavedAll, saved: map[int64]bool{}, read: map[int64]bool{}}
	for _, f := range fs {
		st.followed[string(f.Kind)+":"+f.Slug] = true
	}
	if ttl > 0 {
		s.curator.mu.Lock()
		if s.curator.m == nil || len(s.curator.m) >= maxCuratorStates {
			s.curator.m = map[int64]*curatorState{}
		}
		s.curator.m[m.ID] = st
		s.curator.mu.Unlock()
	}
	return st, nil
}

// forgetCurator drops what this instance keeps of member id, after a
// change of theirs: their curator state, and their sessions' states, so
// the next page reads their curator version afresh and no longer finds
// the For-you page kept under the old one (foryou.go).
func (s *Server) forgetCurator(id int64) {
	s.curator.mu.Lock()
	delete(s.curator.m, id)
	s.curator.mu.Unlock()
	s.forgetReader(id)
}

// purgeCurator forgets every reader's state and every kept For-you
// page: the content changed, and a page may lack an article.
func (s *Server) purgeCurator() {
	s.curator.mu.Lock()
	s.curator.m = nil
	s.curator.mu.Unlock()
	if s.forYou != nil {
		s.forYou.Purge()
	}
}

// curating reports whether the curator is on.
func (s *Server) curating() bool { return s.reading.Curates() }

// listFollow is the follow button of a list page (a topic's, a region's,
// a column's, an author's): on a personal render its state, otherwise
// the shared form.
func (s *Server) listFollow(r *http.Request, kind masthead.FollowKind, slug, name, path string) *followButton {
	c := s.curateFor(r, path)
	return c.follow(kind, slug, name)
}

// curateFor is the curator's view of a page at path for r's reader, or
// nil when the curator is off. A failure to read the reader's state is
// logged and shows the shared buttons: the page itself is safe.
func (s *Server) curateFor(r *http.Request, path string) *curateView {
	if !s.curating() {
		return nil
	}
	c := &curateView{Next: path}
	m := member(r)
	if m == nil {
		return c
	}
	st, err := s.curatorState(r, m)
	if err != nil {
		s.log.Error("curator state", "err", err, "request_id", requestID(r.Context()))
		return c
	}
	c.Personal, c.followed = true, st.followed
	return c
}

// articleCurate is the curator's view of article a for a reader who is
// signed in, and records that they were served it (their reading
// history, written with the next batch of events), once per article
// while the state is kept.
func (s *Server) articleCurate(r *http.Request, a *masthead.Article, now time.Time) *curateView {
	c := s.curateFor(r, articlePath(a.Slug))
	if c == nil || !c.Personal {
		return c
	}
	m := member(r)
	st, err := s.curatorState(r, m)
	if err != nil {
		return c
	}
	st.mu.Lock()
	saved, known := st.saved[a.ID]
	if !known && (st.savedAll || slices.Contains(st.savedIDs, a.ID)) {
		saved, known = slices.Contains(st.savedIDs, a.ID), true
	}
	recorded := st.read[a.ID]
	st.mu.Unlock()
	if !known {
		list, err := s.reading.IsSaved(r.Context(), m, a)
		if err != nil {
			s.log.Error("saved state", "err", err, "request_id", requestID(r.Context()))
		}
		saved = list
		st.mu.Lock()
		st.saved[a.ID] = saved
		st.mu.Unlock()
	}
	c.Saved = saved
	if !recorded {
		if err := s.reading.RecordRead(r.Context(), m, a, now); err != nil {
			s.log.Error("record read", "err", err, "request_id", requestID(r.Context()))
		} else {
			st.mu.Lock()
			st.read[a.ID] = true
			st.forYou = nil // its read marks changed
			st.mu.Unlock()
			// Written at once (no batches), the read moved the
			// curator version: this session's next page reads it.
			// Batched, it moves the count of this instance's reads
			// (reading.ReadsHere) now and the version when the
			// batch is written; either way a kept For-you page is
			// not served here with this article unread (the
			// reader's pages on other instances show it within the
			// session cache's TTL of the batch's write).
			s.forgetSession(r)
		}
	}
	return c
}

// followForm reads a follow form's target.
func followForm(r *http.Request) (masthead.FollowKind, string, string) {
	return masthead.FollowKind(r.PostFormValue("kind")), r.PostFormValue("slug"), safeNext(r.PostFormValue("next"))
}

// loginToFollow sends a signed-out reader to log in or register, and
// back to the page they were on.
func loginToFollow(w http.ResponseWriter, next string) error {
	to := "/login?follow=1"
	if next != "" {
		to += "&next=" + url.QueryEscape(next)
	}
	return redirect(w, to)
}

// handleFollow follows (or, with unfollow set, unfollows) the form's
// target and goes back to the page.
func (s *Server) handleFollow(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	kind, slug, next := followForm(r)
	m := member(r)
	if m == nil {
		return loginToFollow(w, next)
	}
	ctx, now := r.Context(), s.clock.Now()
	var err error
	if r.PostFormValue("unfollow") != "" {
		err = s.reading.Unfollow(ctx, m, kind, slug)
	} else {
		err = s.reading.Follow(ctx, m, kind, slug, now)
	}
	s.forgetCurator(m.ID)
	if err != nil {
		return err
	}
	if next == "" {
		next = "/for-you"
	}
	return redirect(w, next)
}

// handleFollowAlert sets when a follow emails its reader (the account
// page's choices).
func (s *Server) handleFollowAlert(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	kind, slug, next := followForm(r)
	err := s.reading.SetAlert(r.Context(), m, kind, slug, masthead.AlertMode(r.PostFormValue("alert")), s.clock.Now())
	s.forgetCurator(m.ID)
	if err != nil {
		return err
	}
	if next == "" {
		next = "/account?saved=alerts#follows"
	}
	return redirect(w, next)
}

// handleSave puts the article on the reader's reading list; a signed-out
// reader is asked to log in.
func (s *Server) handleSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	slug := r.PathValue("slug")
	next := safeNext(r.PostFormValue("next"))
	if next == "" {
		next = articlePath(slug)
	}
	m := member(r)
	if m == nil {
		return loginToFollow(w, next)
	}
	var err error
	if r.PostFormValue("remove") != "" {
		err = s.reading.UnsaveArticle(r.Context(), m, slug)
	} else {
		_, err = s.reading.SaveArticle(r.Context(), m, slug, s.clock.Now())
	}
	s.forgetCurator(m.ID)
	if err != nil {
		return err
	}
	return redirect(w, next)
}

// handleHistory clears, pauses or resumes the reader's history (the
// account page's buttons).
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	var err error
	switch r.PostFormValue("do") {
	case "clear":
		err = s.reading.ClearHistory(r.Context(), m, s.clock.Now())
	case "pause":
		err = s.reading.PauseHistory(r.Context(), m, true, s.clock.Now())
	case "resume":
		err = s.reading.PauseHistory(r.Context(), m, false, s.clock.Now())
	default:
		return masthead.Errorf(masthead.EINVALID, "Choose to clear, pause or resume your history.")
	}
	s.forgetCurator(m.ID)
	if err != nil {
		return err
	}
	return redirect(w, "/account?saved=history#history")
}

// curatorAccount is the account page's "What you follow" section.
type curatorAccount struct {
	Follows       []masthead.Follow
	History       []masthead.ReadArticle
	HistoryPaused bool
	Modes         []masthead.AlertMode
}

// accountCurator gathers the account page's curator section, or nil when
// the curator is off.
func (s *Server) accountCurator(r *http.Request, m *masthead.Member) (*curatorAccount, error) {
	if !s.curating() {
		return nil, nil
	}
	ctx := r.Context()
	v := &curatorAccount{Modes: []masthead.AlertMode{masthead.AlertOff, masthead.AlertInstant, masthead.AlertDaily}}
	var err error
	if v.Follows, err = s.reading.Follows(ctx, m); err != nil {
		return nil, err
	}
	if v.History, err = s.reading.History(ctx, m, 10, s.clock.Now()); err != nil {
		return nil, err
	}
	st, err := s.reading.CuratorSettings(ctx, m)
	if err != nil {
		return nil, err
	}
	v.HistoryPaused = st.HistoryPaused
	return v, nil
}

// alertLabel names an alert mode on the account page.
func alertLabel(m masthead.AlertMode) string {
	switch m {
	case masthead.AlertInstant:
		return "Email me at once"
	case masthead.AlertDaily:
		return "In my daily digest"
	}
	return "No email"
}

// stopAlertParam reads the follow an alert's stop link names
// ("topic:energy").
func stopAlertParam(v string) (masthead.FollowKind, string, bool) {
	k, slug, ok := strings.Cut(v, ":")
	if !ok || !masthead.FollowKind(k).Valid() || !masthead.ValidSlug(slug) {
		return "", "", false
	}
	return masthead.FollowKind(k), slug, true
}

// pageQuery is "?page=N" for N > 1.
func pageQuery(n int) string {
	if n <= 1 {
		return ""
	}
	return "?page=" + strconv.Itoa(n)
}

// stopAlert answers an alert's stop link: the follow it names stops
// emailing the member the signed token names.
func (s *Server) stopAlert(w http.ResponseWriter, r *http.Request, memberID int64) error {
	kind, slug, ok := stopAlertParam(r.URL.Query().Get("f"))
	if !ok {
		return s.unsubscribeError(w, r, masthead.Errorf(masthead.EINVALID, "This link names nothing you follow."))
	}
	err := s.reading.StopAlert(r.Context(), memberID, kind, slug)
	if err != nil && masthead.ErrorCode(err) != masthead.ENOTFOUND {
		return err
	}
	s.forgetCurator(memberID)
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, "unsubscribe", &unsubscribePage{base: s.accountBase(r, "Alerts stopped", ""),
		Heading: "These alerts are stopped", Message: "You will no longer be emailed about “" + slug +
			"”. You still follow it; choose your alerts on your account page."})
}

// exportCurator is what the account export lists of the curator.
type exportCurator struct {
	Follows       []exportFollow  `json:"follows"`
	Saved         []exportArticle `json:"saved_articles"`
	History       []exportArticle `json:"reading_history"`
	HistoryPaused bool            `json:"reading_history_paused"`
}

type exportFollow struct {
	Kind     string    `json:"kind"`
	Name     string    `json:"name"`
	Page     string    `json:"page"`
	Alert    string    `json:"alert"`
	Followed time.Time `json:"followed_at"`
}

type exportArticle struct {
	Article string    `json:"article"`
	Title   string    `json:"title"`
	At      time.Time `json:"at"`
}

// exportCurator gathers m's follows, saved articles and history for
// their export; nil when the curator is off.
func (s *Server) exportCurator(r *http.Request, m *masthead.Member) (*exportCurator, error) {
	if !s.curating() {
		return nil, nil
	}
	x, err := s.reading.ExportCurator(r.Context(), m, s.clock.Now())
	if err != nil {
		return nil, err
	}
	out := &exportCurator{Follows: []exportFollow{}, Saved: []exportArticle{}, History: []exportArticle{}, HistoryPaused: x.Paused}
	for _, f := range x.Follows {
		out.Follows = append(out.Follows, exportFollow{Kind: string(f.Kind), Name: f.Name, Page: s.abs(f.Path()),
			Alert: string(f.Alert), Followed: f.CreatedAt})
	}
	for _, sa := range x.Saved {
		out.Saved = append(out.Saved, exportArticle{Article: s.abs(articlePath(sa.Article.Slug)), Title: sa.Article.Title, At: sa.SavedAt})
	}
	for _, h := range x.History {
		out.History = append(out.History, exportArticle{Article: s.abs(articlePath(h.Article.Slug)), Title: h.Article.Title, At: h.ReadAt})
	}
	return out, nil
}

// continueReading is the home page's "Continue reading" for a signed-in
// reader: the last few articles they opened. Anonymous renders, the ones
// the shared cache keeps, never have it.
func (s *Server) continueReading(r *http.Request) []masthead.ReadArticle {
	m := member(r)
	if m == nil || !s.curating() {
		return nil
	}
	h, err := s.reading.History(r.Context(), m, 3, s.clock.Now())
	if err != nil {
		s.log.Error("continue reading", "err", err, "request_id", requestID(r.Context()))
		return nil
	}
	return h
}
