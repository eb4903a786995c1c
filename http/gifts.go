package http

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"masthead"
)

// Gift links: a subscriber shares one article with a link that opens it
// for a few readers without spending their credits. Only the token's hash
// is stored, so the link is shown once, here; the account page lists the
// links with their readers and can revoke them. The article page checks
// ?gift= (reader.go) and marks gift pages noindex, no-referrer and
// canonical to the article.

type giftPage struct {
	base
	Article    *masthead.Article
	URL        string
	MaxReaders int
	ExpiresAt  time.Time
	Left       int // links left this month
}

func (s *Server) handleCreateGift(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	ctx := r.Context()
	now := s.clock.Now()
	sub, err := s.subscriber(r, m)
	if err != nil {
		return err
	}
	if !sub && !m.Role.Staff() {
		return masthead.Errorf(masthead.EFORBIDDEN, "Gift links are for subscribers. Subscribe to share articles with anyone.")
	}
	slug := r.PathValue("slug")
	if !masthead.ValidSlug(slug) {
		return errNotFound
	}
	a, err := s.articles.Article(ctx, slug)
	if err != nil {
		return err
	}
	if !a.LiveAt(now) {
		return errNotFound
	}
	if a.Access == masthead.AccessFree {
		return masthead.Errorf(masthead.EINVALID, "This article is free for everyone: share its address as it is.")
	}
	cfg := s.acct.cfg
	local := now.In(s.cfg.Location)
	monthStart := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, s.cfg.Location)
	token, hash := masthead.NewToken()
	g, err := s.accounts.CreateGiftLink(ctx, masthead.GiftLinkInput{
		MemberID: m.ID, ArticleID: a.ID, TokenHash: hash, MaxReaders: cfg.GiftReaders,
		ExpiresAt: now.Add(cfg.GiftLifetime), MonthStart: monthStart, PerMonth: cfg.GiftsPerMonth, Now: now,
	})
	if err != nil {
		return err
	}
	left := cfg.GiftsPerMonth
	if links, err := s.accounts.GiftLinks(ctx, m.ID); err == nil {
		for _, l := range links {
			if !l.CreatedAt.Before(monthStart) {
				left--
			}
		}
	}
	// The token is on this page: nothing it links to may learn it.
	w.Header().Set("Referrer-Policy", "no-referrer")
	v := &giftPage{
		base:    s.accountBase(r, "Gift this article", articlePath(a.Slug)),
		Article: a, URL: s.abs(articlePath(a.Slug) + "?gift=" + url.QueryEscape(token)),
		MaxReaders: g.MaxReaders, ExpiresAt: g.ExpiresAt, Left: max(left, 0),
	}
	v.Canonical = ""
	return s.render(w, "gift", v)
}

func (s *Server) handleRevokeGift(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	if err := s.accounts.RevokeGiftLink(r.Context(), m.ID, id, s.clock.Now()); err != nil {
		return err
	}
	return redirect(w, "/account?saved=gift")
}
