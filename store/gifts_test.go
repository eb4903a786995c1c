package store_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestGiftLinkGiver: the giver of a link and whether they hold access now
// come from one read that counts nobody; an ended entitlement shows at
// once, and a deleted account's links name no one.
func TestGiftLinkGiver(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{acctNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreate(t, db, published("shared-piece", acctNow.Add(-time.Hour)))
		giver := mustMember(t, db, "giver@example.com")
		// Paid until ten days from now, grace included.
		if _, err := db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: giver.ID, Source: masthead.EntitlementStripe,
			StartsAt: acctNow.Add(-24 * time.Hour), EndsAt: acctNow.Add(10 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		_, hash := masthead.NewToken()
		if _, err := db.CreateGiftLink(ctx, giftInput(giver.ID, a.ID, hash, 2)); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			name string
			at   time.Time
			sub  bool
		}{
			{"subscribed", acctNow, true},
			{"last instant of the grace", acctNow.Add(10*24*time.Hour - time.Microsecond), true},
			{"lapsed", acctNow.Add(10 * 24 * time.Hour), false},
		} {
			m, sub, err := db.GiftLinkGiver(ctx, hash, c.at)
			if err != nil || m == nil || m.ID != giver.ID || m.Email != "giver@example.com" || sub != c.sub {
				t.Errorf("%s: %+v, %v, %v; want %d, %v", c.name, m, sub, err, giver.ID, c.sub)
			}
		}
		if gs, _ := db.GiftLinks(ctx, giver.ID); len(gs) != 1 || gs[0].Readers != 0 {
			t.Errorf("asking for the giver counted a reader: %+v", gs)
		}

		_, _, err := db.GiftLinkGiver(ctx, masthead.HashToken("unknown"), acctNow)
		wantCode(t, err, masthead.ENOTFOUND)
		_, _, err = db.GiftLinkGiver(ctx, []byte("short"), acctNow)
		wantCode(t, err, masthead.ENOTFOUND)

		// A deleted account's links go with it.
		if err := db.DeleteAccount(ctx, masthead.AccountDeletion{MemberID: giver.ID, Now: acctNow}); err != nil {
			t.Fatal(err)
		}
		m, _, err := db.GiftLinkGiver(ctx, hash, acctNow)
		if m != nil || masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("after deletion: %+v, %v", m, err)
		}
	})
}
