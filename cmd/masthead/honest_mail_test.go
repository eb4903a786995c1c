package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// readyEmail is the email line of /readyz, which must answer 200.
func readyEmail(t *testing.T, inst *instance) string {
	t.Helper()
	r := get(t, inst.URL+"/readyz")
	mustStatus(t, "GET /readyz", r, http.StatusOK)
	var rep struct{ Status, Email string }
	if err := json.Unmarshal([]byte(r.body), &rep); err != nil || rep.Status != "ready" {
		t.Fatalf("/readyz: %v %s", err, r.body)
	}
	return rep.Email
}

// TestDemoNewslettersGoToTheOutbox runs serve --demo without SMTP on a
// demo database with members: the desk's "Compose now" composes the free
// newsletter's next issue (once, however often pressed), "Send now"
// sends it, and every message lands in the outbox at /_dev/mail. No page
// says email is off.
func TestDemoNewslettersGoToTheOutbox(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			if _, stderr, err := runMain(t, "demo", "--db", dsn, "--articles", "20", "--members", "40"); err != nil {
				t.Fatalf("demo: %v\n%s", err, stderr)
			}
			// The free newsletter goes out daily, its window opening two
			// hours ago, so that it holds the demo's newest article.
			ctx := context.Background()
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			n, err := db.Newsletter(ctx, masthead.NewsletterFree)
			if err != nil {
				t.Fatal(err)
			}
			opened := time.Now().Add(-2 * time.Hour).UTC()
			if n.Schedule, err = masthead.ParseSchedule(fmt.Sprintf("daily %02d:%02d", opened.Hour(), opened.Minute())); err != nil {
				t.Fatal(err)
			}
			if _, err := db.UpdateNewsletter(ctx, n); err != nil {
				t.Fatal(err)
			}
			db.Close()

			inst := startServe(t, "--db", dsn, "--demo")
			if e := readyEmail(t, inst); !strings.Contains(e, "/_dev/mail") {
				t.Errorf("/readyz email %q does not name the outbox", e)
			}
			link := regexp.MustCompile(`http://\S+/admin/signin\?token=\S+`).FindString(inst.stdout.String())
			session := signIn(t, inst, link)
			desk := get(t, inst.URL+"/admin/newsletters", session)
			mustStatus(t, "GET /admin/newsletters", desk, http.StatusOK)
			if !strings.Contains(desk.body, `action="/admin/newsletters/free/compose"`) || strings.Contains(desk.body, "Email cannot be sent") {
				t.Fatalf("the demo's desk: Compose now offered %v, no-email banner %v",
					strings.Contains(desk.body, "/compose"), strings.Contains(desk.body, "Email cannot be sent"))
			}

			// The desk's buttons post with the staff session (same origin, no
			// token: the staff area checks the origin).
			r := postFormCookie(t, inst.URL+"/admin/newsletters/free/compose", url.Values{}, session)
			mustStatus(t, "Compose now", r, http.StatusSeeOther)
			issue, ok := strings.CutSuffix(r.header.Get("Location"), "?msg=composed")
			if !ok || !strings.HasPrefix(issue, "/admin/issues/") {
				t.Fatalf("Compose now led to %q", r.header.Get("Location"))
			}
			r = postFormCookie(t, inst.URL+"/admin/newsletters/free/compose", url.Values{}, session)
			if got := r.header.Get("Location"); got != issue+"?msg=already-composed" {
				t.Fatalf("Compose now, again: led to %q, want the same issue", got)
			}
			r = postFormCookie(t, inst.URL+issue+"/status", url.Values{"action": {"send"}}, session)
			mustStatus(t, "Send now", r, http.StatusSeeOther)

			// The engine picks the issue up on its next round (every
			// few seconds) and sends it to the outbox.
			deadline := time.Now().Add(time.Minute)
			for {
				r := get(t, inst.URL+"/_dev/mail")
				mustStatus(t, "GET /_dev/mail", r, http.StatusOK)
				if strings.Contains(r.body, "<td>newsletter</td>") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no newsletter reached the outbox:\n%s\nlog:\n%s", r.body, inst.stderr.String())
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
}

// TestServeWithoutEmailSaysSo runs serve with neither --smtp-url nor
// --demo: /readyz stays ready and names the setting, the staff area
// carries the banner, and a reader asking for a sign-in link is told no
// email can go out.
func TestServeWithoutEmailSaysSo(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			t.Setenv("MASTHEAD_SMTP_URL", "")
			out, _, err := runMain(t, "user", "add", "--db", dsn, "--role", "admin", "chief@example.com")
			if err != nil {
				t.Fatalf("user add: %v", err)
			}
			inst := startServe(t, "--db", dsn)
			if e := readyEmail(t, inst); !strings.Contains(e, "--smtp-url") || !strings.Contains(e, "MASTHEAD_SMTP_URL") {
				t.Errorf("/readyz email %q does not name the setting", e)
			}
			link := regexp.MustCompile(`http://\S+/admin/signin\?token=(\S+)`).FindStringSubmatch(out)
			if link == nil {
				t.Fatalf("user add printed no link:\n%s", out)
			}
			session := signIn(t, inst, inst.URL+"/admin/signin?token="+link[1])
			staff := get(t, inst.URL+"/admin/articles", session)
			mustStatus(t, "GET /admin/articles", staff, http.StatusOK)
			if !strings.Contains(staff.body, "Email cannot be sent") || !strings.Contains(staff.body, "MASTHEAD_SMTP_URL") {
				t.Errorf("the staff area carries no banner:\n%s", staff.body)
			}
			for _, addr := range []string{"chief@example.com", "nobody@example.com"} {
				r := postForm(t, inst.URL+"/login", url.Values{"email": {addr}})
				mustStatus(t, "POST /login", r, http.StatusOK)
				if !strings.Contains(r.body, "We cannot send email right now") || strings.Contains(r.body, "on its way") {
					t.Errorf("POST /login %s promises an email:\n%s", addr, r.body)
				}
			}
		})
	}
}
