package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/mail/mailtest"
)

func TestRegistration(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()

		t.Run("opens the article at once, in this browser only", func(t *testing.T) {
			res, _, device := rs.register(t, "New.Reader@Example.com", "metered-feature", nil, nil)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/articles/metered-feature?welcome=1" {
				t.Fatalf("register: %d to %q", res.StatusCode, res.Header.Get("Location"))
			}
			if device == nil || !device.HttpOnly || device.SameSite != http.SameSiteLaxMode || !device.Secure || device.MaxAge < 365*24*3600 {
				t.Fatalf("device cookie: %+v", device)
			}
			res, body := rs.send(t, req{url: "/articles/metered-feature?welcome=1", cookies: []*http.Cookie{device}})
			mustContain(t, "registered browser", body, meteredClosing, "We have emailed you a link to sign in")
			mustNotContain(t, "registered browser", body, "Keep reading for free")
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(res.Header.Get("Vary"), "Cookie") {
				t.Errorf("registered browser's page: Cache-Control %q, Vary %q", cc, res.Header.Get("Vary"))
			}
			// Another browser, and the shared cache, still get the teaser.
			res, body = rs.send(t, req{url: "/articles/metered-feature"})
			mustNotContain(t, "another browser", body, meteredClosing)
			mustContain(t, "another browser", body, "Keep reading for free")
			if !strings.Contains(res.Header.Get("Cache-Control"), "public") {
				t.Errorf("anonymous page: Cache-Control %q", res.Header.Get("Cache-Control"))
			}
			// The registration opened that article only.
			_, body = rs.send(t, req{url: "/articles/filler-01", cookies: []*http.Cookie{device}})
			mustContain(t, "another article", body, "Keep reading for free")

			m, err := rs.db.MemberByEmail(ctx, "new.reader@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if !m.VerifiedAt.IsZero() {
				t.Error("registration verified the address")
			}

			// The sign-in link arrives by SMTP, verifies the address and
			// returns the reader to the article.
			msg := rs.smtp.WaitFor(t, "new.reader@example.com", 10*time.Second)
			link := mailtest.FirstLink(msg.Text)
			if !strings.HasPrefix(link, "https://news.example/signin?token=") || msg.HTML == "" {
				t.Fatalf("email: link %q in\n%s", link, msg.Text)
			}
			u, _ := url.Parse(link)
			if got := u.Query().Get("next"); got != "/articles/metered-feature" {
				t.Errorf("link returns to %q", got)
			}
			signed, err := rs.db.ConsumeSignInToken(ctx, masthead.HashToken(u.Query().Get("token")))
			if err != nil || signed.ID != m.ID || signed.VerifiedAt.IsZero() {
				t.Fatalf("following the link: %+v, %v", signed, err)
			}
		})

		t.Run("same answer for a known and a new address", func(t *testing.T) {
			if _, err := rs.db.EnsureMember(ctx, "known@example.com", masthead.RoleNone); err != nil {
				t.Fatal(err)
			}
			known, kbody, _ := rs.register(t, "known@example.com", "filler-02", nil, nil)
			fresh, fbody, _ := rs.register(t, "never-seen@example.com", "filler-02", nil, nil)
			if known.StatusCode != fresh.StatusCode || known.Header.Get("Location") != fresh.Header.Get("Location") || kbody != fbody {
				t.Errorf("known: %d %q %q; new: %d %q %q", known.StatusCode, known.Header.Get("Location"), kbody,
					fresh.StatusCode, fresh.Header.Get("Location"), fbody)
			}
			// Both get their link.
			rs.smtp.WaitFor(t, "known@example.com", 10*time.Second)
			rs.smtp.WaitFor(t, "never-seen@example.com", 10*time.Second)
		})

		t.Run("newsletter consent is recorded only when ticked, with its wording", func(t *testing.T) {
			rs.register(t, "ticked@example.com", "filler-03", nil, url.Values{"newsletter": {"yes"}})
			rs.register(t, "unticked@example.com", "filler-03", nil, nil)
			m, err := rs.db.MemberByEmail(ctx, "ticked@example.com")
			if err != nil {
				t.Fatal(err)
			}
			cs, err := rs.db.Consents(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 1 || !cs[0].Consented || cs[0].Newsletter != masthead.NewsletterFree ||
				!strings.Contains(cs[0].Wording, "free newsletter") || !cs[0].At.Equal(now) {
				t.Errorf("ticked: consents %+v", cs)
			}
			m, _ = rs.db.MemberByEmail(ctx, "unticked@example.com")
			if cs, _ := rs.db.Consents(ctx, m.ID); len(cs) != 0 {
				t.Errorf("unticked: consents %+v", cs)
			}
			// The box is on the wall, unticked.
			_, body := rs.send(t, req{url: "/articles/filler-04"})
			mustContain(t, "wall", body, `<input type="checkbox" name="newsletter" value="yes">`)
			mustNotContain(t, "wall", body, "checked")
		})

		t.Run("a bad address re-renders the article with the message", func(t *testing.T) {
			for _, bad := range []string{"", "not-an-address", "a@b", "<script>@x.com", strings.Repeat("x", 400) + "@example.com"} {
				res, body, _ := rs.register(t, bad, "metered-feature", nil, nil)
				if res.StatusCode != http.StatusBadRequest {
					t.Errorf("%q: status %d, want 400", bad, res.StatusCode)
				}
				mustContain(t, "refused form", body, "Enter a valid email address.", `aria-invalid="true"`, meteredOpening)
				mustNotContain(t, "refused form", body, meteredClosing, "<script>@")
				if setCookie(res, mhttp.DeviceCookie) != nil {
					t.Errorf("%q: a refused form set a device cookie", bad)
				}
			}
		})

		t.Run("internationalised addresses are kept as typed, lower-cased", func(t *testing.T) {
			res, _, device := rs.register(t, "JOSÉ@EXÄMPLE.COM", "filler-05", nil, nil)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d", res.StatusCode)
			}
			if _, err := rs.db.MemberByEmail(ctx, "josé@exämple.com"); err != nil {
				t.Errorf("member: %v", err)
			}
			_, body := rs.send(t, req{url: "/articles/filler-05", cookies: []*http.Cookie{device}})
			mustNotContain(t, "IDN registration", body, "Keep reading for free")
		})

		t.Run("unknown or unpublished article", func(t *testing.T) {
			for _, slug := range []string{"no-such-piece", "a-draft", "future-piece", "../etc"} {
				res, _, _ := rs.register(t, "x@example.com", slug, nil, nil)
				if res.StatusCode != http.StatusNotFound {
					t.Errorf("%s: status %d", slug, res.StatusCode)
				}
			}
		})

		t.Run("cross-origin registration refused", func(t *testing.T) {
			res, _ := rs.send(t, req{url: "/register", form: url.Values{"email": {"x@example.com"}, "article": {"metered-feature"}},
				header: http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", res.StatusCode)
			}
		})
	})
}

