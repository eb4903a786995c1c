package reading

import (
	"context"
	"encoding/hex"
	"net/netip"
	"strconv"
	"time"

	"masthead"
	"masthead/access"
)

// What is known about who is reading, gathered in one place so every
// surface (the article page, search, the newsletter archive, the APIs)
// hands access.Decide the same facts: the signed-in member and whether
// they subscribe, a verified search-engine crawler, an institution's
// network, this browser's registration unlock, a gift link, and the
// member's meter. A store failure is logged and the fact left out: the
// answer then errs towards the teaser, which is always safe to show.

// Request is what a transport knows of who is asking, in its own terms
// translated to plain values.
type Request struct {
	// Member is the signed-in member, nil for anyone else.
	Member *masthead.Member
	// State is the signed-in reader's state read with the session in
	// one query, when the transport has it; its member is Member.
	State *masthead.ReaderState
	// DeviceHash is the hash of the browser's device token, nil when it
	// has none.
	DeviceHash []byte
	// HasGift is set when the request carried a gift token, Gift, even
	// an empty one.
	HasGift bool
	Gift    string
	// Client is the client's address (through trusted proxies), for a
	// crawler's verification and institutions' networks.
	Client    netip.Addr
	UserAgent string
	// NewDevice gives a browser without a device one and returns its
	// hash, so that a gift link's reader coming back is not counted
	// twice; nil when the transport cannot (the reader is then counted
	// by member only, and a gift link opens nothing without one).
	NewDevice func() []byte
	// Licence is the licence key the request carried, checked by
	// Readers.Licensee; nil for none.
	Licence *masthead.APIKey
}

// Crawlers confirms that a client is the search engine's crawler its
// user agent claims to be (by DNS, in the transport that caches it).
type Crawlers interface {
	Verified(ctx context.Context, userAgent string, client netip.Addr) bool
}

// Networks names the institution whose network holds client at now, or
// "".
type Networks interface {
	InstitutionOf(client netip.Addr, now time.Time) string
}

// Readers gathers the facts about readers, with the crawler check and the
// institutions' networks the transport injects.
type Readers struct {
	s        *Service
	crawlers Crawlers
	nets     Networks
}

// Readers returns the gatherer of readers' facts that checks crawlers and
// networks with c and n; either may be nil (no crawler is verified, no
// institution by network).
func (s *Service) Readers(c Crawlers, n Networks) *Readers {
	return &Readers{s: s, crawlers: c, nets: n}
}

// GiftStatus is what became of a gift token.
type GiftStatus int

const (
	// GiftNone is a request without a token.
	GiftNone GiftStatus = iota
	// GiftValid is a token that opens this article for this reader.
	GiftValid
	// GiftInvalid is a token unknown, expired, revoked, full, or for
	// another article, or whose giver can no longer read it.
	GiftInvalid
)

// Reader returns what is known of the reader at now that does not depend
// on the article: the member and whether they subscribe, a verified
// crawler, an institution. Surfaces that list many articles (search, the
// newsletter archive) use it with Decide; the article page adds the
// per-article facts through ArticleReader.
func (rs *Readers) Reader(ctx context.Context, in Request, now time.Time) access.Reader {
	s := rs.s
	var rd access.Reader
	if m := in.Member; m != nil {
		rd.Member = m
		if st := in.State; st != nil && st.Member == m {
			rd.Subscriber = s.deps.Entitlements != nil && !m.Role.Staff() && st.Subscriber
		} else if s.deps.Entitlements != nil && !m.Role.Staff() {
			ok, err := s.deps.Entitlements.Entitled(ctx, m.ID, now)
			if err != nil {
				rs.logError(ctx, "entitlement", err)
			}
			rd.Subscriber = ok
		}
	}
	if rs.crawlers != nil && in.UserAgent != "" && in.Client.IsValid() {
		rd.VerifiedCrawler = rs.crawlers.Verified(ctx, in.UserAgent, in.Client)
	}
	if rs.nets != nil && in.Client.IsValid() {
		rd.Institution = rs.nets.InstitutionOf(in.Client, now)
	}
	if in.Licence != nil && in.Licence.IsLicence() {
		rd.Licence = &in.Licence.Licence
	}
	return rd
}

// ArticleReader returns the facts about the reader of a at now and the
// member's meter for a: Reader plus this browser's registration unlock, a
// gift link for a, and the unlocks. A gift token is checked, and its
// reader counted, only for a reader without standing of their own.
func (rs *Readers) ArticleReader(ctx context.Context, in Request, a *masthead.Article, now time.Time) (access.Reader, access.Meter, GiftStatus) {
	s := rs.s
	rd := rs.Reader(ctx, in, now)
	var meter access.Meter
	if a.Access != masthead.AccessMetered && a.Access != masthead.AccessSubscribers {
		// Free articles are open to all: nothing more to look up.
		return rd, meter, GiftNone
	}
	if rd.Subscriber || rd.VerifiedCrawler || rd.Institution != "" || rd.Licence != nil || (rd.Member != nil && rd.Member.Role.Staff()) {
		// Readers with standing read everything; a gift token they
		// follow is neither needed nor counted against the link. A
		// licensed crawler reads what its licence covers and never
		// spends or opens a meter.
		return rd, meter, GiftNone
	}
	gift, giver := rs.giftLink(ctx, in, a, now)
	rd.GiftLink, rd.Giver = gift == GiftValid, giver
	if s.deps.Meter == nil || a.Access != masthead.AccessMetered || rd.GiftLink {
		return rd, meter, gift
	}
	if in.DeviceHash != nil {
		ok, err := s.deps.Meter.RegistrationUnlocked(ctx, in.DeviceHash, a.ID)
		if err != nil {
			rs.logError(ctx, "registration unlock", err)
		}
		rd.RegistrationUnlock = ok
	}
	since := s.Policy().PeriodStart(now)
	if st := in.State; st != nil && rd.Member != nil && st.Member == rd.Member {
		ms := st.Meter(a.ID, since)
		meter = access.Meter{Unlocks: ms.Unlocks, Unlocked: ms.Unlocked, Carried: ms.Carried}
	} else if rd.Member != nil {
		st, err := s.deps.Meter.MeterState(ctx, rd.Member.ID, a.ID, since)
		if err != nil {
			rs.logError(ctx, "meter", err)
		}
		meter = access.Meter{Unlocks: st.Unlocks, Unlocked: st.Unlocked, Carried: st.Carried}
	}
	return rd, meter, gift
}

