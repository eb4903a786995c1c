package main

import (
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"masthead/mail/mailtest"
	"masthead/store/storetest"
)

// parseServe parses serve's flags as Main does.
func parseServe(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	var cfg Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.commonFlags(fs)
	cfg.serveFlags(fs)
	err := cfg.parse(fs, append([]string{"--db", "sqlite:" + filepath.Join(t.TempDir(), "x.db")}, args...))
	return cfg, err
}

func TestMailSettings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		wantURL string
		wantErr string
	}{
		{name: "none"},
		{name: "flag", args: []string{"--smtp-url", "smtps://u:p@mail.example.com"}, wantURL: "smtps://u:p@mail.example.com"},
		{name: "environment", env: map[string]string{"MASTHEAD_SMTP_URL": "smtp://mail.example.com:25?tls=none"}, wantURL: "smtp://mail.example.com:25?tls=none"},
		{name: "bad scheme", args: []string{"--smtp-url", "http://mail.example.com"}, wantErr: "--smtp-url"},
		{name: "bad parameter", args: []string{"--smtp-url", "smtp://u:hunter2@mail.example.com?tls=sometimes"}, wantErr: "tls="},
		{name: "bad port", args: []string{"--smtp-url", "smtp://u:hunter2@mail.example.com:port"}, wantErr: "--smtp-url"},
		{name: "bad sender", args: []string{"--mail-from", "The Review"}, wantErr: "--mail-from"},
		{name: "sender", args: []string{"--mail-from", "The Review <news@review.example.com>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			cfg, err := parseServe(t, tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one mentioning %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q shows the SMTP password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Mail.SMTPURL != tc.wantURL {
				t.Errorf("SMTP URL = %q, want %q", cfg.Mail.SMTPURL, tc.wantURL)
			}
		})
	}
}

func TestSMTPURLFromAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "smtp-url")
	if err := os.WriteFile(p, []byte("smtps://apikey:s3cret@smtp.example.net\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MASTHEAD_SMTP_URL_FILE", p)
	cfg, err := parseServe(t)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mail.SMTPURL != "smtps://apikey:s3cret@smtp.example.net" {
		t.Errorf("SMTP URL = %q, want the file's contents", cfg.Mail.SMTPURL)
	}
}

func TestServeHelpDocumentsMailSettings(t *testing.T) {
	_, usage, _ := runMain(t, "serve", "-h")
	checkUsage(t, "serve -h", usage, "smtp-url", "mail-from")
}

// TestServeSendsSignInLinks runs the program twice: with an SMTP server,
// where a sign-in link must arrive there with the configured sender; and
// in demo mode without one, where it must land in the outbox at
// /_dev/mail instead.
func TestServeSendsSignInLinks(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			t.Run("smtp", func(t *testing.T) {
				dsn := storetest.DSN(t, engine)
				srv := mailtest.Start(t)
				p := filepath.Join(t.TempDir(), "smtp-url")
				if err := os.WriteFile(p, []byte(srv.URL()), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("MASTHEAD_SMTP_URL_FILE", p)
				if _, _, err := runMain(t, "user", "add", "--db", dsn, "--role", "admin", "chief@example.com"); err != nil {
					t.Fatalf("user add: %v", err)
				}
				inst := startServe(t, "--db", dsn, "--site-name", "The Wired Review", "--mail-from", "The Wired Review <hello@wired.example>")

				mustStatus(t, "POST /login", postForm(t, inst.URL+"/login", url.Values{"email": {"chief@example.com"}}), http.StatusOK)
				msg := srv.WaitFor(t, "chief@example.com", time.Minute)
				if msg.From != "hello@wired.example" || msg.FromName != "The Wired Review" {
					t.Errorf("From = %q <%s>, want the --mail-from sender", msg.FromName, msg.From)
				}
				if link := mailtest.FirstLink(msg.Text); !strings.HasPrefix(link, inst.URL+"/signin?token=") || !strings.Contains(msg.HTML, "The Wired Review") {
					t.Errorf("sign-in email: link %q, HTML part mentions the site: %v", link, strings.Contains(msg.HTML, "The Wired Review"))
				}
				mustStatus(t, "GET /_dev/mail with SMTP", get(t, inst.URL+"/_dev/mail"), http.StatusNotFound)
			})

			t.Run("demo outbox", func(t *testing.T) {
				dsn := storetest.DSN(t, engine)
				inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "5", "--log-level", "info")
				// serve --demo made admin@example.com.
				mustStatus(t, "POST /login", postForm(t, inst.URL+"/login", url.Values{"email": {"admin@example.com"}}), http.StatusOK)
				deadline := time.Now().Add(time.Minute)
				for {
					r := get(t, inst.URL+"/_dev/mail")
					mustStatus(t, "GET /_dev/mail", r, http.StatusOK)
					if strings.Contains(r.body, "admin@example.com") {
						if r.header.Get("Cache-Control") != "no-store" {
							t.Errorf("outbox Cache-Control = %q", r.header.Get("Cache-Control"))
						}
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("the sign-in email never reached the outbox:\n%s", r.body)
					}
					time.Sleep(50 * time.Millisecond)
				}
				// The log carries the link, so a developer can sign in
				// from the terminal. (The child's log reaches this
				// process through a pipe, a moment after its answer.)
				for !strings.Contains(inst.stderr.String(), "/signin?token=") {
					if time.Now().After(deadline) {
						t.Fatalf("the outbox did not log the sign-in link:\n%s", inst.stderr.String())
					}
					time.Sleep(50 * time.Millisecond)
				}
			})
		})
	}
}
