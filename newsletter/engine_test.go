package newsletter_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/jobs"
	"masthead/mail"
	"masthead/mail/mailtest"
	"masthead/newsletter"
	"masthead/store"
	"masthead/store/storetest"
)

var testSite = newsletter.Site{
	Name: "The Review", BaseURL: "https://review.example", From: "The Review <news@review.example>",
	Location: time.UTC, Secret: []byte("0123456789abcdef0123456789abcdef"),
}

// fastConfig makes retries and server waits short enough for tests.
func fastConfig() newsletter.Config {
	return newsletter.Config{Concurrency: 4, Batch: 50, LeaseTTL: 3 * time.Second, Poll: 50 * time.Millisecond,
		RetryBase: 20 * time.Millisecond, ServerBackoffMax: 200 * time.Millisecond}
}

// readers adds n verified readers opted in to the free newsletter, every
// third a subscriber, and returns their addresses.
func readers(t testing.TB, db *store.DB, n int, prefix string) []string {
	t.Helper()
	past := time.Now().Add(-24 * time.Hour)
	ms := make([]store.BulkMember, n)
	emails := make([]string, n)
	for i := range ms {
		emails[i] = fmt.Sprintf("%s%05d@example.com", prefix, i)
		ms[i] = store.BulkMember{Email: emails[i], Name: fmt.Sprintf("Reader %d", i), Verified: true, Created: past,
			Newsletters: map[string]bool{masthead.NewsletterFree: true}}
		if i%3 == 0 {
			ms[i].EntitledFrom = past
		}
	}
	if _, err := db.InsertMembers(context.Background(), ms, "test"); err != nil {
		t.Fatal(err)
	}
	return emails
}

