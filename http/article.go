package http

import (
	"html/template"
	"net/http"
	"strings"

	"masthead"
	"masthead/access"
)

var errUnpublished = masthead.Errorf(masthead.EGONE, "This article is no longer available.")

// handleArticle serves /articles/{slug}. It costs one indexed lookup by
// slug (two for a retired slug), whatever the size of the library.
func (s *Server) handleArticle(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	slug := r.PathValue("slug")
	if !masthead.ValidSlug(slug) {
		return errNotFound
	}
	a, err := s.articles.Article(ctx, slug)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		// A retired slug redirects to the article's current one; a
		// deleted article's slugs are gone (410), anything else 404.
		current, err := s.articles.Redirect(ctx, slug)
		if err != nil {
			if masthead.ErrorCode(err) == masthead.EGONE {
				return errGone
			}
			return err
		}
		w.Header().Set("Location", articlePath(current))
		w.WriteHeader(http.StatusMovedPermanently)
		return nil
	}
	if err != nil {
		return err
	}

	now := s.clock.Now()
	if !a.LiveAt(now) {
		// Unpublished after being live: the URL once worked and should
		// tell crawlers to drop it. Never published, or not yet: 404,
		// which gives away nothing about what is coming.
		if a.Status == masthead.StatusDraft && !a.PublishedAt.IsZero() && !a.PublishedAt.After(now) {
			return errUnpublished
		}
		return errNotFound
	}

	d := access.Decide(access.Reader{Member: member(r)}, a, access.Meter{}, s.cfg.Policy, now)
	shown := *a
	body := a.BodyHTML
	if !d.Full {
		// The view gets a copy without the body, so no template, now or
		// later, can print text the decision withheld.
		body = a.TeaserHTML
		shown.BodyHTML, shown.BodyMarkdown = "", ""
	}
	v := articlePage{
		base:    s.newBase(r, a.Title, a.Dek, articlePath(a.Slug)),
		Article: &shown,
		// Bodies are rendered from Markdown and sanitised by the
		// markdown package's allow-list when they are saved.
		Body:   template.HTML(demoteH1(body)),
		Gated:  !d.Full,
		Access: d,
	}
	s.articleMeta(&v.base, a)
	return s.render(w, "article", v)
}

// demoteH1 turns level-one headings in a body into level two: the page's
// one h1 is the headline, and an imported body that starts with its own
// title must not add a second.
func demoteH1(body string) string {
	if !strings.Contains(body, "<h1") {
		return body
	}
	return strings.NewReplacer("<h1>", "<h2>", "<h1 ", "<h2 ", "</h1>", "</h2>").Replace(body)
}
