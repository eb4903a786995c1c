package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"masthead"
	"masthead/mail/mailtest"
	"masthead/store"
	"masthead/store/storetest"
)

const curatorEmail = "curator.reader@example.org"

// TestBrowserCurator follows a reader through the curator in Chromium,
// against the real program on each engine with a real SMTP server:
// register on the wall and sign in with the emailed link, pick two
// topics, find their newest articles on the For-you page, turn their
// alerts on, get an email when an editor publishes in one of them, and,
// after unfollowing it, no word of the next article there while the
// other topic's alert still comes.
func TestBrowserCurator(t *testing.T) {
	path := chromiumPath(t)
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			smtp := mailtest.Start(t)
			inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "40", "--smtp-url", smtp.URL(),
				"--alert-interval", "1s")
			// The editor's saves go through this handle, timed as the
			// server's are.
			db := siteStore(t, dsn, store.Options{AlertInterval: time.Second})
			b := tab{t: t, ctx: browser(t, path)}
			curatorJourney(t, b, inst, db, smtp)
		})
	}
}

func curatorJourney(t *testing.T, b tab, inst *instance, db *store.DB, smtp *mailtest.Server) {
	ctx := context.Background()
	first := meteredArticles(t, db, 1)[0]

	// Register on the wall; the emailed link signs the reader in.
	b.open(inst.URL + articlePath(first))
	if !b.exists(`main form[action="/follow"]`) || b.exists(`main button[aria-pressed="true"]`) {
		t.Errorf("the anonymous article page lacks the shared follow forms, or shows a follow")
	}
	b.typeInto("#wall-email", curatorEmail)
	b.click(`main form[action="/register"] button[type="submit"]`)
	link := mailtest.FirstLink(smtp.WaitFor(t, curatorEmail, mailTimeout).Text)
	b.open(link)
	b.click(`main form[action="/signin"] button[type="submit"]`)
	b.waitVisible("header .account__name")

	// Pick two topics, from the For-you page's invitation.
	b.open(inst.URL + "/for-you")
	b.click(`main a[href="/welcome/follow"]`)
	topics := liveTopics(t, db, 2)
	for _, slug := range topics {
		clickOnly(b, "#topic-"+slug)
	}
	b.click(`main form[action="/welcome/follow"] button[type="submit"]`)
	if loc := b.location(); loc.Path != "/for-you" {
		t.Fatalf("picking landed on %s, want /for-you", loc)
	}
	m, err := db.MemberByEmail(ctx, curatorEmail)
	if err != nil {
		t.Fatal(err)
	}
	follows, err := db.Follows(ctx, m.ID)
	if err != nil || len(follows) != 2 {
		t.Fatalf("after picking, the reader follows %+v (%v)", follows, err)
	}
	newest, _, err := db.ForYou(ctx, follows, time.Now(), 3, 0)
	if err != nil || len(newest) == 0 {
		t.Fatalf("no articles in the picked topics: %v", err)
	}
	page := b.text("main")
	last := -1
	for _, a := range newest {
		i := strings.Index(page, a.Title)
		if i < 0 || i < last {
			t.Errorf("For-you lacks %q, or lists it out of order:\n%s", a.Title, page)
		}
		last = i
	}

	// Instant alerts for both, on the account page.
	for _, slug := range topics {
		b.open(inst.URL + "/account")
		if !eval[bool](b, fmt.Sprintf(`(() => { const s = document.querySelector('#alert-topic-%s'); if (!s) return false; s.value = 'instant'; return true })()`, slug)) {
			t.Fatalf("the account page has no alert choice for %s", slug)
		}
		b.click(fmt.Sprintf(`main form[action="/follow/alert"]:has(#alert-topic-%s) button[type="submit"]`, slug))
	}

	// An editor publishes in the first topic: one alert arrives.
	publish := func(slug, title string) {
		t.Helper()
		_, err := db.CreateArticle(ctx, masthead.ArticleInput{Slug: slug, Title: title, BodyMarkdown: "News of the day.",
			AuthorSlugs: []string{"curator-desk"}, TopicSlugs: []string{topics[0]}, Kind: masthead.KindDaily,
			Access: masthead.AccessMetered, Status: masthead.StatusPublished})
		if err != nil {
			t.Fatal(err)
		}
	}
	publish("curator-first-alert", "The first alert's news")
	msg := smtp.WaitFor(t, curatorEmail, mailTimeout)
	if !strings.Contains(msg.Text, "The first alert's news") || !strings.Contains(msg.Text, "stop these alerts") {
		t.Errorf("the alert reads:\n%s", msg.Text)
	}
	if len(msg.Headers["List-Unsubscribe"]) == 0 {
		t.Errorf("the alert has no List-Unsubscribe header")
	}

	// Unfollow the first topic from its page; the next article there
	// tells nobody, while one in the second topic, published with it,
	// still comes.
	b.open(inst.URL + "/topics/" + topics[0])
	b.click(`main form[action="/follow"] button[aria-pressed="true"]`)
	if !b.exists(`main form[action="/follow"] button[aria-pressed="false"]`) {
		t.Errorf("the topic page still shows the follow after unfollowing")
	}
	_, err = db.UpsertArticles(ctx, []masthead.ArticleInput{
		{Slug: "curator-unfollowed", Title: "News nobody was told of", BodyMarkdown: "Quiet.", AuthorSlugs: []string{"curator-desk"},
			TopicSlugs: []string{topics[0]}, Kind: masthead.KindDaily, Access: masthead.AccessMetered, Status: masthead.StatusPublished},
		{Slug: "curator-second-alert", Title: "The second alert's news", BodyMarkdown: "Loud.", AuthorSlugs: []string{"curator-desk"},
			TopicSlugs: []string{topics[1]}, Kind: masthead.KindDaily, Access: masthead.AccessMetered, Status: masthead.StatusPublished},
	})
	if err != nil {
		t.Fatal(err)
	}
	msg = smtp.WaitFor(t, curatorEmail, mailTimeout)
	if !strings.Contains(msg.Text, "The second alert's news") || strings.Contains(msg.Text, "News nobody was told of") {
		t.Errorf("after unfollowing, the alert reads:\n%s", msg.Text)
	}
	if n := smtp.Received(curatorEmail); n != 3 { // the sign-in link and two alerts
		t.Errorf("the reader received %d emails, want 3", n)
	}
}

// liveTopics returns n topics of the newest live articles, distinct.
func liveTopics(t *testing.T, db *store.DB, n int) []string {
	t.Helper()
	list, _, err := db.Articles(context.Background(), masthead.ArticleFilter{Live: true, Now: time.Now(), Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range list {
		for _, tp := range a.Topics {
			if len(out) < n && !contains(out, tp.Slug) {
				out = append(out, tp.Slug)
			}
		}
	}
	if len(out) < n {
		t.Fatalf("the demo has %d topics with live articles, want %d", len(out), n)
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// clickOnly clicks an element that leads nowhere (a checkbox).
func clickOnly(b tab, sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}
