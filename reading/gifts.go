package reading

import (
	"context"
	"time"

	"masthead"
)

// Gifts come in two kinds. A gift link: a subscriber shares one article
// with a link that opens it for a few readers without spending their
// credits (followed in readers.go). A gift subscription: months of
// All-Access bought for an email address (checkout.go) and redeemed
// here.

// GiftLinkMade is a gift link just made. Token is in the link; only its
// hash is stored, so it is shown this once.
type GiftLinkMade struct {
	Link    *masthead.GiftLink
	Article *masthead.Article
	Token   string
	// Left is how many links the member may still make this month.
	Left int
}

// CreateGiftLink makes a gift link to the live article at slug for m, a
// subscriber or staff, within the monthly allowance. A free article
// needs none (EINVALID); a reader who does not subscribe may not
// (EFORBIDDEN).
func (s *Service) CreateGiftLink(ctx context.Context, m *masthead.Member, slug string, now time.Time) (*GiftLinkMade, error) {
	if s.deps.Accounts == nil {
		return nil, errNotFound
	}
	sub, err := s.subscriber(ctx, m, now)
	if err != nil {
		return nil, err
	}
	if !sub && !m.Role.Staff() {
		return nil, masthead.Errorf(masthead.EFORBIDDEN, "Gift links are for subscribers. Subscribe to share articles with anyone.")
	}
	a, err := s.liveArticle(ctx, slug, now)
	if err != nil {
		return nil, err
	}
	if a.Access == masthead.AccessFree {
		return nil, masthead.Errorf(masthead.EINVALID, "This article is free for everyone: share its address as it is.")
	}
	cfg := s.acct
	local := now.In(s.cfg.Location)
	monthStart := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, s.cfg.Location)
	token, hash := masthead.NewToken()
	g, err := s.deps.Accounts.CreateGiftLink(ctx, masthead.GiftLinkInput{
		MemberID: m.ID, ArticleID: a.ID, TokenHash: hash, MaxReaders: cfg.GiftReaders,
		ExpiresAt: now.Add(cfg.GiftLifetime), MonthStart: monthStart, PerMonth: cfg.GiftsPerMonth, Now: now,
	})
	if err != nil {
		return nil, err
	}
	left := cfg.GiftsPerMonth
	if links, err := s.deps.Accounts.GiftLinks(ctx, m.ID); err == nil {
		for _, l := range links {
			if !l.CreatedAt.Before(monthStart) {
				left--
			}
		}
	}
	return &GiftLinkMade{Link: g, Article: a, Token: token, Left: max(left, 0)}, nil
}

// Gift returns the paid gift subscription a redeem token names; any
// other token is ENOTFOUND.
func (s *Service) Gift(ctx context.Context, token string) (*masthead.Gift, error) {
	if s.deps.Billing == nil || token == "" || len(token) > 128 {
		return nil, errNotFound
	}
	return s.deps.Billing.GiftByToken(ctx, masthead.HashToken(token))
}

// GiftRedeemed is a gift subscription just redeemed.
type GiftRedeemed struct {
	Gift        *masthead.Gift
	Entitlement *masthead.Entitlement
	// Mailed reports whether a sign-in link to the gift's address was
	// queued (for a reader who was not signed in).
	Mailed bool
}

// RedeemGift grants the gift subscription of token to m, the signed-in
// member, or, when m is nil, to the member with the gift's address
// (registering it), who then gets a sign-in link there: following the
// gift link proves nothing about who holds the browser. The member, the
// redemption and the link's job are written in one transaction, so a
// redemption that fails registers nobody. A gift redeemed already is
// ECONFLICT.
func (s *Service) RedeemGift(ctx context.Context, token string, m *masthead.Member, now time.Time) (*GiftRedeemed, error) {
	g, err := s.Gift(ctx, token)
	if err != nil {
		return nil, err
	}
	if !g.RedeemedAt.IsZero() {
		// Before anything else, so a second try registers nobody.
		return nil, masthead.Errorf(masthead.ECONFLICT, "This gift was already redeemed on %s.", g.RedeemedAt.In(s.cfg.Location).Format("2 January 2006"))
	}
	in := masthead.GiftRedemption{TokenHash: masthead.HashToken(token), Now: now}
	if m != nil {
		in.MemberID = m.ID
	} else if in.Jobs, err = s.signInJobWithinLimit(ctx, g.RecipientEmail, "/", masthead.PurposeSignIn, now); err != nil {
		return nil, err
	}
	e, err := s.deps.Billing.RedeemGift(ctx, in)
	if err != nil {
		return nil, err
	}
	if len(in.Jobs) > 0 {
		s.jobAdded()
	}
	g.RedeemedAt, g.RedeemedBy = now, e.MemberID
	return &GiftRedeemed{Gift: g, Entitlement: e, Mailed: len(in.Jobs) > 0}, nil
}
