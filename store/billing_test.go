package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

var billNow = time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)

const billGrace = 3 * 24 * time.Hour

// subEvent is a subscription event of Stripe's life cycle, created at
// billNow plus offset.
func subEvent(id, typ string, offset time.Duration, status masthead.SubscriptionStatus, mod ...func(*masthead.Subscription)) masthead.BillingEvent {
	s := masthead.Subscription{ID: "sub_A", CustomerID: "cus_A", Status: status,
		StartedAt: billNow.Add(-time.Hour), PeriodStart: billNow.Add(-time.Hour), PeriodEnd: billNow.AddDate(0, 1, 0)}
	for _, m := range mod {
		m(&s)
	}
	return masthead.BillingEvent{ID: id, Type: typ, Created: billNow.Add(offset), Subscription: &s}
}

func TestBillingEventsOrderAndReplay(t *testing.T) {
	clock := &fixedClock{billNow}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := mustMember(t, db, "payer@example.com")
		if err := db.SetBillingCustomer(ctx, m.ID, "cus_A"); err != nil {
			t.Fatal(err)
		}
		canceled := func(s *masthead.Subscription) {
			s.CanceledAt, s.EndedAt = billNow.Add(2*time.Hour), billNow.Add(2*time.Hour)
			s.PeriodEnd = billNow.Add(2 * time.Hour) // canceled at once: paid until then
		}
		created := subEvent("evt_1", masthead.EventSubscriptionCreated, 0, masthead.StatusActive)
		pastDue := subEvent("evt_2", masthead.EventSubscriptionUpdated, time.Minute, masthead.StatusPastDue)
		deleted := subEvent("evt_3", masthead.EventSubscriptionDeleted, 2*time.Minute, masthead.StatusCanceled, canceled)

		entitled := func(at time.Time) bool {
			t.Helper()
			ok, err := db.Entitled(ctx, m.ID, at)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		apply := func(ev masthead.BillingEvent) masthead.BillingOutcome {
			t.Helper()
			out, err := db.ApplyBillingEvent(ctx, ev, billGrace)
			if err != nil {
				t.Fatalf("apply %s: %v", ev.ID, err)
			}
			return out
		}

		// In order: active grants, past_due keeps grace, deleted ends.
		if out := apply(created); out.Duplicate || out.Stale || out.MemberID != m.ID {
			t.Fatalf("created: %+v", out)
		}
		if !entitled(billNow) || !entitled(billNow.AddDate(0, 1, 0).Add(billGrace-time.Second)) {
			t.Fatal("active subscription: not entitled through the period and grace")
		}
		apply(pastDue)
		if !entitled(billNow) || entitled(billNow.Add(billGrace)) {
			t.Fatal("past_due: want access only within grace of the period start")
		}
		// The same event again changes nothing, even after a newer one.
		if out := apply(created); !out.Duplicate {
			t.Fatalf("replayed created: %+v, want duplicate", out)
		}
		if entitled(billNow.Add(billGrace)) {
			t.Fatal("a replayed older event reopened access")
		}
		apply(deleted)
		if !entitled(billNow.Add(time.Hour)) || entitled(billNow.Add(3*time.Hour)) {
			t.Fatal("canceled: want access until the end of the paid period only")
		}
		var n int
		if err := rawRow(db, `SELECT COUNT(*) FROM entitlements WHERE member_id = ?`, m.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("entitlement rows: %d, %v; want the one row of the subscription", n, err)
		}
		// The history has a line per change of status.
		evs, err := db.MemberEvents(ctx, m.ID, 0)
		if err != nil || len(evs) != 3 || evs[0].Kind != masthead.MemberEventSubscription ||
			!strings.Contains(evs[0].Detail, "past_due → canceled") || !strings.Contains(evs[2].Detail, "sub_A: active, access until") {
			t.Fatalf("member events: %+v, %v", evs, err)
		}

		// Reversed, for a second member: the final state wins.
		m2 := mustMember(t, db, "reverse@example.com")
		if err := db.SetBillingCustomer(ctx, m2.ID, "cus_B"); err != nil {
			t.Fatal(err)
		}
		forB := func(ev masthead.BillingEvent) masthead.BillingEvent {
			s := *ev.Subscription
			s.ID, s.CustomerID = "sub_B", "cus_B"
			ev.ID += "b"
			ev.Subscription = &s
			return ev
		}
		apply(forB(deleted))
		if out := apply(forB(pastDue)); !out.Stale {
			t.Fatalf("older past_due after canceled: %+v, want stale", out)
		}
		if out := apply(forB(created)); !out.Stale {
			t.Fatalf("older created after canceled: %+v, want stale", out)
		}
		if ok, _ := db.Entitled(ctx, m2.ID, billNow.Add(3*time.Hour)); ok {
			t.Fatal("reversed events: the stale active state reopened access")
		}
		subs, err := db.MemberSubscriptions(ctx, m2.ID)
		if err != nil || len(subs) != 1 || subs[0].Status != masthead.StatusCanceled {
			t.Fatalf("subscriptions of m2: %+v, %v", subs, err)
		}

		// Same second: a canceled state is final.
		tie := forB(subEvent("evt_tie", masthead.EventSubscriptionUpdated, 2*time.Minute, masthead.StatusActive))
		if out := apply(tie); !out.Stale {
			t.Fatalf("active at the same time as canceled: %+v, want stale", out)
		}

		// A subscription of an unknown customer is not stored.
		stray := subEvent("evt_stray", masthead.EventSubscriptionCreated, 0, masthead.StatusActive,
			func(s *masthead.Subscription) { s.ID, s.CustomerID = "sub_X", "cus_unknown" })
		if out := apply(stray); out.MemberID != 0 || !out.Stale {
			t.Fatalf("unknown customer: %+v", out)
		}

		// An invoice event is recorded on a known subscription.
		inv := masthead.BillingEvent{ID: "evt_inv", Type: masthead.EventInvoicePaymentFailed, Created: billNow,
			Invoice: &masthead.InvoiceResult{InvoiceID: "in_1", SubscriptionID: "sub_A"}}
		if out := apply(inv); out.MemberID != m.ID {
			t.Fatalf("invoice: %+v", out)
		}
		if _, err := db.ApplyBillingEvent(ctx, masthead.BillingEvent{}, billGrace); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Fatalf("empty event: %v", err)
		}
	})
}

