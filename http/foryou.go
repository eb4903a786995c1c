package http

import (
	"bytes"
	"net/http"
	"slices"
	"time"

	"masthead"
	"masthead/reading"
)

// The curator's pages (docs/curator.md): For-you, the reading list and
// the topic picker offered once after registering. All are a signed-in
// reader's own, rendered per request and never stored in the shared
// cache.

var curatorPageNames = []string{"foryou", "saved", "picker"}

// forYouItem is a card of the For-you page or the reading list.
type forYouItem struct {
	Article *masthead.Article
	Read    bool
	// Open: the reader's access opens the whole article (a free article,
	// a subscriber's, one they unlocked); otherwise the card's label says
	// what it takes.
	Open    bool
	SavedAt time.Time
}

type forYouPage struct {
	base
	Follows []masthead.Follow
	Items   []forYouItem
	Related []forYouItem
	Page    int
	PrevURL string
	NextURL string
}

type savedPage struct {
	base
	Items   []forYouItem
	PrevURL string
	NextURL string
}

type pickerPage struct {
	base
	Topics  []masthead.Term
	Regions []masthead.Term
	Next    string
}

// maxForYouPages bounds how deep For-you pages: each page reads every
// follow's range up to its end, so a deep page costs as much as that
// many pages; the archive and the topics' pages go further back.
const maxForYouPages = 50

// forYouCached is a For-you page's data kept with the reader's curator
// state, so a reload within the state's lifetime asks no query.
type forYouCached struct {
	page *reading.ForYouPage
	open map[int64]bool
	// body is the page as rendered, kept for the first page of a
	// bounded number of readers (curatorStates.bodies): a reload within
	// the state's lifetime is then a copy, as an anonymous page is.
	body []byte
}

// opensFor returns which of as m's access opens in full: free articles,
// everything for a subscriber, and the articles m unlocked.
func (s *Server) opensFor(r *http.Request, m *masthead.Member, as []*masthead.Article) (map[int64]bool, error) {
	open := map[int64]bool{}
	sub, err := s.subscriber(r, m)
	if err != nil {
		return nil, err
	}
	var unlocked map[string]bool
	if !sub && s.meter != nil {
		us, err := s.meter.MemberUnlocks(r.Context(), m.ID)
		if err != nil {
			return nil, err
		}
		unlocked = make(map[string]bool, len(us))
		for _, u := range us {
			unlocked[u.Slug] = true
		}
	}
	for _, a := range as {
		open[a.ID] = sub || a.Access == masthead.AccessFree || (a.Access == masthead.AccessMetered && unlocked[a.Slug])
	}
	return open, nil
}

// handleForYou serves /for-you: the newest articles of what the reader
// follows, then related reading of what they read lately.
func (s *Server) handleForYou(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	p := pageParam(r)
	if p > maxForYouPages {
		return errNotFound
	}
	st, err := s.curatorState(r, m)
	if err != nil {
		return err
	}
	st.mu.Lock()
	c := st.forYou[p]
	var kept []byte
	if c != nil {
		kept = c.body
	}
	st.mu.Unlock()
	if kept != nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, err := w.Write(kept)
		return err
	}
	if c == nil {
		fp, err := s.reading.ForYou(r.Context(), m, st.follows, p, s.clock.Now())
		if err != nil {
			return err
		}
		var all []*masthead.Article
		for _, it := range slices.Concat(fp.Items, fp.Related) {
			all = append(all, it.Article)
		}
		open, err := s.opensFor(r, m, all)
		if err != nil {
			return err
		}
		c = &forYouCached{page: fp, open: open}
		st.mu.Lock()
		if st.forYou == nil {
			st.forYou = map[int]*forYouCached{}
		}
		st.forYou[p] = c
		st.mu.Unlock()
	}
	fp := c.page
	if p > 1 && len(fp.Items) == 0 {
		return errNotFound
	}
	v := &forYouPage{base: s.accountBase(r, "For you", "/for-you"), Follows: fp.Follows, Page: p}
	v.Canonical = ""
	for _, it := range fp.Items {
		v.Items = append(v.Items, forYouItem{Article: it.Article, Read: it.Read, Open: c.open[it.Article.ID]})
	}
	for _, it := range fp.Related {
		v.Related = append(v.Related, forYouItem{Article: it.Article, Open: c.open[it.Article.ID]})
	}
	if p > 1 {
		v.PrevURL = "/for-you" + pageQuery(p-1)
	}
	if fp.More {
		v.NextURL = "/for-you" + pageQuery(p+1)
	}
	if p > 1 || !s.keepBody() {
		return s.render(w, "foryou", v)
	}
	b := newBufWriter()
	if err := s.render(b, "foryou", v); err != nil {
		return err
	}
	body := bytes.Clone(b.body.Bytes())
	st.mu.Lock()
	if st.forYou[p] == c {
		c.body = body
	}
	st.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write(body)
	return err
}

