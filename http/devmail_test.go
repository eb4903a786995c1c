package http_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	mhttp "masthead/http"
	"masthead/mail"
)

// TestDevMailOutbox checks the outbox is mounted through the site's whole
// middleware chain with its own headers winning: no-store, a CSP that
// frames only the same origin, and the HTML part framable by the site
// alone.
func TestDevMailOutbox(t *testing.T) {
	outbox := mail.NewOutbox(0, nil)
	site := mail.SiteInfo{Name: "The Test Review", BaseURL: "http://example.test"}
	if err := outbox.Send(context.Background(), mail.SignIn(site, "reader@example.org", "http://example.test/signin/tok123", 20*time.Minute, mail.PurposeSignIn)); err != nil {
		t.Fatal(err)
	}
	id := outbox.Messages()[0].ID

	srv := mhttp.New(mhttp.Config{BaseURL: "http://example.test", PageCacheBytes: -1}, mhttp.Deps{DevMail: outbox, Mailer: outbox})
	defer srv.Close()
	get := func(path string) (*http.Response, string) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		b, _ := io.ReadAll(rec.Result().Body)
		return rec.Result(), string(b)
	}

	res, body := get("/_dev/mail")
	if res.StatusCode != 200 || !strings.Contains(body, "reader@example.org") || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("list: %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	res, body = get("/_dev/mail/" + strconv.Itoa(id))
	if res.StatusCode != 200 || !strings.Contains(body, "http://example.test/signin/tok123") {
		t.Fatalf("message: %d", res.StatusCode)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self'") || strings.Contains(csp, "script-src 'self'") {
		t.Errorf("message page CSP %q: the outbox's policy must replace the site's", csp)
	}
	res, _ = get("/_dev/mail/" + strconv.Itoa(id) + "/html")
	if res.StatusCode != 200 || res.Header.Get("X-Frame-Options") != "SAMEORIGIN" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("HTML part: %d, X-Frame-Options %q, CSP %q", res.StatusCode, res.Header.Get("X-Frame-Options"), res.Header.Get("Content-Security-Policy"))
	}

	// Without an outbox (production, or SMTP configured) the path is
	// an ordinary 404.
	plain := mhttp.New(mhttp.Config{BaseURL: "http://example.test", PageCacheBytes: -1}, mhttp.Deps{})
	defer plain.Close()
	rec := httptest.NewRecorder()
	plain.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/_dev/mail", nil))
	if rec.Code != 404 {
		t.Errorf("GET /_dev/mail without an outbox = %d, want 404", rec.Code)
	}
}
