package http

import (
	"context"
	"hash/maphash"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"masthead"
)

// Counting views behind a CDN (docs/insights.md, "Counting by beacon").
// A CDN answers most anonymous article requests itself, so the server
// never sees them. With CountByBeacon every article page carries a
// one-pixel image whose address names the article and what the page
// showed (/v/article/ID, /v/wall/ID), never the reader; the browser asks
// for it each time it shows the page, and that request, which the CDN
// must not keep (no-store, private), is what counts. The server then
// counts no article view or wall view itself, so no view is counted
// twice.
//
// A beacon counts only when a browser showing the page asked for it:
// requests that claim a crawler or a script, that come from a prefetch
// or prerender, or that lack the headers browsers send with an image
// are answered but not counted. The same browser showing the same page
// again within beaconWindow counts once: the request is known by a
// keyed hash, held in memory only, of the device or session cookie when
// the browser has one, else of its address, user agent and languages.

// ViewCounting is how article views and wall views are counted.
type ViewCounting string

const (
	// CountByServer counts each article page the server serves,
	// rendered or from the page cache: every view that reaches it.
	CountByServer ViewCounting = "server"
	// CountByBeacon counts the beacon request of each article page a
	// browser shows, wherever the page came from (a CDN, the browser's
	// own cache, the server).
	CountByBeacon ViewCounting = "beacon"
)

// Valid reports whether c is a known way of counting.
func (c ViewCounting) Valid() bool { return c == CountByServer || c == CountByBeacon }

// beaconPrefix starts every beacon's path; the routes name the rest.
const beaconPrefix = "/v/"

// The beacon's kinds: an article page that showed the whole article or
// a free one, and one that showed the wall (a view and a wall view).
const (
	beaconArticle = "article"
	beaconWall    = "wall"
)

// beaconWindow is how long a browser's showing of a page counts once:
// reloads, the back button and a page restored from the browser's cache
// within it are the same view.
const beaconWindow = 10 * time.Minute

// beaconMaxSeen bounds the hashes one window holds (16 bytes each, and
// the map's own); past it the window turns early, so a flood shortens
// the window rather than grows memory.
const beaconMaxSeen = 200_000

// beaconGIF is a transparent 1×1 GIF, the smallest image every browser
// shows without complaint.
var beaconGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// beaconURL is the beacon of an article page that showed article id,
// with the wall or without.
func beaconURL(id int64, wall bool) string {
	kind := beaconArticle
	if wall {
		kind = beaconWall
	}
	return beaconPrefix + kind + "/" + strconv.FormatInt(id, 10)
}

// parseBeacon reads a beacon's kind and article id from its path's
// parts; ok is false for anything beaconURL does not make.
func parseBeacon(kind, id string) (wall bool, articleID int64, ok bool) {
	switch kind {
	case beaconArticle:
	case beaconWall:
		wall = true
	default:
		return false, 0, false
	}
	if id == "" || len(id) > 19 || id[0] == '0' {
		return false, 0, false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false, 0, false
		}
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return false, 0, false
	}
	return wall, n, true
}

// beaconState is the beacon's memory: the hashes of the views seen in
// the current window and the one before, so a view is known again for
// between one and two windows, and counters for /metrics.
type beaconState struct {
	seed maphash.Seed
	// live remembers whether an article id is live, so a beacon naming
	// no live article is not counted and does not cost a lookup each
	// time; a lookup reads the article's status and time by its id and
	// no more (ArticleLive), so a script naming ids at random costs one
	// probe of an index each.
	live *memo[int64, bool]

	mu        sync.Mutex
	cur, prev map[[2]uint64]struct{}
	turned    time.Time

	counted, repeated, ignored atomic.Int64
}

func newBeaconState(ttl time.Duration) *beaconState {
	return &beaconState{seed: maphash.MakeSeed(), live: newMemo[int64, bool](ttl, 10_000)}
}

