package masthead

import (
	"context"
	"time"
)

// MemberEvent is one line of a member's history as staff see it: a grant,
// its end, a refusal, a subscription change. Kind is one of the
// MemberEvent… constants or a kind another part adds (billing records
// subscription changes); Detail is a sentence for people.
type MemberEvent struct {
	ID       int64
	MemberID int64
	Kind     string
	Detail   string
	// ActorID is the staff member who acted; zero when the system did
	// (a webhook, a sign-in). ActorEmail is filled in when reading.
	ActorID    int64
	ActorEmail string
	// CreatedAt is when it happened; AddMemberEvent takes a zero value
	// as now.
	CreatedAt time.Time
}

// Kinds of member events recorded by the member and institution parts.
const (
	MemberEventCompGranted        = "comp-granted"
	MemberEventCompEnded          = "comp-ended"
	MemberEventInstitutionGranted = "institution-granted"
	MemberEventInstitutionRefused = "institution-refused"
	MemberEventInstitutionEnded   = "institution-ended"
)

// MemberEventService records and reads members' histories.
type MemberEventService interface {
	// AddMemberEvent appends an event to a member's history. Kind is
	// required; an unknown member is ENOTFOUND.
	AddMemberEvent(ctx context.Context, e MemberEvent) error
	// MemberEvents returns the member's newest events first, at most
	// limit of them (limit <= 0 means 100).
	MemberEvents(ctx context.Context, memberID int64, limit int) ([]MemberEvent, error)
}

// MemberState is what staff filter the member list by.
type MemberState string

// Member states. A member may be in several at once (a subscriber is
// also verified); the list shows each under every state it matches,
// except that "verified" means verified with no current entitlement.
const (
	// MemberRegistered: never followed a sign-in link.
	MemberRegistered MemberState = "registered"
	// MemberVerified: verified, reading on the meter, no current
	// entitlement.
	MemberVerified MemberState = "verified"
	// MemberSubscriber: a current paid, gifted or demo entitlement.
	MemberSubscriber MemberState = "subscriber"
	// MemberComp: a current complimentary entitlement.
	MemberComp MemberState = "comp"
	// MemberInstitution: a current entitlement through an institution.
	MemberInstitution MemberState = "institution"
	// MemberLapsed: had an entitlement, none is current.
	MemberLapsed MemberState = "lapsed"
)

// MemberStates lists the states in the order staff see them.
var MemberStates = []MemberState{MemberRegistered, MemberVerified, MemberSubscriber, MemberComp, MemberInstitution, MemberLapsed}

// Valid reports whether s is a known state.
func (s MemberState) Valid() bool {
	for _, v := range MemberStates {
		if s == v {
			return true
		}
	}
	return false
}

// MemberFilter selects members for the staff list. Pages run backwards
// by id (newest first); Before is the id the next page starts below.
type MemberFilter struct {
	// Query matches the start of the address or of the name, in any
	// case; empty matches everyone.
	Query string
	// State, when set, keeps members in that state at Now.
	State MemberState
	Now   time.Time
	// Before is the cursor: only members with a smaller id. Zero starts
	// from the newest.
	Before int64
	// Limit is the page size; zero means 50, at most 200.
	Limit int
}

// MemberListItem is a row of the staff member list.
type MemberListItem struct {
	Member
	// Sources are the sources of the member's current entitlements.
	Sources []EntitlementSource
	// Lapsed is set when the member had entitlements and none is
	// current.
	Lapsed bool
}

// MemberPage is one page of the staff member list; Next is the cursor
// of the following page, zero on the last.
type MemberPage struct {
	Members []MemberListItem
	Next    int64
}

// EntitlementRecord is an entitlement as staff see it on a member's
// page: where it came from, who granted and ended it.
type EntitlementRecord struct {
	Entitlement
	InstitutionID   int64
	InstitutionName string
	GrantedByEmail  string
	EndedByEmail    string
	CreatedAt       time.Time
}

// CompGrant is a complimentary All-Access grant made by staff.
type CompGrant struct {
	MemberID int64
	// Until is when it ends; it must be after now.
	Until time.Time
	Note  string
	// ActorID is the staff member granting it.
	ActorID int64
}

// MemberAdminService is what the staff member pages need beyond the
// other services.
type MemberAdminService interface {
	// SearchMembers returns a page of members, newest first.
	SearchMembers(ctx context.Context, f MemberFilter) (*MemberPage, error)
	// MemberEntitlements lists every entitlement of the member, newest
	// first, current or not.
	MemberEntitlements(ctx context.Context, memberID int64) ([]EntitlementRecord, error)
	// GrantComplimentary gives the member All-Access from now until
	// g.Until and records it in their history.
	GrantComplimentary(ctx context.Context, g CompGrant) (*Entitlement, error)
	// EndGrant ends one of the member's complimentary or institutional
	// grants now, for good, recording who ended it; an institutional
	// grant frees its seat and is not given again. Other sources, and
	// grants already over, are EINVALID; another member's grant is
	// ENOTFOUND.
	EndGrant(ctx context.Context, memberID, entitlementID, actorID int64) error
}