// Decide is access.Decide with the site's policy: what rd may read of a.
func (rs *Readers) Decide(rd access.Reader, a *masthead.Article, meter access.Meter, now time.Time) access.Decision {
	return access.Decide(rd, a, meter, rs.s.Policy(), now)
}

// ReadsLibrary reports whether rd may read every article, those for
// subscribers only included: the question a subscribers' newsletter
// issue and search's whole library ask.
func (rs *Readers) ReadsLibrary(rd access.Reader, now time.Time) bool {
	return rs.Decide(rd, &masthead.Article{Access: masthead.AccessSubscribers}, access.Meter{}, now).Full
}

// giftLink checks a gift token against a, and returns with it what is
// known now of the member who shared the link. A link whose giver could
// no longer read a themselves (access.Giver.Reads) opens nothing and
// counts nobody. Otherwise the reader is counted by member, else by
// browser.
func (rs *Readers) giftLink(ctx context.Context, in Request, a *masthead.Article, now time.Time) (GiftStatus, access.Giver) {
	if !in.HasGift {
		return GiftNone, access.Giver{}
	}
	accounts := rs.s.deps.Accounts
	if accounts == nil || in.Gift == "" || len(in.Gift) > 100 {
		return GiftInvalid, access.Giver{}
	}
	hash := masthead.HashToken(in.Gift)
	m, sub, err := accounts.GiftLinkGiver(ctx, hash, now)
	if err != nil {
		if masthead.ErrorCode(err) == masthead.EINTERNAL {
			rs.logError(ctx, "gift link giver", err)
		}
		return GiftInvalid, access.Giver{}
	}
	giver := access.Giver{Member: m, Subscriber: sub}
	if !giver.Reads(a, rs.s.Policy(), now) {
		return GiftInvalid, access.Giver{}
	}
	var key string
	if in.Member != nil {
		key = "member:" + strconv.FormatInt(in.Member.ID, 10)
	} else {
		device := in.DeviceHash
		if device == nil && in.NewDevice != nil {
			device = in.NewDevice()
		}
		if device == nil {
			return GiftInvalid, access.Giver{}
		}
		key = "device:" + hex.EncodeToString(device)
	}
	id, err := accounts.GiftLinkArticle(ctx, hash, a.ID, key, now)
	if err != nil {
		if masthead.ErrorCode(err) == masthead.EINTERNAL {
			rs.logError(ctx, "gift link", err)
		}
		return GiftInvalid, access.Giver{}
	}
	if id != a.ID {
		return GiftInvalid, access.Giver{}
	}
	return GiftValid, giver
}

func (rs *Readers) logError(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return // the client went away; nothing to report
	}
	rs.s.log.ErrorContext(ctx, "reader facts: "+what, "err", err)
}

// Unlock spends one of a verified member's free credits on the metered
// article at slug, for the reader in: only this use case spends. The
// store makes two unlocks at once spend one credit. An article open to
// the reader already spends nothing; an exhausted meter (another tab
// spent the last credit) is not an error either: the article then
// offers a subscription. It returns the article and whether a credit
// was spent.
func (rs *Readers) Unlock(ctx context.Context, in Request, slug string, now time.Time) (*masthead.Article, bool, error) {
	s := rs.s
	if s.deps.Meter == nil || in.Member == nil {
		return nil, false, errNotFound
	}
	a, err := s.liveArticle(ctx, slug, now)
	if err != nil {
		return nil, false, err
	}
	rd, meter, _ := rs.ArticleReader(ctx, in, a, now)
	d := rs.Decide(rd, a, meter, now)
	switch {
	case d.Full:
		// Open already (unlocked before, free, subscriber…).
	case d.Offer == access.OfferUnlock:
		policy := s.Policy()
		spent, err := s.deps.Meter.SpendCredit(ctx, in.Member.ID, a.ID, policy.PeriodStart(now), policy.Credits, now)
		if err != nil && masthead.ErrorCode(err) != masthead.EPAYMENTREQUIRED {
			return nil, false, err
		}
		return a, spent, nil
	case d.Reason == access.ReasonSubscribersOnly:
		return nil, false, masthead.Errorf(masthead.EPAYMENTREQUIRED, "This article is for subscribers; free articles cannot open it.")
	case d.Reason == access.ReasonUnverified:
		if !s.cfg.Email.Sends() {
			return nil, false, masthead.Errorf(masthead.EFORBIDDEN, "Confirm your email address first, with a sign-in link; we cannot send email right now.")
		}
		return nil, false, masthead.Errorf(masthead.EFORBIDDEN, "Confirm your email address first: follow the sign-in link we sent you.")
	}
	return a, false, nil
}
