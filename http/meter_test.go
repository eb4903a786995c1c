package http_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestMeter(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		m, sess := rs.verified(t, "metered@example.com")
		me := []*http.Cookie{sess}
		unlocks := func() int {
			t.Helper()
			list, err := rs.db.MemberUnlocks(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		unlock := func(slug string, extra ...*http.Cookie) *http.Response {
			t.Helper()
			res, _ := rs.send(t, req{method: http.MethodPost, url: "/articles/" + slug + "/unlock",
				cookies: append(append([]*http.Cookie{}, me...), extra...)})
			return res
		}

		// The offer, and nothing spent by looking.
		res, body := rs.send(t, req{url: "/articles/metered-feature", cookies: me})
		mustContain(t, "meter offer", body, "You have 3 of 3 free articles left this month — read this one?",
			`action="/articles/metered-feature/unlock"`, meteredOpening)
		mustNotContain(t, "meter offer", body, meteredClosing, `action="/register"`, "/gift")
		if !strings.Contains(res.Header.Get("Cache-Control"), "private") {
			t.Errorf("member's page: Cache-Control %q", res.Header.Get("Cache-Control"))
		}
		for _, q := range []req{
			{method: http.MethodGet, url: "/articles/metered-feature/unlock", cookies: me},
			{method: http.MethodHead, url: "/articles/metered-feature/unlock", cookies: me},
			{method: http.MethodHead, url: "/articles/metered-feature", cookies: me},
			{url: "/articles/metered-feature", cookies: me, header: http.Header{"Sec-Purpose": {"prefetch"}}},
			{url: "/feed.xml", cookies: me},
			{url: "/columns/the-long-view/atom.xml", cookies: me},
		} {
			res, _ := rs.send(t, q)
			if res.StatusCode == http.StatusSeeOther {
				t.Errorf("%s %s: redirected as if spent", q.method, q.url)
			}
		}
		if n := unlocks(); n != 0 {
			t.Fatalf("looking spent %d credits", n)
		}
		// A post from another site is refused.
		res, _ = rs.send(t, req{method: http.MethodPost, url: "/articles/metered-feature/unlock", cookies: me,
			header: http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}})
		if res.StatusCode != http.StatusForbidden || unlocks() != 0 {
			t.Fatalf("cross-site unlock: status %d, %d unlocks", res.StatusCode, unlocks())
		}

		// Spending by POST opens the article for good.
		if res := unlock("metered-feature"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/articles/metered-feature" {
			t.Fatalf("unlock: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		_, body = rs.send(t, req{url: "/articles/metered-feature", cookies: me})
		mustContain(t, "unlocked article", body, meteredClosing)
		mustNotContain(t, "unlocked article", body, "free articles left")
		// A second click spends nothing.
		unlock("metered-feature")
		if n := unlocks(); n != 1 {
			t.Fatalf("second click: %d unlocks", n)
		}
		// Another device of the same member: open, nothing spent.
		sess2 := rs.session(t, m)
		_, body = rs.send(t, req{url: "/articles/metered-feature", cookies: []*http.Cookie{sess2}})
		mustContain(t, "second device", body, meteredClosing)
		_, body = rs.send(t, req{url: "/articles/filler-00", cookies: me})
		mustContain(t, "next offer", body, "You have 2 of 3 free articles left this month")

		// Two clicks at once on a new article spend one credit.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { unlock("filler-00") })
		}
		wg.Wait()
		if n := unlocks(); n != 2 {
			t.Fatalf("eight clicks at once: %d unlocks, want 2", n)
		}
		unlock("filler-01")
		if n := unlocks(); n != 3 {
			t.Fatalf("third unlock: %d unlocks", n)
		}

		// Exhausted: the offer is a subscription, and a post spends
		// nothing.
		_, body = rs.send(t, req{url: "/articles/filler-02", cookies: me})
		mustContain(t, "exhausted", body, "You have read your free articles this month", `href="/pricing?next=`)
		mustNotContain(t, "exhausted", body, "/unlock")
		if res := unlock("filler-02"); res.StatusCode != http.StatusSeeOther || unlocks() != 3 {
			t.Fatalf("unlock when exhausted: status %d, %d unlocks", res.StatusCode, unlocks())
		}

		// Subscribers-only articles are never unlockable with credits.
		_, body = rs.send(t, req{url: "/articles/subscribers-only", cookies: me})
		mustContain(t, "subscribers-only", body, "This article is for subscribers")
		mustNotContain(t, "subscribers-only", body, "/unlock", subscribersClosing)

		// Next month: the unlocked articles stay open, three new credits.
		rs.clock.Set(now.AddDate(0, 1, 0))
		_, body = rs.send(t, req{url: "/articles/metered-feature", cookies: me})
		mustContain(t, "next month, unlocked", body, meteredClosing)
		_, body = rs.send(t, req{url: "/articles/filler-02", cookies: me})
		mustContain(t, "next month, new credits", body, "You have 3 of 3 free articles left this month")
	})
}

func TestMeterRefusals(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		m, sess := rs.verified(t, "fresh@example.com")
		me := []*http.Cookie{sess}
		for _, c := range []struct {
			name    string
			url     string
			cookies []*http.Cookie
			status  int
			where   string
		}{
			{"subscribers only", "/articles/subscribers-only/unlock", me, http.StatusPaymentRequired, ""},
			{"anonymous", "/articles/metered-feature/unlock", nil, http.StatusSeeOther, "/login?next=%2Farticles%2Fmetered-feature"},
			{"free article: nothing to spend", "/articles/free-daily/unlock", me, http.StatusSeeOther, "/articles/free-daily"},
			{"unknown article", "/articles/no-such-thing/unlock", me, http.StatusNotFound, ""},
			{"draft", "/articles/a-draft/unlock", me, http.StatusNotFound, ""},
			{"unverified member", "/articles/metered-feature/unlock", []*http.Cookie{{Name: "masthead_session", Value: rs.reader}}, http.StatusForbidden, ""},
		} {
			res, _ := rs.send(t, req{method: http.MethodPost, url: c.url, cookies: c.cookies})
			if res.StatusCode != c.status || res.Header.Get("Location") != c.where {
				t.Errorf("%s: %d to %q, want %d to %q", c.name, res.StatusCode, res.Header.Get("Location"), c.status, c.where)
			}
		}
		if list, _ := rs.db.MemberUnlocks(ctx, m.ID); len(list) != 0 {
			t.Errorf("refusals spent %d credits", len(list))
		}

		// The unverified member is asked to confirm, not offered credits.
		_, body := rs.send(t, req{url: "/articles/metered-feature", cookies: []*http.Cookie{{Name: "masthead_session", Value: rs.reader}}})
		mustContain(t, "unverified", body, "Confirm your email address")
		mustNotContain(t, "unverified", body, "/unlock", meteredClosing)

		// A subscriber reads everything, unmetered.
		sm, ss := rs.subscriber(t, "subscriber@example.com")
		for _, slug := range []string{"metered-feature", "subscribers-only"} {
			_, body := rs.send(t, req{url: "/articles/" + slug, cookies: []*http.Cookie{ss}})
			mustContain(t, "subscriber "+slug, body, fmt.Sprintf("CLOSING-%s", strings.ToUpper(strings.SplitN(slug, "-", 2)[0])),
				`action="/articles/`+slug+`/gift"`)
		}
		if list, _ := rs.db.MemberUnlocks(ctx, sm.ID); len(list) != 0 {
			t.Errorf("a subscriber spent %d credits", len(list))
		}
	})
}
