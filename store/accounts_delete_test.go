package store_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/access"
	"masthead/store"
	"masthead/store/storetest"
)

// TestDeleteAccountEndsWhatItHolds: deleting an account frees its
// institution seat at once, ends its subscription's access, unlinks its
// Stripe customer so that no later event attaches to it, and leaves a
// gift it bought valid for the recipient.
func TestDeleteAccountEndsWhatItHolds(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{instNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		uni := mustInstitution(t, db, masthead.InstitutionInput{Name: "Univ", Domains: "univ.edu", SeatLimit: "1"})
		m := signIn(t, db, "leaver@univ.edu")
		entitled := func(id int64) bool {
			t.Helper()
			ok, err := db.Entitled(ctx, id, instNow)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if got, _ := db.Institution(ctx, uni.ID, instNow); got.SeatsUsed != 1 {
			t.Fatalf("seats before: %d", got.SeatsUsed)
		}
		// The seat is full: a colleague is refused.
		if c := signIn(t, db, "colleague@univ.edu"); entitled(c.ID) {
			t.Fatal("colleague entitled past the limit")
		}

		// A paid subscription, linked through checkout to a customer.
		sub := func(id string, status masthead.SubscriptionStatus, offset time.Duration) masthead.BillingEvent {
			return masthead.BillingEvent{ID: id, Type: masthead.EventSubscriptionUpdated, Created: instNow.Add(offset),
				Subscription: &masthead.Subscription{ID: "sub_L", CustomerID: "cus_L", MemberID: m.ID, Status: status,
					StartedAt: instNow.Add(-time.Hour), PeriodStart: instNow.Add(-time.Hour), PeriodEnd: instNow.AddDate(0, 1, 0)}}
		}
		for _, ev := range []masthead.BillingEvent{
			{ID: "evt_co", Type: masthead.EventCheckoutCompleted, Created: instNow.Add(-time.Minute),
				Checkout: &masthead.CheckoutResult{SessionID: "cs_L", MemberID: m.ID, CustomerID: "cus_L", SubscriptionID: "sub_L"}},
			sub("evt_active", masthead.StatusActive, -time.Minute),
		} {
			if _, err := db.ApplyBillingEvent(ctx, ev, billGrace); err != nil {
				t.Fatal(err)
			}
		}
		if c, err := db.BillingCustomer(ctx, m.ID); err != nil || c != "cus_L" {
			t.Fatalf("customer before: %q, %v", c, err)
		}
		// A gift the member bought, paid.
		giftToken := []byte("gift-token-of-leaver")
		if _, err := db.CreateGift(ctx, masthead.GiftInput{PurchaserID: m.ID, RecipientEmail: "friend@example.org", Months: 3,
			TokenHash: giftToken, Paid: true, Now: instNow}); err != nil {
			t.Fatal(err)
		}

		if err := db.DeleteAccount(ctx, masthead.AccountDeletion{MemberID: m.ID, Now: instNow}); err != nil {
			t.Fatal(err)
		}

		if entitled(m.ID) {
			t.Error("deleted member still entitled")
		}
		if got, _ := db.Institution(ctx, uni.ID, instNow); got.SeatsUsed != 0 {
			t.Errorf("seats after deletion: %d, want 0", got.SeatsUsed)
		}
		// The freed seat goes to the next member at the domain.
		if n := signIn(t, db, "newcomer@univ.edu"); !entitled(n.ID) {
			t.Error("the freed seat was not granted to the next member")
		}
		// No row links the emptied member to the customer.
		if _, err := db.BillingCustomer(ctx, m.ID); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("customer after deletion: %v", err)
		}
		var links int
		if err := rawRow(db, `SELECT (SELECT COUNT(*) FROM billing_customers WHERE customer_id = ?) +
			(SELECT COUNT(*) FROM subscriptions WHERE customer_id = ?)`, "cus_L", "cus_L").Scan(&links); err != nil {
			t.Fatal(err)
		}
		if links != 0 {
			t.Errorf("%d rows still name the deleted member's customer", links)
		}

		// Late events about that subscription and customer attach to
		// nothing and reopen nothing.
		var before int
		rawRow(db, `SELECT COUNT(*) FROM entitlements WHERE member_id = ?`, m.ID).Scan(&before)
		for _, ev := range []masthead.BillingEvent{
			sub("evt_late", masthead.StatusActive, time.Minute),
			{ID: "evt_co2", Type: masthead.EventCheckoutCompleted, Created: instNow.Add(time.Minute),
				Checkout: &masthead.CheckoutResult{SessionID: "cs_L2", MemberID: m.ID, CustomerID: "cus_L2"}},
		} {
			out, err := db.ApplyBillingEvent(ctx, ev, billGrace)
			if err != nil {
				t.Fatalf("%s: %v", ev.ID, err)
			}
			if out.Duplicate {
				t.Fatalf("%s: duplicate", ev.ID)
			}
		}
		if entitled(m.ID) {
			t.Error("a late webhook reopened the deleted member's access")
		}
		var after, customers int
		rawRow(db, `SELECT COUNT(*) FROM entitlements WHERE member_id = ?`, m.ID).Scan(&after)
		rawRow(db, `SELECT COUNT(*) FROM billing_customers WHERE member_id = ?`, m.ID).Scan(&customers)
		if after != before || customers != 0 {
			t.Errorf("late events wrote %d entitlements and %d customers for the deleted member", after-before, customers)
		}

		// A change of the institution's dates does not reopen the seat.
		uni.EndsAt = instNow.AddDate(1, 0, 0)
		uni.SeatLimit = 5
		if _, err := db.UpdateInstitution(ctx, uni, 0); err != nil {
			t.Fatal(err)
		}
		if entitled(m.ID) {
			t.Error("an institution change reopened the deleted member's seat")
		}

		// The gift stays valid for its recipient.
		friend := mustMember(t, db, "friend@example.org")
		g, err := db.GiftByToken(ctx, giftToken)
		if err != nil {
			t.Fatalf("gift after the purchaser's deletion: %v", err)
		}
		if g.PurchaserID != 0 {
			t.Errorf("gift still names its deleted purchaser %d", g.PurchaserID)
		}
		if _, err := db.RedeemGift(ctx, masthead.GiftRedemption{TokenHash: giftToken, MemberID: friend.ID, Now: instNow}); err != nil {
			t.Fatalf("redeem: %v", err)
		}
		if !entitled(friend.ID) {
			t.Error("recipient not entitled by the gift")
		}
	})
}

