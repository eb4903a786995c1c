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
// links with their readers and can revoke them. The article page passes
// ?gift= to the reader's facts (reading.Readers) and marks gift pages
// noindex, no-referrer and canonical to the article.

type giftPage struct {
	base
	Article    *masthead.Article
	URL        string
	MaxReaders int
	ExpiresAt  time.Time
	Left       int // links left this month
}

// handleCreateGift makes a gift link to the article
// (reading.Service.CreateGiftLink) and shows it, the once it can be.
func (s *Server) handleCreateGift(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	made, err := s.reading.CreateGiftLink(r.Context(), m, r.PathValue("slug"), s.clock.Now())
	if err != nil {
		return err
	}
	a := made.Article
	// The token is on this page: nothing it links to may learn it.
	w.Header().Set("Referrer-Policy", "no-referrer")
	v := &giftPage{
		base:    s.accountBase(r, "Gift this article", articlePath(a.Slug)),
		Article: a, URL: s.abs(articlePath(a.Slug) + "?gift=" + url.QueryEscape(made.Token)),
		MaxReaders: made.Link.MaxReaders, ExpiresAt: made.Link.ExpiresAt, Left: made.Left,
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
