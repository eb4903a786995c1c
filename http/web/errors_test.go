package web_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/http/web"
)

// table is every error code with the status and the code a client is
// told; TestTableCoversEveryCode keeps it complete.
var table = []struct {
	code   string
	status int
}{
	{masthead.EINVALID, 400},
	{masthead.EUNAUTHORIZED, 401},
	{masthead.EPAYMENTREQUIRED, 402},
	{masthead.EFORBIDDEN, 403},
	{masthead.ENOTFOUND, 404},
	{masthead.ECONFLICT, 409},
	{masthead.EGONE, 410},
	{masthead.ETOOLARGE, 413},
	{masthead.EUNAVAILABLE, 503},
	{masthead.EINTERNAL, 500},
}

func TestStatus(t *testing.T) {
	for _, tt := range table {
		err := masthead.Errorf(tt.code, "Said to %s.", tt.code)
		if got := web.Status(err); got != tt.status {
			t.Errorf("Status(%s) = %d, want %d", tt.code, got, tt.status)
		}
		// Wrapped with the operation, as the store and handlers do.
		if got := web.Status(fmt.Errorf("store: op: %w", err)); got != tt.status {
			t.Errorf("Status(wrapped %s) = %d, want %d", tt.code, got, tt.status)
		}
		if got := web.Code(fmt.Errorf("op: %w", err)); got != tt.code {
			t.Errorf("Code(%s) = %q", tt.code, got)
		}
	}
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"body over its limit", &http.MaxBytesError{Limit: 1}, 413},
		{"wrapped body over its limit", fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 1}), 413},
		{"no code", errors.New("disk on fire"), 500},
		{"unknown code", masthead.Errorf("made_up", "x"), 500},
		{"empty code", &masthead.Error{Message: "x"}, 500},
		{"nil", nil, 200},
	} {
		if got := web.Status(tt.err); got != tt.want {
			t.Errorf("%s: Status = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestMessage checks that only a domain error's Message reaches users:
// an internal error, coded or not, never shows its text.
func TestMessage(t *testing.T) {
	for _, tt := range []struct {
		name     string
		err      error
		wantCode string
		want     string
	}{
		{"invalid", masthead.Errorf(masthead.EINVALID, "Enter an email address."), "invalid", "Enter an email address."},
		{"wrapped not found", fmt.Errorf("store: article %q: %w", "x", masthead.Errorf(masthead.ENOTFOUND, "No such article.")), "not_found", "No such article."},
		{"too large with words", masthead.Errorf(masthead.ETOOLARGE, "The body is larger than 512 KB."), "too_large", "The body is larger than 512 KB."},
		{"body over its limit", fmt.Errorf("parse form: %w", &http.MaxBytesError{Limit: 64 << 10}), "too_large", web.TooLargeMessage},
		{"plain error", errors.New("open /var/lib/masthead/db: permission denied"), "internal", "internal error"},
		{"coded internal", masthead.Errorf(masthead.EINTERNAL, "secret dsn postgres://u:p@h"), "internal", "internal error"},
	} {
		if got := web.Code(tt.err); got != tt.wantCode {
			t.Errorf("%s: Code = %q, want %q", tt.name, got, tt.wantCode)
		}
		if got := web.Message(tt.err); got != tt.want {
			t.Errorf("%s: Message = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestBody(t *testing.T) {
	invalid := masthead.Invalid{}
	invalid.Add("email", "Enter an email address.")
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"fields", fmt.Errorf("api: %w", invalid.Err()),
			`{"error":{"code":"invalid","message":"Enter an email address.","fields":{"email":"Enter an email address."}}}`},
		{"no fields", masthead.Errorf(masthead.ENOTFOUND, "No such thing."),
			`{"error":{"code":"not_found","message":"No such thing."}}`},
		{"internal keeps its fields to itself", &masthead.Error{Code: masthead.EINTERNAL, Message: "secret", Fields: map[string]string{"dsn": "secret"}},
			`{"error":{"code":"internal","message":"internal error"}}`},
		{"plain error", errors.New("secret"), `{"error":{"code":"internal","message":"internal error"}}`},
		{"body over its limit", &http.MaxBytesError{Limit: 1},
			`{"error":{"code":"too_large","message":` + strconv.Quote(web.TooLargeMessage) + `}}`},
	} {
		b, err := json.Marshal(web.Body(tt.err))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, string(b)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestRateLimited checks the one answer over a licence's rate, given by
// the article page and the Content API: 429, Retry-After in whole
// seconds rounded up, never stored, the JSON error, and no body to HEAD.
func TestRateLimited(t *testing.T) {
	for _, tt := range []struct {
		method string
		wait   time.Duration
		retry  string
		body   string
	}{
		{"GET", 60 * time.Second, "60", `{"error":{"code":"rate_limited","message":"This licence's rate is reached; try again after the time Retry-After gives, in seconds."}}` + "\n"},
		{"GET", 1500 * time.Millisecond, "2", ""},
		{"GET", time.Millisecond, "1", ""},
		{"HEAD", 30 * time.Second, "30", ""},
	} {
		w := httptest.NewRecorder()
		web.RateLimited(w, httptest.NewRequest(tt.method, "/articles/x", nil), tt.wait)
		res := w.Result()
		if res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("%s %v: status %d, want 429", tt.method, tt.wait, res.StatusCode)
		}
		got := map[string]string{"Retry-After": res.Header.Get("Retry-After"), "Cache-Control": res.Header.Get("Cache-Control"),
			"Content-Type": res.Header.Get("Content-Type")}
		want := map[string]string{"Retry-After": tt.retry, "Cache-Control": "no-store", "Content-Type": "application/json; charset=utf-8"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s %v: headers (-want +got):\n%s", tt.method, tt.wait, diff)
		}
		switch {
		case tt.method == "HEAD" && w.Body.Len() != 0:
			t.Errorf("HEAD: body %q", w.Body)
		case tt.body != "" && w.Body.String() != tt.body:
			t.Errorf("%s %v: body %s, want %s", tt.method, tt.wait, w.Body, tt.body)
		}
	}
}

// TestTableCoversEveryCode reads the domain's error codes from its source
// and checks each is in the table above, so a code added to the domain
// without a status here does not silently answer 500.
func TestTableCoversEveryCode(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../../error.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	inTable := map[string]bool{}
	for _, tt := range table {
		inTable[tt.code] = true
	}
	var codes int
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) != len(vs.Names) {
			return true
		}
		for i, name := range vs.Names {
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING || !strings.HasPrefix(name.Name, "E") || strings.ToUpper(name.Name) != name.Name {
				continue
			}
			code, _ := strconv.Unquote(lit.Value)
			codes++
			if !inTable[code] {
				t.Errorf("error code %s (%q) has no status in the table", name.Name, code)
			}
		}
		return true
	})
	if codes < len(table) {
		t.Fatalf("found %d error codes in error.go, the table has %d: have the codes moved?", codes, len(table))
	}
}
