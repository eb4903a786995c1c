package masthead

import (
	"context"
	"slices"
	"time"
)

// ReaderState is everything the reader site needs to know about a
// signed-in reader on any page, read in one round trip: the member, whether
// they subscribe, and their meter. A signed-in page cannot come from the
// shared page cache, so this lookup is on the path of every such request;
// reading it at once (and letting the site keep it for a few seconds) is
// what keeps a signed-in page close to an anonymous one in cost.
//
// A ReaderState may be shared between requests: nothing may modify it.
type ReaderState struct {
	Member *Member
	// Subscriber reports whether the member held an entitlement active
	// at the time the state was read.
	Subscriber bool
	// SessionExpires is when the session ends.
	SessionExpires time.Time
	// UnlockedArticles are the ids of every article the member unlocked
	// with a credit, newest unlock first, and UnlockTimes when each was
	// unlocked, in the same order. Both are short: a member unlocks at
	// most a period's credits each period.
	UnlockedArticles []int64
	UnlockTimes      []time.Time
	// Carried counts the credits an earlier account of the member's
	// mailbox spent in the meter period starting at CarriedSince, before
	// it was deleted (MeterState.Carried).
	Carried      int
	CarriedSince time.Time
	// CuratorVersion is a number every change of the member's follows,
	// saved articles and reading history raises (in the transaction of
	// the change), so a page built from them may be kept for as long as
	// it is the same.
	CuratorVersion int64
}

// Meter returns the member's meter for articleID in the period starting at
// since, as MeterService.MeterState would: the unlocks since then and
// whether articleID was ever unlocked. It allocates nothing; the result
// shares the state's memory and must not be modified.
func (s *ReaderState) Meter(articleID int64, since time.Time) MeterState {
	n := 0
	for n < len(s.UnlockTimes) && !s.UnlockTimes[n].Before(since) {
		n++
	}
	st := MeterState{Unlocked: slices.Contains(s.UnlockedArticles, articleID)}
	if s.Carried > 0 && !s.CarriedSince.Before(since) {
		st.Carried = s.Carried
	}
	if n > 0 {
		st.Unlocks = s.UnlockTimes[:n:n]
	}
	return st
}

// ReaderStateService reads a signed-in reader's state in one query.
type ReaderStateService interface {
	// SessionReader returns the state of the member whose live session
	// has the token hash tokenHash, live as SessionMember decides, with
	// Subscriber as Entitled at now would say. An unknown or expired
	// session is EUNAUTHORIZED.
	SessionReader(ctx context.Context, tokenHash []byte, now time.Time) (*ReaderState, error)
}
