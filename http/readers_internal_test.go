package http

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"masthead"
	"masthead/access"
)

func TestAfterParagraph(t *testing.T) {
	ad := ads{after: 2, body: "<aside>AD</aside>"}
	for _, c := range []struct {
		name, in, want string
	}{
		{"plain", "<p>a</p><p>b</p><p>c</p>", "<p>a</p><p>b</p>\n<aside>AD</aside>\n<p>c</p>"},
		{"nested paragraphs do not count",
			"<blockquote><p>q1</p><p>q2</p></blockquote><p>a</p><ul><li><p>x</p></li></ul><p>b</p><h2>h</h2>",
			"<blockquote><p>q1</p><p>q2</p></blockquote><p>a</p><ul><li><p>x</p></li></ul><p>b</p>\n<aside>AD</aside>\n<h2>h</h2>"},
		{"markup inside a paragraph", `<p>a <em>b</em><br><img src="/x.png" alt=""></p><p>c <a href="/">d</a></p><pre><code>&lt;/p&gt;</code></pre>`,
			`<p>a <em>b</em><br><img src="/x.png" alt=""></p><p>c <a href="/">d</a></p>` + "\n<aside>AD</aside>\n" + `<pre><code>&lt;/p&gt;</code></pre>`},
		{"too few paragraphs", "<p>a</p><h2>h</h2>", "<p>a</p><h2>h</h2>"},
		{"nothing after the paragraph", "<p>a</p><p>b</p>\n", "<p>a</p><p>b</p>\n"},
		{"text that looks like a tag", "<p>a &lt;/p&gt;</p><p>b</p><p>c</p>", "<p>a &lt;/p&gt;</p><p>b</p>\n<aside>AD</aside>\n<p>c</p>"},
	} {
		if got := ad.intoBody(c.in); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
	if got := (ads{}).intoBody("<p>a</p><p>b</p>"); got != "<p>a</p><p>b</p>" {
		t.Errorf("no slot: %q", got)
	}
	// The default: house ads after the third paragraph.
	d := newAds(AdConfig{})
	if d.after != 3 || !d.sidebar || !strings.Contains(string(d.body), "All-Access") {
		t.Errorf("defaults: %+v", d)
	}
}

func TestClientIP(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}}
	for _, c := range []struct {
		remote, xff, want string
	}{
		{"192.0.2.1:1234", "", "192.0.2.1"},
		{"192.0.2.1:1234", "203.0.113.5", "192.0.2.1"},          // untrusted peer: header ignored
		{"10.0.0.1:80", "203.0.113.5", "203.0.113.5"},           // trusted proxy
		{"10.0.0.1:80", "6.6.6.6, 203.0.113.5", "203.0.113.5"},  // the client wrote the first hop
		{"10.0.0.1:80", "203.0.113.5, 10.0.0.2", "203.0.113.5"}, // two proxies of ours
		{"10.0.0.1:80", "10.0.0.3, 10.0.0.2", "10.0.0.3"},       // all ours: the farthest
		{"10.0.0.1:80", "bogus, 203.0.113.5", "203.0.113.5"},
		{"10.0.0.1:80", "203.0.113.5, bogus", "10.0.0.1"},
		{"10.0.0.1:80", "", "10.0.0.1"},
		{"[fd00::1]:80", "2001:db8::7", "2001:db8::7"},
		{"[::ffff:192.0.2.9]:80", "", "192.0.2.9"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.clientIP(r).String(); got != c.want {
			t.Errorf("remote %s, X-Forwarded-For %q: %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}

func TestClaimedCrawler(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": "google",
		"Googlebot-News":                                "google",
		"GOOGLEBOT":                                     "google",
		"Mozilla/5.0 (compatible; bingbot/2.0)":         "bing",
		"Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0": "",
		"Googlebo":                                      "",
		"":                                              "",
	} {
		if got, _ := claimedCrawler(ua); got != want {
			t.Errorf("%q: %q, want %q", ua, got, want)
		}
	}
}

// TestWallTemplates renders the article page for every offer the wall can
// make, so each branch of the template runs.
func TestWallTemplates(t *testing.T) {
	s := testServer(t)
	r := httptest.NewRequest("GET", "/articles/a", nil)
	a := &masthead.Article{Slug: "a", Title: "T", Access: masthead.AccessMetered, Kind: masthead.KindDaily}
	for _, c := range []struct {
		d    access.Decision
		want string
	}{
		{access.Decision{Reason: access.ReasonAnonymous, Offer: access.OfferRegister}, `action="/register"`},
		{access.Decision{Reason: access.ReasonUnverified, Offer: access.OfferVerify}, "Confirm your email address"},
		{access.Decision{Reason: access.ReasonMeterAvailable, Offer: access.OfferUnlock, CreditsLeft: 2}, "You have 2 of 3 free articles left this week — read this one?"},
		{access.Decision{Reason: access.ReasonMeterExhausted, Offer: access.OfferSubscribe}, "You have read your free articles this week"},
		{access.Decision{Reason: access.ReasonSubscribersOnly, Offer: access.OfferSubscribe}, "This article is for subscribers"},
	} {
		v := articlePage{base: s.newBase(r, "T", "", "/articles/a"), Article: a, Body: "<p>teaser</p>", Gated: true, Access: c.d,
			Wall: wallView{Credits: 3, Period: "week", Email: `"><x>`, Error: "Enter a valid email address."}, AdSide: "<p>AD</p>"}
		w := newBufWriter()
		if err := s.render(w, "article", v); err != nil {
			t.Fatalf("%s: %v", c.d.Reason, err)
		}
		out := w.body.String()
		if !strings.Contains(out, c.want) || !strings.Contains(out, `<aside class="ad ad--side" aria-label="Advertisement"><p>AD</p></aside>`) {
			t.Errorf("%s: page lacks %q or the ad", c.d.Reason, c.want)
		}
		if strings.Contains(out, `"><x>`) {
			t.Errorf("%s: the typed address is not escaped", c.d.Reason)
		}
	}
}
