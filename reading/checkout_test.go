package reading_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/reading"
	"masthead/store"
)

// checkoutJobs counts the queue's jobs of kind.
func checkoutJobs(t *testing.T, db *store.DB, kind string) int {
	t.Helper()
	n := 0
	for _, k := range jobsOf(t, db) {
		if k == kind {
			n++
		}
	}
	return n
}

func entitled(t *testing.T, db *store.DB, memberID int64) bool {
	t.Helper()
	ok, err := db.Entitled(context.Background(), memberID, now)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestCheckoutMatchingRules: a checkout by a reader who is not signed in
// (here the demo's, which takes the paid path's rules) makes a new
// address a member and signs in the browser that started it, once; an
// address that belongs to a member gets the subscription and a sign-in
// link, and the paying browser is not signed in; the return replayed in
// another browser signs nobody in; a registered reader gives no address.
func TestCheckoutMatchingRules(t *testing.T) {
	cfg := reading.Config{Billing: reading.BillingConfig{Demo: true}}
	each(t, cfg, func(t *testing.T, db *store.DB, svc *reading.Service) {
		ctx := context.Background()
		back := func(co *masthead.Checkout, nonce []byte, m *masthead.Member) *reading.CheckoutReturned {
			t.Helper()
			out, err := svc.ReturnFromCheckout(ctx, reading.CheckoutReturn{CheckoutID: co.ID, NonceHash: nonce, Member: m, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}

		t.Run("a new address: a new member, signed in on the paying browser", func(t *testing.T) {
			_, nonce := masthead.NewToken()
			co, _, err := svc.DemoCheckout(ctx, nil, reading.DemoPurchase{Plan: "monthly", Email: "New.Reader@Example.com",
				NonceHash: nonce, Next: "/articles/x", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if !co.NewMember || co.MemberID == 0 || co.CompletedAt.IsZero() {
				t.Fatalf("checkout after payment: %+v", co)
			}
			m, err := db.MemberByEmail(ctx, "new.reader@example.com")
			if err != nil || m.ID != co.MemberID {
				t.Fatalf("member of the address: %v, %v", m, err)
			}
			if !entitled(t, db, m.ID) {
				t.Fatal("the new member holds no entitlement")
			}
			// Another browser, with the return address but not the
			// nonce: nobody is signed in.
			_, otherNonce := masthead.NewToken()
			for _, n := range [][]byte{nil, otherNonce} {
				if out := back(co, n, nil); out.Session != nil {
					t.Fatal("the return replayed in another browser signed it in")
				}
			}
			out := back(co, nonce, nil)
			if out.Session == nil || out.Session.Member.ID != m.ID {
				t.Fatalf("the paying browser is not signed in: %+v", out)
			}
			if sm, err := db.SessionMember(ctx, masthead.HashToken(out.Session.Token)); err != nil || sm.ID != m.ID {
				t.Fatalf("the session is not the new member's: %v, %v", sm, err)
			}
			// Once: the same browser's nonce again starts no second session.
			if again := back(co, nonce, nil); again.Session != nil {
				t.Fatal("the nonce signed a browser in twice")
			}
			if n := checkoutJobs(t, db, masthead.JobWelcomeEmail); n != 1 {
				t.Fatalf("%d welcome jobs, want 1", n)
			}
			if n := checkoutJobs(t, db, masthead.JobSignInEmail); n != 0 {
				t.Fatalf("%d sign-in jobs for a new address, want 0", n)
			}
		})

		t.Run("an existing member's address, paid from another browser", func(t *testing.T) {
			owner := mustMember(t, db, "owner@example.com")
			_, nonce := masthead.NewToken()
			// Another spelling of the same mailbox is the same member.
			co, _, err := svc.DemoCheckout(ctx, nil, reading.DemoPurchase{Plan: "annual", Email: "OWNER@example.com",
				NonceHash: nonce, Next: "/articles/x", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if co.NewMember || co.MemberID != owner.ID {
				t.Fatalf("checkout: member %d new %v, want the owner %d", co.MemberID, co.NewMember, owner.ID)
			}
			if !entitled(t, db, owner.ID) {
				t.Fatal("the subscription is not attached to the owner")
			}
			out := back(co, nonce, nil)
			if out.Session != nil {
				t.Fatal("the paying browser was signed into an existing account")
			}
			if !out.Elsewhere {
				t.Fatalf("the return does not say the account is elsewhere: %+v", out)
			}
			if n := checkoutJobs(t, db, masthead.JobSignInEmail); n != 1 {
				t.Fatalf("%d sign-in jobs, want 1 to the owner's address", n)
			}
			if n := checkoutJobs(t, db, masthead.JobWelcomeEmail); n != 2 {
				t.Fatalf("%d welcome jobs after two checkouts, want 2", n)
			}
		})

		t.Run("a registered reader gives no address", func(t *testing.T) {
			m := mustMember(t, db, "registered@example.com")
			co, _, err := svc.DemoCheckout(ctx, m, reading.DemoPurchase{Plan: "monthly", Next: "/articles/x", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if co.Anonymous || co.MemberID != m.ID || co.Email != "" {
				t.Fatalf("checkout of a registered reader: %+v", co)
			}
			if !entitled(t, db, m.ID) {
				t.Fatal("no entitlement")
			}
			// A second one is refused: they already subscribe.
			_, _, err = svc.DemoCheckout(ctx, m, reading.DemoPurchase{Plan: "monthly", Now: now})
			wantCode(t, "second checkout", err, masthead.ECONFLICT)
		})

		t.Run("an anonymous checkout needs an address", func(t *testing.T) {
			_, nonce := masthead.NewToken()
			_, _, err := svc.DemoCheckout(ctx, nil, reading.DemoPurchase{Plan: "monthly", Email: "not an address", NonceHash: nonce, Now: now})
			wantCode(t, "bad address", err, masthead.EINVALID)
		})
	})
}

// TestCheckoutCompletedByPayment: the payment provider's completed
// checkout (as the webhook hands it to the store) creates the member of
// a new address with the subscription's entitlement and the welcome job
// in one transaction, once: the same payment reported again (another
// event id, or the reader's return reading it back) changes nothing.
func TestCheckoutCompletedByPayment(t *testing.T) {
	each(t, reading.Config{}, func(t *testing.T, db *store.DB, svc *reading.Service) {
		ctx := context.Background()
		_, nonce := masthead.NewToken()
		co, err := db.CreateCheckout(ctx, masthead.CheckoutStart{Kind: masthead.CheckoutSubscription, Plan: "monthly",
			Email: "payer@example.com", NonceHash: nonce, Next: "/articles/x", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetCheckoutSession(ctx, co.ID, "cs_1"); err != nil {
			t.Fatal(err)
		}
		welcome, err := reading.WelcomeEmailJob(co.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		sub := masthead.Subscription{ID: "sub_1", CustomerID: "cus_1", Status: masthead.StatusActive, CheckoutID: co.ID,
			StartedAt: now, PeriodStart: now, PeriodEnd: now.AddDate(0, 1, 0), Version: now}
		event := func(id string) masthead.BillingEvent {
			return masthead.BillingEvent{ID: id, Type: masthead.EventCheckoutCompleted, Created: now,
				Checkout: &masthead.CheckoutResult{SessionID: "cs_1", CheckoutID: co.ID, CustomerID: "cus_1",
					SubscriptionID: "sub_1", Email: "payer@example.com", Paid: true, Subscription: &sub, WelcomeJob: &welcome}}
		}
		out, err := db.ApplyBillingEvent(ctx, event("evt_1"), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if out.Checkout == nil || !out.Checkout.Completed || out.MemberID == 0 {
			t.Fatalf("outcome: %+v", out)
		}
		m, err := db.MemberByEmail(ctx, "payer@example.com")
		if err != nil || m.ID != out.MemberID {
			t.Fatalf("member: %v %v", m, err)
		}
		if !entitled(t, db, m.ID) {
			t.Fatal("no entitlement after the payment")
		}
		if cust, err := db.BillingCustomer(ctx, m.ID); err != nil || cust != "cus_1" {
			t.Fatalf("customer: %q %v", cust, err)
		}
		// The subscription's later events find the member by the
		// checkout in their metadata (and by the customer).
		upd := sub
		upd.CustomerID, upd.Version = "", now.Add(time.Minute)
		if _, err := db.ApplyBillingEvent(ctx, masthead.BillingEvent{ID: "evt_upd", Type: masthead.EventSubscriptionUpdated,
			Created: now.Add(time.Minute), Subscription: &upd}, time.Hour); err != nil {
			t.Fatal(err)
		}
		if subs, err := db.MemberSubscriptions(ctx, m.ID); err != nil || len(subs) != 1 {
			t.Fatalf("subscriptions: %v %v", subs, err)
		}
		again, err := db.ApplyBillingEvent(ctx, event("evt_2"), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if again.Checkout == nil || again.Checkout.Completed {
			t.Fatalf("a second report of the payment completed it again: %+v", again)
		}
		if n := checkoutJobs(t, db, masthead.JobWelcomeEmail); n != 1 {
			t.Fatalf("%d welcome jobs, want 1", n)
		}
		// A payment reported for another session of the checkout is
		// refused.
		done, err := db.CompleteCheckout(ctx, masthead.CheckoutCompletion{CheckoutID: co.ID, SessionID: "cs_other", Now: now})
		wantCode(t, "another session", err, masthead.EINVALID)
		_ = done
		// The paying browser is signed in by its nonce.
		ret, err := svc.ReturnFromCheckout(ctx, reading.CheckoutReturn{CheckoutID: co.ID, SessionID: "cs_1", NonceHash: nonce, Now: now})
		if err != nil || ret.Session == nil || ret.Session.Member.ID != m.ID {
			t.Fatalf("return: %+v %v", ret, err)
		}
	})
}
