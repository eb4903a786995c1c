package http_test

import (
	"context"
	"image/gif"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/insights"
	"masthead/metrics"
	"masthead/store"
)

// chromeImage is what Chromium sends with an image of the page it shows.
func chromeImage() http.Header {
	return http.Header{
		"User-Agent":      {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
		"Accept":          {"image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"},
		"Accept-Language": {"en-GB,en;q=0.9"},
		"Sec-Fetch-Dest":  {"image"},
		"Sec-Fetch-Mode":  {"no-cors"},
		"Sec-Fetch-Site":  {"same-origin"},
	}
}

// with returns h with name set to value ("" removes it).
func with(h http.Header, name, value string) http.Header {
	h = h.Clone()
	if value == "" {
		h.Del(name)
	} else {
		h.Set(name, value)
	}
	return h
}

// beaconSite runs fn on both engines with a site counting views by
// countViews, and a recorder whose counts it reads back.
type beaconCounts struct {
	rs  *readers
	db  *store.DB
	rec *insights.Recorder
}

func eachBeacon(t *testing.T, countViews mhttp.ViewCounting, fn func(t *testing.T, bc *beaconCounts)) {
	var rec *insights.Recorder
	var db *store.DB
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		db = d.Articles.(*store.DB)
		rec = insights.New(db, insights.Options{Interval: time.Hour, Clock: d.Clock})
		d.Insights = rec
		d.Metrics = metrics.New()
		c.CountViews = countViews
	}, func(t *testing.T, rs *readers) {
		defer rec.Close()
		fn(t, &beaconCounts{rs: rs, db: db, rec: rec})
	})
}

// counts returns the day's views by slug and its wall views.
func (bc *beaconCounts) counts(t *testing.T) (map[string]int64, int64) {
	t.Helper()
	bc.rec.Flush()
	ctx := context.Background()
	day := masthead.InsightRange{From: now.Truncate(24 * time.Hour), To: now.Truncate(24*time.Hour).AddDate(0, 0, 1)}
	top, err := bc.db.InsightTopArticles(ctx, day, 50)
	if err != nil {
		t.Fatal(err)
	}
	views := map[string]int64{}
	for _, a := range top {
		views[a.Slug] = a.Views
	}
	f, err := bc.db.InsightFunnel(ctx, day, false)
	if err != nil {
		t.Fatal(err)
	}
	var walls int64
	for _, p := range f {
		walls += p.WallViews
	}
	return views, walls
}

// beacon requests the beacon at path with header and checks the answer
// is the tiny image no cache may keep.
func (bc *beaconCounts) beacon(t *testing.T, path string, header http.Header, remote string) {
	t.Helper()
	res, body := bc.rs.send(t, req{url: path, header: header, remote: remote})
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/gif" {
		t.Fatalf("%s: status %d, type %q", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store, private" {
		t.Errorf("%s: Cache-Control %q, want no-store, private", path, cc)
	}
	for _, h := range []string{"Surrogate-Key", "Cache-Tag", "Set-Cookie", "Etag"} {
		if v := res.Header.Get(h); v != "" {
			t.Errorf("%s: %s %q", path, h, v)
		}
	}
	img, err := gif.Decode(strings.NewReader(body))
	if err != nil || img.Bounds().Dx() != 1 || img.Bounds().Dy() != 1 {
		t.Errorf("%s: not a 1×1 GIF: %v", path, err)
	}
}

// metric reads one unlabelled figure from /metrics.
func (bc *beaconCounts) metric(t *testing.T, name string) string {
	t.Helper()
	_, body := bc.rs.send(t, req{url: "/metrics"})
	for line := range strings.Lines(body) {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return ""
}

// beaconOf returns the beacon address an article page carries, or "".
func beaconOf(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `src="/v/`)
	if i < 0 {
		return ""
	}
	rest := page[i+len(`src="`):]
	src := rest[:strings.IndexByte(rest, '"')]
	if tag := page[strings.LastIndex(page[:i], "<"):]; !strings.HasPrefix(tag, `<img class="visually-hidden" `) ||
		!strings.Contains(tag[:strings.IndexByte(tag, '>')], `alt="" width="1" height="1"`) {
		t.Errorf("beacon tag: %.120s", tag)
	}
	return src
}

