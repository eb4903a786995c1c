package store_test

import (
	"context"
	"testing"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestGiftPaymentEnqueuesItsEmailOnce: the Stripe event that marks a gift
// paid enqueues its email in the same transaction; the event replayed, or
// the same payment under another event id, enqueues nothing more.
func TestGiftPaymentEnqueuesItsEmailOnce(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{billNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		g, err := db.CreateGift(ctx, masthead.GiftInput{RecipientEmail: "friend@example.com", Months: 3, Now: billNow})
		if err != nil {
			t.Fatal(err)
		}
		token, hash := masthead.NewToken()
		job, err := masthead.NewJob(masthead.JobGiftEmail, masthead.GiftEmail{Token: token})
		if err != nil {
			t.Fatal(err)
		}
		paid := masthead.BillingEvent{ID: "evt_gift", Type: masthead.EventCheckoutCompleted, Created: billNow,
			Checkout: &masthead.CheckoutResult{SessionID: "cs_1", GiftID: g.ID, Paid: true, GiftTokenHash: hash, GiftJob: &job}}
		again := paid
		again.ID = "evt_gift2"
		for _, ev := range []masthead.BillingEvent{paid, paid, again} {
			if _, err := db.ApplyBillingEvent(ctx, ev, billGrace); err != nil {
				t.Fatal(err)
			}
		}
		js, err := db.Jobs(ctx, masthead.JobFilter{})
		if err != nil || len(js) != 1 || js[0].Kind != masthead.JobGiftEmail || js[0].State != masthead.JobPending {
			t.Fatalf("jobs after three deliveries of one payment: %+v %v", js, err)
		}
		var p masthead.GiftEmail
		if err := js[0].Decode(&p); err != nil || p.Token != token {
			t.Errorf("payload %s: %v", js[0].Payload, err)
		}
	})
}