// TestRegistrationFarming: fifty made-up addresses from one device open at
// most one article.
func TestRegistrationFarming(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		var device *http.Cookie
		for i := range 50 {
			slug := fmt.Sprintf("filler-%02d", i%10)
			var cookies []*http.Cookie
			if device != nil {
				cookies = []*http.Cookie{device}
			}
			// From as many networks, so that only the device rule
			// stands in the way.
			res, _ := rs.send(t, req{url: "/register", cookies: cookies, remote: fmt.Sprintf("192.0.2.%d:1234", i+1),
				form: url.Values{"email": {fmt.Sprintf("made-up-%d@example.com", i)}, "article": {slug}}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("registration %d: status %d", i, res.StatusCode)
			}
			if d := setCookie(res, mhttp.DeviceCookie); d != nil {
				if device != nil {
					t.Fatalf("registration %d: a second device cookie", i)
				}
				device = d
			}
		}
		open := 0
		for i := range 10 {
			_, body := rs.send(t, req{url: fmt.Sprintf("/articles/filler-%02d", i), cookies: []*http.Cookie{device}})
			if !strings.Contains(body, "Keep reading for free") {
				open++
			}
		}
		if open != 1 {
			t.Fatalf("fifty addresses from one device opened %d articles, want 1", open)
		}
		// The metered article nobody registered on is closed too.
		_, body := rs.send(t, req{url: "/articles/metered-feature", cookies: []*http.Cookie{device}})
		mustNotContain(t, "farming device", body, meteredClosing)
		// Next month the browser may register once more.
		rs.clock.Set(now.AddDate(0, 1, 0))
		rs.register(t, "made-up-next@example.com", "metered-feature", []*http.Cookie{device}, nil)
		_, body = rs.send(t, req{url: "/articles/metered-feature", cookies: []*http.Cookie{device}})
		mustContain(t, "next month", body, meteredClosing)
	})
}

func TestRegistrationRateLimits(t *testing.T) {
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.Accounts.SignInPerAddress = 2
	}, func(t *testing.T, rs *readers) {
		// Per address: the page is the same; only the emails stop.
		var first string
		for i := range 4 {
			res, body, _ := rs.register(t, "target@example.com", "metered-feature", nil, nil)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("registration %d: status %d", i, res.StatusCode)
			}
			if i == 0 {
				first = body
			} else if body != first {
				t.Errorf("registration %d answered differently", i)
			}
		}
		settle(rs)
		if n := rs.smtp.Received("target@example.com"); n != 2 {
			t.Errorf("%d emails to one address, want 2 (the limit)", n)
		}

		// Per client address: the 31st registration from one network in
		// an hour is refused with 429; another network is not.
		for i := range 30 {
			res, _ := rs.send(t, req{url: "/register", remote: "198.51.100.7:999",
				form: url.Values{"email": {fmt.Sprintf("flood-%d@example.com", i)}, "article": {"metered-feature"}}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("registration %d from one network: status %d", i, res.StatusCode)
			}
		}
		res, body := rs.send(t, req{url: "/register", remote: "198.51.100.7:999",
			form: url.Values{"email": {"flood-x@example.com"}, "article": {"metered-feature"}}})
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("31st registration: status %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
		mustContain(t, "429 page", body, "Too many sign-ups")
		mustNotContain(t, "429 page", body, meteredClosing)
		// Behind the trusted proxy, the forwarded address is the client.
		res, _ = rs.send(t, req{url: "/register", remote: "10.1.2.3:5555",
			header: http.Header{"X-Forwarded-For": {"198.51.100.7"}},
			form:   url.Values{"email": {"flood-y@example.com"}, "article": {"metered-feature"}}})
		if res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("forwarded flood: status %d, want 429", res.StatusCode)
		}
		res, _ = rs.send(t, req{url: "/register", remote: "203.0.113.50:999",
			form: url.Values{"email": {"other-network@example.com"}, "article": {"metered-feature"}}})
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("another network: status %d", res.StatusCode)
		}
	})
}
