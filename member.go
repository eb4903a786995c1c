package masthead

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Role is a member's place on the staff. Readers have no role.
type Role string

// Staff roles, from most to least powerful. An author edits their own
// articles; an editor edits and publishes any article; an admin also
// manages staff and settings.
const (
	RoleNone   Role = ""
	RoleAuthor Role = "author"
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
)

// Valid reports whether r is a staff role.
func (r Role) Valid() bool { return r == RoleAuthor || r == RoleEditor || r == RoleAdmin }

// Staff reports whether r grants access to the staff area.
func (r Role) Staff() bool { return r.Valid() }

// Rank orders the staff roles, author below editor below admin, and
// anything else below them all.
func (r Role) Rank() int {
	switch r {
	case RoleAuthor:
		return 1
	case RoleEditor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// CanPublish reports whether r may publish, schedule and unpublish.
func (r Role) CanPublish() bool { return r == RoleEditor || r == RoleAdmin }

// Member is a person with an account: a reader, and with a role, staff.
type Member struct {
	ID         int64
	Email      string
	Name       string
	Role       Role
	AuthorSlug string // the byline a staff author writes under, if any
	VerifiedAt time.Time
	CreatedAt  time.Time
}

// NormalizeEmail trims and lowercases an address and checks its form.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") || len(s) > 254 {
		return "", &Error{Code: EINVALID, Message: "Enter a valid email address.", Fields: map[string]string{"email": "Enter a valid email address."}}
	}
	return s, nil
}

// Session is a signed-in browser. The token itself is never stored; the
// store keeps its hash.
type Session struct {
	ID        int64
	MemberID  int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// MemberService manages accounts, one-time sign-in links and sessions.
type MemberService interface {
	// Member finds a member by id.
	Member(ctx context.Context, id int64) (*Member, error)
	// MemberByEmail finds a member by normalised email.
	MemberByEmail(ctx context.Context, email string) (*Member, error)
	// EnsureMember returns the member with email, creating it if needed,
	// and raises its role to role when role is a staff role.
	EnsureMember(ctx context.Context, email string, role Role) (*Member, error)
	// CreateSignInToken stores the hash of a one-time token for email,
	// valid until expires.
	CreateSignInToken(ctx context.Context, email string, tokenHash []byte, expires time.Time) error
	// ConsumeSignInToken spends a token once and returns its member,
	// marking the address verified. Unknown, spent and expired tokens are
	// EUNAUTHORIZED.
	ConsumeSignInToken(ctx context.Context, tokenHash []byte) (*Member, error)
	// CreateSession stores a session under the hash of its token.
	CreateSession(ctx context.Context, memberID int64, tokenHash []byte, expires time.Time) error
	// SessionMember returns the member of a live session.
	SessionMember(ctx context.Context, tokenHash []byte) (*Member, error)
	// DeleteSession ends one session.
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteMemberSessions ends every session of a member.
	DeleteMemberSessions(ctx context.Context, memberID int64) error
	// SetAuthorSlug links a member to the byline they write under; an
	// empty slug unlinks it.
	SetAuthorSlug(ctx context.Context, memberID int64, slug string) error
	// Staff lists members with a staff role, by email.
	Staff(ctx context.Context) ([]*Member, error)
	// RemoveStaff takes the member's staff role away, actorID acting (0
	// for the command line): every session of theirs ends and the Admin
	// API tokens they made are revoked, in one transaction. A member
	// without a role is EINVALID; the last administrator cannot be
	// removed (ECONFLICT).
	RemoveStaff(ctx context.Context, memberID, actorID int64) (*StaffRemoval, error)
}

// StaffRemoval is what removing a staff role ended.
type StaffRemoval struct {
	Member Member // as it was, with its old role
	// Sessions and Tokens count the sessions ended and the Admin API
	// tokens revoked.
	Sessions, Tokens int
}

// MemberEventStaffRemoved is the history line of a staff role removed.
const MemberEventStaffRemoved = "staff-removed"

// TaxonomyService lists and edits authors, columns, topics and regions.
type TaxonomyService interface {
	Authors(ctx context.Context) ([]Author, error)
	Author(ctx context.Context, slug string) (*Author, error)
	UpsertAuthor(ctx context.Context, a Author) (*Author, error)
	Columns(ctx context.Context) ([]Column, error)
	Column(ctx context.Context, slug string) (*Column, error)
	UpsertColumn(ctx context.Context, c Column) (*Column, error)
	Topics(ctx context.Context) ([]Term, error)
	Topic(ctx context.Context, slug string) (*Term, error)
	UpsertTopic(ctx context.Context, t Term) (*Term, error)
	Regions(ctx context.Context) ([]Term, error)
	Region(ctx context.Context, slug string) (*Term, error)
	UpsertRegion(ctx context.Context, t Term) (*Term, error)
}

// Clock tells the time; tests inject a fixed one.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }
