package store_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestCheckoutSignInAndPrune: only the browser holding an anonymous
// checkout's nonce is signed in by it, once, and only when the
// completion created the member; a checkout never paid goes with the
// prune a week on, a completed one stays.
func TestCheckoutSignInAndPrune(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{acctNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := func(email string, nonce []byte) *masthead.Checkout {
			t.Helper()
			co, err := db.CreateCheckout(ctx, masthead.CheckoutStart{Kind: masthead.CheckoutSubscription, Plan: "monthly",
				Email: email, NonceHash: nonce, Next: "/", Now: acctNow})
			if err != nil {
				t.Fatal(err)
			}
			return co
		}
		signIn := func(co *masthead.Checkout, nonce []byte) error {
			t.Helper()
			_, session := masthead.NewToken()
			_, err := db.SignInByCheckout(ctx, co.ID, nonce, session, acctNow.Add(time.Hour), acctNow)
			return err
		}
		_, nonce := masthead.NewToken()
		_, other := masthead.NewToken()
		co := start("fresh@example.com", nonce)
		if err := signIn(co, nonce); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Fatalf("sign-in before the payment: %v", err)
		}
		if _, err := db.CompleteCheckout(ctx, masthead.CheckoutCompletion{CheckoutID: co.ID, Now: acctNow}); err != nil {
			t.Fatal(err)
		}
		if err := signIn(co, other); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Fatalf("sign-in with another nonce: %v", err)
		}
		if err := signIn(co, nonce); err != nil {
			t.Fatalf("sign-in of the paying browser: %v", err)
		}
		if err := signIn(co, nonce); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Fatalf("second sign-in: %v", err)
		}
		// An address that had a member: never.
		mustMember(t, db, "known@example.com")
		_, known := masthead.NewToken()
		kc := start("known@example.com", known)
		if _, err := db.CompleteCheckout(ctx, masthead.CheckoutCompletion{CheckoutID: kc.ID, Now: acctNow}); err != nil {
			t.Fatal(err)
		}
		if err := signIn(kc, known); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Fatalf("sign-in into an existing account: %v", err)
		}

		_, n3 := masthead.NewToken()
		unpaid := start("never@example.com", n3)
		if p, err := db.Prune(ctx, acctNow.Add(6*24*time.Hour)); err != nil || p.Checkouts != 0 {
			t.Fatalf("prune within the week: %+v %v", p, err)
		}
		if p, err := db.Prune(ctx, acctNow.Add(7*24*time.Hour)); err != nil || p.Checkouts != 1 {
			t.Fatalf("prune after a week: %+v %v", p, err)
		}
		if _, err := db.Checkout(ctx, unpaid.ID); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Fatalf("the unpaid checkout stayed: %v", err)
		}
		if _, err := db.Checkout(ctx, co.ID); err != nil {
			t.Fatalf("a completed checkout was pruned: %v", err)
		}
	})
}
