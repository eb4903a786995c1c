package admin_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"masthead"
	"masthead/admin"
)

// brokenMembers is a member store whose database is down.
type brokenMembers struct{ masthead.MemberService }

func (brokenMembers) SessionMember(context.Context, []byte) (*masthead.Member, error) {
	return nil, errors.New("dial tcp 10.0.0.7:5432: secret-host refused")
}

// TestInternalErrorPage checks that a failing store shows a plain 500 that
// leaks nothing, and is logged once with the request id.
func TestInternalErrorPage(t *testing.T) {
	var logs bytes.Buffer
	h := admin.New(admin.Config{}, admin.Deps{Members: brokenMembers{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r := httptest.NewRequest("GET", "/admin/", nil)
	r.AddCookie(&http.Cookie{Name: admin.SessionCookie, Value: "whatever"})
	w := httptest.NewRecorder()
	w.Header().Set("X-Request-Id", "req-42") // as the reader site's middleware does
	h.ServeHTTP(w, r)
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "internal error") {
		t.Errorf("status %d, body %s", w.Code, w.Body.String())
	}
	if strings.Contains(w.Body.String(), "secret-host") {
		t.Error("the error page leaks the internal error")
	}
	if n := strings.Count(logs.String(), "secret-host"); n != 1 || !strings.Contains(logs.String(), "request_id=req-42") {
		t.Errorf("logged %d times, want once with the request id:\n%s", n, logs.String())
	}
}
