package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
)

// signInPath turns an absolute sign-in link into a path and its token.
func signInPath(t *testing.T, link string) (path, token string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("bad link %q: %v", link, err)
	}
	if u.Scheme+"://"+u.Host != "http://example.test" || u.Path != "/admin/signin" {
		t.Fatalf("link %q does not point at the staff sign-in", link)
	}
	token = u.Query().Get("token")
	if len(token) < 40 {
		t.Fatalf("link %q carries a short token", link)
	}
	return u.RequestURI(), token
}

func sessionFrom(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == admin.SessionCookie && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no session cookie set; Set-Cookie: %q", resp.Header.Values("Set-Cookie"))
	return nil
}

func TestSignIn(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		link, err := admin.SignInLink(ctx, f.db, "http://example.test/", " Ed@Example.com ", masthead.RoleEditor, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		path, token := signInPath(t, link)
		m, err := f.db.MemberByEmail(ctx, "ed@example.com")
		if err != nil || m.Role != masthead.RoleEditor {
			t.Fatalf("member after SignInLink: %+v, %v", m, err)
		}

		// Opening the link twice (a mail scanner, then the person) spends
		// nothing: both show the button.
		for range 2 {
			f.do(req{name: "GET link", url: path, wantStatus: 200,
				wantContains:    []string{`<form method="post" action="/admin/signin"`, `name="token" value="` + token + `"`, `<button class="primary" type="submit">Sign in</button>`},
				wantNotContains: []string{"not valid"}})
		}
		w := f.do(req{name: "POST token", url: "/admin/signin", form: url.Values{"token": {token}},
			wantStatus: http.StatusSeeOther, wantLocation: "/admin/"})
		c := sessionFrom(t, w.Result())
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", c)
		}
		if c.MaxAge < 29*24*3600 {
			t.Errorf("session cookie lives %ds, want about 30 days", c.MaxAge)
		}
		session := &http.Cookie{Name: c.Name, Value: c.Value}

		f.run([]req{
			{name: "signed in", url: "/admin/", cookie: session, wantStatus: 200,
				wantContains: []string{"ed@example.com", "<h1>Articles</h1>"}},
			{name: "login page when signed in", url: "/admin/login", cookie: session, wantStatus: http.StatusSeeOther, wantLocation: "/admin/"},
			{name: "replay", url: "/admin/signin", form: url.Values{"token": {token}}, wantStatus: http.StatusUnauthorized,
				wantContains: []string{"This sign-in link is not valid"}},
			{name: "forged token", url: "/admin/signin", form: url.Values{"token": {"forged"}}, wantStatus: http.StatusUnauthorized,
				wantContains: []string{"This sign-in link is not valid"}},
			{name: "link without token", url: "/admin/signin", wantStatus: http.StatusUnauthorized},
			{name: "sign out", url: "/admin/logout", method: "POST", form: url.Values{}, cookie: session,
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "after sign out", url: "/admin/", cookie: session, wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
		})

		// An expired link fails, with the same page as a spent one.
		link, err = admin.SignInLink(ctx, f.db, "http://example.test", "ed@example.com", masthead.RoleEditor, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, token = signInPath(t, link)
		f.clock.Advance(61 * time.Minute)
		w = f.do(req{name: "expired", url: "/admin/signin", form: url.Values{"token": {token}}, wantStatus: http.StatusUnauthorized,
			wantContains: []string{"This sign-in link is not valid"}})
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("expired link set a cookie: %v", w.Result().Cookies())
		}
	})
}