// windows returns the views of the current window at now and of the
// one before, and whether the window turns at now (the current one is
// then the one before, and a new one starts empty). b.mu is held.
func (b *beaconState) windows(now time.Time) (cur, prev map[[2]uint64]struct{}, turns bool) {
	if b.cur == nil || now.Sub(b.turned) >= beaconWindow || now.Before(b.turned) {
		prev = b.cur
		if b.cur != nil && now.Sub(b.turned) >= 2*beaconWindow {
			prev = nil // nothing in it is recent enough
		}
		return nil, prev, true
	}
	return b.cur, b.prev, false
}

// seen reports whether view was seen in the window, remembering
// nothing: a repeated view is known before anything is looked up.
func (b *beaconState) seen(view [2]uint64, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, prev, _ := b.windows(now)
	_, inCur := cur[view]
	_, inPrev := prev[view]
	return inCur || inPrev
}

// firstTime reports whether view was not seen in the window, and
// remembers it.
func (b *beaconState) firstTime(view [2]uint64, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, prev, turns := b.windows(now); turns {
		b.prev, b.cur, b.turned = prev, map[[2]uint64]struct{}{}, now
	}
	if _, ok := b.cur[view]; ok {
		return false
	}
	if _, ok := b.prev[view]; ok {
		return false
	}
	if len(b.cur) >= beaconMaxSeen {
		b.prev, b.cur, b.turned = b.cur, map[[2]uint64]struct{}{}, now
	}
	b.cur[view] = struct{}{}
	return true
}

// viewHash is the key of one browser's view of one page: two keyed
// hashes (128 bits, so two browsers never share one by chance) of the
// browser's device or session cookie when it has one, else of what it
// sends every site (address, user agent, languages), and of the page.
// The seed is made at start and never leaves memory, so the hash
// cannot be turned back into the address.
func (s *Server) viewHash(r *http.Request, wall bool, articleID int64) [2]uint64 {
	var out [2]uint64
	for i := range out {
		var h maphash.Hash
		h.SetSeed(s.beacon.seed)
		h.WriteByte(byte(i))
		if v, ok := cookieValue(r, DeviceCookie); ok && v != "" {
			h.WriteString("d")
			h.WriteString(v)
		} else if v, ok := cookieValue(r, SessionCookie); ok && v != "" {
			h.WriteString("s")
			h.WriteString(v)
		} else {
			h.WriteString("a")
			h.WriteString(s.clientIP(r).String())
			h.WriteByte(0)
			h.WriteString(r.UserAgent())
			h.WriteByte(0)
			h.WriteString(r.Header.Get("Accept-Language"))
		}
		h.WriteByte(0)
		if wall {
			h.WriteByte('w')
		}
		h.WriteString(strconv.FormatInt(articleID, 10))
		out[i] = h.Sum64()
	}
	return out
}

// handleBeacon answers /v/{kind}/{id} with a tiny image no cache may
// keep, and counts the view when a browser showing the page asked for
// it, for the first time in the window, for a live article. Whatever
// it decides, the answer is the same image: nothing tells a client
// whether it was counted.
func (s *Server) handleBeacon(w http.ResponseWriter, r *http.Request) {
	wall, id, ok := parseBeacon(r.PathValue("kind"), r.PathValue("id"))
	if !ok {
		s.serveError(w, r, errNotFound)
		return
	}
	if s.cfg.CountViews == CountByBeacon {
		s.countBeacon(r, wall, id)
	}
	h := w.Header()
	h.Set("Content-Type", "image/gif")
	h.Set("Content-Length", strconv.Itoa(len(beaconGIF)))
	h.Set("Cache-Control", "no-store, private")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(beaconGIF)
	}
}

