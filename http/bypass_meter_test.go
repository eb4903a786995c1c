package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"masthead"
	mhttp "masthead/http"
)

// The meter's part of the bypass suite: what a reader with a script
// tries to get more free articles than the period's, or to act for
// someone else — deleting the account and registering again, other
// spellings of one mailbox, one IPv6 /64 as many clients, and ticking the
// newsletter box with another member's address. Every step goes through
// the site as a browser would, on both engines.

// followLink waits for the next email to addr, opens its sign-in link and
// presses the button, and returns the session it gives.
func (rs *readers) followLink(t *testing.T, addr string) *http.Cookie {
	t.Helper()
	_, body := rs.send(t, req{url: signInLink(t, rs, addr)})
	m := hiddenToken.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no token in the sign-in form\n%s", excerpt(body))
	}
	res, _ := rs.send(t, req{url: "/signin", form: url.Values{"token": {m[1]}}})
	c := setCookie(res, mhttp.SessionCookie)
	if res.StatusCode != http.StatusSeeOther || c == nil {
		t.Fatalf("POST /signin: status %d, session %v", res.StatusCode, c)
	}
	return c
}

// unlockAs posts the unlock button of slug with the session.
func (rs *readers) unlockAs(t *testing.T, session *http.Cookie, slug string) {
	t.Helper()
	res, _ := rs.send(t, req{method: http.MethodPost, url: "/articles/" + slug + "/unlock", cookies: []*http.Cookie{session}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unlock %s: status %d", slug, res.StatusCode)
	}
}

// memberUnlocks counts the unlocks of the member an address belongs to.
func (rs *readers) memberUnlocks(t *testing.T, email string) int {
	t.Helper()
	m, err := rs.db.MemberByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	list, err := rs.db.MemberUnlocks(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

const exhaustedOffer = "You have read your free articles this month"

// TestBypassMeterDeleteAndRegisterAgain: a reader who spent the month's
// credits deletes the account and registers the same address again; the
// new account starts the month with them spent, and next month with a
// full meter.
func TestBypassMeterDeleteAndRegisterAgain(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		const addr = "refill@example.com"
		rs.register(t, addr, "metered-feature", nil, nil)
		first := rs.followLink(t, addr)
		for _, slug := range []string{"filler-00", "filler-01", "filler-02"} {
			rs.unlockAs(t, first, slug)
		}
		_, body := rs.send(t, req{url: "/articles/filler-03", cookies: []*http.Cookie{first}})
		mustContain(t, "before deleting", body, exhaustedOffer)

		res, body := rs.send(t, req{url: "/account/delete", form: url.Values{"confirm": {"DELETE"}}, cookies: []*http.Cookie{first}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("delete: status %d", res.StatusCode)
		}
		mustContain(t, "deletion page", body, "until the end of this meter period")

		// Registering again, from a new browser: the mailbox used its
		// registration unlock this period, and the meter does not
		// refill.
		res, _, device := rs.register(t, addr, "filler-04", nil, nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("registering again: status %d", res.StatusCode)
		}
		again := rs.followLink(t, addr)
		for _, slug := range []string{"filler-05", "filler-06"} {
			_, body = rs.send(t, req{url: "/articles/" + slug, cookies: []*http.Cookie{again, device}})
			mustContain(t, slug+" after registering again", body, exhaustedOffer)
			mustNotContain(t, slug+" after registering again", body, "free articles left", "/unlock")
		}
		res, _ = rs.send(t, req{method: http.MethodPost, url: "/articles/filler-05/unlock", cookies: []*http.Cookie{again}})
		if n := rs.memberUnlocks(t, addr); n != 0 {
			t.Fatalf("the new account unlocked %d articles (status %d), want 0", n, res.StatusCode)
		}
		_, body = rs.send(t, req{url: "/account", cookies: []*http.Cookie{again}})
		mustContain(t, "account page after registering again", body, "<strong>0 of 3</strong> free articles left")

		// Next month the reader has a meter like anyone.
		rs.clock.Set(now.AddDate(0, 1, 0))
		_, body = rs.send(t, req{url: "/articles/filler-05", cookies: []*http.Cookie{again}})
		mustContain(t, "next month", body, "You have 3 of 3 free articles left this month")
	})
}

// TestBypassMeterMailboxSpellings: a sub-address, another letter case,
// Gmail's dots and its other domain name reach the member's mailbox and
// are that member: no second account, no fresh credits, and the links go
// to the address the member has.
func TestBypassMeterMailboxSpellings(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		const addr = "first.last@gmail.com"
		owner, session := rs.verified(t, addr)
		for _, slug := range []string{"filler-00", "filler-01", "filler-02"} {
			rs.unlockAs(t, session, slug)
		}
		for i, spelling := range []string{"First.Last+more@googlemail.com", "firstlast+x@gmail.com", "FIRSTLAST@GMAIL.COM"} {
			slug := fmt.Sprintf("filler-%02d", 10+i)
			res, _, device := rs.register(t, spelling, slug, nil, nil)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/articles/"+slug+"?welcome=1" {
				t.Fatalf("register %s: status %d to %q", spelling, res.StatusCode, res.Header.Get("Location"))
			}
			if m, err := rs.db.MemberByEmail(ctx, spelling); err != nil || m.ID != owner.ID {
				t.Fatalf("%s made an account of its own: %+v, %v", spelling, m, err)
			}
			// The link goes to the member's own address, and signs in
			// as the member, whose meter is spent.
			c := rs.followLink(t, addr)
			_, body := rs.send(t, req{url: "/articles/filler-20", cookies: []*http.Cookie{c, device}})
			mustContain(t, spelling, body, exhaustedOffer)
			mustNotContain(t, spelling, body, "/unlock")
		}
		if n := rs.smtp.Received("first.last+more@googlemail.com") + rs.smtp.Received("firstlast+x@gmail.com"); n != 0 {
			t.Errorf("%d emails went to the other spellings", n)
		}
		// The sign-in form finds the member under any spelling too.
		res, _ := rs.send(t, req{url: "/login", form: url.Values{"email": {"F.I.R.S.T.L.A.S.T+login@gmail.com"}}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("login: status %d", res.StatusCode)
		}
		rs.followLink(t, addr)
		if n := rs.memberUnlocks(t, addr); n != 3 {
			t.Errorf("%d unlocks, want the 3 of the month", n)
		}
	})
}