// TestBeaconPage: counting by beacon, every article page carries one
// naming the article and whether it showed the wall, and nothing of the
// reader; the page cache's copy carries the same. Counting by server,
// pages carry none.
func TestBeaconPage(t *testing.T) {
	eachBeacon(t, mhttp.CountByBeacon, func(t *testing.T, bc *beaconCounts) {
		rs := bc.rs
		// The poller's first look drops everything: have it now, so
		// the second request finds the first one's copy.
		if err := rs.srv.FollowContent(context.Background()); err != nil {
			t.Fatal(err)
		}
		wallBeacon := "/v/wall/" + strconv.FormatInt(rs.ids["metered-feature"], 10)
		for i := range 2 { // rendered, then from the page cache
			res, page := rs.send(t, req{url: "/articles/metered-feature"})
			if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "public") {
				t.Fatalf("request %d: status %d, Cache-Control %q", i, res.StatusCode, res.Header.Get("Cache-Control"))
			}
			if got := beaconOf(t, page); got != wallBeacon {
				t.Errorf("request %d: beacon %q, want %q", i, got, wallBeacon)
			}
		}
		if n := bc.metric(t, "masthead_page_cache_hits_total"); n != "1" {
			t.Errorf("page cache hits = %s, want 1: the second page was not the cached copy", n)
		}
		_, page := rs.send(t, req{url: "/articles/free-daily"})
		if got, want := beaconOf(t, page), "/v/article/"+strconv.FormatInt(rs.ids["free-daily"], 10); got != want {
			t.Errorf("free article: beacon %q, want %q", got, want)
		}
		// A signed-in reader's page (rendered for them, private)
		// carries one too: every view counts the same way.
		_, cookie := rs.subscriber(t, "beacon-reader@example.com")
		res, page := rs.send(t, req{url: "/articles/metered-feature", cookies: []*http.Cookie{cookie}})
		if !strings.Contains(res.Header.Get("Cache-Control"), "private") {
			t.Fatalf("subscriber's page: Cache-Control %q", res.Header.Get("Cache-Control"))
		}
		if got, want := beaconOf(t, page), "/v/article/"+strconv.FormatInt(rs.ids["metered-feature"], 10); got != want {
			t.Errorf("subscriber's page: beacon %q, want %q", got, want)
		}
		// The wall's form coming back with an error is the same reader
		// again: no beacon, as the server counts no view for it.
		res, page = rs.send(t, req{url: "/register", form: url.Values{"article": {"metered-feature"}, "email": {"not an address"}}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad email on the wall: status %d", res.StatusCode)
		}
		if got := beaconOf(t, page); got != "" {
			t.Errorf("the wall form's page carries beacon %q", got)
		}
	})
	eachBeacon(t, mhttp.CountByServer, func(t *testing.T, bc *beaconCounts) {
		_, page := bc.rs.send(t, req{url: "/articles/metered-feature"})
		if strings.Contains(page, "/v/") {
			t.Errorf("counting by server, the page carries a beacon")
		}
	})
}

