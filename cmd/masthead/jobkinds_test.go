package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/billing"
	"masthead/billing/billingtest"
	"masthead/jobs"
	"masthead/mail"
	"masthead/mail/mailtest"
	"masthead/metrics"
	"masthead/newsletter"
	"masthead/store"
	"masthead/store/storetest"
	"masthead/webhooks"
)

// jobInstance is one of the test's "instances": a database handle of its
// own and a pool with serve's handlers.
type jobInstance struct {
	db   *store.DB
	pool *jobs.Pool
	e    *newsletter.Engine
}

// startJobInstances opens n handles on dsn, each with a started pool that
// has the handlers serve gives it (scheduled articles, webhooks,
// newsletters, the periodic upkeep), sending mail to srv.
func startJobInstances(t *testing.T, dsn string, n int, srv *mailtest.Server) []*jobInstance {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	clock := masthead.SystemClock{}
	loopback, err := masthead.ParseRanges("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	var out []*jobInstance
	for i := range n {
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		m, err := mail.Open(srv.URL(), "The Review <news@review.example>", mail.WithMaxConns(4), mail.WithTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		secret, err := db.NewsletterSecret(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e := newsletter.New(db, m, newsletter.Site{Name: "The Review", BaseURL: "https://review.example",
			From: "The Review <news@review.example>", Location: time.UTC, Secret: secret}, newsletter.Config{Concurrency: 4})
		p := jobs.New(db, jobs.Config{Workers: 4, Poll: 20 * time.Millisecond, Name: fmt.Sprint("jobInstance-", i), Logger: log})
		handlePeriodic(p, db, clock, 90*24*time.Hour, log)
		handleScheduled(p, db, log)
		handleRelated(p, db, clock, log)
		handleWebhooks(p, db, masthead.WebhookNetworks{Allow: loopback}, clock, metrics.New())
		handleNewsletters(p, &Config{}, e, true)
		p.Start()
		t.Cleanup(func() { e.Stop(); p.Stop(context.Background()) })
		out = append(out, &jobInstance{db: db, pool: p, e: e})
	}
	return out
}

// TestJobKindsRunOnceOnThreeInstances: three instances share one
// database (PostgreSQL, and SQLite's one file); a scheduled article is
// published once, at its time; each webhook delivery reaches its
// receiver once; a newsletter slot is composed once, however often each
// jobInstance schedules it; an issue due now reaches each recipient once.
func TestJobKindsRunOnceOnThreeInstances(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			srv := mailtest.Start(t, mailtest.Discard())
			insts := startJobInstances(t, dsn, 3, srv)
			db := insts[0].db

			var mu sync.Mutex
			hits := map[string]int{} // by X-Masthead-Delivery
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				mu.Lock()
				hits[r.Header.Get(webhooks.HeaderDelivery)]++
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			defer rcv.Close()
			if _, err := db.CreateWebhookEndpoint(ctx, masthead.WebhookEndpointInput{URL: rcv.URL,
				Events: []masthead.WebhookEventType{masthead.EventArticlePublished, masthead.EventMemberCreated}}, webhooks.NewSecret()); err != nil {
				t.Fatal(err)
			}

			// Readers of the free newsletter (each a member.created
			// delivery too) and an issue due now.
			const readers = 60
			for i := range readers {
				if _, err := db.EnsureMember(ctx, fmt.Sprintf("reader%02d@example.com", i), masthead.RoleNone); err != nil {
					t.Fatal(err)
				}
			}
			ms := make([]store.BulkMember, readers)
			for i := range ms {
				ms[i] = store.BulkMember{Email: fmt.Sprintf("subscriber%02d@example.com", i), Verified: true,
					Created: time.Now().Add(-time.Hour), Newsletters: map[string]bool{masthead.NewsletterFree: true}}
			}
			if _, err := db.InsertMembers(ctx, ms, "test"); err != nil {
				t.Fatal(err)
			}
			free, err := db.Newsletter(ctx, masthead.NewsletterFree)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			is, err := db.CreateIssue(ctx, &masthead.Issue{NewsletterID: free.ID, Subject: "Once each", Status: masthead.IssueScheduled,
				SendAt: now, WindowStart: now.Add(-7 * 24 * time.Hour), WindowEnd: now, EditorsNote: "Hello.", Force: true})
			if err != nil {
				t.Fatal(err)
			}

			// An article due in a moment.
			at := time.Now().Add(time.Second)
			a, err := db.CreateArticle(ctx, masthead.ArticleInput{Title: "Due soon", Slug: "due-soon", Status: masthead.StatusScheduled,
				PublishedAt: at, BodyMarkdown: "Now."})
			if err != nil {
				t.Fatal(err)
			}

			// Every jobInstance schedules the weekly newsletter's slots, twice.
			weekly, err := db.Newsletter(ctx, masthead.NewsletterWeekly)
			if err != nil {
				t.Fatal(err)
			}
			weekly.DraftLead = 7 * 24 * time.Hour // its next slot is due to be composed now
			if _, err := db.UpdateNewsletter(ctx, weekly); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				for _, in := range insts {
					scheduleNewsletters(ctx, in.db, in.e, in.pool, masthead.SystemClock{}, slog.New(slog.DiscardHandler))
				}
			}

			// Done: every job due by now has run (the composed weekly
			// issues' sends wait for their slots).
			waiting := func() []masthead.Job {
				js, err := db.Jobs(ctx, masthead.JobFilter{Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				var out []masthead.Job
				for _, j := range js {
					if j.State == masthead.JobRunning || (j.State == masthead.JobPending && !j.RunAt.After(time.Now())) {
						out = append(out, j)
					}
				}
				return out
			}
			if !waitFor(60*time.Second, func() bool {
				got, _ := db.ArticleByID(ctx, a.ID)
				return len(waiting()) == 0 && got != nil && got.Status == masthead.StatusPublished
			}) {
				t.Fatalf("jobs not done within a minute: %+v", waiting())
			}
			js, err := db.Jobs(ctx, masthead.JobFilter{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			kinds, keys := map[string]int{}, map[string]int{}
			for _, j := range js {
				kinds[j.Kind]++
				keys[j.Kind+" "+j.Key]++
				if j.State != masthead.JobDone && !(j.Kind == masthead.JobNewsletterSend && j.State == masthead.JobPending) {
					t.Errorf("%s job %q: %s (%s)", j.Kind, j.Key, j.State, j.LastError)
				}
			}
			for k, n := range keys {
				if n != 1 {
					t.Errorf("%d jobs of %s", n, k)
				}
			}
			for _, k := range []string{masthead.JobPublishScheduled, masthead.JobWebhookDelivery, masthead.JobNewsletterCompose, masthead.JobNewsletterSend} {
				if kinds[k] == 0 {
					t.Errorf("no %s job ran: %v", k, kinds)
				}
			}

			// The article: published once, by its job, not before its time.
			h, err := db.ArticleHistory(ctx, a.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if n := countVia(h, masthead.ChangeViaSchedule); n != 1 {
				t.Errorf("%d schedule entries in the history, want 1", n)
			}
			for _, j := range js {
				if j.Kind == masthead.JobPublishScheduled && j.UpdatedAt.Before(at) {
					t.Errorf("published at %s, before its time %s", j.UpdatedAt, at)
				}
			}

			// The webhooks: every delivery reached the receiver once.
			mu.Lock()
			for id, n := range hits {
				if n != 1 {
					t.Errorf("delivery %s arrived %d times", id, n)
				}
			}
			deliveries := len(hits)
			mu.Unlock()
			if want := readers + 1; deliveries != want || kinds[masthead.JobWebhookDelivery] != want {
				t.Errorf("%d deliveries arrived by %d jobs, want %d (one per member and one for the article)", deliveries,
					kinds[masthead.JobWebhookDelivery], want)
			}

			// The newsletter: the weekly slot composed once; the issue
			// sent, once to each recipient.
			weeklySlots := 0
			for _, j := range js {
				if j.Kind == masthead.JobNewsletterCompose && strings.HasPrefix(j.Key, weekly.Slug+" ") {
					weeklySlots++
				}
			}
			ws, err := db.Issues(ctx, masthead.IssueFilter{NewsletterID: &weekly.ID})
			if err != nil || len(ws) == 0 || len(ws) != weeklySlots {
				t.Errorf("weekly issues: %d %v, want one per slot's compose job (%d)", len(ws), err, weeklySlots)
			}
			sent, err := db.Issue(ctx, is.ID)
			if err != nil || sent.Status != masthead.IssueSent {
				t.Fatalf("issue: %+v %v", sent, err)
			}
			for _, m := range ms {
				if n := srv.Received(m.Email); n != 1 {
					t.Errorf("%s got the issue %d times", m.Email, n)
				}
			}
			t.Logf("%s: jobs by kind %v; the issue to %d recipients", engine, kinds, sent.Counts.Sent)
		})
	}
}

func countVia(h []masthead.ArticleChange, via string) int {
	n := 0
	for _, c := range h {
		if c.Via == via {
			n++
		}
	}
	return n
}

// TestBillingSyncAndReindexJobsRunOnce: three instances schedule the
// day's billing sync and each asks for a reindex; one job of each runs,
// once. The sync stores the subscription stripe-mock lists; the reindex,
// run in steps that each leave its place in the job, rebuilds an index
// that had been cleared.
func TestBillingSyncAndReindexJobsRunOnce(t *testing.T) {
	mock := billingtest.StripeMock(t)
	defer func(d time.Duration) { reindexStep = d }(reindexStep)
	reindexStep = 0 // one batch a run: the reindex resumes from its checkpoint
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			log := slog.New(slog.DiscardHandler)
			client, err := billing.New(billing.Config{SecretKey: "sk_test_1", WebhookSecret: "whsec_1", APIURL: mock})
			if err != nil {
				t.Fatal(err)
			}
			var customer string
			if err := client.Subscriptions(ctx, time.Now(), func(s masthead.Subscription) error {
				customer = s.CustomerID
				return nil
			}); err != nil || customer == "" {
				t.Fatalf("stripe-mock subscriptions: customer %q, %v", customer, err)
			}
			var dbs []*store.DB
			var pools []*jobs.Pool
			for i := range 3 {
				db, err := store.Open(ctx, dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				p := jobs.New(db, jobs.Config{Name: fmt.Sprint("instance-", i), Logger: log})
				handleBillingSync(p, client, db, 7*24*time.Hour, log)
				handleReindex(p, db, log)
				dbs, pools = append(dbs, db), append(pools, p)
			}
			db := dbs[0]
			m, err := db.EnsureMember(ctx, "synced@example.com", masthead.RoleNone)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.SetBillingCustomer(ctx, m.ID, customer); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateArticle(ctx, masthead.ArticleInput{Title: "Glacier retreats", Slug: "glacier",
				Status: masthead.StatusPublished, BodyMarkdown: "Meltwater."}); err != nil {
				t.Fatal(err)
			}
			if err := db.ClearSearchIndex(ctx); err != nil {
				t.Fatal(err)
			}
			find := func() int {
				res, err := db.Search(ctx, masthead.SearchQuery{Text: "glacier", Now: time.Now()})
				if err != nil {
					t.Fatal(err)
				}
				return len(res.Hits)
			}
			if n := find(); n != 0 {
				t.Fatalf("%d hits in the cleared index", n)
			}

			for range 2 {
				for i, p := range pools {
					schedulePeriodic(ctx, dbs[i], p, periodicJobs(true), masthead.SystemClock{}, log)
					if err := dbs[i].EnqueueJob(ctx, masthead.ReindexJob()); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, p := range pools {
				if _, err := p.RunDue(ctx); err != nil {
					t.Fatal(err)
				}
			}
			js, err := db.Jobs(ctx, masthead.JobFilter{})
			if err != nil {
				t.Fatal(err)
			}
			ran := map[string]int{}
			for _, j := range js {
				switch j.Kind {
				case masthead.JobBillingSync, masthead.JobReindex:
					ran[j.Kind]++
					if j.State != masthead.JobDone || j.Attempts != 1 {
						t.Errorf("%s job: %s after %d attempts (%s)", j.Kind, j.State, j.Attempts, j.LastError)
					}
				}
			}
			if ran[masthead.JobBillingSync] != 1 || ran[masthead.JobReindex] != 1 {
				t.Errorf("jobs: %v, want one billing-sync and one reindex", ran)
			}
			subs, err := db.MemberSubscriptions(ctx, m.ID)
			if err != nil || len(subs) != 1 {
				t.Errorf("after the sync job the member has subscriptions %+v, %v", subs, err)
			}
			if n := find(); n != 1 {
				t.Errorf("%d hits after the reindex job, want 1", n)
			}
			if built, err := db.SearchIndexBuilt(ctx); err != nil || !built {
				t.Errorf("index built: %v %v", built, err)
			}
		})
	}
}