// handleSaved serves /saved, the reader's reading list.
func (s *Server) handleSaved(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	p := pageParam(r)
	list, more, err := s.reading.SavedArticles(r.Context(), m, p, s.clock.Now())
	if err != nil {
		return err
	}
	if p > 1 && len(list) == 0 {
		return errNotFound
	}
	var as []*masthead.Article
	for _, sa := range list {
		as = append(as, sa.Article)
	}
	open, err := s.opensFor(r, m, as)
	if err != nil {
		return err
	}
	v := &savedPage{base: s.accountBase(r, "Saved for later", "/saved")}
	v.Canonical = ""
	for _, sa := range list {
		v.Items = append(v.Items, forYouItem{Article: sa.Article, Open: open[sa.Article.ID], SavedAt: sa.SavedAt})
	}
	if p > 1 {
		v.PrevURL = "/saved" + pageQuery(p-1)
	}
	if more {
		v.NextURL = "/saved" + pageQuery(p+1)
	}
	return s.render(w, "saved", v)
}

// handlePicker serves the one-screen topic and region picker offered
// after registering; it can be skipped.
func (s *Server) handlePicker(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	ctx := r.Context()
	ts, err := s.taxonomy.Topics(ctx)
	if err != nil {
		return err
	}
	rs, err := s.taxonomy.Regions(ctx)
	if err != nil {
		return err
	}
	v := &pickerPage{base: s.accountBase(r, "Pick a few topics and regions", "/welcome/follow"),
		Topics: ts, Regions: rs, Next: safeNext(r.URL.Query().Get("next"))}
	v.Canonical = ""
	return s.render(w, "picker", v)
}

// handlePick follows what the picker's boxes name and goes on to the
// For-you page, or where the reader was going when they skip.
func (s *Server) handlePick(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	next := safeNext(r.PostFormValue("next"))
	var picked []masthead.Follow
	for _, slug := range r.PostForm["topic"] {
		picked = append(picked, masthead.Follow{Kind: masthead.FollowTopic, Slug: slug})
	}
	for _, slug := range r.PostForm["region"] {
		picked = append(picked, masthead.Follow{Kind: masthead.FollowRegion, Slug: slug})
	}
	if len(picked) > 50 {
		return masthead.Errorf(masthead.EINVALID, "Pick a few topics and regions — at most 50.")
	}
	err := s.reading.PickFollows(r.Context(), m, picked, s.clock.Now())
	s.forgetCurator(m.ID)
	if err != nil {
		return err
	}
	if len(picked) > 0 {
		return redirect(w, "/for-you")
	}
	if next == "" {
		next = "/"
	}
	return redirect(w, next)
}

// pickerAfterSignIn is where a reader who just signed in with a link
// goes: back to next when they came from a page (an article whose wall
// they registered on), else, the first time, to the picker, and else
// home. The For-you page and the account page offer the picker too.
func (s *Server) pickerAfterSignIn(r *http.Request, m *masthead.Member, next string) string {
	if next != "" && next != "/" {
		return next
	}
	if m == nil || !s.curating() {
		return "/"
	}
	first, err := s.reading.ShowPicker(r.Context(), m, s.clock.Now())
	if err != nil {
		s.log.Error("topic picker", "err", err, "request_id", requestID(r.Context()))
		return "/"
	}
	if !first {
		return "/"
	}
	return "/welcome/follow?next=%2F"
}