// scheduleIssue creates an issue of the free newsletter due now.
func scheduleIssue(t testing.TB, db *store.DB) *masthead.Issue {
	t.Helper()
	ctx := context.Background()
	n, err := db.Newsletter(ctx, masthead.NewsletterFree)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	is, err := db.CreateIssue(ctx, &masthead.Issue{
		NewsletterID: n.ID, Subject: "This week: the long read", Status: masthead.IssueScheduled, SendAt: now,
		WindowStart: now.Add(-7 * 24 * time.Hour), WindowEnd: now,
		EditorsNote: "A note from the editor.\n\nSecond paragraph.", Radar: "The budget vote on Tuesday.",
		Articles: []masthead.IssueArticle{
			{ArticleID: 1, Slug: "daily-one", Title: "A daily piece", Kind: masthead.KindDaily, Access: masthead.AccessMetered, PublishedAt: now.Add(-time.Hour)},
			{ArticleID: 2, Slug: "long-read", Title: "The long read", Dek: "Why it matters", Authors: []string{"Ana Silva"},
				Kind: masthead.KindInDepth, Access: masthead.AccessSubscribers, PublishedAt: now.Add(-2 * time.Hour)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return is
}

func openSMTP(t testing.TB, srv *mailtest.Server, conns int, opts ...mail.Option) *mail.SMTP {
	t.Helper()
	m, err := mail.Open(srv.URL(), testSite.From, append([]mail.Option{mail.WithMaxConns(conns), mail.WithTimeout(5 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func sendAll(t testing.TB, e *newsletter.Engine, id int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done, err := e.SendIssue(ctx, id, false)
	if err != nil || !done {
		t.Fatalf("send issue %d: finished %v, %v", id, done, err)
	}
}

func TestSendMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		pub, key, _ := ed25519.GenerateKey(rand.Reader)
		m := openSMTP(t, srv, 2, mail.WithDKIM("review.example", "nl", key))
		emails := readers(t, db, 3, "r")
		n, _ := db.Newsletter(ctx, masthead.NewsletterFree)
		n.ReplyTo = "letters@review.example"
		if _, err := db.UpdateNewsletter(ctx, n); err != nil {
			t.Fatal(err)
		}
		is := scheduleIssue(t, db)
		e := newsletter.New(db, m, testSite, fastConfig())
		sendAll(t, e, is.ID)

		seen := map[string]bool{}
		for i, addr := range emails {
			msg := srv.WaitFor(t, addr, 5*time.Second)
			if msg.ContentType != "multipart/alternative" || msg.Text == "" || msg.HTML == "" {
				t.Fatalf("%s: content type %q, text %d bytes, html %d bytes", addr, msg.ContentType, len(msg.Text), len(msg.HTML))
			}
			if msg.From != "news@review.example" || msg.FromName != "The Review" || msg.Header("Reply-To") != "letters@review.example" {
				t.Errorf("%s: from %q %q, reply-to %q", addr, msg.FromName, msg.From, msg.Header("Reply-To"))
			}
			if msg.Subject != "This week: the long read" {
				t.Errorf("subject %q", msg.Subject)
			}
			id := msg.Header("Message-Id")
			if id == "" || seen[id] {
				t.Errorf("%s: Message-Id %q missing or repeated", addr, id)
			}
			seen[id] = true
			lu := msg.Header("List-Unsubscribe")
			if !strings.Contains(lu, "<https://review.example/newsletters/unsubscribe?") || !strings.Contains(lu, "<mailto:unsubscribe@review.example?subject=") {
				t.Errorf("%s: List-Unsubscribe %q", addr, lu)
			}
			if msg.Header("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
				t.Errorf("%s: List-Unsubscribe-Post %q", addr, msg.Header("List-Unsubscribe-Post"))
			}
			greeting := fmt.Sprintf("Hello Reader %d,", i)
			for _, part := range []string{msg.Text, msg.HTML} {
				for _, want := range []string{greeting, "The long read", "A daily piece", "The budget vote on Tuesday.",
					"https://review.example/articles/long-read", "https://review.example/account#newsletters", addr} {
					if !strings.Contains(part, want) {
						t.Errorf("%s: a part lacks %q", addr, want)
					}
				}
			}
			// In-depth first.
			if strings.Index(msg.Text, "The long read") > strings.Index(msg.Text, "A daily piece") {
				t.Errorf("%s: in-depth article not first", addr)
			}
			subscriber := i%3 == 0
			if got := strings.Contains(msg.HTML, "Subscribe for full access"); got == subscriber {
				t.Errorf("%s (subscriber %v): subscribe link shown = %v", addr, subscriber, got)
			}
			if got := strings.Contains(msg.Text, "Subscribers only"); got == subscriber {
				t.Errorf("%s (subscriber %v): 'Subscribers only' note = %v", addr, subscriber, got)
			}
			if err := mailtest.VerifyDKIM(msg.Raw, pub); err != nil {
				t.Errorf("%s: DKIM: %v", addr, err)
			}
			tampered := []byte(strings.Replace(string(msg.Raw), "Reader", "Raider", 1))
			if mailtest.VerifyDKIM(tampered, pub) == nil {
				t.Errorf("%s: DKIM verifies a changed message", addr)
			}
			// The unsubscribe link carries this member's token.
			link := mailtest.FirstLink(lu[strings.Index(lu, "https://"):])
			if !strings.Contains(msg.HTML, strings.ReplaceAll(link, "&", "&amp;")) || !strings.Contains(msg.Text, link) {
				t.Errorf("%s: the parts do not carry the header's unsubscribe link %s", addr, link)
			}
		}
		got, _ := db.Issue(ctx, is.ID)
		if got.Status != masthead.IssueSent || got.Counts != (masthead.DeliveryCounts{Total: 3, Sent: 3}) {
			t.Errorf("issue after send: %s %+v", got.Status, got.Counts)
		}
	})
}

func TestSendSuppressesAfterPermanentFailureAndRetriesTemporary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t, mailtest.Discard())
		emails := readers(t, db, 6, "f")
		is := scheduleIssue(t, db)
		// One worker, so the injected failures hit the first members
		// in order: r0 refused for good, r1 and r2 told to retry.
		cfg := fastConfig()
		cfg.Concurrency = 1
		srv.FailNext(1, 550)
		srv.FailNext(2, 451)
		e := newsletter.New(db, openSMTP(t, srv, 1), testSite, cfg)
		sendAll(t, e, is.ID)

		if srv.Received(emails[0]) != 0 {
			t.Error("a refused recipient received the message")
		}
		for _, a := range emails[1:] {
			if got := srv.Received(a); got != 1 {
				t.Errorf("%s received %d copies, want 1", a, got)
			}
		}
		if ok, _ := db.Suppressed(ctx, emails[0]); !ok {
			t.Error("the 5xx address is not suppressed")
		}
		ds, err := db.Deliveries(ctx, is.ID, masthead.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			switch d.Email {
			case emails[0]:
				if d.Status != masthead.DeliveryFailed || !strings.Contains(d.LastError, "550") {
					t.Errorf("refused delivery: %+v", d)
				}
			case emails[1], emails[2]:
				if d.Status != masthead.DeliverySent || d.Attempts != 2 {
					t.Errorf("retried delivery: %+v", d)
				}
			default:
				if d.Status != masthead.DeliverySent || d.Attempts != 1 {
					t.Errorf("delivery: %+v", d)
				}
			}
		}
		// The next issue skips the suppressed address.
		n, _ := db.Newsletter(ctx, masthead.NewsletterFree)
		next, _ := db.CreateIssue(ctx, &masthead.Issue{NewsletterID: n.ID, Subject: "Next", Status: masthead.IssueScheduled,
			SendAt: time.Now(), WindowStart: time.Now(), WindowEnd: time.Now().Add(time.Hour), Force: true,
			Articles: []masthead.IssueArticle{{Slug: "x", Title: "X", Kind: masthead.KindDaily}}})
		sendAll(t, e, next.ID)
		if c, _ := db.IssueCounts(ctx, next.ID); c.Total != 5 || c.Sent != 5 {
			t.Errorf("next issue counts %+v, want 5 sent", c)
		}
	})
}

func TestSendWaitsOutServerDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := mailtest.Start(t, mailtest.Discard())
		emails := readers(t, db, 300, "d")
		is := scheduleIssue(t, db)
		e := newsletter.New(db, openSMTP(t, srv, 4), testSite, fastConfig())
		srv.SetDown(true)
		done := make(chan error, 1)
		go func() {
			_, err := e.SendIssue(context.Background(), is.ID, false)
			done <- err
		}()
		time.Sleep(700 * time.Millisecond)
		srv.SetDown(false)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		for _, a := range emails {
			if got := srv.Received(a); got != 1 {
				t.Fatalf("%s received %d copies, want exactly 1", a, got)
			}
		}
		c, _ := db.IssueCounts(context.Background(), is.ID)
		if c.Sent != 300 {
			t.Errorf("counts %+v", c)
		}
	})
}

