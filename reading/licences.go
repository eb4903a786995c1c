package reading

import (
	"context"
	"time"

	"masthead"
)

// Licensed access for AI crawlers (masthead.Licence, docs/licensing.md):
// a licensee's crawler sends its key with an article request; the key
// is checked here, the licence joins the reader's facts (access.Reader)
// and the request is admitted against the licence's rates and logged for
// billing, in one step, once the decision is known.

// Licences finds licence keys and keeps the billing log.
type Licences interface {
	// APIKeyByHash finds the key in use with that hash; unknown, revoked
	// and expired keys are EUNAUTHORIZED.
	APIKeyByHash(ctx context.Context, hash []byte) (*masthead.APIKey, error)
	// AdmitLicensed checks the key's rates and logs the request; over a
	// rate it returns how long to wait, and logs the refusal.
	AdmitLicensed(ctx context.Context, key *masthead.APIKey, articleID int64, decision string, bytes int64) (time.Duration, error)
}

var (
	errLicenceOff   = masthead.Errorf(masthead.EUNAUTHORIZED, "This publication grants no licences.")
	errNotLicence   = masthead.Errorf(masthead.EUNAUTHORIZED, "The key is not a licence; it reads the Content API only.")
	errBadLicence   = masthead.Errorf(masthead.EUNAUTHORIZED, "The licence key is not valid.")
	ErrLicenceAgent = masthead.Errorf(masthead.EFORBIDDEN, "This licence is for another crawler: send it with its own user agent.")
)

// Licensee checks at now the licence key secret sent by a crawler whose user
// agent claims family ("" for none): a key in use, a licence, not
// expired, and, when bound to a family, sent by that family's agent
// (else ErrLicenceAgent). An unknown, revoked or expired key is one and
// the same EUNAUTHORIZED, so a caller cannot tell which.
func (rs *Readers) Licensee(ctx context.Context, secret, family string, now time.Time) (*masthead.APIKey, error) {
	ls := rs.s.deps.Licences
	if ls == nil {
		return nil, errLicenceOff
	}
	if secret == "" || len(secret) > 200 {
		return nil, errBadLicence
	}
	k, err := ls.APIKeyByHash(ctx, masthead.HashToken(secret))
	switch {
	case masthead.ErrorCode(err) == masthead.EUNAUTHORIZED:
		return nil, errBadLicence
	case err != nil:
		return nil, err
	}
	if err := rs.CheckLicence(k, family, now); err != nil {
		return nil, err
	}
	return k, nil
}

// CheckLicence checks at now a key already found in use, as Licensee
// checks the one it finds: a licence, not expired, and, when bound to a
// family, sent by a user agent claiming that family ("" for none). The
// Content API, which finds its keys itself, asks it before reading an
// article with a licence.
func (rs *Readers) CheckLicence(k *masthead.APIKey, family string, now time.Time) error {
	switch {
	case rs.s.deps.Licences == nil:
		return errLicenceOff
	case !k.IsLicence():
		return errNotLicence
	case k.Licence.ExpiredAt(now):
		return errBadLicence
	case k.Licence.Family != "" && k.Licence.Family != family:
		return ErrLicenceAgent
	}
	return nil
}

// AdmitLicensed logs a licensed request for a, in full or not, with the bytes of
// article text it will send, and holds it to the licence's rates: over
// one, it returns how long to wait and the request must send nothing.
func (rs *Readers) AdmitLicensed(ctx context.Context, key *masthead.APIKey, a *masthead.Article, full bool, bytes int) (time.Duration, error) {
	ls := rs.s.deps.Licences
	if ls == nil {
		return 0, errLicenceOff
	}
	decision := masthead.LicenceTeaser
	if full {
		decision = masthead.LicenceFull
	}
	return ls.AdmitLicensed(ctx, key, a.ID, decision, int64(bytes))
}
