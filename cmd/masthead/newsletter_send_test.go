package main

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/mail/mailtest"
	"masthead/store"
	"masthead/store/storetest"
)

var sentRE = regexp.MustCompile(`: (\d+) recipients, (\d+) sent, 0 failed`)

// TestNewsletterSendCommand sends each newsletter of a fresh demo
// database with `masthead newsletter send` to a real SMTP server, then
// runs it again in the same window: the second run sends nothing, as the
// engine keeps one issue per window and one delivery per recipient.
func TestNewsletterSendCommand(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			if _, stderr, err := runMain(t, "demo", "--db", dsn, "--articles", "30", "--members", "80"); err != nil {
				t.Fatalf("demo: %v\n%s", err, stderr)
			}
			// Every newsletter goes out daily, its window opening two
			// hours ago, so that it holds the demo's newest article
			// (published within the hour) whatever the time of the run.
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			schedule := func(slug string, opened time.Time) {
				t.Helper()
				n, err := db.Newsletter(ctx, slug)
				if err != nil {
					t.Fatal(err)
				}
				opened = opened.UTC()
				if n.Schedule, err = masthead.ParseSchedule(fmt.Sprintf("daily %02d:%02d", opened.Hour(), opened.Minute())); err != nil {
					t.Fatal(err)
				}
				if _, err := db.UpdateNewsletter(ctx, n); err != nil {
					t.Fatal(err)
				}
			}
			srv := mailtest.Start(t)
			send := func(slug string, flags ...string) (string, error) {
				t.Helper()
				args := append([]string{"newsletter", "send", slug, "--db", dsn, "--smtp-url", srv.URL(), "--log-level", "warn"}, flags...)
				out, stderr, err := runMain(t, args...)
				t.Logf("%s:\n%s%s", strings.Join(args[:3], " "), out, stderr)
				return out, err
			}
			// sentOnce checks a send's report against what the server
			// received since it held before messages: every recipient
			// once, and as many as the report says.
			sentOnce := func(slug, out string, before int) {
				t.Helper()
				m := sentRE.FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("newsletter send %s reported no recipients:\n%s", slug, out)
				}
				total, _ := strconv.Atoi(m[1])
				sent, _ := strconv.Atoi(m[2])
				if total == 0 || sent != total {
					t.Fatalf("newsletter send %s: %d recipients, %d sent", slug, total, sent)
				}
				msgs := srv.Messages()[before:]
				seen := map[string]bool{}
				for _, msg := range msgs {
					for _, r := range msg.Rcpt {
						if seen[r] {
							t.Errorf("%s: %s received the issue twice", slug, r)
						}
						seen[r] = true
					}
				}
				if len(seen) != sent || len(msgs) != sent {
					t.Errorf("%s: %d messages to %d recipients reached the server, %d reported sent", slug, len(msgs), len(seen), sent)
				}
			}

			now := time.Now()
			for _, slug := range []string{masthead.NewsletterDaily, masthead.NewsletterWeekly, masthead.NewsletterFree} {
				schedule(slug, now.Add(-2*time.Hour))
				before := len(srv.Messages())
				out, err := send(slug)
				if err != nil {
					t.Fatalf("newsletter send %s on a fresh database: %v", slug, err)
				}
				if !regexp.MustCompile(`Composed issue \d+ of .*, [1-9]\d* articles\.`).MatchString(out) {
					t.Errorf("newsletter send %s composed no issue with articles:\n%s", slug, out)
				}
				if !strings.Contains(out, "It is this window's issue: the scheduled send at") {
					t.Errorf("newsletter send %s does not say the scheduled send sends no other:\n%s", slug, out)
				}
				sentOnce(slug, out, before)

				// Again, in the same window: nothing more.
				before = len(srv.Messages())
				out, err = send(slug)
				if err != nil {
					t.Fatalf("newsletter send %s again: %v", slug, err)
				}
				if !strings.Contains(out, "nothing is sent again") || !strings.Contains(out, "The next issue's window opens at") {
					t.Errorf("a second newsletter send %s does not say it sent nothing:\n%s", slug, out)
				}
				if n := len(srv.Messages()) - before; n != 0 {
					t.Errorf("a second newsletter send %s sent %d messages", slug, n)
				}
			}

			// A window where nothing was published: refused, then sent
			// with --force.
			schedule(masthead.NewsletterDaily, time.Now().Add(-time.Minute))
			before := len(srv.Messages())
			if _, err := send(masthead.NewsletterDaily); err == nil || !strings.Contains(err.Error(), "nothing was published") || !strings.Contains(err.Error(), "--force") {
				t.Errorf("newsletter send of an empty window: %v, want a refusal naming --force", err)
			}
			if n := len(srv.Messages()) - before; n != 0 {
				t.Errorf("a refused send sent %d messages", n)
			}
			out, err := send(masthead.NewsletterDaily, "--force")
			if err != nil {
				t.Fatalf("newsletter send --force: %v", err)
			}
			sentOnce("daily --force", out, before)

			if _, err := send("dialy"); err == nil || !strings.Contains(err.Error(), `"dialy"`) || !strings.Contains(err.Error(), "daily, weekly, free") {
				t.Errorf("newsletter send of an unknown name: %v, want the known names", err)
			}
		})
	}
}

// TestNewsletterSendSaysWhySMTPCannotBeUsed: a server that cannot be
// reached is named, with the cause, before anything is composed.
func TestNewsletterSendSaysWhySMTPCannotBeUsed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			_, _, err := runMain(t, "newsletter", "send", "daily", "--db", dsn, "--smtp-url", "smtp://u:hunter2@"+closed+"?tls=none")
			want := "newsletter send: cannot reach the SMTP server at smtp://u@" + closed + ": connection refused"
			if err == nil || err.Error() != want {
				t.Errorf("error %v, want %q", err, want)
			}
			out, _, _ := runMain(t, "newsletter", "status", "--db", dsn)
			if !strings.Contains(out, "No issues yet") {
				t.Errorf("an issue was composed before the SMTP server was checked:\n%s", out)
			}
		})
	}
}
