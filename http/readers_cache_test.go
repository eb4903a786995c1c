package http_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
)

// giftToken makes a subscriber's gift link for slug and returns its token.
func (rs *readers) giftToken(t *testing.T, slug string, maxReaders int) string {
	t.Helper()
	ctx := context.Background()
	m, _ := rs.subscriber(t, "giver-"+slug+"@example.com")
	token, hash := masthead.NewToken()
	if _, err := rs.db.CreateGiftLink(ctx, masthead.GiftLinkInput{
		MemberID: m.ID, ArticleID: rs.ids[slug], TokenHash: hash, MaxReaders: maxReaders,
		ExpiresAt: now.Add(30 * 24 * time.Hour), MonthStart: now.AddDate(0, -1, 0), PerMonth: 10,
	}); err != nil {
		t.Fatal(err)
	}
	return token
}

// TestReaderCaching: anonymous pages are public and shared; any page that
// depends on the reader is private, varies by cookie and never enters or
// comes out of the shared cache.
func TestReaderCaching(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		rs.dns.add("66.249.66.1", "crawl-66-249-66-1.googlebot.com.", "66.249.66.1")
		_, _, device := rs.register(t, "cache@example.com", "metered-feature", nil, nil)
		strayDevice := &http.Cookie{Name: mhttp.DeviceCookie, Value: "never-registered"}
		_, member := rs.verified(t, "cache-member@example.com")
		gift := rs.giftToken(t, "subscribers-only", 5)

		for _, c := range []struct {
			name    string
			q       req
			private bool
			full    string // a closing sentence the reader must get
			noindex bool
		}{
			{name: "anonymous", q: req{url: "/articles/metered-feature"}},
			{name: "registered browser", q: req{url: "/articles/metered-feature", cookies: []*http.Cookie{device}}, private: true, full: meteredClosing},
			{name: "anonymous again", q: req{url: "/articles/metered-feature"}},
			{name: "device cookie without an unlock", q: req{url: "/articles/subscribers-only", cookies: []*http.Cookie{strayDevice}}},
			{name: "member", q: req{url: "/articles/metered-feature", cookies: []*http.Cookie{member}}, private: true},
			{name: "verified crawler", q: req{url: "/articles/metered-feature", remote: "66.249.66.1:1",
				header: http.Header{"User-Agent": {googlebotUA}}}, private: true, full: meteredClosing},
			{name: "spoofed crawler", q: req{url: "/articles/metered-feature", header: http.Header{"User-Agent": {googlebotUA}}}},
			{name: "gift link", q: req{url: "/articles/subscribers-only?gift=" + gift}, private: true, full: subscribersClosing, noindex: true},
			{name: "wrong gift token", q: req{url: "/articles/subscribers-only?gift=wrong"}, private: true, noindex: true},
			{name: "gift token for another article", q: req{url: "/articles/metered-feature?gift=" + gift}, private: true, noindex: true},
			{name: "anonymous after all of them", q: req{url: "/articles/subscribers-only"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, body := rs.send(t, c.q)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d", res.StatusCode)
				}
				cc := res.Header.Get("Cache-Control")
				if c.private != strings.Contains(cc, "private") || c.private == strings.Contains(cc, "public") {
					t.Errorf("Cache-Control %q, want private %v", cc, c.private)
				}
				if !strings.Contains(res.Header.Get("Vary"), "Cookie") {
					t.Errorf("Vary %q lacks Cookie", res.Header.Get("Vary"))
				}
				if c.full != "" {
					mustContain(t, c.name, body, c.full)
				} else {
					mustNotContain(t, c.name, body, meteredClosing, subscribersClosing)
				}
				if c.noindex {
					if res.Header.Get("X-Robots-Tag") != "noindex" || res.Header.Get("Referrer-Policy") != "no-referrer" {
						t.Errorf("gift page: X-Robots-Tag %q, Referrer-Policy %q", res.Header.Get("X-Robots-Tag"), res.Header.Get("Referrer-Policy"))
					}
					slug := strings.TrimPrefix(strings.SplitN(c.q.url, "?", 2)[0], "/articles/")
					mustContain(t, c.name, body, `<meta name="robots" content="noindex">`,
						`<link rel="canonical" href="https://news.example/articles/`+slug+`">`)
					if c.full == "" {
						mustContain(t, c.name, body, "This gift link has expired")
					}
				}
			})
		}

		// The gift reader's browser is counted once however often it
		// comes back; the link's other readers are other browsers.
		res, _ := rs.send(t, req{url: "/articles/subscribers-only?gift=" + gift})
		giftDevice := setCookie(res, mhttp.DeviceCookie)
		if giftDevice == nil {
			t.Fatal("gift page set no device cookie")
		}
		for range 3 {
			_, body := rs.send(t, req{url: "/articles/subscribers-only?gift=" + gift, cookies: []*http.Cookie{giftDevice}})
			mustContain(t, "returning gift reader", body, subscribersClosing)
		}
		links, err := rs.db.GiftLinks(context.Background(), mustMemberID(t, rs, "giver-subscribers-only@example.com"))
		if err != nil || len(links) != 1 {
			t.Fatalf("gift links: %v, %v", links, err)
		}
		// Two browsers used the token: the table's and this one, however
		// often it came. The one that tried it on another article took
		// no place on the link.
		if links[0].Readers != 2 {
			t.Errorf("gift link readers: %d, want 2", links[0].Readers)
		}
	})
}

func mustMemberID(t *testing.T, rs *readers, email string) int64 {
	t.Helper()
	m, err := rs.db.MemberByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// TestViewCache: pages rendered once per view for readers who are not
// anonymous still carry each reader's own name and nothing of another
// reader's standing.
func TestViewCache(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		named := func(m *masthead.Member, name string) {
			t.Helper()
			if err := rs.db.SetMemberName(ctx, m.ID, name); err != nil {
				t.Fatal(err)
			}
		}
		a, ac := rs.subscriber(t, "ann@example.com")
		named(a, "Ann Subscriber")
		b, bc := rs.subscriber(t, "bob@example.com")
		named(b, `Bob <script>alert("x")</script> & Co`)
		c, cc := rs.verified(t, "cat@example.com")
		named(c, "Cat Metered")

		for range 2 { // the second round is served from the view cache
			_, body := rs.send(t, req{url: "/articles/subscribers-only", cookies: []*http.Cookie{ac}})
			mustContain(t, "Ann", body, "Ann Subscriber", subscribersClosing)
			mustNotContain(t, "Ann", body, "Bob", "Cat", "mastheadReaderName")

			_, body = rs.send(t, req{url: "/articles/subscribers-only", cookies: []*http.Cookie{bc}})
			mustContain(t, "Bob", body, "Bob &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co", subscribersClosing)
			mustNotContain(t, "Bob", body, "Ann", "<script>alert", "mastheadReaderName")

			_, body = rs.send(t, req{url: "/articles/subscribers-only", cookies: []*http.Cookie{cc}})
			mustContain(t, "Cat", body, "Cat Metered", "This article is for subscribers")
			mustNotContain(t, "Cat", body, "Ann", "Bob", subscribersClosing, "mastheadReaderName")

			_, body = rs.send(t, req{url: "/articles/subscribers-only"})
			mustNotContain(t, "anonymous", body, "Ann", "Bob", "Cat", subscribersClosing, "mastheadReaderName")
		}
	})
}
