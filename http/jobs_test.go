package http_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"masthead"
)

// TestRegistrationEmailWaitsOutSMTPOutage: with the mail server down, a
// registration still answers at once; its sign-in email stays queued with
// the error, and goes out after the backoff once the server is back.
func TestRegistrationEmailWaitsOutSMTPOutage(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		rs.smtp.SetDown(true)
		res, _, _ := rs.register(t, "patient@example.com", "metered-feature", nil, nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("registration: %d", res.StatusCode)
		}
		settle(rs)
		pending, err := rs.db.Jobs(ctx, masthead.JobFilter{State: masthead.JobPending, Kind: masthead.JobSignInEmail})
		if err != nil || len(pending) != 1 || pending[0].Attempts != 1 || pending[0].LastError == "" {
			t.Fatalf("queued after a failed attempt: %+v %v", pending, err)
		}
		if n := rs.smtp.Received("patient@example.com"); n != 0 {
			t.Fatalf("%d emails while the server was down", n)
		}

		rs.smtp.SetDown(false)
		settle(rs)
		if n := rs.smtp.Received("patient@example.com"); n != 0 {
			t.Fatalf("retried before its backoff: %d emails", n)
		}
		rs.clock.Advance(time.Minute)
		settle(rs)
		signInLink(t, rs, "patient@example.com")
		done, err := rs.db.Jobs(ctx, masthead.JobFilter{State: masthead.JobDone, Kind: masthead.JobSignInEmail})
		if err != nil || len(done) != 1 || string(done[0].Payload) != "{}" {
			t.Fatalf("done jobs: %+v %v", done, err)
		}
	})
}

// TestQueuedEmailsHoldNoSignInToken: the sign-in email's job names the
// address and the way back, never a token.
func TestQueuedEmailsHoldNoSignInToken(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		rs.verified(t, "known@example.com")
		rs.jobs.Stop(ctx) // the test runs the jobs itself below
		rs.send(t, req{url: "/login", form: url.Values{"email": {"known@example.com"}, "next": {"/articles/metered-feature"}}})
		js, err := rs.db.Jobs(ctx, masthead.JobFilter{State: masthead.JobPending, Kind: masthead.JobSignInEmail})
		if err != nil || len(js) != 1 {
			t.Fatalf("pending: %+v %v", js, err)
		}
		if p := string(js[0].Payload); strings.Contains(p, "token") || !strings.Contains(p, "known@example.com") {
			t.Errorf("sign-in job payload %s", p)
		}
		settle(rs)
		path := signInLink(t, rs, "known@example.com")
		if !strings.Contains(path, "next=%2Farticles%2Fmetered-feature") {
			t.Errorf("link %s", path)
		}
		// The token in the email is one the database knows by its hash.
		u, _ := url.Parse(path)
		if _, err := rs.db.ConsumeSignInToken(ctx, masthead.HashToken(u.Query().Get("token"))); err != nil {
			t.Errorf("the emailed token: %v", err)
		}
		done, _ := rs.db.Jobs(ctx, masthead.JobFilter{State: masthead.JobDone, Kind: masthead.JobSignInEmail})
		if len(done) != 1 || string(done[0].Payload) != "{}" {
			t.Errorf("done: %+v", done)
		}
	})
}

// TestGiftJobBlanksItsToken: a gift's job must carry the redeem token to
// the email (the database keeps only its hash); once sent, the payload is
// blank.
func TestGiftJobBlanksItsToken(t *testing.T) {
	billingSite(t, "-", true, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		_, cookie := rs.verified(t, "giver@example.com")
		rs.jobs.Stop(ctx) // the test runs the jobs itself below
		res, _ := rs.send(t, req{url: "/gifts/checkout", cookies: []*http.Cookie{cookie},
			form: url.Values{"email": {"lucky@example.com"}, "months": {"1"}, "demo": {"1"}}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("demo gift: %d", res.StatusCode)
		}
		js, err := rs.db.Jobs(ctx, masthead.JobFilter{State: masthead.JobPending, Kind: masthead.JobGiftEmail})
		if err != nil || len(js) != 1 || js[0].Kind != masthead.JobGiftEmail || !strings.Contains(string(js[0].Payload), "token") {
			t.Fatalf("pending: %+v %v", js, err)
		}
		settle(rs)
		link := giftLink(t, rs, "lucky@example.com")
		if _, body := rs.send(t, req{url: link}); !strings.Contains(body, "Redeem my gift") {
			t.Errorf("gift page:\n%s", body)
		}
		if j, err := rs.db.Job(ctx, js[0].ID); err != nil || j.State != masthead.JobDone || string(j.Payload) != "{}" {
			t.Errorf("gift job after sending: %+v %v", j, err)
		}
	})
}
