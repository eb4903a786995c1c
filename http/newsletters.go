package http

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"masthead"
	"masthead/newsletter"
)

// Newsletter choices on the account page and one-click unsubscription
// (RFC 8058). The unsubscribe link in every newsletter carries a token
// that names the member, the newsletter and the issue under an HMAC
// (newsletter.UnsubscribeToken): GET shows a confirmation, POST — a
// mailbox provider's one-click request or the confirmation's button —
// records the choice and counts it against the issue. A forged or altered
// token changes nothing.

// Newsletters is what these pages need from the store.
type Newsletters interface {
	Newsletter(ctx context.Context, slug string) (*masthead.Newsletter, error)
	NewsletterChoices(ctx context.Context, memberID int64, now time.Time) ([]masthead.NewsletterChoice, error)
	SetNewsletterChoice(ctx context.Context, memberID int64, slug string, on bool, wording string, now time.Time) error
	MarkUnsubscribed(ctx context.Context, issueID, memberID int64, now time.Time) error
	NewsletterSecret(ctx context.Context) ([]byte, error)
}

// unsubscribeWording is stored with a choice made through an email's link.
const unsubscribeWording = "Unsubscribed with the link in a newsletter email."

var newsletterPageNames = []string{"unsubscribe"}

type unsubscribePage struct {
	base
	Heading string
	Message string
	Confirm bool
	Query   string
}

// unsubscribeTarget checks the link's token and returns the member and
// newsletter it names, and the issue it came from (0 if none). Only the
// signed issue counts: the unsigned "i" parameter of links sent before
// the issue was signed is ignored, as anyone could change it.
func (s *Server) unsubscribeTarget(r *http.Request) (memberID int64, n *masthead.Newsletter, issueID int64, err error) {
	secret, err := s.newsletters.NewsletterSecret(r.Context())
	if err != nil {
		return 0, nil, 0, err
	}
	memberID, slug, issueID, err := newsletter.ParseUnsubscribeToken(secret, r.URL.Query().Get("t"))
	if err != nil {
		return 0, nil, 0, err
	}
	if n, err = s.newsletters.Newsletter(r.Context(), slug); err != nil {
		return 0, nil, 0, masthead.Errorf(masthead.EINVALID, "This unsubscribe link names a newsletter that no longer exists.")
	}
	return memberID, n, issueID, nil
}

func (s *Server) unsubscribeError(w http.ResponseWriter, r *http.Request, err error) error {
	if masthead.ErrorCode(err) != masthead.EINVALID {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	return s.render(w, "unsubscribe", &unsubscribePage{base: s.accountBase(r, "Unsubscribe", ""),
		Heading: "This link does not work", Message: masthead.ErrorMessage(err)})
}

func (s *Server) handleUnsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	_, n, _, err := s.unsubscribeTarget(r)
	if err != nil {
		return s.unsubscribeError(w, r, err)
	}
	q := url.Values{"t": {r.URL.Query().Get("t")}}
	if f := r.URL.Query().Get("f"); f != "" && n.Slug == masthead.NewsletterAlerts {
		q.Set("f", f)
		if _, slug, ok := stopAlertParam(f); ok {
			w.Header().Set("Cache-Control", "no-store")
			return s.render(w, "unsubscribe", &unsubscribePage{base: s.accountBase(r, "Stop alerts", ""),
				Heading: "Stop these alerts?", Message: "You will no longer be emailed when something new is published in “" + slug +
					"”. You will still follow it, and other alerts go on.", Confirm: true, Query: q.Encode()})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, "unsubscribe", &unsubscribePage{base: s.accountBase(r, "Unsubscribe", ""),
		Heading: "Unsubscribe from " + n.Name + "?", Message: "You will no longer receive " + n.Name + " by email.",
		Confirm: true, Query: q.Encode()})
}

func (s *Server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	memberID, n, issueID, err := s.unsubscribeTarget(r)
	if err != nil {
		return s.unsubscribeError(w, r, err)
	}
	ctx, now := r.Context(), s.clock.Now()
	if n.Slug == masthead.NewsletterAlerts && r.URL.Query().Get("f") != "" {
		// An alert's stop link: that follow's alerts alone (follow.go).
		return s.stopAlert(w, r, memberID)
	}
	if err := s.newsletters.SetNewsletterChoice(ctx, memberID, n.Slug, false, unsubscribeWording, now); err != nil {
		return err
	}
	if issueID > 0 {
		if err := s.newsletters.MarkUnsubscribed(ctx, issueID, memberID, now); err != nil {
			return err
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, "unsubscribe", &unsubscribePage{base: s.accountBase(r, "Unsubscribed", ""),
		Heading: "You are unsubscribed", Message: "You will no longer receive " + n.Name + " by email. You can subscribe again on your account page."})
}
