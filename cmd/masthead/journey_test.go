package main

// The reader's whole path in a real Chromium, through the real program and
// a real SMTP server: an anonymous reader meets the wall, registers with
// an email and reads on at once, signs in through the link that arrives by
// mail, spends the month's three free articles one click at a time, is
// offered a subscription on the fourth, and once a subscriber reads it in
// full without ads. At each step the test checks what is on the screen
// against what the database holds.

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"masthead"
	"masthead/mail/mailtest"
	"masthead/store"
	"masthead/store/storetest"
)

// journeyEmail is the address the reader registers with; nobody in the
// demo library has it.
const journeyEmail = "journey.reader@example.org"

// subscriberWait bounds how long a subscription granted beside the site
// may take to show: well past the few seconds the site may reuse what it
// read of a signed-in reader.
const subscriberWait = 45 * time.Second

// mailTimeout bounds the wait for an email the server sends after its
// response.
const mailTimeout = time.Minute

func TestBrowserRegistrationMeterAndSubscription(t *testing.T) {
	path := chromiumPath(t)
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			smtp := mailtest.Start(t)
			// The meter is left at its default: three a calendar month.
			inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "40", "--smtp-url", smtp.URL())
			db := siteStore(t, dsn, store.Options{})

			// A browser of its own per engine: cookies are not kept apart
			// by port, so a shared profile would carry the first run's
			// session and device cookies into the second.
			b := tab{t: t, ctx: browser(t, path)}
			forLead := engine == "sqlite" // one set of screenshots is enough
			registrationJourney(t, b, inst, db, smtp, forLead)
		})
	}
}

