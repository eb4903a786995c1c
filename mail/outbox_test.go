package mail_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"masthead"
	mmail "masthead/mail"
)

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOutboxKeepsLogsAndLists(t *testing.T) {
	var logs bytes.Buffer
	o := mmail.NewOutbox(3, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()
	for i := range 5 {
		e := mmail.SignIn(site, fmt.Sprintf("r%d@example.org", i), fmt.Sprintf("https://review.example.com/signin/t%d", i), 20*time.Minute, mmail.PurposeSignIn)
		if i == 4 {
			e.Subject = `Subject <b>with</b> "markup"`
		}
		if err := o.Send(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// Each message is logged with its link, so a developer can sign in
	// from the terminal.
	for _, want := range []string{"to=r0@example.org", "link=https://review.example.com/signin/t0", "category=signin"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}

	msgs := o.Messages()
	if len(msgs) != 3 || msgs[0].Email.To != "r4@example.org" || msgs[2].Email.To != "r2@example.org" {
		t.Fatalf("kept %d messages, newest %v; want the last 3, newest first", len(msgs), msgs)
	}
	if m, ok := o.Last("R3@example.org"); !ok || m.Link() != "https://review.example.com/signin/t3" {
		t.Errorf("Last(r3) = %v, %v", m, ok)
	}

	res := get(t, o, mmail.OutboxPath)
	page := body(t, res)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("list: status %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	i4, i2 := strings.Index(page, "r4@example.org"), strings.Index(page, "r2@example.org")
	if i4 < 0 || i2 < 0 || i4 > i2 {
		t.Error("list does not show the kept messages newest first")
	}
	if strings.Contains(page, "r1@example.org") {
		t.Error("list shows a message beyond the limit")
	}
	if strings.Contains(page, "<b>with</b>") || !strings.Contains(page, "Subject &lt;b&gt;with&lt;/b&gt;") {
		t.Error("subject not escaped in the list")
	}
	checkCSP(t, res, page)
}

// checkCSP asserts the page allows no script and that its one inline
// style sheet is exactly the one the policy's hash allows.
func checkCSP(t *testing.T, res *http.Response, page string) {
	t.Helper()
	csp := res.Header.Get("Content-Security-Policy")
	if strings.Contains(csp, "script-src") && !strings.Contains(csp, "script-src 'none'") || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(page, "<script") {
		t.Error("page contains a script")
	}
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no style element")
	}
	sum := sha256.Sum256([]byte(m[1]))
	if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Errorf("the inline style's hash is not in the CSP %q", csp)
	}
}

func TestOutboxShowsOneMessage(t *testing.T) {
	o := mmail.NewOutbox(0, nil)
	e := mmail.SignIn(site, "reader@example.org", signinLink, 20*time.Minute, mmail.PurposeRegistration)
	e.Headers["List-Id"] = "<signin.review.example.com>"
	if err := o.Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	id := o.Messages()[0].ID

	res := get(t, o, fmt.Sprintf("%s/%d", mmail.OutboxPath, id))
	page := body(t, res)
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{
		"reader@example.org",
		"Confirm your email address for The Masthead Review",
		"Confirm your email address and sign in with this link:", // the text part, escaped in <pre>
		`href="https://review.example.com/signin/tok_4f9Qx-2b?next=%2Farticles%2Fthe-long-read"`,
		"&lt;signin.review.example.com&gt;",
		fmt.Sprintf(`<iframe sandbox="" title="HTML part" src="%s/%d/html">`, mmail.OutboxPath, id),
	} {
		if !strings.Contains(page, want) {
			t.Errorf("message page lacks %q", want)
		}
	}
	if strings.Contains(page, "<table role=") {
		t.Error("the HTML part is inlined into the page rather than framed")
	}
	checkCSP(t, res, page)
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self'") {
		t.Errorf("CSP %q does not allow the same-origin frame", csp)
	}

	res = get(t, o, fmt.Sprintf("%s/%d/html", mmail.OutboxPath, id))
	html := body(t, res)
	csp := res.Header.Get("Content-Security-Policy")
	if html != e.HTML || !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "frame-ancestors 'self'") || strings.Contains(csp, "script") {
		t.Errorf("HTML part: CSP %q, body matches: %v", csp, html == e.HTML)
	}

	for _, path := range []string{mmail.OutboxPath + "/999", mmail.OutboxPath + "/x", mmail.OutboxPath + "/999/html"} {
		if res := get(t, o, path); res.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
		}
	}
}

func TestOutboxRefusesWhatSMTPWouldRefuse(t *testing.T) {
	o := mmail.NewOutbox(0, nil)
	err := o.Send(context.Background(), masthead.Email{To: "nobody", Subject: "s", Text: "t"})
	if masthead.ErrorCode(err) != masthead.EINVALID {
		t.Errorf("err = %v, want EINVALID", err)
	}
	if len(o.Messages()) != 0 {
		t.Error("kept an invalid email")
	}
}

func TestUnconfiguredRefusesClearly(t *testing.T) {
	err := mmail.Unconfigured{}.Send(context.Background(), email("a@example.org"))
	if !mmail.IsTemporary(err) || !strings.Contains(masthead.ErrorMessage(err), "MASTHEAD_SMTP_URL") {
		t.Errorf("err = %v", err)
	}
}
