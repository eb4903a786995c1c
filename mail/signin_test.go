package mail_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	mmail "masthead/mail"
	"masthead/mail/mailtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var site = mmail.SiteInfo{Name: "The Masthead Review", BaseURL: "https://review.example.com"}

const signinLink = "https://review.example.com/signin/tok_4f9Qx-2b?next=%2Farticles%2Fthe-long-read"

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./mail -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got; go test ./mail -update to accept):\n%s", name, diff)
	}
}

func TestSignInGolden(t *testing.T) {
	for _, purpose := range []string{mmail.PurposeRegistration, mmail.PurposeSignIn} {
		t.Run(purpose, func(t *testing.T) {
			e := mmail.SignIn(site, "reader@example.org", signinLink, 20*time.Minute, purpose)
			golden(t, "signin-"+purpose+".txt", e.Text)
			golden(t, "signin-"+purpose+".html", e.HTML)
			if e.To != "reader@example.org" || e.Category != "signin" || e.Headers["Auto-Submitted"] != "auto-generated" {
				t.Errorf("email envelope = %q %q %v", e.To, e.Category, e.Headers)
			}
		})
	}
}

func TestSignInContent(t *testing.T) {
	reg := mmail.SignIn(site, "r@example.org", signinLink, 20*time.Minute, mmail.PurposeRegistration)
	in := mmail.SignIn(site, "r@example.org", signinLink, 20*time.Minute, mmail.PurposeSignIn)
	for name, e := range map[string]struct{ subject, text, html string }{
		"registration": {reg.Subject, reg.Text, reg.HTML},
		"sign-in":      {in.Subject, in.Text, in.HTML},
	} {
		if !strings.Contains(e.subject, site.Name) {
			t.Errorf("%s: subject %q lacks the site name", name, e.subject)
		}
		for part, body := range map[string]string{"text": e.text, "html": e.html} {
			for _, want := range []string{site.Name, "expires in 20 minutes", "did not ask for this email, ignore it"} {
				if !strings.Contains(body, want) {
					t.Errorf("%s %s part lacks %q", name, part, want)
				}
			}
		}
		if got := mmail.FirstLink(e.text); got != signinLink {
			t.Errorf("%s: first link of the text = %q, want the sign-in link", name, got)
		}
		// In HTML the link is attribute-escaped: & and the like.
		if !strings.Contains(e.html, `href="https://review.example.com/signin/tok_4f9Qx-2b?next=%2Farticles%2Fthe-long-read"`) {
			t.Errorf("%s: HTML lacks the link as a button", name)
		}
		if strings.Contains(e.html, "<style") || strings.Contains(e.html, "<script") || strings.Contains(e.html, "class=") {
			t.Errorf("%s: HTML must use inline styles only", name)
		}
	}
	if !strings.Contains(reg.Text, "Confirm your email address") || strings.Contains(in.Text, "Confirm") {
		t.Error("registration and sign-in wording not distinct")
	}
}

func TestSignInEscapesTheSiteName(t *testing.T) {
	e := mmail.SignIn(mmail.SiteInfo{Name: `Smith & Sons <Daily>`, BaseURL: "https://x.example"}, "r@example.org", "https://x.example/s?a=1&b=2", time.Hour, mmail.PurposeSignIn)
	if strings.Contains(e.HTML, "<Daily>") || !strings.Contains(e.HTML, "Smith &amp; Sons &lt;Daily&gt;") {
		t.Error("site name not escaped in the HTML part")
	}
	if !strings.Contains(e.HTML, `href="https://x.example/s?a=1&amp;b=2"`) {
		t.Error("link not attribute-escaped in the HTML part")
	}
	if !strings.Contains(e.Text, "Smith & Sons <Daily>") || !strings.Contains(e.Text, "https://x.example/s?a=1&b=2") {
		t.Error("text part must not be HTML-escaped")
	}
}

func TestSignInTravelsThroughSMTP(t *testing.T) {
	srv := mailtest.Start(t)
	m := mustOpen(t, srv.URL())
	mustSend(t, m, mmail.SignIn(site, "reader@example.org", signinLink, 20*time.Minute, mmail.PurposeRegistration))
	got := srv.WaitFor(t, "reader@example.org", wait)
	if link := mailtest.FirstLink(got.Text); link != signinLink {
		t.Errorf("link read from the delivered text = %q, want %q", link, signinLink)
	}
	if !strings.Contains(got.HTML, signinLink) || got.ContentType != "multipart/alternative" {
		t.Errorf("delivered HTML part lacks the link, or not multipart/alternative (%s)", got.ContentType)
	}
	if got.Header("Auto-Submitted") != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", got.Header("Auto-Submitted"))
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                               "1 second",
		30 * time.Second:                "30 seconds",
		time.Minute:                     "1 minute",
		20 * time.Minute:                "20 minutes",
		time.Hour:                       "1 hour",
		90 * time.Minute:                "1 hour 30 minutes",
		24 * time.Hour:                  "24 hours",
		48 * time.Hour:                  "2 days",
		7*24*time.Hour + 3*time.Hour:    "7 days 3 hours",
		59*time.Minute + 59*time.Second: "59 minutes",
	} {
		if got := mmail.HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
