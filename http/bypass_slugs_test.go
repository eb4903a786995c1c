package http_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
)

// TestBypassRetiredSlugs: the old slug of a renamed article, and an old
// address of the site a publication moved from, redirect only to an
// article readers may see. For a draft, a scheduled or an unpublished
// article they answer 404 and name neither the article nor its new slug
// (no Location header, no link); once the article is live they redirect.
func TestBypassRetiredSlugs(t *testing.T) {
	noCache := func(c *mhttp.Config, d *mhttp.Deps) { c.PageCacheBytes = -1 }
	eachReaders(t, noCache, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		input := func(slug string, status masthead.Status, at time.Time) masthead.ArticleInput {
			return masthead.ArticleInput{Slug: slug, Title: "Title of " + slug, BodyMarkdown: "Body of " + slug + ".",
				AuthorSlugs: []string{"grace-hopper"}, Access: masthead.AccessMetered, Status: status, PublishedAt: at}
		}
		rename := func(a *masthead.Article, in masthead.ArticleInput) *masthead.Article {
			t.Helper()
			got, err := rs.db.UpdateArticle(ctx, a.ID, in)
			if err != nil {
				t.Fatalf("update %s: %v", in.Slug, err)
			}
			return got
		}
		hidden := func(step, old, secret string) {
			t.Helper()
			res, body := rs.send(t, req{url: old})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %s answers %d, want 404", step, old, res.StatusCode)
			}
			if loc := res.Header.Get("Location"); loc != "" {
				t.Errorf("%s: %s has Location %q", step, old, loc)
			}
			if strings.Contains(body, secret) {
				t.Errorf("%s: %s names the new slug %q in its page", step, old, secret)
			}
		}
		moved := func(step, old, to string) {
			t.Helper()
			res, _ := rs.send(t, req{url: old})
			if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != to {
				t.Errorf("%s: %s answers %d to %q, want 301 to %s", step, old, res.StatusCode, res.Header.Get("Location"), to)
			}
		}

		t.Run("published, renamed, unpublished, republished", func(t *testing.T) {
			at := now.Add(-48 * time.Hour)
			a := mustCreate(t, rs.db, input("vote-count", masthead.StatusPublished, at))
			a = rename(a, input("vote-count-secret-recount", masthead.StatusPublished, at))
			moved("while live", "/articles/vote-count", "/articles/vote-count-secret-recount")
			a = rename(a, input("vote-count-secret-recount", masthead.StatusDraft, at))
			hidden("unpublished", "/articles/vote-count", "secret-recount")
			// Renamed again while unpublished: both old slugs stay dark.
			a = rename(a, input("vote-count-secret-final", masthead.StatusDraft, at))
			hidden("renamed while unpublished", "/articles/vote-count", "secret-final")
			hidden("renamed while unpublished", "/articles/vote-count-secret-recount", "secret-final")
			rename(a, input("vote-count-secret-final", masthead.StatusPublished, at))
			moved("republished", "/articles/vote-count", "/articles/vote-count-secret-final")
			moved("republished", "/articles/vote-count-secret-recount", "/articles/vote-count-secret-final")
		})

		t.Run("draft renamed", func(t *testing.T) {
			a := mustCreate(t, rs.db, input("merger-plan", masthead.StatusDraft, time.Time{}))
			rename(a, input("merger-plan-secret-target", masthead.StatusDraft, time.Time{}))
			hidden("draft", "/articles/merger-plan", "secret-target")
			hidden("draft, with a gift parameter", "/articles/merger-plan?gift=x", "secret-target")
		})

		t.Run("scheduled renamed, then live", func(t *testing.T) {
			at := now.Add(3 * time.Hour)
			a := mustCreate(t, rs.db, input("budget-leak", masthead.StatusScheduled, at))
			rename(a, input("budget-leak-secret-figures", masthead.StatusScheduled, at))
			hidden("scheduled", "/articles/budget-leak", "secret-figures")
			// Its time comes before PromoteScheduled has run: it is live.
			rs.clock.Set(at.Add(time.Minute))
			defer rs.clock.Set(now)
			moved("live by its time", "/articles/budget-leak", "/articles/budget-leak-secret-figures")
		})

		t.Run("deleted", func(t *testing.T) {
			a := mustCreate(t, rs.db, input("old-story", masthead.StatusPublished, now.Add(-time.Hour)))
			a = rename(a, input("old-story-renamed", masthead.StatusPublished, now.Add(-time.Hour)))
			if err := rs.db.DeleteArticle(ctx, a.ID); err != nil {
				t.Fatal(err)
			}
			if res, _ := rs.send(t, req{url: "/articles/old-story"}); res.StatusCode != http.StatusGone || res.Header.Get("Location") != "" {
				t.Errorf("deleted: %d %q, want 410 without Location", res.StatusCode, res.Header.Get("Location"))
			}
		})
	})
}

// TestBypassLegacyAddressOfDraft: an old address of the previous site
// that names an article which is not live answers 404 without its slug,
// and redirects once the article is published.
func TestBypassLegacyAddressOfDraft(t *testing.T) {
	wire := func(c *mhttp.Config, d *mhttp.Deps) {
		c.PageCacheBytes = -1
		d.Redirects = d.Articles.(masthead.RedirectService)
	}
	eachReaders(t, wire, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		draft := masthead.ArticleInput{Slug: "secret-draft-slug", Title: "Draft", BodyMarkdown: "Body.",
			AuthorSlugs: []string{"grace-hopper"}, Status: masthead.StatusDraft}
		if _, err := rs.db.ImportBundle(ctx, &masthead.ImportBundle{Source: "Ghost", Articles: []masthead.ArticleInput{draft},
			Redirects: []masthead.LegacyRedirect{{From: "/2019/05/06/old-post/", ArticleSlug: draft.Slug}}}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"/2019/05/06/old-post/", "/2019/05/06/old-post"} {
			res, body := rs.send(t, req{url: u})
			if res.StatusCode != http.StatusNotFound || res.Header.Get("Location") != "" || strings.Contains(body, "secret-draft-slug") {
				t.Errorf("old address %s of a draft: %d, Location %q; want 404 naming nothing", u, res.StatusCode, res.Header.Get("Location"))
			}
		}
		a, err := rs.db.Article(ctx, draft.Slug)
		if err != nil {
			t.Fatal(err)
		}
		draft.Status, draft.PublishedAt = masthead.StatusPublished, now.Add(-time.Minute)
		if _, err := rs.db.UpdateArticle(ctx, a.ID, draft); err != nil {
			t.Fatal(err)
		}
		// The miss is remembered for the page-cache lifetime (60 s) on a
		// server without the content-version poller.
		rs.clock.Set(now.Add(2 * time.Minute))
		defer rs.clock.Set(now)
		res, _ := rs.send(t, req{url: "/2019/05/06/old-post/"})
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/articles/secret-draft-slug" {
			t.Errorf("old address once published: %d %q, want 301 to /articles/secret-draft-slug", res.StatusCode, res.Header.Get("Location"))
		}
	})
}
