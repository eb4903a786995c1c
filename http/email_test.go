package http_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/mail"
)

// TestReadyzSaysWhereEmailGoes: /readyz names the email setting in its
// body and stays ready without it; /healthz is unchanged.
func TestReadyzSaysWhereEmailGoes(t *testing.T) {
	for _, c := range []struct {
		mode masthead.EmailMode
		want []string
	}{
		{masthead.EmailNone, []string{"not configured", "--smtp-url", "MASTHEAD_SMTP_URL"}},
		{masthead.EmailSMTP, []string{"smtp"}},
		{masthead.EmailOutbox, []string{"/_dev/mail"}},
	} {
		t.Run(string(c.mode), func(t *testing.T) {
			each(t, func(cfg *mhttp.Config, d *mhttp.Deps) {
				d.Ready = d.Articles.(mhttp.Readiness)
				cfg.Email = c.mode
			}, func(t *testing.T, s *site) {
				res := s.do(t, "GET", "/readyz", nil, nil)
				m := readyBody(t, res)
				if res.StatusCode != http.StatusOK || m["status"] != "ready" {
					t.Errorf("/readyz: %d %v", res.StatusCode, m)
				}
				email, _ := m["email"].(string)
				for _, w := range c.want {
					if !strings.Contains(email, w) {
						t.Errorf("/readyz email %q lacks %q", email, w)
					}
				}
				if c.mode != masthead.EmailNone && strings.Contains(email, "not configured") {
					t.Errorf("/readyz email %q", email)
				}
				res = s.do(t, "GET", "/healthz", nil, nil)
				if b, _ := io.ReadAll(res.Body); res.StatusCode != 200 || string(b) != "{\"status\":\"alive\"}\n" {
					t.Errorf("/healthz: %d %q", res.StatusCode, b)
				}
			})
		})
	}
}

// withoutEmail wires the site as serve does with neither --smtp-url nor
// --demo, with the demo's gift checkout on.
func withoutEmail(c *mhttp.Config, d *mhttp.Deps) {
	c.Email = masthead.EmailNone
	d.Mailer = mail.Unconfigured{}
	c.Billing = mhttp.BillingConfig{Grace: 3 * 24 * time.Hour, Demo: true}
	d.Billing = d.Meter.(masthead.BillingService)
}

const noEmail = "We cannot send email right now"

