package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

func mustEndpoint(t *testing.T, db *store.DB, url string, events ...masthead.WebhookEventType) *masthead.WebhookEndpoint {
	t.Helper()
	e, err := db.CreateWebhookEndpoint(context.Background(), masthead.WebhookEndpointInput{URL: url, Events: events}, "whsec_test")
	if err != nil {
		t.Fatalf("create endpoint: %v", err)
	}
	return e
}

// claimed is a delivery's job claimed from the queue, with what sending
// it needs.
type claimed struct {
	masthead.WebhookJob
	job masthead.Job
}

// claimAll claims every webhook-delivery job due at now under a minute's
// lease, as a worker would, and returns the deliveries.
func claimAll(t *testing.T, db *store.DB, now time.Time) []claimed {
	t.Helper()
	ctx := context.Background()
	jobs, err := db.ClaimJobs(ctx, "test", []string{masthead.JobWebhookDelivery}, now, time.Minute, 100)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	var out []claimed
	for _, j := range jobs {
		var p masthead.WebhookDeliveryPayload
		if err := j.Decode(&p); err != nil {
			t.Fatal(err)
		}
		w, err := db.WebhookJob(ctx, p.DeliveryID)
		if err != nil {
			t.Fatalf("delivery of job %d: %v", j.ID, err)
		}
		out = append(out, claimed{w, j})
	}
	return out
}

func TestWebhookEventsRecorded(t *testing.T) {
	clock := &fixedClock{t0}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.t = t0
		ctx := context.Background()

		// With no endpoint, changes record nothing.
		mustCreate(t, db, masthead.ArticleInput{Title: "Before any endpoint", Slug: "before", Status: masthead.StatusPublished})
		all := mustEndpoint(t, db, "https://hooks.example.com/all", masthead.WebhookEventTypes...)
		articles := mustEndpoint(t, db, "https://hooks.example.com/articles", masthead.EventArticlePublished)
		off := mustEndpoint(t, db, "https://hooks.example.com/off", masthead.WebhookEventTypes...)
		if err := db.SetWebhookEndpointActive(ctx, off.ID, false); err != nil {
			t.Fatal(err)
		}

		draft := mustCreate(t, db, masthead.ArticleInput{Title: "A draft", Slug: "a-draft"})
		in := masthead.ArticleInput{Title: "A draft", Slug: "a-draft", Status: masthead.StatusPublished}
		if _, err := db.UpdateArticle(ctx, draft.ID, in); err != nil { // published
			t.Fatal(err)
		}
		in.Title = "A draft, revised"
		if _, err := db.UpdateArticle(ctx, draft.ID, in); err != nil { // updated
			t.Fatal(err)
		}
		later := mustCreate(t, db, masthead.ArticleInput{Title: "Later", Slug: "later", Status: masthead.StatusScheduled,
			PublishedAt: t0.Add(time.Hour)})
		m, err := db.EnsureMember(ctx, "new@example.com", masthead.RoleNone)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.EnsureMember(ctx, "new@example.com", masthead.RoleNone); err != nil { // not new
			t.Fatal(err)
		}
		s := masthead.Subscription{ID: "sub_W", MemberID: m.ID, CustomerID: "cus_W", Status: masthead.StatusActive,
			StartedAt: t0, PeriodStart: t0, PeriodEnd: t0.AddDate(0, 1, 0), Version: t0}
		if ok, err := db.SyncSubscription(ctx, s, 24*time.Hour); err != nil || !ok {
			t.Fatalf("sync: %v %v", ok, err)
		}
		clock.t = t0.Add(2 * time.Hour)
		if ok, err := db.PublishScheduled(ctx, later.ID, t0.Add(time.Hour)); err != nil || !ok {
			t.Fatalf("publish scheduled: %v %v", ok, err)
		}

		got := map[int64][]string{}
		data := map[string]map[string]any{}
		for _, j := range claimAll(t, db, clock.t) {
			got[j.EndpointID] = append(got[j.EndpointID], string(j.EventType))
			var d map[string]any
			if err := json.Unmarshal(j.Data, &d); err != nil {
				t.Fatalf("event data %s: %v", j.Data, err)
			}
			data[string(j.EventType)+"/"+jsonString(d["slug"])] = d
			if j.Secret != "whsec_test" {
				t.Errorf("job secret %q", j.Secret)
			}
		}
		wantAll := []string{"article.published", "article.updated", "member.created", "subscription.changed", "article.published"}
		if !sameMultiset(got[all.ID], wantAll) {
			t.Errorf("all events endpoint got %v, want %v", got[all.ID], wantAll)
		}
		if !sameMultiset(got[articles.ID], []string{"article.published", "article.published"}) {
			t.Errorf("articles endpoint got %v", got[articles.ID])
		}
		if len(got[off.ID]) != 0 {
			t.Errorf("inactive endpoint got %v", got[off.ID])
		}
		if d := data["article.updated/a-draft"]; d == nil || d["title"] != "A draft, revised" || d["path"] != "/articles/a-draft" {
			t.Errorf("article.updated data: %v", d)
		}
		if d := data["article.published/later"]; d == nil || d["status"] != "published" {
			t.Errorf("promoted article data: %v", d)
		}
		if d := data["subscription.changed/"]; d == nil || d["status"] != "active" || d["access_until"] == nil {
			t.Errorf("subscription data: %v", d)
		}
		// One job per delivery, leased: a second claim finds none; once
		// the lease passes, the unfinished ones are due again.
		if again := claimAll(t, db, clock.t); len(again) != 0 {
			t.Errorf("claimed twice: %d", len(again))
		}
		if again := claimAll(t, db, clock.t.Add(2*time.Minute)); len(again) != 7 {
			t.Errorf("after the lease: %d due, want 7", len(again))
		}
	})
}

