package http

import (
	"net/http"
	"net/url"

	"masthead"
	"masthead/access"
)

// handleUnlock spends one of a verified member's free credits on a
// metered article: POST /articles/{slug}/unlock, from the button the wall
// shows. Only this POST spends; GET, HEAD, prefetches and feed readers
// never do. Cross-origin posts are refused by the middleware and the
// session cookie is SameSite=Lax, so another site cannot spend a reader's
// credits. The store makes two clicks at once spend one credit.
func (s *Server) handleUnlock(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	slug := r.PathValue("slug")
	if !masthead.ValidSlug(slug) || s.meter == nil {
		return errNotFound
	}
	m := member(r)
	if m == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(articlePath(slug)), http.StatusSeeOther)
		return nil
	}
	a, err := s.articles.Article(ctx, slug)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if !a.LiveAt(now) {
		return errNotFound
	}
	rd, meter, _ := s.articleReader(w, r, a, now)
	d := access.Decide(rd, a, meter, s.policy(), now)
	switch {
	case d.Full:
		// Open already (unlocked before, free, subscriber…): nothing
		// to spend.
	case d.Offer == access.OfferUnlock:
		spent, err := s.meter.SpendCredit(ctx, m.ID, a.ID, s.policy().PeriodStart(now), s.policy().Credits, now)
		if spent {
			s.metrics.Unlock()
			s.insights.Record(masthead.InsightUnlock, a.ID, 0)
		}
		// An exhausted meter (another tab spent the last credit) is
		// not an error here: the article page then offers a
		// subscription.
		if err != nil && masthead.ErrorCode(err) != masthead.EPAYMENTREQUIRED {
			return err
		}
	case d.Reason == access.ReasonSubscribersOnly:
		return masthead.Errorf(masthead.EPAYMENTREQUIRED, "This article is for subscribers; free articles cannot open it.")
	case d.Reason == access.ReasonUnverified:
		if !s.emailSends() {
			return masthead.Errorf(masthead.EFORBIDDEN, "Confirm your email address first, with a sign-in link; we cannot send email right now.")
		}
		return masthead.Errorf(masthead.EFORBIDDEN, "Confirm your email address first: follow the sign-in link we sent you.")
	}
	w.Header().Set("Cache-Control", ccNoStore)
	http.Redirect(w, r, articlePath(a.Slug), http.StatusSeeOther)
	return nil
}
