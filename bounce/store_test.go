package bounce_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/bounce"
	"masthead/store"
	"masthead/store/storetest"
)

// TestSuppressionInStore sends real notifications through the handler
// into the store on both engines: the hard bounce suppresses the address
// and marks the delivery of the message that bounced; the soft bounce and
// the forged complaint change nothing.
func TestSuppressionInStore(t *testing.T) {
	f := newSNSFixture(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		past := now.Add(-30 * 24 * time.Hour)
		ms := []store.BulkMember{
			{Email: "gone@example.com", Verified: true, Created: past, EntitledFrom: past},
			{Email: "full@example.com", Verified: true, Created: past, EntitledFrom: past},
			{Email: "victim@example.com", Verified: true, Created: past, EntitledFrom: past},
		}
		if _, err := db.InsertMembers(ctx, ms, "test consent"); err != nil {
			t.Fatal(err)
		}
		n, err := db.Newsletter(ctx, masthead.NewsletterDaily)
		if err != nil {
			t.Fatal(err)
		}
		is, err := db.CreateIssue(ctx, &masthead.Issue{
			NewsletterID: n.ID, Subject: "Today", WindowStart: now.Add(-24 * time.Hour), WindowEnd: now,
			Status: masthead.IssueScheduled, SendAt: now,
			Articles: []masthead.IssueArticle{{ArticleID: 1, Slug: "a", Title: "A", Kind: masthead.KindDaily}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ClaimIssue(ctx, is.ID, "test", now.Add(time.Minute), now, "example.com"); err != nil {
			t.Fatal(err)
		}
		queued, err := db.QueuedDeliveries(ctx, is.ID, 0, now, 10)
		if err != nil || len(queued) != 3 {
			t.Fatalf("queued %d: %v", len(queued), err)
		}
		var ids []int64
		for _, d := range queued {
			ids = append(ids, d.MemberID)
		}
		if err := db.MarkSent(ctx, is.ID, ids, now); err != nil {
			t.Fatal(err)
		}
		log, err := db.Deliveries(ctx, is.ID, masthead.DeliveryFilter{Email: "gone@example.com"})
		if err != nil || len(log) != 1 {
			t.Fatalf("deliveries: %+v %v", log, err)
		}

		h := bounce.New(bounce.Config{SNS: f.options(), GenericSecret: []byte("k"), Now: func() time.Time { return now }}, bounce.Sink(db))
		hard := `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",` +
			`"bouncedRecipients":[{"emailAddress":"gone@example.com","status":"5.1.1"}],"timestamp":"2026-03-04T09:59:30Z"},` +
			`"mail":{"commonHeaders":{"messageId":"<` + log[0].MessageID + `>"}}}`
		if w := post(t, h.SES(), f.sign(t, notification(hard), "2"), nil); w.Code != 200 {
			t.Fatalf("hard bounce: %d %s", w.Code, w.Body)
		}
		if w := post(t, h.SES(), f.sign(t, notification(sesBounce("Transient", "full@example.com")), "2"), nil); w.Code != 200 {
			t.Fatalf("soft bounce: %d %s", w.Code, w.Body)
		}
		complaint := []byte(`{"email":"victim@example.com","type":"complaint"}`)
		if w := post(t, h.Generic(), complaint, map[string]string{bounce.SignatureHeader: bounce.SignGeneric([]byte("guess"), complaint)}); w.Code != 403 {
			t.Fatalf("forged complaint: %d %s", w.Code, w.Body)
		}
		// The same bounce again (a provider retry) is harmless.
		if w := post(t, h.SES(), f.sign(t, notification(hard), "1"), nil); w.Code != 200 {
			t.Fatalf("retried bounce: %d %s", w.Code, w.Body)
		}

		for email, want := range map[string]bool{"gone@example.com": true, "full@example.com": false, "victim@example.com": false} {
			if got, err := db.Suppressed(ctx, email); err != nil || got != want {
				t.Errorf("Suppressed(%s) = %v, %v; want %v", email, got, err, want)
			}
		}
		sup, err := db.Suppressions(ctx, masthead.SuppressionFilter{Query: "gone@"})
		if err != nil || len(sup) != 1 || sup[0].Reason != masthead.SuppressBounce || sup[0].Detail == "" {
			t.Errorf("suppression row: %+v %v", sup, err)
		}
		c, err := db.IssueCounts(ctx, is.ID)
		if err != nil || c.Bounced != 1 || c.Sent != 2 {
			t.Errorf("counts after the bounce: %+v %v", c, err)
		}
	})
}