// TestReaderToldEmailCannotBeSent: without SMTP, the pages after asking
// for a sign-in link, after registering and after a gift say that no
// email can go out, instead of promising one, and read the same for an
// address with an account and one without.
func TestReaderToldEmailCannotBeSent(t *testing.T) {
	eachReaders(t, withoutEmail, func(t *testing.T, rs *readers) {
		rs.verified(t, "known@example.com")

		// "Email me a sign-in link".
		pages := map[string]string{}
		for _, addr := range []string{"known@example.com", "unknown@example.com"} {
			res, body := rs.send(t, req{url: "/login", form: url.Values{"email": {addr}, "next": {"/articles/metered-feature"}}})
			if res.StatusCode != 200 {
				t.Fatalf("POST /login %s: %d", addr, res.StatusCode)
			}
			mustContain(t, "login answer", body, noEmail, "No sign-in link can reach "+addr, "log in with your password")
			mustNotContain(t, "login answer", body, "on its way", "Check your inbox")
			pages[addr] = strings.ReplaceAll(body, addr, "ADDR")
		}
		if pages["known@example.com"] != pages["unknown@example.com"] {
			t.Error("the answer differs between a known and an unknown address")
		}

		// Registration, from two browsers: a new address and a member's.
		flashes := map[string]string{}
		for _, addr := range []string{"new.reader@example.com", "known@example.com"} {
			res, _, device := rs.register(t, addr, "metered-feature", nil, nil)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/articles/metered-feature?welcome=1" {
				t.Fatalf("register %s: %d to %q", addr, res.StatusCode, res.Header.Get("Location"))
			}
			_, body := rs.send(t, req{url: "/articles/metered-feature?welcome=1", cookies: []*http.Cookie{device}})
			mustContain(t, "registered browser", body, meteredClosing, "This article is open for you in this browser", noEmail)
			mustNotContain(t, "registered browser", body, "We have emailed")
			i := strings.Index(body, "This article is open")
			flashes[addr] = body[i : i+strings.Index(body[i:], "<")]
		}
		if flashes["new.reader@example.com"] != flashes["known@example.com"] {
			t.Errorf("the welcome differs between a new and a known address: %q / %q",
				flashes["new.reader@example.com"], flashes["known@example.com"])
		}

		// A gift: paid (the demo's checkout), then redeemed signed out.
		_, giver := rs.verified(t, "giver@example.com")
		res, _ := rs.send(t, req{url: "/gifts/checkout", cookies: []*http.Cookie{giver},
			form: url.Values{"email": {"friend@example.com"}, "months": {"1"}, "demo": {"1"}}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/pricing?msg=gift-sent" {
			t.Fatalf("demo gift: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		_, body := rs.send(t, req{url: "/pricing?msg=gift-sent", cookies: []*http.Cookie{giver}})
		mustContain(t, "gift paid", body, "your gift is paid", noEmail, "its redeem link has not reached its recipient")
		mustNotContain(t, "gift paid", body, "We email the redeem link")

		giverM, err := rs.db.MemberByEmail(context.Background(), "giver@example.com")
		if err != nil {
			t.Fatal(err)
		}
		token, hash := masthead.NewToken()
		if _, err := rs.db.CreateGift(context.Background(), masthead.GiftInput{PurchaserID: giverM.ID,
			RecipientEmail: "friend@example.com", Months: 1, TokenHash: hash, Paid: true, Now: rs.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		res, body = rs.send(t, req{url: "/gifts/redeem/" + token, form: url.Values{}})
		if res.StatusCode != 200 {
			t.Fatalf("redeem signed out: %d\n%s", res.StatusCode, excerpt(body))
		}
		mustContain(t, "gift redeemed", body, "friend@example.com has All-Access for 1 month.", noEmail, "no sign-in link has reached that address")
		mustNotContain(t, "gift redeemed", body, "We sent a sign-in link")

		// A member who has not confirmed their address is not told a
		// link was sent.
		unverified := []*http.Cookie{{Name: mhttp.SessionCookie, Value: rs.reader}}
		_, body = rs.send(t, req{url: "/articles/metered-feature", cookies: unverified})
		mustContain(t, "unverified wall", body, "Confirm your email address", noEmail, "that link has to wait")
		mustNotContain(t, "unverified wall", body, "link we sent you", meteredClosing)
		res, body = rs.send(t, req{url: "/articles/metered-feature/unlock", cookies: unverified, form: url.Values{}})
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "we cannot send email right now") || strings.Contains(body, "link we sent you") {
			t.Errorf("unverified unlock: %d\n%s", res.StatusCode, excerpt(body))
		}
	})
}

// TestReaderToldEmailSent: with SMTP the same pages promise the email,
// which arrives.
func TestReaderToldEmailSent(t *testing.T) {
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.Email = masthead.EmailSMTP
		c.Billing = mhttp.BillingConfig{Grace: 3 * 24 * time.Hour, Demo: true}
		d.Billing = d.Meter.(masthead.BillingService)
	}, func(t *testing.T, rs *readers) {
		for _, addr := range []string{"known@example.com", "unknown@example.com"} {
			_, body := rs.send(t, req{url: "/login", form: url.Values{"email": {addr}}})
			mustContain(t, "login answer", body, "a sign-in link is on its way")
			mustNotContain(t, "login answer", body, noEmail)
		}
		_, _, device := rs.register(t, "new.reader@example.com", "metered-feature", nil, nil)
		_, body := rs.send(t, req{url: "/articles/metered-feature?welcome=1", cookies: []*http.Cookie{device}})
		mustContain(t, "registered browser", body, "We have emailed you a link to sign in")
		mustNotContain(t, "registered browser", body, noEmail)
		rs.smtp.WaitFor(t, "new.reader@example.com", mailWait)

		_, giver := rs.verified(t, "giver@example.com")
		rs.send(t, req{url: "/gifts/checkout", cookies: []*http.Cookie{giver},
			form: url.Values{"email": {"friend@example.com"}, "months": {"1"}, "demo": {"1"}}})
		_, body = rs.send(t, req{url: "/pricing?msg=gift-sent", cookies: []*http.Cookie{giver}})
		mustContain(t, "gift paid", body, "We email the redeem link")
		mustNotContain(t, "gift paid", body, noEmail)
		link := giftLink(t, rs, "friend@example.com")
		_, body = rs.send(t, req{url: link, form: url.Values{}})
		mustContain(t, "gift redeemed", body, "We sent a sign-in link to that address.")
	})
}