func registrationJourney(t *testing.T, b tab, inst *instance, db *store.DB, smtp *mailtest.Server, forLead bool) {
	ctx := context.Background()
	shot := func(name string) {
		t.Helper()
		copyTo := ""
		if forLead {
			copyTo = "/tmp/journey-" + name
		}
		b.screenshot(name, copyTo)
	}
	picks := meteredArticles(t, db, 5)
	first, unlocks, fourth := picks[0], picks[1:4], picks[4]

	// 1. Anonymous: the teaser, the wall with its email form, an ad, and
	// no byte of the text past the teaser.
	b.open(inst.URL + articlePath(first))
	wantTeaser(t, b, first)
	if !eval[bool](b, wallFormJS) {
		t.Fatalf("%s: an anonymous reader sees no email form on the wall", first.Slug)
	}
	wantAds(t, b, first.Slug, true)
	if got := b.text("header nav.account"); !strings.Contains(got, "Log in") {
		t.Errorf("anonymous header reads %q, want a Log in link", got)
	}
	login := eval[string](b, `document.querySelector('main .wall a[href^="/login"]')?.getAttribute('href') ?? ''`)
	if u, err := url.Parse(login); login == "" || err != nil || u.Query().Get("next") != articlePath(first) {
		t.Errorf("%s: the wall's Log in link is %q, want one returning to the article", first.Slug, login)
	}
	shot("wall.png")

	// 2. Registration: the rest of that article opens at once, in this
	// browser, before the address is verified.
	b.typeInto("#wall-email", journeyEmail)
	b.click(`main form[action="/register"] button[type="submit"]`)
	if loc := b.location(); loc.Path != articlePath(first) || loc.Query().Get("welcome") == "" {
		t.Errorf("registering landed on %s, want %s?welcome=1", loc, articlePath(first))
	}
	wantFull(t, b, first)
	if flash := b.text(".flash"); !strings.Contains(flash, "emailed you a link") {
		t.Errorf("after registering the page says %q, want word of the emailed link", flash)
	}

	// 3. The sign-in link, from the text part of the email the SMTP
	// server received. Opening it only shows a button; opening it twice
	// proves that a GET spends nothing, since the button still works.
	msg := smtp.WaitFor(t, journeyEmail, mailTimeout)
	if msg.HTML == "" {
		t.Error("the sign-in email has no HTML part")
	}
	link := mailtest.FirstLink(msg.Text)
	if !strings.HasPrefix(link, inst.URL+"/signin?token=") {
		t.Fatalf("the sign-in email's text part links %q, want %s/signin?token=…\n%s", link, inst.URL, msg.Text)
	}
	if u, err := url.Parse(link); err != nil || u.Query().Get("next") != articlePath(first) {
		t.Errorf("the sign-in link %q does not return the reader to %s", link, articlePath(first))
	}
	for range 2 {
		b.open(link)
		b.waitVisible(`main form[action="/signin"] button[type="submit"]`)
		if b.exists(".account__name") {
			t.Fatal("opening the sign-in link signed the reader in without the button")
		}
	}
	b.click(`main form[action="/signin"] button[type="submit"]`)
	b.waitVisible("header .account__name")
	if loc := b.location(); loc.Path != articlePath(first) {
		t.Errorf("signing in landed on %s, want back on %s", loc, articlePath(first))
	}
	if name := b.text("header .account__name"); name != journeyEmail {
		t.Errorf("signed in, the header names %q, want %q", name, journeyEmail)
	}
	wantFull(t, b, first) // the registration unlock holds after sign-in
	wantCookies(t, b, inst)

	// 4. Three metered articles of the reader's choice, each opened by an
	// explicit click on the wall's button; the count goes down as it says.
	for i, a := range unlocks {
		left := 3 - i
		b.open(inst.URL + articlePath(a))
		wantTeaser(t, b, a)
		want := fmt.Sprintf("You have %d of 3 free articles left this month", left)
		if got := b.text(".wall__meter"); !strings.Contains(got, want) {
			t.Errorf("%s: the wall says %q, want %q", a.Slug, got, want)
		}
		if eval[bool](b, wallFormJS) {
			t.Errorf("%s: a signed-in reader is asked for their email again", a.Slug)
		}
		if b.exists(`main .wall a[href^="/login"]`) {
			t.Errorf("%s: a signed-in reader is asked to log in", a.Slug)
		}
		if i == 0 {
			shot("meter.png")
		}
		b.click(fmt.Sprintf(`main form[action="%s/unlock"] button[type="submit"]`, articlePath(a)))
		if loc := b.location(); loc.Path != articlePath(a) {
			t.Errorf("unlocking %s landed on %s", a.Slug, loc)
		}
		wantFull(t, b, a)
		wantAds(t, b, a.Slug, true) // the meter is not ad-free reading
	}

	// 5. The fourth: no credits left, so a subscription and no button.
	b.open(inst.URL + articlePath(fourth))
	wantTeaser(t, b, fourth)
	wantExhausted(t, b, fourth)
	shot("subscribe.png")

	// The unlocked ones stay open; reading them again spends nothing.
	for _, a := range unlocks {
		b.open(inst.URL + articlePath(a))
		wantFull(t, b, a)
	}
	b.reload()
	wantFull(t, b, unlocks[len(unlocks)-1])
	b.open(inst.URL + articlePath(first))
	wantFull(t, b, first)
	m, err := db.MemberByEmail(ctx, journeyEmail)
	if err != nil {
		t.Fatal(err)
	}
	if m.VerifiedAt.IsZero() {
		t.Error("following the sign-in link did not verify the address")
	}
	spent, err := db.MemberUnlocks(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	var spentOn []string
	for _, u := range spent {
		spentOn = append(spentOn, u.Slug)
	}
	if len(spent) != 3 || !sameSet(spentOn, slugs(unlocks)) {
		t.Errorf("the database holds unlocks of %v, want exactly %v", spentOn, slugs(unlocks))
	}
	b.open(inst.URL + articlePath(fourth))
	wantExhausted(t, b, fourth)
	b.open(inst.URL + "/account")
	if got := b.text("main"); !strings.Contains(got, "0 of 3") {
		t.Errorf("the account page does not say 0 of 3 free articles left:\n%s", got)
	}
	listed := eval[[]string](b, `[...document.querySelectorAll('main ul.unlocks a')].map(a => a.getAttribute('href'))`)
	if want := paths(unlocks); len(listed) != 3 || !sameSet(listed, want) {
		t.Errorf("the account page lists the unlocked articles %v, want %v", listed, want)
	}

	// 6. A subscriber: the fourth opens in full, and no ad anywhere.
	if _, err := db.GrantEntitlement(ctx, masthead.Entitlement{
		MemberID: m.ID, Source: masthead.EntitlementComplimentary, Note: "browser journey test",
	}); err != nil {
		t.Fatal(err)
	}
	// The grant is made beside the site, as billing would make it; the
	// site may reuse what it read of a signed-in reader for a few seconds
	// (http/readerstate.go), so the reader reloads until it shows.
	b.openUntil(inst.URL+articlePath(fourth), subscriberWait, func() bool { return !b.exists("main .wall") })
	wantFull(t, b, fourth)
	wantAds(t, b, fourth.Slug, false)
	shot("subscriber.png")
	b.open(inst.URL + articlePath(unlocks[0]))
	wantFull(t, b, unlocks[0])
	wantAds(t, b, unlocks[0].Slug, false)
}

// meteredArticles returns n live metered articles, newest first, whose
// teaser stops before the ending and whose body is long enough to carry
// the in-body ad, so that the page shows plainly which one it got.
func meteredArticles(t *testing.T, db *store.DB, n int) []*masthead.Article {
	t.Helper()
	ctx := context.Background()
	metered := masthead.AccessMetered
	list, _, err := db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: time.Now(), Access: &metered, Limit: 100, Bare: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []*masthead.Article
	for _, l := range list {
		a, err := db.Article(ctx, l.Slug)
		if err != nil {
			t.Fatal(err)
		}
		opening, ending := firstWords(a.TeaserHTML), lastWords(a.BodyHTML)
		if opening == "" || ending == "" || strings.Contains(squash(textOf(a.TeaserHTML)), ending) || len(paragraphs(a.BodyHTML)) < 5 {
			continue
		}
		if out = append(out, a); len(out) == n {
			return out
		}
	}
	t.Fatalf("the demo library has %d live metered articles fit for the journey, want %d", len(out), n)
	return nil
}

func articlePath(a *masthead.Article) string { return "/articles/" + a.Slug }

// wantTeaser checks that the open page is a's teaser and the wall: the
// opening is shown, the ending is nowhere in the document (hidden
// elements and JSON-LD included).
func wantTeaser(t *testing.T, b tab, a *masthead.Article) {
	t.Helper()
	wantHeadline(t, b, a)
	if visible := squash(eval[string](b, visibleTextJS)); !strings.Contains(visible, firstWords(a.TeaserHTML)) {
		t.Errorf("%s: the page does not show the teaser's opening %q", a.Slug, firstWords(a.TeaserHTML))
	}
	if all := squash(eval[string](b, allTextJS)); strings.Contains(all, lastWords(a.BodyHTML)) {
		t.Errorf("%s: the reader should see the teaser, but the page holds the ending %q", a.Slug, lastWords(a.BodyHTML))
	}
	if !b.exists("main .wall") {
		t.Errorf("%s: the teaser comes without the wall", a.Slug)
	}
}

// wantFull checks that the open page shows the whole of a: its ending is
// on screen and there is no wall.
func wantFull(t *testing.T, b tab, a *masthead.Article) {
	t.Helper()
	wantHeadline(t, b, a)
	if visible := squash(eval[string](b, visibleTextJS)); !strings.Contains(visible, lastWords(a.BodyHTML)) {
		t.Errorf("%s: the reader should see the whole article, but the page does not show its ending %q", a.Slug, lastWords(a.BodyHTML))
	}
	if b.exists("main .wall") {
		t.Errorf("%s: the whole article is shown with the wall: %q", a.Slug, b.text("main .wall"))
	}
}

// wantExhausted checks the wall of a reader with no credits left: the
// offer to subscribe, a link to /pricing, no button that spends.
func wantExhausted(t *testing.T, b tab, a *masthead.Article) {
	t.Helper()
	if got := b.text("main .wall"); !strings.Contains(got, "You have read your free articles this month") {
		t.Errorf("%s: with no credits left the wall says %q", a.Slug, got)
	}
	if b.exists(`main form[action$="/unlock"]`) || eval[bool](b, wallFormJS) {
		t.Errorf("%s: with no credits left the wall still offers to unlock or register", a.Slug)
	}
	if !b.exists(`main .wall a[href^="/pricing"]`) {
		t.Errorf("%s: with no credits left the wall has no link to /pricing", a.Slug)
	}
	if b.exists(`main .wall a[href^="/login"]`) {
		t.Errorf("%s: a signed-in reader is asked to log in", a.Slug)
	}
}

func wantHeadline(t *testing.T, b tab, a *masthead.Article) {
	t.Helper()
	if h := b.text("main h1"); h != a.Title {
		t.Errorf("%s: headline %q, want %q", a.Slug, h, a.Title)
	}
}

// wantAds checks that the open page shows a labelled ad slot, or that it
// holds none at all, shown or hidden.
func wantAds(t *testing.T, b tab, slug string, want bool) {
	t.Helper()
	shown := eval[int](b, `[...document.querySelectorAll('.ad')].filter(e => {
		const r = e.getBoundingClientRect();
		return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
	}).length`)
	slots := eval[int](b, `document.querySelectorAll('.ad').length`)
	// The label is set in capitals by the style sheet.
	labelled := strings.Contains(strings.ToLower(eval[string](b, visibleTextJS)), "advertisement")
	switch {
	case want && (shown == 0 || !labelled):
		t.Errorf("%s: no ad on the page (%d slots shown, labelled %v)", slug, shown, labelled)
	case !want && (slots > 0 || labelled):
		t.Errorf("%s: a subscriber's page has ads (%d slots, labelled %v)", slug, slots, labelled)
	}
}

// wantCookies checks the cookies the browser holds for the site: the
// session and device cookies exist, script cannot read them, and they do
// not travel on cross-site requests.
func wantCookies(t *testing.T, b tab, inst *instance) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{inst.URL + "/"}})
	if err != nil {
		t.Fatalf("read the browser's cookies: %v", err)
	}
	byName := map[string]*network.Cookie{}
	for _, c := range res.Cookies {
		byName[c.Name] = c
	}
	for _, name := range []string{"masthead_session", "masthead_device"} {
		c := byName[name]
		if c == nil {
			t.Errorf("the browser holds no %s cookie (has %v)", name, cookieNames(res.Cookies))
			continue
		}
		if !c.HTTPOnly {
			t.Errorf("%s is readable by script (no HttpOnly)", name)
		}
		if c.SameSite != network.CookieSameSiteLax {
			t.Errorf("%s has SameSite=%q, want Lax", name, c.SameSite)
		}
	}
	if js := eval[string](b, `document.cookie`); strings.Contains(js, "masthead_") {
		t.Errorf("script reads the cookies %q", js)
	}
}