// countBeacon counts the view r reports, unless it is not a browser's,
// was seen already, or names no live article. The cheap refusals come
// first: the headers, then the window's memory; only a view not seen
// may cost a lookup of its article, and that only of its liveness.
func (s *Server) countBeacon(r *http.Request, wall bool, id int64) {
	b := s.beacon
	if r.Method != http.MethodGet || !s.browserImageRequest(r) {
		b.ignored.Add(1)
		return
	}
	now := s.clock.Now()
	view := s.viewHash(r, wall, id)
	if b.seen(view, now) {
		b.repeated.Add(1)
		return
	}
	live, err := b.live.get(id, now, func() (bool, error) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		return s.articles.ArticleLive(ctx, id, now)
	})
	if err != nil {
		// The count is a guide; a failing database is reported by
		// every other page.
		b.ignored.Add(1)
		return
	}
	if !live {
		b.ignored.Add(1)
		return
	}
	// Seen by now when the same view came twice at once.
	if !b.firstTime(view, now) {
		b.repeated.Add(1)
		return
	}
	b.counted.Add(1)
	s.insights.Record(masthead.InsightArticleView, id, 0)
	if wall {
		s.insights.Record(masthead.InsightWallView, id, 0)
	}
}

// browserImageRequest reports whether r looks like a browser fetching an
// image for a page it shows: a browser's user agent that claims no
// crawler, the Accept of an image request, the fetch metadata of an
// image of this site when the browser sends them, and no sign of a
// prefetch or prerender (a page fetched ahead that may never be shown).
func (s *Server) browserImageRequest(r *http.Request) bool {
	h := r.Header
	if !strings.HasPrefix(r.UserAgent(), "Mozilla/") || s.requestAgent(r).bot {
		return false
	}
	if !strings.Contains(h.Get("Accept"), "image/") {
		return false
	}
	if d := h.Get("Sec-Fetch-Dest"); d != "" && d != "image" {
		return false
	}
	if site := h.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	for _, name := range []string{"Sec-Purpose", "Purpose", "X-Purpose", "X-Moz"} {
		if v := h.Get(name); masthead.ContainsFold(v, "prefetch") || masthead.ContainsFold(v, "prerender") || masthead.ContainsFold(v, "preview") {
			return false
		}
	}
	return true
}

// botWords are the lower-case words in the user agents of crawlers,
// link previewers, monitors and scripting libraries: none of them is a
// reader looking at the page.
var botWords = []string{
	"bot", "crawl", "spider", "slurp", "headless", "preview", "externalhit", "externalagent",
	"facebookcatalog", "embedly", "lighthouse", "pingdom", "uptime", "monitor", "phantomjs",
	"python", "curl/", "wget/", "go-http-client", "java/", "okhttp", "scrapy", "httpclient",
	"archive", "fetch", "chatgpt", "perplexity", "claude",
}

// botWordIn reports whether ua holds one of botWords; with the crawlers
// claimedCrawler and masthead.AICrawlerClaimed find, it tells a crawler
// or a program from a browser a reader holds (agentVerdict.isBot).
func botWordIn(ua string) bool {
	for _, w := range botWords {
		if masthead.ContainsFold(ua, w) {
			return true
		}
	}
	return false
}

// countBeacons exports the beacon's counts, so an operator sees how
// many requests it refused and how many it found repeated.
func (s *Server) countBeacons() {
	if s.metrics == nil || s.cfg.CountViews != CountByBeacon {
		return
	}
	b := s.beacon
	s.metrics.CounterFunc("beacon_counted_total", "Article page beacons counted as views.",
		func() float64 { return float64(b.counted.Load()) })
	s.metrics.CounterFunc("beacon_repeated_total", "Article page beacons of a view already counted in the window (a reload, the back button).",
		func() float64 { return float64(b.repeated.Load()) })
	s.metrics.CounterFunc("beacon_ignored_total", "Article page beacons not counted: a crawler, a prefetch, not a browser's image request, or no live article.",
		func() float64 { return float64(b.ignored.Load()) })
}
