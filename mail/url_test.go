package mail_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	mmail "masthead/mail"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		want    mmail.Settings
		wantErr string
	}{
		{raw: "smtp://mail.example.com", want: mmail.Settings{Host: "mail.example.com", Port: 587, TLS: mmail.TLSOpportunistic}},
		{raw: "smtp://mail.example.com:25?tls=none", want: mmail.Settings{Host: "mail.example.com", Port: 25, TLS: mmail.TLSNone}},
		{raw: "smtp://u%40x.com:p%2Fa%3Ass@mail.example.com:2525?tls=required", want: mmail.Settings{Host: "mail.example.com", Port: 2525, TLS: mmail.TLSRequired, Username: "u@x.com", Password: "p/a:ss"}},
		{raw: "smtps://apikey:secret@smtp.example.net", want: mmail.Settings{Host: "smtp.example.net", Port: 465, TLS: mmail.TLSImplicit, Username: "apikey", Password: "secret"}},
		{raw: "smtps://u:p@[::1]:1465?auth=PLAIN&insecure_skip_verify=1", want: mmail.Settings{Host: "::1", Port: 1465, TLS: mmail.TLSImplicit, Username: "u", Password: "p", Auth: "plain", InsecureSkipVerify: true}},
		{raw: "smtp://u:p@127.0.0.1:2525/", want: mmail.Settings{Host: "127.0.0.1", Port: 2525, TLS: mmail.TLSOpportunistic, Username: "u", Password: "p"}},

		{raw: "http://mail.example.com", wantErr: "scheme"},
		{raw: "mail.example.com:25", wantErr: "scheme"},
		{raw: "smtp://", wantErr: "no host"},
		{raw: "smtp://mail.example.com:0", wantErr: "port"},
		{raw: "smtp://mail.example.com:99999", wantErr: "port"},
		{raw: "smtp://mail.example.com/inbox", wantErr: "path"},
		{raw: "smtp://mail.example.com?tls=maybe", wantErr: "tls="},
		{raw: "smtps://mail.example.com?tls=none", wantErr: "always TLS"},
		{raw: "smtp://mail.example.com?tsl=none", wantErr: "unknown parameter"},
		{raw: "smtp://u:p@mail.example.com?auth=magic", wantErr: "auth="},
		{raw: "smtp://mail.example.com?auth=plain", wantErr: "without user"},
		{raw: "smtp://:p@mail.example.com", wantErr: "empty user"},
		{raw: "smtp://mail.example.com?insecure_skip_verify=yes", wantErr: "insecure_skip_verify"},
	} {
		got, err := mmail.ParseURL(tc.raw)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseURL(%q) error = %v, want one mentioning %q", tc.raw, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.raw, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseURL(%q) (-want +got):\n%s", tc.raw, diff)
		}
	}
}

func TestParseURLErrorsHideThePassword(t *testing.T) {
	for _, raw := range []string{"smtp://user:hunter2@mail.example.com:bad", "smtp://user:hunter2@mail.example.com?tls=x", "smtp://user:hunter2@host\x7f"} {
		if _, err := mmail.ParseURL(raw); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseURL(%q) error %v shows the password", raw, err)
		}
	}
	s, _ := mmail.ParseURL("smtps://user:hunter2@mail.example.com")
	if r := s.Redacted(); strings.Contains(r, "hunter2") || r != "smtps://user@mail.example.com:465" {
		t.Errorf("Redacted() = %q", r)
	}
}

func TestDefaultFrom(t *testing.T) {
	for _, tc := range []struct{ site, base, want string }{
		{"The Masthead Review", "https://review.example.com", `"The Masthead Review" <no-reply@review.example.com>`},
		{"Review", "http://127.0.0.1:8080", `"Review" <no-reply@127.0.0.1>`},
		{"Café Times", "https://cafe.example", `=?utf-8?q?Caf=C3=A9_Times?= <no-reply@cafe.example>`},
	} {
		got := mmail.DefaultFrom(tc.site, tc.base)
		if got != tc.want {
			t.Errorf("DefaultFrom(%q, %q) = %q, want %q", tc.site, tc.base, got, tc.want)
		}
		if _, err := mmail.ParseFrom(got); err != nil {
			t.Errorf("DefaultFrom result %q does not parse: %v", got, err)
		}
	}
	for _, bad := range []string{"", "no-reply", "Site <no-reply>", "<@example.com>"} {
		if _, err := mmail.ParseFrom(bad); err == nil {
			t.Errorf("ParseFrom(%q) accepted", bad)
		}
	}
}

func TestOpenRefusesBadSettings(t *testing.T) {
	if _, err := mmail.Open("smtp://mail.example.com", "not an address"); err == nil {
		t.Error("Open accepted an invalid sender")
	}
	if _, err := mmail.Open("ftp://mail.example.com", "a@example.com"); err == nil {
		t.Error("Open accepted a non-SMTP URL")
	}
}
