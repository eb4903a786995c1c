package http_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
)

// TestMembersCannotReachEachOthersData: a signed-in member who puts
// another member's id into a URL, a query or a form reads and changes only
// their own data. Every account route takes the member from the session;
// the one route with an id in its path (gift revoke) checks the owner.
func TestMembersCannotReachEachOthersData(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		alice, ac := rs.verified(t, "alice@example.com")
		bob, bc := rs.subscriber(t, "bob@example.com")
		if err := rs.db.SetMemberName(ctx, bob.ID, "Bob Private"); err != nil {
			t.Fatal(err)
		}
		meteredID := rs.ids["metered-feature"]
		if _, err := rs.db.SpendCredit(ctx, bob.ID, meteredID, now.AddDate(0, -1, 0), 3, now); err != nil {
			t.Fatal(err)
		}
		if res, _ := rs.send(t, req{url: "/articles/subscribers-only/gift", form: url.Values{}, cookies: []*http.Cookie{bc}}); res.StatusCode != 200 {
			t.Fatalf("bob's gift: %d", res.StatusCode)
		}
		links, err := rs.db.GiftLinks(ctx, bob.ID)
		if err != nil || len(links) != 1 {
			t.Fatalf("bob's gift links: %v %v", links, err)
		}
		gift := links[0]
		bid := strconv.FormatInt(bob.ID, 10)
		as := []*http.Cookie{ac}

		// Reading: the account page and the data export are alice's,
		// whatever names bob.
		for _, u := range []string{
			"/account?member=" + bid + "&id=" + bid + "&member_id=" + bid + "&email=bob%40example.com",
			"/account/export.json?member=" + bid + "&id=" + bid + "&member_id=" + bid,
		} {
			res, body := rs.send(t, req{url: u, cookies: as})
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", u, res.StatusCode)
			}
			mustContain(t, u, body, "alice@example.com")
			mustNotContain(t, u, body, "bob@example.com", "Bob Private", "subscribers-only")
		}

		// Changing: forms that name bob change alice or nothing.
		spoof := url.Values{"member": {bid}, "id": {bid}, "member_id": {bid}}
		with := func(kv ...string) url.Values {
			v := url.Values{}
			for k, vs := range spoof {
				v[k] = vs
			}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		rs.send(t, req{url: "/account/name", form: with("name", "Hijacked"), cookies: as})
		rs.send(t, req{url: "/articles/metered-feature/unlock", form: with(), cookies: as})
		rs.send(t, req{url: "/account/sessions/revoke", form: with(), cookies: as})
		// Gift links by id: bob's and every id around it.
		for id := int64(1); id <= gift.ID+5; id++ {
			res, _ := rs.send(t, req{url: "/account/gifts/" + strconv.FormatInt(id, 10) + "/revoke", form: with(), cookies: []*http.Cookie{rs.session(t, alice)}})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("alice revoking gift link %d: %d, want 404", id, res.StatusCode)
			}
		}

		m, err := rs.db.Member(ctx, bob.ID)
		if err != nil || m.Name != "Bob Private" {
			t.Errorf("bob's name: %v %v", m, err)
		}
		if u, err := rs.db.MemberUnlocks(ctx, bob.ID); err != nil || len(u) != 1 {
			t.Errorf("bob's unlocks: %v %v", u, err)
		}
		if links, _ := rs.db.GiftLinks(ctx, bob.ID); len(links) != 1 || !links[0].RevokedAt.IsZero() {
			t.Errorf("bob's gift link after alice's attempts: %+v", links)
		}
		res, body := rs.send(t, req{url: "/account", cookies: []*http.Cookie{bc}})
		if res.StatusCode != 200 || !strings.Contains(body, "bob@example.com") {
			t.Errorf("bob's session after alice revoked hers: %d", res.StatusCode)
		}
		if m, _ := rs.db.Member(ctx, alice.ID); m.Name != "Hijacked" {
			t.Errorf("alice's own name change did not apply: %q", m.Name)
		}
	})
}

// securityHeaders are the headers every response carries
// (docs/operations.md, "Security headers").
var securityHeaders = map[string]string{
	"Content-Security-Policy":    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options":     "nosniff",
	"Referrer-Policy":            "",
	"X-Frame-Options":            "DENY",
	"Cross-Origin-Opener-Policy": "same-origin",
	"Permissions-Policy":         "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

// TestSecurityHeadersAndCookies checks real responses of every kind —
// cached pages, personal pages, errors, JSON, assets, the staff area —
// for the headers and the cookies' attributes, over an https base URL and
// over plain http with and without --secure-cookies.
func TestSecurityHeadersAndCookies(t *testing.T) {
	for _, c := range []struct {
		name       string
		base       string
		secureFlag bool
		wantSecure bool
	}{
		{"https", "https://news.example", false, true},
		{"http", "http://news.example", false, false},
		{"http behind TLS proxy", "http://news.example", true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			eachReaders(t, func(cfg *mhttp.Config, d *mhttp.Deps) {
				cfg.BaseURL, cfg.SecureCookies = c.base, c.secureFlag
			}, func(t *testing.T, rs *readers) {
				_, member := rs.verified(t, "reader@example.com")
				for _, u := range []string{"/", "/articles/metered-feature", "/articles/no-such", "/feed.xml", "/search?q=vote",
					"/healthz", "/readyz", "/login", "/account", "/admin/login", "/robots.txt"} {
					for _, cookies := range [][]*http.Cookie{nil, {member}} {
						res, _ := rs.send(t, req{url: u, cookies: cookies})
						for k, want := range securityHeaders {
							got := res.Header.Get(k)
							if got == "" || (want != "" && got != want) {
								t.Errorf("%s (signed in %v): %s = %q, want %q", u, cookies != nil, k, got, want)
							}
						}
						hsts := res.Header.Get("Strict-Transport-Security")
						if (c.base[:5] == "https") != (hsts != "") {
							t.Errorf("%s: Strict-Transport-Security %q on %s", u, hsts, c.base)
						}
					}
				}

				// The device cookie (registration) and the session cookie
				// (sign-in) as a browser receives them.
				res, _, device := rs.register(t, "new@example.com", "metered-feature", nil, nil)
				if res.StatusCode >= 400 || device == nil {
					t.Fatalf("register: %d, device cookie %v", res.StatusCode, device)
				}
				tok, hash := masthead.NewToken()
				if err := rs.db.CreateSignInToken(context.Background(), "reader@example.com", hash, now.Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
				res, _ = rs.send(t, req{url: "/signin", form: url.Values{"token": {tok}}})
				session := setCookie(res, mhttp.SessionCookie)
				if session == nil {
					t.Fatalf("sign-in set no session cookie: %d", res.StatusCode)
				}
				for name, ck := range map[string]*http.Cookie{"device": device, "session": session} {
					if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure != c.wantSecure {
						t.Errorf("%s cookie: HttpOnly %v, SameSite %v, Path %q, Secure %v (want %v)",
							name, ck.HttpOnly, ck.SameSite, ck.Path, ck.Secure, c.wantSecure)
					}
				}
			})
		})
	}
}
