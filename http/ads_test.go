package http_test

import (
	"html/template"
	"net/http"
	"strings"
	"testing"

	mhttp "masthead/http"
)

func TestAds(t *testing.T) {
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.Ads.AfterParagraph = 1
	}, func(t *testing.T, rs *readers) {
		_, member := rs.verified(t, "ads-member@example.com")
		_, subscriber := rs.subscriber(t, "ads-subscriber@example.com")
		staff := &http.Cookie{Name: mhttp.SessionCookie, Value: rs.staff}
		for _, c := range []struct {
			name    string
			url     string
			cookies []*http.Cookie
			ads     bool
		}{
			{"anonymous", "/articles/free-daily", nil, true},
			{"anonymous on a gated article", "/articles/metered-feature", nil, true},
			{"registered reader", "/articles/free-daily", []*http.Cookie{member}, true},
			{"subscriber", "/articles/free-daily", []*http.Cookie{subscriber}, false},
			{"subscriber on a subscribers' article", "/articles/subscribers-only", []*http.Cookie{subscriber}, false},
			{"staff", "/articles/free-daily", []*http.Cookie{staff}, false},
		} {
			_, body := rs.send(t, req{url: c.url, cookies: c.cookies})
			if got := strings.Contains(body, "Advertisement"); got != c.ads {
				t.Errorf("%s: ads shown %v, want %v", c.name, got, c.ads)
			}
			if c.ads {
				mustContain(t, c.name, body, `<aside class="ad ad--side" aria-label="Advertisement">`, "Read without limits")
			}
		}
		// The in-body slot sits between two top-level blocks: after the
		// first paragraph, before the heading that follows it.
		_, body := rs.send(t, req{url: "/articles/free-daily"})
		i := strings.Index(body, "<p>Everyone may read this.</p>")
		j := strings.Index(body, `<aside class="ad ad--inline"`)
		k := strings.Index(body, "<h2")
		if i < 0 || j < i || k < j {
			t.Errorf("in-body slot out of place: paragraph at %d, ad at %d, heading at %d", i, j, k)
		}
	})
}

func TestAdSettings(t *testing.T) {
	publisher := `<a class="sponsor" href="/partners/acme">Acme, proud sponsor</a>`
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.Ads = mhttp.AdConfig{AfterParagraph: 1, HTML: template.HTML(publisher)}
	}, func(t *testing.T, rs *readers) {
		_, body := rs.send(t, req{url: "/articles/free-daily"})
		if n := strings.Count(body, publisher); n != 2 {
			t.Errorf("publisher's ad appears %d times, want 2 (body and side)", n)
		}
		mustNotContain(t, "publisher's ads", body, "Subscribe for All-Access")
	})
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.Ads = mhttp.AdConfig{Off: true}
	}, func(t *testing.T, rs *readers) {
		_, body := rs.send(t, req{url: "/articles/free-daily"})
		mustNotContain(t, "ads off", body, "Advertisement")
	})
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.Ads = mhttp.AdConfig{AfterParagraph: -1, NoSidebar: true}
	}, func(t *testing.T, rs *readers) {
		_, body := rs.send(t, req{url: "/articles/free-daily"})
		mustNotContain(t, "both slots off", body, "Advertisement")
	})
}
