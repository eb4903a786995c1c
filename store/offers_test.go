package store_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

var offerNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func spring(slug string) masthead.Offer {
	return masthead.Offer{Slug: slug, Name: "Spring sale", Plan: "monthly", Kind: masthead.OfferPercent,
		PercentOff: 50, Months: 3, Active: true, CouponID: "co_spring"}
}

// TestOffers: offers are saved and read back as written, one at most is
// featured, a slug is unique, and a bad offer or plan is refused.
func TestOffers(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{offerNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v0, _ := db.ContentVersion(ctx)
		a := spring("spring")
		a.Featured = true
		a.EndsAt = offerNow.AddDate(0, 1, 0)
		a.MaxRedemptions = 100
		got, err := db.SaveOffer(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == 0 || got.Slug != "spring" || got.Kind != masthead.OfferPercent || got.PercentOff != 50 || got.Months != 3 ||
			!got.EndsAt.Equal(a.EndsAt) || got.MaxRedemptions != 100 || !got.Featured || !got.Active || got.CouponID != "co_spring" ||
			!got.CreatedAt.Equal(offerNow) {
			t.Fatalf("saved %+v", got)
		}
		if v1, _ := db.ContentVersion(ctx); v1 == v0 {
			t.Error("saving an offer left the content version as it was")
		}
		if f, err := db.FeaturedOffer(ctx, offerNow); err != nil || f.ID != got.ID {
			t.Fatalf("featured: %+v, %v", f, err)
		}
		// A second featured offer takes the place of the first.
		b := masthead.Offer{Slug: "try-it", Name: "Try it", Plan: "annual", Kind: masthead.OfferTrial, TrialDays: 30,
			Active: true, Featured: true}
		gotB, err := db.SaveOffer(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if f, err := db.FeaturedOffer(ctx, offerNow); err != nil || f.ID != gotB.ID {
			t.Fatalf("featured after the second: %+v, %v", f, err)
		}
		if first, _ := db.Offer(ctx, "spring"); first.Featured {
			t.Error("two offers featured at once")
		}
		// Edited: the terms change, the count is the store's own.
		got.PercentOff, got.Redemptions, got.Active = 25, 99, false
		edited, err := db.SaveOffer(ctx, *got)
		if err != nil || edited.PercentOff != 25 || edited.Redemptions != 0 || edited.Active || edited.ID != got.ID {
			t.Fatalf("edited: %+v, %v", edited, err)
		}
		list, err := db.Offers(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("offers: %+v, %v", list, err)
		}
		if byID, err := db.OfferByID(ctx, gotB.ID); err != nil || byID.Slug != "try-it" || byID.TrialDays != 30 {
			t.Fatalf("by id: %+v, %v", byID, err)
		}

		_, err = db.SaveOffer(ctx, spring("try-it"))
		wantCode(t, err, masthead.ECONFLICT)
		bad := spring("other")
		bad.Plan = "weekly"
		_, err = db.SaveOffer(ctx, bad)
		wantCode(t, err, masthead.EINVALID)
		bad = spring("other")
		bad.PercentOff = 120
		_, err = db.SaveOffer(ctx, bad)
		wantCode(t, err, masthead.EINVALID)
		_, err = db.Offer(ctx, "nothing")
		wantCode(t, err, masthead.ENOTFOUND)
		missing := spring("ghost")
		missing.ID = 9999
		_, err = db.SaveOffer(ctx, missing)
		wantCode(t, err, masthead.ENOTFOUND)

		// A featured offer that is not running is not shown.
		gotB.Active = false
		if _, err := db.SaveOffer(ctx, *gotB); err != nil {
			t.Fatal(err)
		}
		_, err = db.FeaturedOffer(ctx, offerNow)
		wantCode(t, err, masthead.ENOTFOUND)
	})
}

// TestOfferRedemptions: a completed checkout naming an offer counts one
// redemption per session, whatever the number of events about it; the
// limit makes the offer exhausted.
func TestOfferRedemptions(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{offerNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := spring("spring")
		o.MaxRedemptions = 2
		if _, err := db.SaveOffer(ctx, o); err != nil {
			t.Fatal(err)
		}
		m := mustMember(t, db, "taker@example.com")
		completed := func(eventID, session, offer string) masthead.BillingOutcome {
			t.Helper()
			out, err := db.ApplyBillingEvent(ctx, masthead.BillingEvent{ID: eventID, Type: masthead.EventCheckoutCompleted,
				Created: offerNow, Checkout: &masthead.CheckoutResult{SessionID: session, MemberID: m.ID,
					CustomerID: "cus_" + session, SubscriptionID: "sub_" + session, Paid: true, Offer: offer}}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		count := func() int {
			t.Helper()
			got, err := db.Offer(ctx, "spring")
			if err != nil {
				t.Fatal(err)
			}
			return got.Redemptions
		}
		completed("evt_1", "cs_1", "spring")
		if n := count(); n != 1 {
			t.Fatalf("after one checkout: %d redemptions", n)
		}
		// The same event again, and another event about the same session.
		if out := completed("evt_1", "cs_1", "spring"); !out.Duplicate {
			t.Error("a replayed event was not a duplicate")
		}
		completed("evt_1b", "cs_1", "spring")
		if n := count(); n != 1 {
			t.Fatalf("one session counted %d times", n)
		}
		// A checkout without an offer, or with one that does not exist,
		// counts nothing.
		completed("evt_2", "cs_2", "")
		completed("evt_3", "cs_3", "no-such-offer")
		if n := count(); n != 1 {
			t.Fatalf("checkouts without the offer counted: %d", n)
		}
		got, _ := db.Offer(ctx, "spring")
		if got.State(offerNow) != masthead.OfferRunning {
			t.Fatalf("state after one of two: %s", got.State(offerNow))
		}
		completed("evt_4", "cs_4", "spring")
		got, _ = db.Offer(ctx, "spring")
		if got.Redemptions != 2 || got.State(offerNow) != masthead.OfferExhausted {
			t.Fatalf("after the limit: %d, %s", got.Redemptions, got.State(offerNow))
		}
		var rows int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM offer_redemptions`).Scan(&rows); err != nil || rows != 2 {
			t.Fatalf("redemption rows: %d, %v", rows, err)
		}
	})
}
