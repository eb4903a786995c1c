package http

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// cookieValue must find exactly the session cookie r.Cookie finds: a
// cheaper parse that disagreed would sign in, or out, the wrong reader.
func TestCookieValueAgreesWithRequestCookie(t *testing.T) {
	many := strings.Repeat("a=1; ", maxCookies) + SessionCookie + "=late"
	for _, lines := range [][]string{
		nil,
		{SessionCookie + "=abc"},
		{"a=1; " + SessionCookie + "=abc; b=2"},
		{SessionCookie + `="quoted"`},
		{SessionCookie + `="`},
		{SessionCookie + `=bad\value; ` + SessionCookie + "=good"},
		{SessionCookie + "=bad value"},
		{"  " + SessionCookie + " = spaced ;"},
		{SessionCookie + "x=1; x" + SessionCookie + "=2"},
		{SessionCookie},
		{SessionCookie + "="},
		{"a=1", SessionCookie + "=second-line"},
		{SessionCookie + "=first", SessionCookie + "=second"},
		{"\t" + SessionCookie + "=tab\t; c=3"},
		{SessionCookie + "=semi\x7f"},
		{many},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		for _, l := range lines {
			r.Header.Add("Cookie", l)
		}
		want, err := r.Cookie(SessionCookie)
		got, ok := cookieValue(r, SessionCookie)
		if ok != (err == nil) || (ok && got != want.Value) {
			t.Errorf("Cookie %q: cookieValue = %q, %t; r.Cookie = %v, %v", lines, got, ok, want, err)
		}
		// hasSession looks only at lines that name the cookie with its
		// "="; there it must agree with r.Cookie.
		if strings.Contains(strings.Join(lines, "\n"), SessionCookie+"=") && hasSession(r) != (err == nil) {
			t.Errorf("Cookie %q: hasSession = %t, r.Cookie error %v", lines, hasSession(r), err)
		}
	}
}