// TestBypassMeterNetworks: forty registrations from forty addresses of
// one IPv6 /64, behind the trusted proxy, are one client: the limit holds
// at thirty. The neighbouring /64s of its /48 are not refused for it, and
// the /48 as a whole has a limit of its own; sign-in counts the same way.
func TestBypassMeterNetworks(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		register := func(email, client string) int {
			t.Helper()
			res, _ := rs.send(t, req{url: "/register", remote: "10.0.0.1:443",
				header: http.Header{"X-Forwarded-For": {client}},
				form:   url.Values{"email": {email}, "article": {"metered-feature"}}})
			return res.StatusCode
		}
		count := func(codes []int) (ok, refused int) {
			for _, c := range codes {
				switch c {
				case http.StatusSeeOther:
					ok++
				case http.StatusTooManyRequests:
					refused++
				default:
					t.Errorf("unexpected status %d", c)
				}
			}
			return ok, refused
		}

		var codes []int
		for i := range 40 {
			codes = append(codes, register(fmt.Sprintf("net%d@example.com", i), fmt.Sprintf("2001:db8:64:1:%x::%x", i, i+1)))
		}
		if ok, refused := count(codes); ok != 30 || refused != 10 {
			t.Fatalf("one /64: %d registered, %d refused; want 30 and 10", ok, refused)
		}
		// The next /64 is another client.
		if c := register("neighbour@example.com", "2001:db8:64:2::99"); c != http.StatusSeeOther {
			t.Errorf("the neighbour /64: status %d", c)
		}

		// The /48: four times the limit, 31 of which are spent (30 from
		// the /64 above and 1 from the neighbour); 89 more from other
		// /64s pass, the next is refused.
		codes = codes[:0]
		for i := range 90 {
			codes = append(codes, register(fmt.Sprintf("wide%d@example.com", i), fmt.Sprintf("2001:db8:64:%x::1", 0x100+i)))
		}
		if ok, refused := count(codes); ok != 89 || refused != 1 {
			t.Fatalf("one /48: %d registered, %d refused; want 89 and 1", ok, refused)
		}
		if c := register("elsewhere@example.com", "2001:db8:65::1"); c != http.StatusSeeOther {
			t.Errorf("another /48: status %d", c)
		}

		// Sign-in: twenty attempts an hour from a /64, whatever its
		// addresses.
		codes = codes[:0]
		for i := range 25 {
			res, _ := rs.send(t, req{url: "/login", remote: "10.0.0.1:443",
				header: http.Header{"X-Forwarded-For": {fmt.Sprintf("2001:db8:77:1::%x", i+1)}},
				form:   url.Values{"email": {fmt.Sprintf("login%d@example.com", i)}}})
			if res.StatusCode == http.StatusOK {
				res.StatusCode = http.StatusSeeOther // the "check your inbox" page
			}
			codes = append(codes, res.StatusCode)
		}
		if ok, refused := count(codes); ok != 20 || refused != 5 {
			t.Fatalf("sign-in from one /64: %d answered, %d refused; want 20 and 5", ok, refused)
		}
	})
}