func TestSecureCookie(t *testing.T) {
	// The staff session cookie is Secure whenever the reader's is: an
	// https site address alone is enough, as the proxy in front of us
	// ends TLS and speaks plain HTTP to us.
	tests := []struct {
		name       string
		baseURL    string
		secureFlag bool
		want       bool
	}{
		{"https base URL", "https://example.test", false, true},
		{"https base URL and the flag", "https://example.test", true, true},
		{"http base URL with the flag", "http://example.test", true, true},
		{"http base URL", "http://example.test", false, false},
	}
	each(t, func(t *testing.T, f *fixture) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.h = admin.New(admin.Config{BaseURL: tt.baseURL, SecureCookies: tt.secureFlag},
					admin.Deps{Articles: f.db, Taxonomy: f.db, Members: f.db, Clock: f.clock})
				link, err := admin.SignInLink(context.Background(), f.db, tt.baseURL, "ed@example.com", masthead.RoleAdmin, f.clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				u, _ := url.Parse(link)
				w := f.do(req{url: "/admin/signin", form: url.Values{"token": {u.Query().Get("token")}}, wantStatus: http.StatusSeeOther})
				c := sessionFrom(t, w.Result())
				if c.Secure != tt.want {
					t.Errorf("session cookie Secure = %v, want %v", c.Secure, tt.want)
				}
				// Signing out deletes the cookie with the same attribute.
				w = f.do(req{url: "/admin/logout", method: "POST", form: url.Values{}, cookie: &http.Cookie{Name: c.Name, Value: c.Value},
					wantStatus: http.StatusSeeOther})
				cs := w.Result().Cookies()
				if len(cs) != 1 || cs[0].Name != admin.SessionCookie || cs[0].Secure != tt.want || cs[0].MaxAge >= 0 {
					t.Errorf("sign-out cookies %+v: want the session cookie deleted, Secure = %v", cs, tt.want)
				}
			})
		}
	})
}

func TestAccessRefused(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		// A reader: a member without a role, signed in on the reader site.
		reader := f.staff("reader@example.com", masthead.RoleNone, "")
		// A reader's own sign-in link does not open the staff area.
		readerToken, readerHash := masthead.NewToken()
		if err := f.db.CreateSignInToken(ctx, "reader@example.com", readerHash, f.clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		expired := f.staff("gone@example.com", masthead.RoleEditor, "")
		f.run([]req{
			{name: "no session: list", url: "/admin/", wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "no session: editor", url: "/admin/articles/new", wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "no session: save", url: "/admin/articles/new", form: articleForm("draft"), wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "no session: preview", url: "/admin/preview", form: url.Values{"body": {"x"}}, wantStatus: http.StatusUnauthorized},
			{name: "reader: list", url: "/admin/", cookie: reader, wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "reader: save", url: "/admin/articles/new", cookie: reader, form: articleForm("publish"), wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "reader: preview", url: "/admin/preview", cookie: reader, form: url.Values{"body": {"x"}}, wantStatus: http.StatusUnauthorized},
			{name: "reader: staff sign-in", url: "/admin/signin", form: url.Values{"token": {readerToken}}, wantStatus: http.StatusForbidden,
				wantContains: []string{"no access to the staff area"}},
			{name: "garbage cookie", url: "/admin/", cookie: &http.Cookie{Name: admin.SessionCookie, Value: "nope"},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
		})
		f.clock.Advance(31 * 24 * time.Hour) // past the session's end
		f.do(req{name: "expired session", url: "/admin/", cookie: expired, wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"})
		if _, n, _ := f.db.Articles(ctx, masthead.ArticleFilter{}); n != 0 {
			t.Errorf("refused requests created %d articles", n)
		}
	})
}

func TestLoginDoesNotRevealStaff(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.staff("ed@example.com", masthead.RoleEditor, "")
		f.do(req{url: "/admin/login", wantStatus: 200,
			wantContains: []string{`<label for="email">Email address</label>`, `action="/admin/login"`}})
		known := f.do(req{url: "/admin/login", form: url.Values{"email": {"ed@example.com"}}, wantStatus: 200,
			wantContains: []string{"masthead user add"}})
		unknown := f.do(req{url: "/admin/login", form: url.Values{"email": {"nobody@example.com"}}, wantStatus: 200})
		// The two answers differ only in the address echoed back.
		a := strings.ReplaceAll(known.Body.String(), "ed@example.com", "X")
		b := strings.ReplaceAll(unknown.Body.String(), "nobody@example.com", "X")
		if a != b {
			t.Errorf("login answers differ for a staff address and an unknown one")
		}
		f.do(req{name: "malformed address", url: "/admin/login", form: url.Values{"email": {"not an address"}},
			wantStatus: http.StatusUnprocessableEntity, wantContains: []string{"Enter a valid email address.", `value="not an address"`}})
	})
}