func TestWebhookAttemptsAndRedelivery(t *testing.T) {
	clock := &fixedClock{t0}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.t = t0
		ctx := context.Background()
		e := mustEndpoint(t, db, "http://127.0.0.1:9/hook", masthead.EventMemberCreated)
		if _, err := db.EnsureMember(ctx, "a@example.com", masthead.RoleNone); err != nil {
			t.Fatal(err)
		}
		jobs := claimAll(t, db, t0)
		if len(jobs) != 1 || jobs[0].job.Attempts != 1 || jobs[0].Status != masthead.WebhookPending {
			t.Fatalf("jobs: %+v", jobs)
		}
		id := jobs[0].DeliveryID
		fail := masthead.WebhookAttempt{DeliveryID: id, At: t0, Code: 503, Error: "endpoint answered 503", Duration: 3 * time.Millisecond}
		if err := db.FinishWebhookAttempt(ctx, fail, masthead.WebhookPending, t0.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := db.FailJob(ctx, jobs[0].job.ID, "test", fail.Error, t0.Add(30*time.Second), false); err != nil {
			t.Fatal(err)
		}
		if j := claimAll(t, db, t0.Add(29*time.Second)); len(j) != 0 {
			t.Fatalf("due before its backoff: %+v", j)
		}
		jobs = claimAll(t, db, t0.Add(30*time.Second))
		if len(jobs) != 1 || jobs[0].job.Attempts != 2 {
			t.Fatalf("retry: %+v", jobs)
		}
		fail.At = t0.Add(30 * time.Second)
		if err := db.FinishWebhookAttempt(ctx, fail, masthead.WebhookFailed, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if err := db.FailJob(ctx, jobs[0].job.ID, "test", fail.Error, t0.Add(time.Minute), true); err != nil {
			t.Fatal(err)
		}
		if j := claimAll(t, db, t0.Add(48*time.Hour)); len(j) != 0 {
			t.Fatalf("failed delivery claimed: %+v", j)
		}
		list, total, err := db.WebhookDeliveries(ctx, e.ID, 10, 0)
		if err != nil || total != 1 || len(list) != 1 {
			t.Fatalf("deliveries: %v %d %v", list, total, err)
		}
		d := list[0]
		if d.Status != masthead.WebhookFailed || d.Attempts != 2 || d.LastCode != 503 || d.EventType != masthead.EventMemberCreated {
			t.Fatalf("delivery: %+v", d)
		}
		eps, err := db.WebhookEndpoints(ctx)
		if err != nil || len(eps) != 1 || eps[0].Failed != 1 || eps[0].Pending != 0 {
			t.Fatalf("endpoints: %+v %v", eps, err)
		}

		// Redelivery starts a fresh round, now.
		clock.t = t0.Add(time.Hour)
		if err := db.RedeliverWebhook(ctx, e.ID+1, id); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Fatalf("redeliver through another endpoint: %v", err)
		}
		if err := db.RedeliverWebhook(ctx, e.ID, id); err != nil {
			t.Fatal(err)
		}
		jobs = claimAll(t, db, clock.t)
		if len(jobs) != 1 || jobs[0].job.Attempts != 1 || jobs[0].DeliveryID != id {
			t.Fatalf("redelivered: %+v", jobs)
		}
		if c, err := db.JobCounts(ctx); err != nil || c[masthead.JobFailed] != 0 || c[masthead.JobDiscarded] != 1 {
			t.Errorf("the failed job is not discarded for the redelivery's: %v %v", c, err)
		}
		if err := db.RedeliverWebhook(ctx, e.ID, id); err != nil { // pending, with its job: nothing more
			t.Fatal(err)
		}
		if c, _ := db.JobCounts(ctx); c[masthead.JobRunning] != 1 || c[masthead.JobPending] != 0 {
			t.Errorf("a second redelivery of a pending delivery: %v", c)
		}
		ok := masthead.WebhookAttempt{DeliveryID: id, At: clock.t, Code: 204}
		if err := db.FinishWebhookAttempt(ctx, ok, masthead.WebhookDelivered, time.Time{}); err != nil {
			t.Fatal(err)
		}
		d, attempts, data, err := db.WebhookDelivery(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != masthead.WebhookDelivered || d.Attempts != 3 || len(attempts) != 3 {
			t.Fatalf("after redelivery: %+v, %d attempts", d, len(attempts))
		}
		if attempts[0].Code != 503 || attempts[0].Duration != 3*time.Millisecond || attempts[2].Code != 204 || !attempts[1].At.Equal(t0.Add(30*time.Second)) {
			t.Errorf("attempts: %+v", attempts)
		}
		if !json.Valid(data) {
			t.Errorf("event data %q", data)
		}

		if err := db.DeleteWebhookEndpoint(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.WebhookEndpoint(ctx, e.ID); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Fatalf("deleted endpoint: %v", err)
		}
		if _, _, _, err := db.WebhookDelivery(ctx, id); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Fatalf("delivery of a deleted endpoint: %v", err)
		}
	})
}

func TestWebhookEndpointValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, url := range []string{"", "ftp://example.com/x", "javascript:alert(1)", "file:///etc/passwd", "https://", "example.com/hook", "https://u:p@example.com/"} {
			_, err := db.CreateWebhookEndpoint(context.Background(),
				masthead.WebhookEndpointInput{URL: url, Events: []masthead.WebhookEventType{masthead.EventMemberCreated}}, "s")
			if masthead.ErrorFields(err)["url"] == "" {
				t.Errorf("URL %q: %v, want a message on url", url, err)
			}
		}
		_, err := db.CreateWebhookEndpoint(context.Background(), masthead.WebhookEndpointInput{URL: "https://example.com/"}, "s")
		if masthead.ErrorFields(err)["events"] == "" {
			t.Errorf("no events: %v", err)
		}
		_, err = db.CreateWebhookEndpoint(context.Background(), masthead.WebhookEndpointInput{URL: "https://example.com/",
			Events: []masthead.WebhookEventType{"article.deleted"}}, "s")
		if masthead.ErrorFields(err)["events"] == "" {
			t.Errorf("unknown event: %v", err)
		}
		if eps, _ := db.WebhookEndpoints(context.Background()); len(eps) != 0 {
			t.Errorf("refused endpoints were stored: %v", eps)
		}
	})
}

func jsonString(v any) string {
	s, _ := v.(string)
	return s
}

func sameMultiset(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	n := map[string]int{}
	for _, s := range a {
		n[s]++
	}
	for _, s := range b {
		n[s]--
	}
	for _, v := range n {
		if v != 0 {
			return false
		}
	}
	return true
}