// TestBypassMeterConsent: registering a member's address with the
// newsletter box ticked, from a browser that is not theirs, changes
// nothing of their choices; the browser gets what registration promises
// (the article the mailbox opened by registering opens, the same redirect
// as for a new address), so the answer tells nothing about who has an
// account. (A mailbox that opened another article gets the teaser:
// bypass_regunlock_test.go.)
func TestBypassMeterConsent(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		// The member subscribed on registering, then unsubscribed on the
		// account page.
		rs.register(t, "chooser@example.com", "metered-feature", nil, url.Values{"newsletter": {"1"}})
		session := rs.followLink(t, "chooser@example.com")
		res, _ := rs.send(t, req{url: "/account/newsletters", form: url.Values{}, cookies: []*http.Cookie{session}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("unsubscribe on the account page: status %d", res.StatusCode)
		}
		m, err := rs.db.MemberByEmail(ctx, "chooser@example.com")
		if err != nil {
			t.Fatal(err)
		}
		before, err := rs.db.Consents(ctx, m.ID)
		if err != nil || len(before) != 2 || before[0].Consented {
			t.Fatalf("consents before: %+v, %v", before, err)
		}

		answer := func(email string) (string, string) {
			t.Helper()
			res, _, device := rs.register(t, email, "metered-feature", nil, url.Values{"newsletter": {"1"}})
			_, body := rs.send(t, req{url: res.Header.Get("Location"), cookies: []*http.Cookie{device}})
			mustContain(t, "article after registering "+email, body, meteredClosing)
			return fmt.Sprint(res.StatusCode, " ", res.Header.Get("Location")), res.Header.Get("Cache-Control")
		}
		known, knownCC := answer("chooser@example.com")
		variant, _ := answer("Chooser+news@example.com")
		unknown, unknownCC := answer("stranger@example.com")
		if known != unknown || variant != unknown || knownCC != unknownCC {
			t.Errorf("answers differ: known %q, variant %q, unknown %q", known, variant, unknown)
		}

		after, err := rs.db.Consents(ctx, m.ID)
		if err != nil || len(after) != len(before) || after[0].Consented {
			t.Fatalf("the member's consents changed: %+v, %v", after, err)
		}
		// The new address's box is recorded, with the wording shown.
		s, err := rs.db.MemberByEmail(ctx, "stranger@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if cs, err := rs.db.Consents(ctx, s.ID); err != nil || len(cs) != 1 || !cs[0].Consented || cs[0].Newsletter != masthead.NewsletterFree {
			t.Errorf("new member's consent: %+v, %v", cs, err)
		}
	})
}
