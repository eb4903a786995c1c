package newsletter_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	"masthead/jobs"
	"masthead/mail/mailtest"
	"masthead/newsletter"
	"masthead/store"
	"masthead/store/storetest"
)

// TestAlertsOneEmailPerReaderExactlyOnce: two articles going live in one
// slot reach each follower in one email, however many of their follows
// match, through the engine's deliveries and a real SMTP server; a
// retried compose and a rerun send add nothing; unverified readers get
// none; stopping one alert or all of them stops the next.
func TestAlertsOneEmailPerReaderExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		emails := readers(t, db, 4, "alert")
		ana, ben, dee, quiet := emails[0], emails[1], emails[2], emails[3]
		if _, err := db.EnsureMember(ctx, "unverified@example.com", masthead.RoleNone); err != nil {
			t.Fatal(err)
		}
		art := func(slug string, status masthead.Status) {
			t.Helper()
			_, err := db.CreateArticle(ctx, masthead.ArticleInput{Slug: slug, Title: "Title " + slug, BodyMarkdown: "Body.",
				AuthorSlugs: []string{"ana-silva"}, TopicSlugs: []string{"energy"}, RegionSlugs: []string{"europe"},
				Kind: masthead.KindDaily, Access: masthead.AccessMetered, Status: status})
			if err != nil {
				t.Fatal(err)
			}
		}
		art("seed", masthead.StatusDraft) // names the topic and region
		now := time.Now()
		for _, f := range []struct {
			who  []string
			kind masthead.FollowKind
			slug string
			mode masthead.AlertMode
		}{
			{[]string{ana, "unverified@example.com"}, masthead.FollowTopic, "energy", masthead.AlertInstant},
			{[]string{ana, ben}, masthead.FollowRegion, "europe", masthead.AlertInstant},
			{[]string{dee}, masthead.FollowTopic, "energy", masthead.AlertDaily},
			{[]string{quiet}, masthead.FollowTopic, "energy", masthead.AlertOff},
		} {
			if err := db.FollowAll(ctx, f.who, f.kind, f.slug, f.mode, now); err != nil {
				t.Fatal(err)
			}
		}

		clk := clocktest.New(time.Now())
		cfg := fastConfig()
		cfg.Clock = clk
		e := newsletter.New(db, openSMTP(t, srv, 2), testSite, cfg)
		p := jobs.New(db, jobs.Config{Clock: clk})
		p.Handle(masthead.JobAlerts, e.RunAlerts)
		p.Handle(masthead.JobNewsletterSend, e.RunSend)
		// runInstant runs the pending instant alert job and the send it
		// enqueues.
		runInstant := func() masthead.Job {
			t.Helper()
			js, err := db.Jobs(ctx, masthead.JobFilter{Kind: masthead.JobAlerts, State: masthead.JobPending})
			if err != nil {
				t.Fatal(err)
			}
			var j masthead.Job
			for _, c := range js {
				if strings.HasPrefix(c.Key, "instant ") {
					j = c
				}
			}
			if j.ID == 0 {
				t.Fatalf("no pending instant alert job among %+v", js)
			}
			clk.Set(j.RunAt.Add(time.Second))
			if _, err := p.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			return j
		}

		art("first", masthead.StatusPublished)
		art("second", masthead.StatusPublished)
		j := runInstant()
		if srv.Received(ana) != 1 || srv.Received(ben) != 1 {
			t.Fatalf("ana got %d, ben %d, want one each", srv.Received(ana), srv.Received(ben))
		}
		for _, none := range []string{dee, quiet, "unverified@example.com"} {
			if n := srv.Received(none); n != 0 {
				t.Errorf("%s got %d alerts", none, n)
			}
		}
		var msg mailtest.Message
		for _, m := range srv.Messages() {
			if m.To == ana {
				msg = m
			}
		}
		for _, want := range []string{"Title first", "Title second", "f=topic%3Aenergy", "f=region%3Aeurope", "Stop all alerts"} {
			if !strings.Contains(msg.Text, want) {
				t.Errorf("ana's alert lacks %q:\n%s", want, msg.Text)
			}
		}
		if lu := msg.Headers["List-Unsubscribe"]; len(lu) == 0 || !strings.Contains(lu[0], "/newsletters/unsubscribe?t=") {
			t.Errorf("List-Unsubscribe = %v", lu)
		}

		// A retried compose finds the slot told; a rerun adds nothing.
		if err := e.RunAlerts(ctx, j); err != nil {
			t.Fatal(err)
		}
		if _, err := p.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if srv.Received(ana) != 1 || srv.Received(ben) != 1 {
			t.Fatalf("after a retry: ana %d, ben %d", srv.Received(ana), srv.Received(ben))
		}

		// Ana stops all alerts (her List-Unsubscribe link); Ben stops
		// Europe's. The next article tells neither.
		m, err := db.MemberByEmail(ctx, ana)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetNewsletterChoice(ctx, m.ID, masthead.NewsletterAlerts, false, "Unsubscribed.", clk.Now()); err != nil {
			t.Fatal(err)
		}
		art("third", masthead.StatusPublished)
		runInstant()
		if srv.Received(ana) != 1 || srv.Received(ben) != 2 {
			t.Errorf("after ana unsubscribed: ana %d, ben %d; want 1 and 2", srv.Received(ana), srv.Received(ben))
		}
		b, err := db.MemberByEmail(ctx, ben)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.StopAlert(ctx, b.ID, masthead.FollowRegion, "europe"); err != nil {
			t.Fatal(err)
		}
		art("fourth", masthead.StatusPublished)
		clk.Set(clk.Now().Add(10 * time.Minute))
		runInstant()
		if srv.Received(ben) != 2 {
			t.Errorf("after ben stopped Europe's alerts he got %d, want 2", srv.Received(ben))
		}
	})
}
