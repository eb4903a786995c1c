package http

import (
	"encoding/binary"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
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
// state, so a render within the state's lifetime asks no query.
type forYouCached struct {
	page *reading.ForYouPage
	open map[int64]bool
}

// A reader's For-you page, as rendered, is kept in a cache of its own
// (Server.forYou: a web.Cache, least recently used first out, of at most
// forYouCacheBytes) under the reader's id, the page and the stamp of
// the reader's state it was rendered for (forYouStamp): their curator
// version, which every change of what they follow, saved or read raises
// in the store, the reads of theirs this instance took and has perhaps
// not written yet, and their access. The stamp comes with the session's
// one-query state and two counters in memory, so a reload costs what an
// anonymous page from the page cache does; a change of the reader's
// own, on any instance, changes the stamp and the page is rendered
// again (a read made on another instance once its batch is written and
// the session's state read again). A change of content
// drops every kept page (purgeCurator), and a page lives at most the
// page cache's TTL, so a scheduled article appears on time.

// forYouCacheBytes bounds the memory of the kept For-you pages: a page
// of 20 cards and six related is about 15 KB with its gzip, so about a
// thousand readers' pages; the least recently served go first.
const forYouCacheBytes = 16 << 20

// initForYouCache turns the For-you cache on, unless the reader caches
// are off (a negative SessionCacheTTL) or the store reads no reader
// state in one query (no curator version to key on).
func (s *Server) initForYouCache() {
	if s.curatorTTL() <= 0 || s.readerStates == nil {
		return
	}
	s.forYou = newPageCache(forYouCacheBytes, s.cfg.PageCacheTTL)
}

// forYouKey names page p of member id's For-you page in s.forYou; the
// stamp is part of it, so a page rendered for another state is never
// found (it ages out of the cache).
func forYouKey(id int64, p int, stamp string) string {
	var buf [128]byte
	k := append(buf[:0], "\x00foryou "...)
	k = strconv.AppendInt(k, id, 10)
	k = append(k, ' ')
	k = strconv.AppendInt(k, int64(p), 10)
	k = append(k, ' ')
	k = append(k, stamp...)
	return string(k)
}

// forYouStamp is what a kept For-you page of r's reader depends on
// beyond the content: the curator version (follows, saved, history)
// and the count of their reads this instance took (a read raises the
// version only when its batch is written, seconds later), whether they
// subscribe or are staff, what they unlocked, and the name the header
// shows. "" means the page cannot be kept.
func (s *Server) forYouStamp(r *http.Request, m *masthead.Member) string {
	st := readerState(r)
	if s.forYou == nil || st == nil || st.Member.ID != m.ID {
		return ""
	}
	h := fnv.New64a()
	var b [8]byte
	for _, id := range st.UnlockedArticles {
		binary.LittleEndian.PutUint64(b[:], uint64(id))
		h.Write(b[:])
	}
	k := make([]byte, 0, 64+len(m.Name)+len(m.Email))
	k = strconv.AppendInt(k, st.CuratorVersion, 10)
	k = append(k, '+')
	k = strconv.AppendUint(k, s.reading.ReadsHere(m.ID), 10)
	k = append(k, ' ')
	k = strconv.AppendBool(k, st.Subscriber)
	k = append(k, ' ')
	k = strconv.AppendQuote(k, string(m.Role))
	k = append(k, ' ')
	k = strconv.AppendInt(k, int64(len(st.UnlockedArticles)), 10)
	k = append(k, ':')
	k = strconv.AppendUint(k, h.Sum64(), 36)
	k = append(k, ' ')
	k = strconv.AppendQuote(k, m.Name)
	k = strconv.AppendQuote(k, m.Email)
	return string(k)
}

// opensFor returns which of as m's access opens in full: free articles,
// everything for a subscriber, and the articles m unlocked. The
// session's state answers when it was read in one query; otherwise the
// store is asked.
func (s *Server) opensFor(r *http.Request, m *masthead.Member, as []*masthead.Article) (map[int64]bool, error) {
	open := make(map[int64]bool, len(as))
	if st := readerState(r); st != nil && st.Member.ID == m.ID {
		for _, a := range as {
			open[a.ID] = st.Subscriber || a.Access == masthead.AccessFree ||
				(a.Access == masthead.AccessMetered && slices.Contains(st.UnlockedArticles, a.ID))
		}
		return open, nil
	}
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
// follows, then related reading of what they read lately. A page kept
// for the reader's present state is served as it is; otherwise it is
// rendered, and kept.
func (s *Server) handleForYou(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	p := pageParam(r)
	if p > maxForYouPages {
		return errNotFound
	}
	bw, buffered := w.(*bufWriter)
	stamp := ""
	if buffered {
		stamp = s.forYouStamp(r, m)
	}
	if stamp == "" {
		return s.renderForYou(w, r, m, p)
	}
	e, err := s.forYou.Fill(forYouKey(m.ID, p, stamp), func() (*entry, bool, error) {
		b := newBufWriter()
		b.header.Set("Cache-Control", ccPersonal)
		if err := s.renderForYou(b, r, m, p); err != nil {
			return nil, false, err
		}
		e := b.response()
		e.Prepare()
		return e, e.Status == http.StatusOK, nil
	})
	if err != nil {
		return err
	}
	bw.ready = e
	return nil
}

// renderForYou renders page p of m's For-you page into w.
func (s *Server) renderForYou(w http.ResponseWriter, r *http.Request, m *masthead.Member, p int) error {
	st, err := s.curatorState(r, m)
	if err != nil {
		return err
	}
	st.mu.Lock()
	c := st.forYou[p]
	st.mu.Unlock()
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
	return s.render(w, "foryou", v)
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
