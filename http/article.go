package http

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"masthead"
	"masthead/reading"
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
	a, err := s.article(ctx, slug)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		// A retired slug redirects to the article's current one while
		// that article is live; a deleted article's slugs are gone (410),
		// anything else 404, which names no new slug.
		current, err := s.articles.Redirect(ctx, slug, s.clock.Now())
		if err != nil {
			if masthead.ErrorCode(err) == masthead.EGONE {
				return errGone
			}
			return err
		}
		loc := articlePath(current)
		if r.URL.RawQuery != "" && r.URL.Query().Has("gift") {
			// A gift link to a renamed article still opens it.
			loc += "?gift=" + url.QueryEscape(r.URL.Query().Get("gift"))
		}
		w.Header().Set("Location", loc)
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

	return s.renderArticle(w, r, a, now, wallView{})
}

// wallView is what the wall needs beyond the decision: the meter's
// numbers and, when the email form came back, what was typed and why it
// was refused.
type wallView struct {
	Credits int    // free articles per period
	Period  string // "month" or "week"
	Email   string
	Error   string
	Status  int    // the response status when the form came back: 400 or 429
	Consent string // the wording beside the newsletter box, recorded when ticked
	NoEmail bool   // no email can be sent: the wall promises no link (email.go)
	// Price is the cheapest monthly equivalent of the plans ("$7.50")
	// and Offer the featured offer running, when billing is on
	// (pricing.go).
	Price string
	Offer *offerView
}

// renderArticle decides what this reader may see of a and renders the
// page. The decision's facts come from articleReader; any reader who is
// not anonymous gets a private response.
func (s *Server) renderArticle(w http.ResponseWriter, r *http.Request, a *masthead.Article, now time.Time, wall wallView) error {
	addKeys(w, masthead.ArticleKey(a.ID))
	rd, meter, gift := s.articleReader(w, r, a, now)
	d := s.readers.Decide(rd, a, meter, now)
	s.metrics.AccessDecision(string(d.Reason))
	body := a.BodyHTML
	if !d.Full {
		body = a.TeaserHTML
	}
	if key := licenceOf(r); key != nil {
		// A licensed crawler is billed, never counted as a reader.
		if ok, err := s.admitLicensed(w, r, key, a, d.Full, len(body)); !ok || err != nil {
			return err
		}
	} else {
		s.recordArticle(r, a, rd.Anonymous(), d.Full)
	}
	if !rd.Anonymous() {
		markPrivate(w)
	}
	shown := *a
	if !d.Full {
		// The view gets a copy without the body, so no template, now or
		// later, can print text the decision withheld.
		shown.BodyHTML, shown.BodyMarkdown = "", ""
	}
	showAds := !adFree(rd)
	// The body and the structured data are prepared only when the page
	// is rendered, not when it comes from the view cache. Both depend on
	// the article and the view alone (meta.go describes the article, not
	// this reader's access to it).
	complete := func(v *articlePage) {
		s.articleMeta(&v.base, a)
		b := demoteH1(body)
		if showAds {
			b = s.site().ads.intoBody(b)
		}
		// Bodies are rendered from Markdown and sanitised by the
		// markdown package's allow-list when they are saved; ads are
		// the operator's own markup.
		v.Body = template.HTML(b)
		v.Related = s.relatedReading(r.Context(), a, now)
	}
	wall.Credits, wall.Period, wall.Consent = s.policy().Credits, s.policy().Period, reading.NewsletterConsentWording
	wall.NoEmail = !s.emailSends()
	if !d.Full {
		sum := s.prices(r.Context(), now)
		wall.Price, wall.Offer = sum.From, sum.Offer
	}
	if wall.Period != "week" {
		wall.Period = "month"
	}
	v := articlePage{
		base:    s.newBase(r, a.Title, a.Dek, articlePath(a.Slug)),
		Article: &shown,
		Gated:   !d.Full,
		Access:  d,
		Wall:    wall,
	}
	v.Curate = s.articleCurate(r, a, now)
	if s.cfg.CountViews == CountByBeacon && r.Method == http.MethodGet {
		// Only a page shown for a GET counts, as the server counts: a
		// wall form that came back is the same reader again.
		v.Beacon = beaconURL(a.ID, !d.Full)
	}
	if showAds && s.site().ads.sidebar {
		v.AdSide = s.site().ads.side
	}
	// Subscribers (and staff) may share a gated article through a gift
	// link (gifts.go).
	v.CanGift = s.accounts != nil && a.Access != masthead.AccessFree &&
		(rd.Subscriber || (rd.Member != nil && rd.Member.Role.Staff()))
	if gift != reading.GiftNone || (r.URL.RawQuery != "" && r.URL.Query().Has("gift")) {
		// A gift page is one reader's door to an article: never
		// indexed, never leaking its token in a Referer, and its
		// canonical URL (set above) is the article's own.
		v.NoIndex = true
		w.Header().Set("X-Robots-Tag", "noindex")
		w.Header().Set("Referrer-Policy", "no-referrer")
		markPrivate(w)
		if gift == reading.GiftInvalid {
			v.Flash = "This gift link has expired, was revoked or has been used by as many readers as it allows, " +
				"or the reader who shared it no longer has access."
		}
	}
	if r.URL.RawQuery != "" && r.URL.Query().Has("welcome") && r.Method == http.MethodGet && deviceHash(r) != nil {
		v.Flash = s.welcomeFlash(wall, d.Full)
		markPrivate(w)
	}
	if wall.Status != 0 {
		markPrivate(w)
		w.WriteHeader(wall.Status)
	}
	if rd.Anonymous() {
		complete(&v)
		return s.render(w, "article", v)
	}
	return s.renderView(w, r, &v, showAds, complete)
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