// TestEndInstitutionGrant: staff end one member's institutional grant;
// the seat is free at once and the member is not granted it again.
func TestEndInstitutionGrant(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{instNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		uni := mustInstitution(t, db, masthead.InstitutionInput{Name: "Univ", Domains: "univ.edu", SeatLimit: "1"})
		staff, err := db.EnsureMember(ctx, "root@example.com", masthead.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		m := signIn(t, db, "ada@univ.edu")
		ents, _ := db.MemberEntitlements(ctx, m.ID)
		if len(ents) != 1 {
			t.Fatalf("entitlements: %+v", ents)
		}
		other := signIn(t, db, "bo@example.org")
		wantCode(t, db.EndGrant(ctx, other.ID, ents[0].ID, staff.ID), masthead.ENOTFOUND)
		if err := db.EndGrant(ctx, m.ID, ents[0].ID, staff.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.EndGrant(ctx, m.ID, ents[0].ID, staff.ID), masthead.EINVALID)
		if ok, _ := db.Entitled(ctx, m.ID, instNow); ok {
			t.Error("entitled after the grant ended")
		}
		if got, _ := db.Institution(ctx, uni.ID, instNow); got.SeatsUsed != 0 {
			t.Errorf("seats used %d after the grant ended", got.SeatsUsed)
		}
		signIn(t, db, "ada@univ.edu")
		if ok, _ := db.Entitled(ctx, m.ID, instNow); ok {
			t.Error("signing in again granted the ended seat")
		}
		ents, _ = db.MemberEntitlements(ctx, m.ID)
		if len(ents) != 1 || ents[0].EndedByEmail != "root@example.com" {
			t.Errorf("entitlement after ending: %+v", ents)
		}
		if ev, _ := db.MemberEvents(ctx, m.ID, 1); len(ev) != 1 || ev[0].Kind != masthead.MemberEventInstitutionEnded {
			t.Errorf("history: %+v", ev)
		}
		if n := signIn(t, db, "cy@univ.edu"); func() bool { ok, _ := db.Entitled(ctx, n.ID, instNow); return !ok }() {
			t.Error("the freed seat was not granted to the next member")
		}
	})
}

// TestSeatCutEndsReaderFacts: a member whose seat a lower limit ended is
// no subscriber in the signed-in reader's facts at once, and the access
// decision gives them the teaser of a subscribers-only article.
func TestSeatCutEndsReaderFacts(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{instNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		uni := mustInstitution(t, db, masthead.InstitutionInput{Name: "Univ", Domains: "univ.edu", SeatLimit: "2"})
		old := signIn(t, db, "old@univ.edu")
		newest := signIn(t, db, "newest@univ.edu")
		sessions := map[int64][]byte{old.ID: []byte("old-session"), newest.ID: []byte("newest-session")}
		for id, s := range sessions {
			if err := db.CreateSession(ctx, id, s, instNow.AddDate(0, 0, 1)); err != nil {
				t.Fatal(err)
			}
		}
		article := &masthead.Article{ID: 1, Access: masthead.AccessSubscribers}
		decide := func(id int64) access.Decision {
			t.Helper()
			st, err := db.SessionReader(ctx, sessions[id], instNow)
			if err != nil {
				t.Fatal(err)
			}
			return access.Decide(access.Reader{Member: st.Member, Subscriber: st.Subscriber}, article,
				access.Meter{}, access.DefaultPolicy(), instNow)
		}
		for _, id := range []int64{old.ID, newest.ID} {
			if d := decide(id); !d.Full {
				t.Fatalf("member %d before the cut: %+v", id, d)
			}
		}
		uni.SeatLimit = 1
		if _, err := db.UpdateInstitution(ctx, uni, 0); err != nil {
			t.Fatal(err)
		}
		if d := decide(newest.ID); d.Full || d.Reason == access.ReasonSubscriber {
			t.Errorf("newest seat after the cut: %+v", d)
		}
		if d := decide(old.ID); !d.Full {
			t.Errorf("older seat after the cut: %+v", d)
		}
	})
}