func TestSendPausesWhenServerRefusesAuthentication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t, mailtest.Discard(), mailtest.WithSTARTTLS(), mailtest.WithAuth("news", "right"))
		readers(t, db, 20, "a")
		is := scheduleIssue(t, db)
		url := strings.Replace(srv.URL(), "news:right@", "news:wrong@", 1)
		m, err := mail.Open(url, testSite.From, mail.WithMaxConns(2))
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		e := newsletter.New(db, m, testSite, fastConfig())
		_, err = e.SendIssue(ctx, is.ID, false)
		if err == nil {
			t.Fatal("send with refused authentication succeeded")
		}
		got, _ := db.Issue(ctx, is.ID)
		if got.Status != masthead.IssuePaused || !strings.Contains(got.StatusNote, "SMTP server refuses") {
			t.Errorf("issue %s, note %q", got.Status, got.StatusNote)
		}
		if got.Counts.Queued != 20 || srv.Total() != 0 {
			t.Errorf("counts %+v, received %d: nothing may be lost or sent", got.Counts, srv.Total())
		}
	})
}

// TestTwoSendersOneDatabase runs two engines, as two instances would, on
// one PostgreSQL database: each recipient gets exactly one message.
func TestTwoSendersOneDatabase(t *testing.T) {
	db := storetest.Open(t, "postgres", store.Options{})
	srv := mailtest.Start(t, mailtest.Discard())
	emails := readers(t, db, 1500, "two")
	is := scheduleIssue(t, db)
	// Three instances' workers, each with its engine, share the queue:
	// one of them runs the issue's send job.
	var pools []*jobs.Pool
	for range 3 {
		e := newsletter.New(db, openSMTP(t, srv, 4), testSite, fastConfig())
		p := jobs.New(db, jobs.Config{Poll: 20 * time.Millisecond})
		p.Handle(masthead.JobNewsletterSend, e.RunSend)
		p.Start()
		pools = append(pools, p)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := db.Issue(context.Background(), is.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == masthead.IssueSent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not sent in time: %+v", got.Counts)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, p := range pools {
		if err := p.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	js, err := db.Jobs(context.Background(), masthead.JobFilter{})
	if err != nil || len(js) != 1 || js[0].State != masthead.JobDone || js[0].Attempts != 1 {
		t.Fatalf("the send's job: %+v %v", js, err)
	}
	for _, a := range emails {
		if got := srv.Received(a); got != 1 {
			t.Fatalf("%s received %d copies, want exactly 1", a, got)
		}
	}
}

// TestPauseAndResume: a paused issue stops within moments, sends nothing
// more, and once resumed finishes with every recipient served once.
func TestPauseAndResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t, mailtest.Discard())
		emails := readers(t, db, 400, "p")
		is := scheduleIssue(t, db)
		cfg := fastConfig()
		cfg.Rate = 200
		e := newsletter.New(db, openSMTP(t, srv, 4), testSite, cfg)
		done := make(chan error, 1)
		go func() {
			_, err := e.SendIssue(ctx, is.ID, false)
			done <- err
		}()
		for srv.Total() < 50 {
			time.Sleep(5 * time.Millisecond)
		}
		if _, err := db.SetIssueStatus(ctx, is.ID, masthead.IssueStatusChange{To: masthead.IssuePaused, Note: "editor"}); err != nil {
			t.Fatal(err)
		}
		if err := <-done; !errors.Is(err, newsletter.ErrStopped) {
			t.Fatalf("paused send returned %v", err)
		}
		atPause := srv.Total()
		time.Sleep(200 * time.Millisecond)
		if srv.Total() != atPause || atPause >= len(emails) {
			t.Fatalf("sent %d after the pause stopped at %d", srv.Total(), atPause)
		}
		if _, err := db.SetIssueStatus(ctx, is.ID, masthead.IssueStatusChange{To: masthead.IssueSending}); err != nil {
			t.Fatal(err)
		}
		e2 := newsletter.New(db, openSMTP(t, srv, 4), testSite, fastConfig())
		sendAll(t, e2, is.ID)
		for _, a := range emails {
			if got := srv.Received(a); got != 1 {
				t.Fatalf("%s received %d copies", a, got)
			}
		}
	})
}

// TestSendNamesSiteFromSettings: a send names the publication as the
// site settings in force do, saved by any instance: in the parts, and in
// the sender when it was made from the site's name.
func TestSendNamesSiteFromSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		m := openSMTP(t, srv, 2)
		emails := readers(t, db, 1, "s")
		if _, err := db.SaveSettings(ctx, masthead.SiteSettings{Name: "The Harbour Gazette"}, 0); err != nil {
			t.Fatal(err)
		}
		is := scheduleIssue(t, db)
		site := testSite
		site.NamedFrom = true
		sendAll(t, newsletter.New(db, m, site, fastConfig()), is.ID)
		msg := srv.WaitFor(t, emails[0], 5*time.Second)
		if msg.FromName != "The Harbour Gazette" || msg.From != "news@review.example" {
			t.Errorf("from %q %q", msg.FromName, msg.From)
		}
		for _, part := range []string{msg.Text, msg.HTML} {
			if !strings.Contains(part, "The Harbour Gazette") || strings.Contains(part, "The Review") {
				t.Errorf("a part does not name the site as the settings do:\n%s", part)
			}
		}
	})
}
