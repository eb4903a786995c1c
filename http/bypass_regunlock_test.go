package http_test

// Registration unlocks per mailbox: a script with a fresh cookie jar for
// every registration, and a new spelling of one address each time (a
// +tag sub-address, Gmail's dots, letter case), opens one article's text
// by registering, not one per registration.

import (
	"context"
	"net/http"
	"regexp"
	"testing"
)

func TestBypassRegistrationUnlockPerMailbox(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		const addr = "wall.reader+one@gmail.com"
		const welcome = "We have emailed you a link to sign in"
		// The mailbox opens one article by registering.
		_, _, first := rs.register(t, addr, "filler-00", nil, nil)
		_, body := rs.send(t, req{url: "/articles/filler-00", cookies: []*http.Cookie{first}})
		mustNotContain(t, "first registration", body, "Keep reading for free")

		// The same mailbox under other spellings, each from a browser
		// that never registered: the metered article stays closed, and
		// the reader is told what any browser past its unlock is told.
		owner, err := rs.db.MemberByEmail(context.Background(), addr)
		if err != nil {
			t.Fatal(err)
		}
		for _, spelling := range []string{"wall.reader+two@gmail.com", "WallReader@googlemail.com", "w.a.l.l.r.e.a.d.e.r@gmail.com"} {
			res, _, device := rs.register(t, spelling, "metered-feature", nil, nil)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/articles/metered-feature?welcome=1" || device == nil {
				t.Fatalf("register %s: status %d to %q, device %v", spelling, res.StatusCode, res.Header.Get("Location"), device)
			}
			if m, err := rs.db.MemberByEmail(context.Background(), spelling); err != nil || m.ID != owner.ID {
				t.Fatalf("%s: member %+v, %v; want %d", spelling, m, err, owner.ID)
			}
			_, body := rs.send(t, req{url: "/articles/metered-feature?welcome=1", cookies: []*http.Cookie{device}})
			mustNotContain(t, spelling, body, meteredClosing)
			mustContain(t, spelling, body, meteredOpening, "Keep reading for free", welcome)
			_, body = rs.send(t, req{url: "/articles/metered-feature", cookies: []*http.Cookie{device}})
			mustNotContain(t, spelling+", later", body, meteredClosing)
		}
		// A browser that used its own unlock gets the same page.
		_, _, again := rs.register(t, "someone.else@example.com", "metered-feature", []*http.Cookie{first}, nil)
		_, body = rs.send(t, req{url: "/articles/metered-feature?welcome=1", cookies: []*http.Cookie{again}})
		mustNotContain(t, "browser past its unlock", body, meteredClosing)
		mustContain(t, "browser past its unlock", body, "Keep reading for free", welcome)

		// Another mailbox from a fresh browser does read on: the page
		// would show the paragraph if the rule let it through.
		_, _, other := rs.register(t, "another.reader@gmail.com", "metered-feature", nil, nil)
		_, body = rs.send(t, req{url: "/articles/metered-feature", cookies: []*http.Cookie{other}})
		mustContain(t, "another mailbox", body, meteredClosing)

		// The refused registration's email still came: its link signs
		// the reader in, and a credit opens the article.
		rs.smtp.WaitFor(t, addr, mailWait)
		session := rs.followLink(t, addr)
		rs.unlockAs(t, session, "metered-feature")
		_, body = rs.send(t, req{url: "/articles/metered-feature", cookies: []*http.Cookie{session}})
		mustContain(t, "after the emailed link", body, meteredClosing)
	})
}

// TestBypassRegistrationUnlockPerMailboxNoEmail: when no email can leave,
// the note on a registration the mailbox's rule refused does not say the
// article is open; it says what it says to a browser past its unlock.
func TestBypassRegistrationUnlockPerMailboxNoEmail(t *testing.T) {
	eachReaders(t, withoutEmail, func(t *testing.T, rs *readers) {
		_, _, first := rs.register(t, "quiet.reader@gmail.com", "filler-00", nil, nil)
		flashes := map[string]string{}
		for name, cookies := range map[string][]*http.Cookie{"mailbox past its unlock": nil, "browser past its unlock": {first}} {
			email := "quietreader+x@gmail.com"
			if cookies != nil {
				email = "someone.else@example.com"
			}
			_, _, device := rs.register(t, email, "metered-feature", cookies, nil)
			_, body := rs.send(t, req{url: "/articles/metered-feature?welcome=1", cookies: []*http.Cookie{device}})
			mustContain(t, name, body, noEmail, "Keep reading for free")
			mustNotContain(t, name, body, meteredClosing, "open for you")
			flashes[name] = flashRE.FindString(body)
		}
		if a, b := flashes["mailbox past its unlock"], flashes["browser past its unlock"]; a == "" || a != b {
			t.Errorf("the notes differ: %q / %q", a, b)
		}
	})
}

// flashRE finds the note at the top of a page.
var flashRE = regexp.MustCompile(`<p class="flash" role="status">[^<]*</p>`)
