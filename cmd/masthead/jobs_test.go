package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/mail/mailtest"
	"masthead/store"
)

// TestKillAfterRegistrationEmailArrives: a reader registers, the process
// is killed with SIGKILL before any worker could send the sign-in link,
// and the restarted process sends it. The first process runs no workers
// (--job-workers 0), so the email provably comes from the second.
func TestKillAfterRegistrationEmailArrives(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildMasthead(t)
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := engineDSN(t, engine)
			if out, err := runBin(t, bin, "demo", "--db", dsn, "--articles", "8"); err != nil {
				t.Fatalf("demo: %v\n%s", err, out)
			}
			smtp := mailtest.Start(t)
			const reader = "kill.nine@example.com"

			first := startProc(t, "first", bin, "--db", dsn, "--smtp-url", smtp.URL(), "--job-workers", "0")
			home := get(t, first.URL+"/")
			mustStatus(t, "GET /", home, http.StatusOK)
			links := articleLinks(home.body)
			if len(links) == 0 {
				t.Fatal("the home page links no article")
			}
			r := postForm(t, first.URL+"/register", url.Values{"email": {reader}, "article": {links[0]}})
			mustStatus(t, "POST /register", r, http.StatusSeeOther)
			first.kill(t)
			if n := smtp.Total(); n != 0 {
				t.Fatalf("the first process, which runs no workers, sent %d emails", n)
			}

			// The promise is a row: pending, naming the address, and
			// holding no sign-in token.
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// The leader's hourly upkeep is queued beside it.
			pending, err := jobsOfKind(db, masthead.JobPending, masthead.JobSignInEmail)
			if err != nil {
				t.Fatal(err)
			}
			if len(pending) != 1 || pending[0].Kind != masthead.JobSignInEmail || !strings.Contains(string(pending[0].Payload), reader) {
				t.Fatalf("pending jobs after the kill: %+v", pending)
			}
			if strings.Contains(string(pending[0].Payload), "token") {
				t.Errorf("the queued job holds a token: %s", pending[0].Payload)
			}

			second := startProc(t, "restarted", bin, "--db", dsn, "--smtp-url", smtp.URL())
			msg := smtp.WaitFor(t, reader, time.Minute)
			link := mailtest.FirstLink(msg.Text)
			u, err := url.Parse(link)
			if err != nil || u.Path != "/signin" || u.Query().Get("token") == "" {
				t.Fatalf("the email's link %q\n%s", link, msg.Text)
			}
			// The link works on the restarted site.
			form := get(t, second.URL+u.RequestURI())
			mustStatus(t, "GET the emailed link", form, http.StatusOK)
			r = postForm(t, second.URL+"/signin", url.Values{"token": {u.Query().Get("token")}, "next": {u.Query().Get("next")}})
			mustStatus(t, "POST /signin", r, http.StatusSeeOther)

			if !waitFor(time.Minute, func() bool {
				done, err := jobsOfKind(db, masthead.JobDone, masthead.JobSignInEmail)
				return err == nil && len(done) == 1
			}) {
				t.Error("the job is not marked done")
			}
			second.stop(t)
			if n := smtp.Received(reader); n != 1 {
				t.Errorf("%d emails to %s, want 1", n, reader)
			}
		})
	}
}

// jobsOfKind lists the jobs of one kind in one state.
func jobsOfKind(db *store.DB, state masthead.JobState, kind string) ([]masthead.Job, error) {
	js, err := db.Jobs(context.Background(), masthead.JobFilter{State: state})
	var out []masthead.Job
	for _, j := range js {
		if j.Kind == kind {
			out = append(out, j)
		}
	}
	return out, err
}