// TestBeaconCounts: a browser's beacon counts a view (and a wall view
// for the wall's), once per window however often the page is shown;
// another browser counts again; crawlers, prefetches, requests that
// are not a browser's image and beacons of no live article count
// nothing, and all get the same image.
func TestBeaconCounts(t *testing.T) {
	eachBeacon(t, mhttp.CountByBeacon, func(t *testing.T, bc *beaconCounts) {
		rs := bc.rs
		wall := "/v/wall/" + strconv.FormatInt(rs.ids["metered-feature"], 10)
		free := "/v/article/" + strconv.FormatInt(rs.ids["free-daily"], 10)
		browser := chromeImage()

		for range 3 { // shown, reloaded, back again
			bc.beacon(t, wall, browser, "")
		}
		bc.beacon(t, free, browser, "")
		views, walls := bc.counts(t)
		if views["metered-feature"] != 1 || views["free-daily"] != 1 || walls != 1 {
			t.Fatalf("after one browser's three showings: views %v, wall views %d; want 1 each, 1 wall view", views, walls)
		}

		// Another browser: another address, or the same address with
		// another device.
		bc.beacon(t, wall, browser, "198.51.100.7:4000")
		device := with(browser, "Cookie", mhttp.DeviceCookie+"=0123456789abcdef0123456789abcdef")
		bc.beacon(t, wall, device, "")
		bc.beacon(t, wall, device, "192.0.2.99:1") // the same device elsewhere
		if views, walls := bc.counts(t); views["metered-feature"] != 3 || walls != 3 {
			t.Errorf("three browsers: views %v, wall views %d; want 3 and 3", views["metered-feature"], walls)
		}

		// Not counted: each is one change from the browser's request.
		refused := map[string]http.Header{
			"Googlebot":         with(browser, "User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
			"GPTBot":            with(browser, "User-Agent", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"),
			"headless Chromium": with(browser, "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"),
			"link preview":      with(browser, "User-Agent", "Mozilla/5.0 (compatible; facebookexternalhit/1.1)"),
			"curl":              with(browser, "User-Agent", "curl/8.5.0"),
			"no user agent":     with(browser, "User-Agent", ""),
			"prerender":         with(browser, "Sec-Purpose", "prefetch;prerender"),
			"prefetch":          with(browser, "Purpose", "prefetch"),
			"Firefox prefetch":  with(browser, "X-Moz", "prefetch"),
			"no Accept":         with(browser, "Accept", ""),
			"Accept of a page":  with(browser, "Accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
			"opened as a page":  with(browser, "Sec-Fetch-Dest", "document"),
			"another site":      with(browser, "Sec-Fetch-Site", "cross-site"),
		}
		for _, h := range refused {
			bc.beacon(t, wall, h, "203.0.113.50:1")
		}
		for _, path := range []string{"/v/wall/999999", "/v/article/" + strconv.FormatInt(rs.ids["a-draft"], 10),
			"/v/article/" + strconv.FormatInt(rs.ids["future-piece"], 10), "/v/article/" + strconv.FormatInt(rs.ids["pulled-piece"], 10)} {
			bc.beacon(t, path, browser, "203.0.113.51:1")
		}
		if views, walls := bc.counts(t); views["metered-feature"] != 3 || walls != 3 || len(views) != 2 {
			t.Errorf("after refused beacons: views %v, wall views %d; want metered-feature 3 and free-daily 1, 3 wall views", views, walls)
		}
		for name, want := range map[string]string{"masthead_beacon_counted_total": "4", "masthead_beacon_repeated_total": "3",
			"masthead_beacon_ignored_total": strconv.Itoa(len(refused) + 4)} {
			if got := bc.metric(t, name); got != want {
				t.Errorf("%s = %s, want %s", name, got, want)
			}
		}
		for _, path := range []string{"/v/wall/abc", "/v/wall/0", "/v/wall/012", "/v/page/1", "/v/wall/99999999999999999999", "/v/wall/1/2"} {
			if res, _ := rs.send(t, req{url: path, header: browser}); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, res.StatusCode)
			}
		}

		// The window: a showing after it counts again.
		rs.clock.Advance(11 * time.Minute)
		bc.beacon(t, wall, browser, "") // still within the window before
		rs.clock.Advance(11 * time.Minute)
		bc.beacon(t, wall, browser, "")
		if views, _ := bc.counts(t); views["metered-feature"] != 4 {
			t.Errorf("after the window: views %d, want 4 (one more)", views["metered-feature"])
		}
	})
}

// TestBeaconNoDoubleCount: counting by beacon, the server counts no
// page it serves, rendered or from the page cache, and the beacon each
// showing; counting by server, the pages count as before and a beacon
// (from a page cached by a CDN before the switch) counts nothing.
func TestBeaconNoDoubleCount(t *testing.T) {
	eachBeacon(t, mhttp.CountByBeacon, func(t *testing.T, bc *beaconCounts) {
		var src string
		for range 3 {
			_, page := bc.rs.send(t, req{url: "/articles/metered-feature"})
			src = beaconOf(t, page)
		}
		if views, walls := bc.counts(t); len(views) != 0 || walls != 0 {
			t.Fatalf("pages served, no beacon yet: views %v, wall views %d; want none", views, walls)
		}
		bc.beacon(t, src, chromeImage(), "")
		if views, walls := bc.counts(t); views["metered-feature"] != 1 || walls != 1 {
			t.Errorf("one beacon: views %v, wall views %d; want 1 and 1", views, walls)
		}
	})
	eachBeacon(t, mhttp.CountByServer, func(t *testing.T, bc *beaconCounts) {
		for range 3 {
			bc.rs.send(t, req{url: "/articles/metered-feature"})
		}
		bc.beacon(t, "/v/wall/"+strconv.FormatInt(bc.rs.ids["metered-feature"], 10), chromeImage(), "")
		if views, walls := bc.counts(t); views["metered-feature"] != 3 || walls != 3 {
			t.Errorf("counting by server: views %v, wall views %d; want 3 and 3 (the pages, not the beacon)", views, walls)
		}
	})
}

// lookedUp is the store, counting the article lookups by id.
type lookedUp struct {
	*store.DB
	byID, live atomic.Int64
}

func (l *lookedUp) ArticleByID(ctx context.Context, id int64) (*masthead.Article, error) {
	l.byID.Add(1)
	return l.DB.ArticleByID(ctx, id)
}

func (l *lookedUp) ArticleLive(ctx context.Context, id int64, now time.Time) (bool, error) {
	l.live.Add(1)
	return l.DB.ArticleLive(ctx, id, now)
}

// TestBeaconLookups: a beacon naming no live article is refused and
// reads no article, only whether its id is live, once per id while it
// is remembered, however often it comes; a live one counts once; a
// view already counted costs no lookup at all, even once the liveness
// is forgotten.
func TestBeaconLookups(t *testing.T) {
	var rec *insights.Recorder
	var articles *lookedUp
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		articles = &lookedUp{DB: d.Articles.(*store.DB)}
		d.Articles = articles
		rec = insights.New(articles.DB, insights.Options{Interval: time.Hour, Clock: d.Clock})
		d.Insights = rec
		d.Metrics = metrics.New()
		c.CountViews = mhttp.CountByBeacon
	}, func(t *testing.T, rs *readers) {
		defer rec.Close()
		bc := &beaconCounts{rs: rs, db: articles.DB, rec: rec}
		browser := chromeImage()
		// The poller's first look forgets what is live: have it now.
		if err := rs.srv.FollowContent(context.Background()); err != nil {
			t.Fatal(err)
		}
		lookups := func() (int64, int64) { return articles.byID.Load(), articles.live.Load() }

		// Ids of no article, a draft's, a script's many: refused, and
		// each looked up once by id alone.
		var dead []string
		for i := range 40 {
			dead = append(dead, "/v/article/"+strconv.Itoa(900000+i))
		}
		dead = append(dead, "/v/wall/"+strconv.FormatInt(rs.ids["a-draft"], 10))
		for range 3 {
			for _, path := range dead {
				bc.beacon(t, path, browser, "")
			}
		}
		if byID, live := lookups(); byID != 0 || live != int64(len(dead)) {
			t.Errorf("%d dead beacons three times: %d articles read, %d liveness lookups; want 0 and %d", len(dead), byID, live, len(dead))
		}

		// A live article counts once, with one lookup of its liveness.
		good := "/v/article/" + strconv.FormatInt(rs.ids["free-daily"], 10)
		for range 3 {
			bc.beacon(t, good, browser, "")
		}
		if views, _ := bc.counts(t); views["free-daily"] != 1 || len(views) != 1 {
			t.Errorf("views %v, want free-daily 1 and nothing else", views)
		}
		byID, live := lookups()
		if byID != 0 || live != int64(len(dead))+1 {
			t.Errorf("after the live one: %d articles read, %d liveness lookups; want 0 and %d", byID, live, len(dead)+1)
		}
		// The liveness is forgotten with the page cache's lifetime; the
		// view is remembered for the window: shown again, it is known
		// as a repeat before anything is looked up.
		rs.clock.Advance(2 * time.Minute)
		bc.beacon(t, good, browser, "")
		if b, l := lookups(); b != byID || l != live {
			t.Errorf("a repeated view looked up %d articles, %d liveness", b-byID, l-live)
		}
		if views, _ := bc.counts(t); views["free-daily"] != 1 {
			t.Errorf("a repeated view counted: %d", views["free-daily"])
		}
		for name, want := range map[string]string{"masthead_beacon_counted_total": "1", "masthead_beacon_repeated_total": "3",
			"masthead_beacon_ignored_total": strconv.Itoa(3 * len(dead))} {
			if got := bc.metric(t, name); got != want {
				t.Errorf("%s = %s, want %s", name, got, want)
			}
		}
	})
}
