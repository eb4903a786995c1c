package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestBrowserNewsroom: in Chromium, an administrator of the demo creates
// an author and a column with that author as columnist and finds both on
// the site; then picks an older story as the lead and sees it lead the
// home page, served through the page cache as before.
func TestBrowserNewsroom(t *testing.T) {
	browserCtx := browser(t, chromiumPath(t))
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "30", "--shutdown-grace", "15s")
			db := siteStore(t, dsn, store.Options{})
			b := openTab(t, browserCtx)
			signInStaff(t, b, inst)

			// An author, then a column written by them.
			b.open(inst.URL + "/admin/authors/new")
			b.fill(map[string]string{"#name": "Noor Haddad", "#bio": "Reports from the ports of the Levant.",
				"#links": "https://noor.example/"})
			b.click(`main form button.primary`)
			if h := b.text("main h1"); h != "Noor Haddad" {
				t.Fatalf("after creating the author: %q", h)
			}
			b.open(inst.URL + "/admin/columns/new")
			b.fill(map[string]string{"#name": "Harbour Notes", "#description": "A weekly letter from the docks.", "#position": "-5"})
			b.choose("#columnist", "noor-haddad")
			b.click(`main form button.primary`)
			if h := b.text("main h1"); h != "Harbour Notes" {
				t.Fatalf("after creating the column: %q", h)
			}
			b.open(inst.URL + "/columns")
			if got := b.text("main"); !strings.Contains(got, "Harbour Notes") || !strings.Contains(got, "A weekly letter from the docks.") {
				t.Errorf("the columns page lacks the new column: %q", got)
			}
			b.open(inst.URL + "/authors/noor-haddad")
			if got := b.text("main h1"); got != "Noor Haddad" {
				t.Errorf("the author's page: %q", got)
			}
			c, err := db.Column(context.Background(), "harbour-notes")
			if err != nil || c.Columnist == nil || c.Columnist.Slug != "noor-haddad" || c.Position != -5 {
				t.Errorf("the column as stored: %+v, %v", c, err)
			}

			// The lead: an older story than the newest daily.
			list, _, err := db.Articles(context.Background(), masthead.ArticleFilter{Live: true, Now: time.Now(), Limit: 10})
			if err != nil || len(list) < 5 {
				t.Fatalf("live articles: %d, %v", len(list), err)
			}
			b.open(inst.URL + "/")
			before := b.text(".home__lead .lead__title")
			var lead *masthead.Article
			for _, a := range list[3:] {
				if a.Title != before {
					lead = a
					break
				}
			}
			b.open(inst.URL + "/admin/home")
			b.choose("#lead", lead.Slug)
			b.click(`main form button.primary`)
			if got := b.text("p.flash"); !strings.Contains(got, "Home page saved") {
				t.Fatalf("after saving the home page: %q", got)
			}
			// Every instance's page cache forgets the home page when it
			// sees the content version move, within a second or so.
			deadline := time.Now().Add(15 * time.Second)
			got := ""
			for time.Now().Before(deadline) {
				b.open(inst.URL + "/")
				if got = b.text(".home__lead .lead__title"); got == lead.Title {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			if got != lead.Title {
				t.Fatalf("the home page leads with %q, want the chosen %q", got, lead.Title)
			}
			if h := b.text(".home__lead h2"); !strings.EqualFold(h, "Top story") {
				t.Errorf("the lead's heading: %q", h)
			}
		})
	}
}

// fill sets the value of each field, by CSS selector.
func (b tab) fill(fields map[string]string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	for sel, v := range fields {
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), v)); err != nil {
			b.t.Fatalf("fill %s: %v", sel, err)
		}
	}
}

// choose selects the option with value in the select sel.
func (b tab) choose(sel, value string) {
	b.t.Helper()
	b.fill(map[string]string{sel: value})
}