func TestBillingSyncAndReaderState(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{billNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := mustMember(t, db, "sync@example.com")
		s := masthead.Subscription{ID: "sub_S", MemberID: m.ID, CustomerID: "cus_S", Status: masthead.StatusActive,
			StartedAt: billNow.Add(-time.Hour), PeriodStart: billNow.Add(-time.Hour), PeriodEnd: billNow.AddDate(0, 1, 0),
			Version: billNow}
		if ok, err := db.SyncSubscription(ctx, s, billGrace); err != nil || !ok {
			t.Fatalf("sync: %v, %v", ok, err)
		}
		// The one-query reader state says what Entitled says.
		token, hash := masthead.NewToken()
		_ = token
		if err := db.CreateSession(ctx, m.ID, hash, billNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		st, err := db.SessionReader(ctx, hash, billNow)
		if err != nil || !st.Subscriber {
			t.Fatalf("reader state: %+v, %v; want a subscriber", st, err)
		}
		// An older read does not overwrite.
		old := s
		old.Status, old.Version = masthead.StatusUnpaid, billNow.Add(-time.Minute)
		if ok, err := db.SyncSubscription(ctx, old, billGrace); err != nil || ok {
			t.Fatalf("older sync: applied %v, %v", ok, err)
		}
		unpaid := s
		unpaid.Status, unpaid.Version = masthead.StatusUnpaid, billNow.Add(time.Minute)
		if ok, err := db.SyncSubscription(ctx, unpaid, billGrace); err != nil || !ok {
			t.Fatalf("newer sync: applied %v, %v", ok, err)
		}
		if ok, _ := db.Entitled(ctx, m.ID, billNow); ok {
			t.Fatal("unpaid: still entitled")
		}
	})
}

func TestPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ps, err := db.Plans(ctx, true)
		if err != nil || len(ps) != 2 || ps[0].Slug != "monthly" || ps[1].Interval != masthead.IntervalYear {
			t.Fatalf("default plans: %+v, %v", ps, err)
		}
		p := ps[0]
		p.Amount, p.TrialDays, p.StripePriceID, p.Active = 1200, 14, "price_123", false
		if err := db.SavePlan(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := db.Plan(ctx, "monthly")
		if err != nil || *got != p {
			t.Fatalf("saved plan: %+v, %v; want %+v", got, err, p)
		}
		if ps, _ := db.Plans(ctx, true); len(ps) != 1 {
			t.Fatalf("active plans: %+v", ps)
		}
		p.Amount = 0
		wantCode(t, db.SavePlan(ctx, p), masthead.EINVALID)
		_, err = db.Plan(ctx, "weekly")
		wantCode(t, err, masthead.ENOTFOUND)
	})
}

func TestGifts(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{billNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		buyer := mustMember(t, db, "buyer@example.com")
		g, err := db.CreateGift(ctx, masthead.GiftInput{PurchaserID: buyer.ID, RecipientEmail: "Friend@Example.com", Months: 3, Now: billNow})
		if err != nil || g.RecipientEmail != "friend@example.com" || !g.PaidAt.IsZero() {
			t.Fatalf("gift: %+v, %v", g, err)
		}
		_, err = db.CreateGift(ctx, masthead.GiftInput{RecipientEmail: "x@example.com", Months: 2, Now: billNow})
		wantCode(t, err, masthead.EINVALID)

		token, hash := masthead.NewToken()
		// Unpaid: the token does not work yet.
		_, err = db.GiftByToken(ctx, hash)
		wantCode(t, err, masthead.ENOTFOUND)
		paid := masthead.BillingEvent{ID: "evt_gift", Type: masthead.EventCheckoutCompleted, Created: billNow,
			Checkout: &masthead.CheckoutResult{SessionID: "cs_1", GiftID: g.ID, Paid: true, GiftTokenHash: hash}}
		out, err := db.ApplyBillingEvent(ctx, paid, billGrace)
		if err != nil || out.Gift == nil || out.Gift.ID != g.ID {
			t.Fatalf("gift paid: %+v, %v", out, err)
		}
		// The same payment under another event id sends nothing twice.
		again := paid
		again.ID = "evt_gift2"
		if out, err := db.ApplyBillingEvent(ctx, again, billGrace); err != nil || out.Gift != nil {
			t.Fatalf("second completion: %+v, %v", out, err)
		}
		friend := mustMember(t, db, "friend@example.com")
		e, err := db.RedeemGift(ctx, masthead.GiftRedemption{TokenHash: masthead.HashToken(token), MemberID: friend.ID, Now: billNow})
		if err != nil || e.Source != masthead.EntitlementGift || !e.EndsAt.Equal(billNow.AddDate(0, 3, 0)) {
			t.Fatalf("redeem: %+v, %v", e, err)
		}
		if ok, _ := db.Entitled(ctx, friend.ID, billNow.AddDate(0, 2, 0)); !ok {
			t.Fatal("redeemed gift: not entitled")
		}
		other := mustMember(t, db, "other@example.com")
		_, err = db.RedeemGift(ctx, masthead.GiftRedemption{TokenHash: hash, MemberID: other.ID, Now: billNow})
		wantCode(t, err, masthead.ECONFLICT)
		if ok, _ := db.Entitled(ctx, other.ID, billNow); ok {
			t.Fatal("second redeem granted access")
		}
		got, err := db.GiftByToken(ctx, hash)
		if err != nil || got.RedeemedBy != friend.ID {
			t.Fatalf("redeemed gift: %+v, %v", got, err)
		}
		// A demo gift is paid at once.
		_, h2 := masthead.NewToken()
		g2, err := db.CreateGift(ctx, masthead.GiftInput{RecipientEmail: "demo@example.com", Months: 1, TokenHash: h2, Paid: true, Now: billNow})
		if err != nil || g2.PaidAt.IsZero() {
			t.Fatalf("demo gift: %+v, %v", g2, err)
		}
		if !slices.Contains(masthead.GiftMonths, 12) {
			t.Fatal("gift months")
		}
	})
}
