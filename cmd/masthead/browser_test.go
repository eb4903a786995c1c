package main

// The browser test: a real Chromium, driven through chromedp, reads the
// publication the way a reader does — home, an article, its column, an
// author — and the test checks at each step what is on the screen against
// what the database holds.

import (
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// chromiumPath finds Debian's chromium, or skips the test saying why.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Skip("browser test skipped: no Chromium on PATH or at /usr/bin/chromium (apt-get install -y chromium; .ci/run installs it)")
	return ""
}

// browser starts a headless Chromium with a profile of its own, closed
// when the test ends. Its flags keep it off the network beyond what the
// test asks: no background requests, no component updates, no sync.
func browser(t *testing.T, path string) context.Context {
	t.Helper()
	log := new(syncBuffer)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(log),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser and binds its life to the context
	// it is given, so it gets ctx itself and no deadline; each step after
	// runs with a deadline of its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium at %s: %v\n%s", path, err, log.String())
	}
	return ctx
}

// openTab opens a tab of the browser at browserCtx, closed when the test
// ends.
func openTab(t *testing.T, browserCtx context.Context) tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return tab{t: t, ctx: ctx}
}

// signInStaff follows, in b, the staff sign-in link a demo server prints
// at start.
func signInStaff(t *testing.T, b tab, inst *instance) {
	t.Helper()
	m := staffLinkRE.FindStringSubmatch(inst.stdout.String())
	if m == nil {
		t.Fatalf("no staff sign-in link in:\n%s", inst.stdout.String())
	}
	b.open(m[1])
	b.click(`form[action="/admin/signin"] button`)
}

// siteStore opens a handle on a server's database at dsn, closed when the
// test ends.
func siteStore(t *testing.T, dsn string, opt store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tab wraps a browser tab with the few steps the journey needs, each
// bounded so that a page that never loads fails the test rather than
// hanging it.
type tab struct {
	t   *testing.T
	ctx context.Context
}

const stepTimeout = 30 * time.Second

// open navigates to u and insists on status 200.
func (b tab) open(u string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		b.t.Fatalf("open %s: %v", u, err)
	}
	if resp.Status != 200 {
		b.t.Fatalf("open %s: status %d", u, resp.Status)
	}
}

// click clicks the first element matching the CSS selector, waits for the
// page it leads to, and insists on status 200.
func (b tab) click(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	if resp.Status != 200 {
		b.t.Fatalf("click %s: %s answered %d", sel, resp.URL, resp.Status)
	}
}

// text returns the visible text of the first element matching sel.
func (b tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// eval runs a JavaScript expression in the page.
func eval[T any](b tab, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// screenshot saves a full-page PNG into the test's directory and, when
// copyTo is set, copies it there for people to look at.
func (b tab) screenshot(name, copyTo string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.t.TempDir(), name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if copyTo != "" {
		if err := os.WriteFile(copyTo, png, 0o644); err != nil {
			b.t.Logf("could not copy the screenshot to %s: %v", copyTo, err)
		}
	}
}

// articleSlugs lists the article links inside <main>, in order.
func (b tab) articleSlugs() []string {
	b.t.Helper()
	hrefs := eval[[]string](b, `[...document.querySelectorAll('main a[href^="/articles/"]')].map(a => a.getAttribute('href'))`)
	var slugs []string
	seen := map[string]bool{}
	for _, h := range hrefs {
		s := strings.TrimPrefix(h, "/articles/")
		if !seen[s] {
			seen[s] = true
			slugs = append(slugs, s)
		}
	}
	return slugs
}

// visibleText is what a reader sees; allText also holds hidden elements
// and scripts (JSON-LD), where withheld text must not hide either.
const (
	visibleTextJS = `document.body.innerText`
	allTextJS     = `document.documentElement.textContent`
	wallFormJS    = `(() => {
		const e = document.querySelector('main form input[type="email"]');
		if (!e) return false;
		const r = e.getBoundingClientRect();
		return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
	})()`
	// brokenImagesJS lists images that finished loading without a
	// picture: a reader sees a broken-image icon or the alt text.
	brokenImagesJS = `[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.getAttribute('src'))`
	// backgroundLuminance is the relative luminance (0 black, 1 white)
	// of the page background, or -1 when it is not an rgb() colour.
	backgroundLuminance = `(() => {
		let c = getComputedStyle(document.body).backgroundColor;
		if (c === 'rgba(0, 0, 0, 0)' || c === 'transparent') c = getComputedStyle(document.documentElement).backgroundColor;
		if (c === 'rgba(0, 0, 0, 0)' || c === 'transparent') return 1;
		const m = c.match(/^rgba?\(([\d.]+), ([\d.]+), ([\d.]+)/);
		if (!m) return -1;
		return (0.2126 * m[1] + 0.7152 * m[2] + 0.0722 * m[3]) / 255;
	})()`
)

func TestBrowserReaderJourney(t *testing.T) {
	browserCtx := browser(t, chromiumPath(t))
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "60")
			// The test reads the truth from the same database, beside
			// the server, to check the pages against it.
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })

			// A tab of its own: its own listener and media emulation.
			tabCtx, cancel := chromedp.NewContext(browserCtx)
			t.Cleanup(cancel)
			if err := chromedp.Do(tabCtx); err != nil {
				t.Fatalf("open a tab: %v", err)
			}
			b := tab{t: t, ctx: tabCtx}
			forLead := engine == "sqlite" // one set of screenshots is enough
			readerJourney(t, b, inst, db, forLead)
		})
	}
}

