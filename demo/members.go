package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"masthead"
	"masthead/store"
)

// MemberWriter is the storage Members needs. *store.DB implements it.
type MemberWriter interface {
	InsertMembers(ctx context.Context, ms []store.BulkMember, wording string) ([]int64, error)
}

// MemberMix counts the kinds of members Members added.
type MemberMix struct {
	Unverified, Registered, Subscribers, Lapsed int
	// Newsletter counts the members who will receive each newsletter
	// (verified, subscribed, and in its audience).
	Newsletter map[string]int
}

// demoConsentWording is stored with the demo members' newsletter choices.
const demoConsentWording = "Demo data: newsletter choice made up by `masthead demo --members`."

// Members adds n readers with a realistic mix, the same for a seed:
// about 15% who never verified their address, 55% verified registered
// readers (two in five take the free newsletter), 22% subscribers (one in
// ten turned the Daily Review off, a third also take the free
// newsletter) and 8% lapsed subscribers whose subscription ended in the
// last three months. Addresses are demo-N.first.last@example.com, so
// repeated runs with another seed never collide. All rows go in with
// multi-row INSERTs in one transaction.
func Members(ctx context.Context, w MemberWriter, n int, seed int64, now time.Time) (MemberMix, error) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x6e6577736c6574))
	mix := MemberMix{Newsletter: map[string]int{}}
	ms := make([]store.BulkMember, 0, n)
	prefix := fmt.Sprintf("demo%d-", seed)
	for i := range n {
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		m := store.BulkMember{
			Email:   fmt.Sprintf("%s%d.%s.%s@example.com", prefix, i, asciiLower(first), asciiLower(last)),
			Name:    first + " " + last,
			Created: now.Add(-time.Duration(r.IntN(3*365*24)) * time.Hour),
		}
		switch p := r.Float64(); {
		case p < 0.15:
			mix.Unverified++
			if r.IntN(2) == 0 {
				m.Newsletters = map[string]bool{masthead.NewsletterFree: true} // ticked the box, never confirmed
			}
		case p < 0.70:
			mix.Registered++
			m.Verified = true
			if r.IntN(5) < 2 {
				m.Newsletters = map[string]bool{masthead.NewsletterFree: true}
				mix.Newsletter[masthead.NewsletterFree]++
			}
		case p < 0.92:
			mix.Subscribers++
			m.Verified = true
			m.EntitledFrom = m.Created.Add(time.Duration(r.IntN(30*24)) * time.Hour)
			m.Newsletters = map[string]bool{}
			if r.IntN(10) == 0 {
				m.Newsletters[masthead.NewsletterDaily] = false
			} else {
				mix.Newsletter[masthead.NewsletterDaily]++
			}
			mix.Newsletter[masthead.NewsletterWeekly]++
			if r.IntN(3) == 0 {
				m.Newsletters[masthead.NewsletterFree] = true
				mix.Newsletter[masthead.NewsletterFree]++
			}
		default:
			mix.Lapsed++
			m.Verified = true
			m.EntitledFrom = m.Created
			m.EntitledUntil = now.Add(-time.Duration(1+r.IntN(90*24)) * time.Hour)
			if !m.EntitledUntil.After(m.EntitledFrom) {
				m.EntitledFrom = m.EntitledUntil.Add(-30 * 24 * time.Hour)
			}
			if r.IntN(5) < 2 {
				m.Newsletters = map[string]bool{masthead.NewsletterFree: true}
				mix.Newsletter[masthead.NewsletterFree]++
			}
		}
		ms = append(ms, m)
	}
	if _, err := w.InsertMembers(ctx, ms, demoConsentWording); err != nil {
		return mix, fmt.Errorf("demo: members: %w", err)
	}
	return mix, nil
}

// asciiLower makes a name usable in an address.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r == 'á' || r == 'à':
			return 'a'
		case r == 'é' || r == 'è':
			return 'e'
		case r == 'ó':
			return 'o'
		}
		return -1
	}, s)
}
