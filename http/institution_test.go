package http_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"masthead"
	mhttp "masthead/http"
)

// TestInstitutionReaders: a reader on an institution's network reads the
// full text without an account; a reader elsewhere gets the teaser of the
// same article, whatever came first through the page cache, and only a
// trusted proxy's X-Forwarded-For counts.
func TestInstitutionReaders(t *testing.T) {
	for _, cache := range []struct {
		name  string
		bytes int64
	}{{"cache", 0}, {"no cache", -1}} {
		t.Run(cache.name, func(t *testing.T) {
			eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
				c.PageCacheBytes = cache.bytes
				d.Institutions = d.Meter.(masthead.InstitutionService)
			}, func(t *testing.T, rs *readers) {
				ctx := context.Background()
				in, err := masthead.InstitutionInput{Name: "Univ", Ranges: "198.51.100.0/24\n2001:db8:42::/48", Domains: "univ.example"}.Parse(zone, now)
				if err != nil {
					t.Fatal(err)
				}
				uni, err := rs.db.CreateInstitution(ctx, in, 0)
				if err != nil {
					t.Fatal(err)
				}
				if err := rs.srv.ReloadInstitutions(ctx); err != nil {
					t.Fatal(err)
				}
				const campus, outside = "198.51.100.7:5000", "203.0.113.9:5000"
				xff := func(v string) http.Header { return http.Header{"X-Forwarded-For": {v}} }
				for _, c := range []struct {
					name string
					q    req
					full bool
				}{
					{"outside first", req{url: "/articles/metered-feature", remote: outside}, false},
					{"campus after the cached teaser", req{url: "/articles/metered-feature", remote: campus}, true},
					{"outside after the campus page", req{url: "/articles/metered-feature", remote: outside}, false},
					{"campus again", req{url: "/articles/metered-feature", remote: campus}, true},
					{"campus first", req{url: "/articles/subscribers-only", remote: campus}, true},
					{"outside after campus first", req{url: "/articles/subscribers-only", remote: outside}, false},
					{"campus IPv6", req{url: "/articles/subscribers-only", remote: "[2001:db8:42::9]:443"}, true},
					{"IPv6 next door", req{url: "/articles/subscribers-only", remote: "[2001:db8:43::9]:443"}, false},
					{"campus through the trusted proxy", req{url: "/articles/subscribers-only", remote: "10.0.0.5:80", header: xff("198.51.100.7")}, true},
					{"outside through the trusted proxy", req{url: "/articles/subscribers-only", remote: "10.0.0.5:80", header: xff("203.0.113.50")}, false},
					{"campus address forged before an outside hop", req{url: "/articles/subscribers-only", remote: "10.0.0.5:80", header: xff("198.51.100.7, 203.0.113.50")}, false},
					{"campus address claimed by an untrusted peer", req{url: "/articles/subscribers-only", remote: outside, header: xff("198.51.100.7")}, false},
				} {
					res, body := rs.send(t, c.q)
					if res.StatusCode != http.StatusOK {
						t.Fatalf("%s: status %d", c.name, res.StatusCode)
					}
					closing := meteredClosing
					if strings.Contains(c.q.url, "subscribers-only") {
						closing = subscribersClosing
					}
					cc := res.Header.Get("Cache-Control")
					if c.full {
						mustContain(t, c.name, body, closing)
						if !strings.Contains(cc, "private") {
							t.Errorf("%s: Cache-Control %q, want private", c.name, cc)
						}
					} else {
						mustNotContain(t, c.name, body, meteredClosing, subscribersClosing)
					}
				}

				// Staff end the agreement: the network reads teasers again,
				// on this instance at once.
				uni.EndsAt = now.Add(-1)
				uni.StartsAt = now.AddDate(-1, 0, 0)
				if _, err := rs.db.UpdateInstitution(ctx, uni, 0); err != nil {
					t.Fatal(err)
				}
				if err := rs.srv.ReloadInstitutions(ctx); err != nil {
					t.Fatal(err)
				}
				_, body := rs.send(t, req{url: "/articles/subscribers-only", remote: campus})
				mustNotContain(t, "campus after the end", body, subscribersClosing)
			})
		})
	}
}

// TestInstitutionDomainMember: a member who verifies an address at a
// listed domain reads as a subscriber, from anywhere.
func TestInstitutionDomainMember(t *testing.T) {
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		d.Institutions = d.Meter.(masthead.InstitutionService)
	}, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		in, err := masthead.InstitutionInput{Name: "Univ", Domains: "univ.example"}.Parse(zone, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rs.db.CreateInstitution(ctx, in, 0); err != nil {
			t.Fatal(err)
		}
		_, staffed := rs.verified(t, "ada@univ.example")
		_, body := rs.send(t, req{url: "/articles/subscribers-only", cookies: []*http.Cookie{staffed}})
		mustContain(t, "member at the domain", body, subscribersClosing)
		_, other := rs.verified(t, "bob@elsewhere.example")
		_, body = rs.send(t, req{url: "/articles/subscribers-only", cookies: []*http.Cookie{other}})
		mustNotContain(t, "member elsewhere", body, subscribersClosing)

		// A member verified before the domain was listed gets access
		// when next signing in, by password too.
		early, _ := rs.verified(t, "early@later.example")
		if err := rs.db.SetPassword(ctx, early.ID, "a long secret phrase"); err != nil {
			t.Fatal(err)
		}
		in, _ = masthead.InstitutionInput{Name: "Later", Domains: "later.example"}.Parse(zone, now)
		if _, err := rs.db.CreateInstitution(ctx, in, 0); err != nil {
			t.Fatal(err)
		}
		res, _ := rs.send(t, req{url: "/login", form: url.Values{"with": {"password"}, "email": {"early@later.example"}, "password": {"a long secret phrase"}}})
		session := setCookie(res, mhttp.SessionCookie)
		if res.StatusCode != http.StatusSeeOther || session == nil {
			t.Fatalf("password sign-in: %d", res.StatusCode)
		}
		_, body = rs.send(t, req{url: "/articles/subscribers-only", cookies: []*http.Cookie{session}})
		mustContain(t, "member signed in by password", body, subscribersClosing)
	})
}
