package masthead

import (
	"context"
	"time"
)

// NewsletterFree is the slug of the free newsletter every verified reader
// may receive. Newsletters are keyed by slug, so more lists add rows, not
// columns.
const NewsletterFree = "free"

// NewsletterConsent is one consent given or withdrawn, with the words the
// reader saw next to the box, so the record proves what was agreed to and
// when. The newest consent per newsletter is the reader's current choice.
type NewsletterConsent struct {
	MemberID   int64
	Newsletter string
	Consented  bool
	Wording    string
	At         time.Time
}

// GiftLink lets whoever follows it read one article in full without
// spending credits. The token is never stored, only its hash.
type GiftLink struct {
	ID           int64
	MemberID     int64
	ArticleID    int64
	ArticleSlug  string
	ArticleTitle string
	Readers      int // distinct readers who opened it
	MaxReaders   int
	CreatedAt    time.Time
	ExpiresAt    time.Time
	RevokedAt    time.Time // zero while the link works
}

// Active reports whether the link still opens its article at now (readers
// already counted may come back while it is active; new ones also need
// room under MaxReaders).
func (g GiftLink) Active(now time.Time) bool {
	return g.RevokedAt.IsZero() && now.Before(g.ExpiresAt)
}

// GiftLinkInput asks for a new gift link. The store refuses when the member
// already made PerMonth links since MonthStart.
type GiftLinkInput struct {
	MemberID   int64
	ArticleID  int64
	TokenHash  []byte
	MaxReaders int
	ExpiresAt  time.Time
	MonthStart time.Time
	PerMonth   int
	Now        time.Time
}

// AccountService is what a reader's account page needs beyond
// MemberService: a name, a password, consents, gift links, export and
// deletion.
type AccountService interface {
	// SetMemberName changes the name shown on the site.
	SetMemberName(ctx context.Context, memberID int64, name string) error
	// SetPassword sets or replaces the member's password.
	SetPassword(ctx context.Context, memberID int64, password string) error
	// HasPassword reports whether the member may sign in with a password.
	HasPassword(ctx context.Context, memberID int64) (bool, error)
	// Authenticate checks a password. Any failure, unknown address
	// included, is the same EUNAUTHORIZED error, in about the same time.
	Authenticate(ctx context.Context, email, password string) (*Member, error)
	// MemberSessions lists the member's live sessions, newest first.
	MemberSessions(ctx context.Context, memberID int64) ([]Session, error)
	// RecordConsent appends a consent given or withdrawn.
	RecordConsent(ctx context.Context, c NewsletterConsent) error
	// RecordConsents appends several consents in one transaction: all
	// of them, or none.
	RecordConsents(ctx context.Context, cs []NewsletterConsent) error
	// Consents returns every consent the member gave or withdrew, newest
	// first.
	Consents(ctx context.Context, memberID int64) ([]NewsletterConsent, error)
	// CreateGiftLink stores a new link within the monthly allowance.
	CreateGiftLink(ctx context.Context, in GiftLinkInput) (*GiftLink, error)
	// GiftLinks lists the member's links, newest first.
	GiftLinks(ctx context.Context, memberID int64) ([]GiftLink, error)
	// RevokeGiftLink stops one of the member's links; another member's
	// link is ENOTFOUND.
	RevokeGiftLink(ctx context.Context, memberID, linkID int64, now time.Time) error
	// GiftLinkGiver returns the member who shared the link with this
	// token hash (nil once their account is deleted) and whether they
	// hold an entitlement active at now, counting nobody. An unknown
	// token is ENOTFOUND.
	GiftLinkGiver(ctx context.Context, tokenHash []byte, now time.Time) (giver *Member, subscriber bool, err error)
	// GiftLinkArticle checks that a gift token opens article articleID for
	// the reader named by readerKey, counting the reader on first use, and
	// returns the article's id. A token tried on another article is
	// refused without counting anyone.
	GiftLinkArticle(ctx context.Context, tokenHash []byte, articleID int64, readerKey string, now time.Time) (int64, error)
	// DeleteAccount removes the member's personal data and ends their
	// sessions; anonymous counts remain, and so, until the meter period
	// ends, do the credits the member spent in it and the time of their
	// registration unlock in it, under a keyed hash of the mailbox.
	DeleteAccount(ctx context.Context, d AccountDeletion) error
}

// AccountDeletion asks to delete a member's account at Now, within the
// meter period [PeriodStart, PeriodEnd). The credits spent in that period
// stay counted against the address's mailbox until PeriodEnd, so that
// deleting an account and registering again does not refill the meter.
type AccountDeletion struct {
	MemberID    int64
	PeriodStart time.Time
	PeriodEnd   time.Time
	Now         time.Time
}

// RateLimiter counts attempts per key in a window shared by every
// instance. Allow reports whether this attempt is within limit.
type RateLimiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, error)
}
