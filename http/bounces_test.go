package http_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"masthead/bounce"
	mhttp "masthead/http"
)

// TestBounceWebhooks posts through the whole middleware chain: a signed
// generic hard bounce suppresses the address, a forged one is refused,
// and an endpoint without settings is not there.
func TestBounceWebhooks(t *testing.T) {
	secret := []byte("a-generic-secret-of-some-length")
	mut := func(_ *mhttp.Config, d *mhttp.Deps) {
		d.Bounces = bounce.New(bounce.Config{GenericSecret: secret, Now: func() time.Time { return now }},
			bounce.Sink(d.Articles.(bounce.SuppressionStore)))
	}
	each(t, mut, func(t *testing.T, s *site) {

		body := `{"email":"gone@example.com","type":"bounce","permanent":true,"detail":"550 5.1.1"}`
		tests := []struct {
			name       string
			method     string
			path       string
			body       string
			header     http.Header
			wantStatus int
		}{
			{name: "forged", method: "POST", path: "/webhooks/bounce", body: body,
				header: http.Header{bounce.SignatureHeader: {bounce.SignGeneric([]byte("guess"), []byte(body))}}, wantStatus: 403},
			{name: "unsigned", method: "POST", path: "/webhooks/bounce", body: body, wantStatus: 403},
			{name: "signed", method: "POST", path: "/webhooks/bounce", body: body,
				header: http.Header{bounce.SignatureHeader: {bounce.SignGeneric(secret, []byte(body))}}, wantStatus: 200},
			{name: "GET", method: "GET", path: "/webhooks/bounce", wantStatus: 404},
			{name: "SES not configured", method: "POST", path: "/webhooks/ses", body: "{}", wantStatus: 404},
			{name: "Postmark not configured", method: "POST", path: "/webhooks/postmark", body: "{}", wantStatus: 404},
		}
		for _, tt := range tests {
			res := s.do(t, tt.method, tt.path, strings.NewReader(tt.body), tt.header)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("%s: status %d, want %d", tt.name, res.StatusCode, tt.wantStatus)
			}
			if cc := res.Header.Get("Cache-Control"); tt.method == "POST" && !strings.Contains(cc, "no-store") {
				t.Errorf("%s: Cache-Control %q", tt.name, cc)
			}
			if tt.name == "forged" || tt.name == "unsigned" {
				if ok, _ := s.db.Suppressed(context.Background(), "gone@example.com"); ok {
					t.Fatalf("%s notification suppressed the address", tt.name)
				}
			}
		}
		if ok, err := s.db.Suppressed(context.Background(), "gone@example.com"); !ok || err != nil {
			t.Errorf("signed hard bounce did not suppress: %v", err)
		}
	})
}