func readerJourney(t *testing.T, b tab, inst *instance, db *store.DB, forLead bool) {
	ctx := context.Background()
	shot := func(path string) string {
		if forLead {
			return path
		}
		return ""
	}

	// Every request the pages make, to prove there is none to a third
	// party.
	var mu sync.Mutex
	var requested []string
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request != nil {
			mu.Lock()
			requested = append(requested, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	// Home.
	b.open(inst.URL + "/")
	if got := b.text("header .brand"); got != "The Masthead Review" {
		t.Errorf("home shows the brand %q", got)
	}
	checkImages(t, b, "home")
	b.screenshot("home.png", shot("/tmp/masthead-home.png"))
	var pick *masthead.Article
	for _, slug := range b.articleSlugs() {
		a, err := db.Article(ctx, slug)
		if err != nil {
			t.Fatalf("home links %s, which the database does not know: %v", slug, err)
		}
		if a.Access == masthead.AccessMetered && a.Column != nil && len(a.Authors) > 0 {
			pick = a
			break
		}
	}
	if pick == nil {
		t.Fatal("home links no metered article with a column and an author")
	}

	// Home → a metered article: headline, byline, teaser, the wall, and
	// not the end of the body.
	b.click(fmt.Sprintf(`main a[href="/articles/%s"]`, pick.Slug))
	checkArticle(t, b, pick, false)
	b.screenshot("article.png", shot("/tmp/masthead-article.png"))

	// Article → its column.
	b.click(fmt.Sprintf(`main a[href="/columns/%s"]`, pick.Column.Slug))
	if h := b.text("main h1"); !strings.Contains(h, pick.Column.Name) {
		t.Errorf("column page heading %q does not name the column %q", h, pick.Column.Name)
	}
	listed := b.articleSlugs()
	if len(listed) == 0 {
		t.Fatalf("column page %s lists no article", pick.Column.Slug)
	}
	for _, slug := range listed[:min(5, len(listed))] {
		a, err := db.Article(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		if a.Column == nil || a.Column.Slug != pick.Column.Slug {
			t.Errorf("column page %s lists %s, which is not in that column", pick.Column.Slug, slug)
		}
	}

	// Column → its latest article → the author's page.
	latest, err := db.Article(ctx, listed[0])
	if err != nil {
		t.Fatal(err)
	}
	b.click(fmt.Sprintf(`main a[href="/articles/%s"]`, latest.Slug))
	checkArticle(t, b, latest, latest.Access == masthead.AccessFree)
	if len(latest.Authors) == 0 {
		t.Fatalf("the column's latest article %s has no author", latest.Slug)
	}
	author := latest.Authors[0]
	b.click(fmt.Sprintf(`main a[rel="author"][href="/authors/%s"]`, author.Slug))
	if h := b.text("main h1"); !strings.Contains(h, author.Name) {
		t.Errorf("author page heading %q does not name %q", h, author.Name)
	}
	byAuthor := b.articleSlugs()
	if len(byAuthor) == 0 {
		t.Fatalf("author page %s lists no article", author.Slug)
	}
	for _, slug := range byAuthor[:min(5, len(byAuthor))] {
		a, err := db.Article(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		if !hasAuthor(a, author.Slug) {
			t.Errorf("author page %s lists %s, which they did not write", author.Slug, slug)
		}
	}

	// A free article shows its whole text and no wall.
	free := masthead.AccessFree
	list, _, err := db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: time.Now(), Access: &free, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("the demo has no live free article")
	}
	freeArticle, err := db.Article(ctx, list[0].Slug)
	if err != nil {
		t.Fatal(err)
	}
	b.open(inst.URL + "/articles/" + freeArticle.Slug)
	checkArticle(t, b, freeArticle, true)

	// Dark mode: the same article on a dark background.
	b.open(inst.URL + "/articles/" + pick.Slug)
	light := eval[float64](b, backgroundLuminance)
	ectx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	_, err = chromedp.Call(ectx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	})
	cancel()
	if err != nil {
		t.Fatalf("emulate dark mode: %v", err)
	}
	b.open(inst.URL + "/articles/" + pick.Slug)
	dark := eval[float64](b, backgroundLuminance)
	if light < 0 || dark < 0 {
		t.Errorf("page background is not an rgb() colour (luminance light %v, dark %v)", light, dark)
	} else if !(light > 0.5 && dark < 0.5) {
		t.Errorf("page background luminance is %.2f in light mode and %.2f in dark mode; want light then dark", light, dark)
	}
	b.screenshot("article-dark.png", shot("/tmp/masthead-article-dark.png"))

	mu.Lock()
	defer mu.Unlock()
	if len(requested) == 0 {
		t.Error("saw no requests: the network listener is not working")
	}
	for _, u := range requested {
		if !strings.HasPrefix(u, inst.URL+"/") && !strings.HasPrefix(u, "data:") && u != "about:blank" {
			t.Errorf("a page requested %s, off the site", u)
		}
	}
}

// checkArticle checks the open article page against a, as the database
// holds it: the headline, the byline, and either the whole body (full) or
// the teaser with the wall and without the ending.
func checkArticle(t *testing.T, b tab, a *masthead.Article, full bool) {
	t.Helper()
	if h := b.text("main h1"); h != a.Title {
		t.Errorf("%s: headline %q, want %q", a.Slug, h, a.Title)
	}
	bylines := eval[[]string](b, `[...document.querySelectorAll('main a[rel="author"]')].map(a => a.innerText.trim())`)
	for _, au := range a.Authors {
		found := false
		for _, name := range bylines {
			found = found || name == au.Name
		}
		if !found {
			t.Errorf("%s: byline %q does not name %q", a.Slug, bylines, au.Name)
		}
	}

	checkImages(t, b, a.Slug)

	opening, ending := firstWords(a.TeaserHTML), lastWords(a.BodyHTML)
	if opening == "" || ending == "" {
		t.Fatalf("%s: cannot find an opening and an ending paragraph in the stored body", a.Slug)
	}
	if strings.Contains(squash(textOf(a.TeaserHTML)), ending) {
		t.Fatalf("%s: the teaser holds the ending %q; pick another article", a.Slug, ending)
	}
	visible := squash(eval[string](b, visibleTextJS))
	if !strings.Contains(visible, opening) {
		t.Errorf("%s: the page does not show the opening %q", a.Slug, opening)
	}
	wall := eval[bool](b, wallFormJS)
	if full {
		if wall {
			t.Errorf("%s is free but shows the wall's email form", a.Slug)
		}
		if !strings.Contains(visible, ending) {
			t.Errorf("%s is free but the page does not show the ending %q", a.Slug, ending)
		}
		return
	}
	if !wall {
		t.Errorf("%s is %s but shows no email form to keep reading", a.Slug, a.Access)
	}
	if all := squash(eval[string](b, allTextJS)); strings.Contains(all, ending) {
		t.Errorf("%s is %s but its page holds the ending %q", a.Slug, a.Access, ending)
	}
}

// checkImages fails the test for every image of the open page that did
// not load.
func checkImages(t *testing.T, b tab, page string) {
	t.Helper()
	for _, src := range eval[[]string](b, brokenImagesJS) {
		t.Errorf("%s: image %s does not load", page, src)
	}
}

func hasAuthor(a *masthead.Article, slug string) bool {
	for _, au := range a.Authors {
		if au.Slug == slug {
			return true
		}
	}
	return false
}

var paragraphRE = regexp.MustCompile(`(?s)<p(?:\s[^>]*)?>(.*?)</p>`)

// paragraphs returns the plain text of the paragraphs of an HTML body.
func paragraphs(h string) []string {
	var out []string
	for _, m := range paragraphRE.FindAllStringSubmatch(h, -1) {
		if p := squash(textOf(m[1])); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// textOf strips the tags of an HTML fragment and decodes its entities.
// Tags go without a trace, as inline markup inside a paragraph does on
// screen ("<em>x</em>," reads "x,").
func textOf(h string) string { return html.UnescapeString(tagRE.ReplaceAllString(h, "")) }

// squash collapses runs of white space, as layout does.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// firstWords is the start of the first paragraph of some length.
func firstWords(h string) string {
	for _, p := range paragraphs(h) {
		if utf8.RuneCountInString(p) >= 40 {
			return cutRunes(p, 60, false)
		}
	}
	return ""
}

// lastWords is the end of the last paragraph of some length.
func lastWords(h string) string {
	ps := paragraphs(h)
	for i := len(ps) - 1; i >= 0; i-- {
		if utf8.RuneCountInString(ps[i]) >= 40 {
			return cutRunes(ps[i], 60, true)
		}
	}
	return ""
}

// cutRunes keeps n runes of s from its start or its end, on word
// boundaries so that inline markup cannot split a word differently.
func cutRunes(s string, n int, fromEnd bool) string {
	words := strings.Fields(s)
	var kept []string
	count := 0
	for i := range words {
		w := words[i]
		if fromEnd {
			w = words[len(words)-1-i]
		}
		if count > 0 && count+utf8.RuneCountInString(w) > n {
			break
		}
		kept = append(kept, w)
		count += utf8.RuneCountInString(w) + 1
	}
	if fromEnd {
		for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
			kept[i], kept[j] = kept[j], kept[i]
		}
	}
	return strings.Join(kept, " ")
}