func cookieNames(cs []*network.Cookie) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func slugs(as []*masthead.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Slug)
	}
	return out
}

func paths(as []*masthead.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, articlePath(a))
	}
	return out
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		if count[s]--; count[s] < 0 {
			return false
		}
	}
	return true
}

// typeInto types s into the field matching sel, key by key, as a reader
// does.
func (b tab) typeInto(sel, s string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), s)); err != nil {
		b.t.Fatalf("type into %s: %v", sel, err)
	}
}

// waitVisible waits until an element matching sel is shown.
func (b tab) waitVisible(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("wait for %s: %v", sel, err)
	}
}

// exists reports whether the open page has an element matching sel.
func (b tab) exists(sel string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// location is the URL of the open page.
func (b tab) location() *url.URL {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	u, err := url.Parse(s)
	if err != nil {
		b.t.Fatalf("location %q: %v", s, err)
	}
	return u
}

// openUntil opens u, again and again, until done reports true of the page,
// failing the test after wait.
func (b tab) openUntil(u string, wait time.Duration, done func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		b.open(u)
		if done() {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s did not change as expected within %s", u, wait)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// reload reloads the open page and insists on status 200.
func (b tab) reload() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Reload())
	if err != nil {
		b.t.Fatalf("reload: %v", err)
	}
	if resp.Status != 200 {
		b.t.Fatalf("reload %s: status %d", resp.URL, resp.Status)
	}
}
