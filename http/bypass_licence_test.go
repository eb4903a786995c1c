package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/insights"
	"masthead/store"
)

// The AI crawlers' user agents the licence and price cases send.
const (
	gptbotUA     = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.2; +https://openai.com/gptbot"
	claudebotUA  = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)"
	perplexityUA = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)"
)

// licensedSite is a readers site with licences, the AI crawlers'
// policies and ranges, and the dashboard's recorder.
func licensedSite(t *testing.T, fn func(t *testing.T, rs *readers, rec *insights.Recorder)) {
	var rec *insights.Recorder
	eachReaders(t, func(_ *mhttp.Config, d *mhttp.Deps) {
		db := d.Meter.(*store.DB)
		d.Settings, d.CrawlerRanges, d.Licences = db, db, db
		rec = insights.New(db, insights.Options{Interval: time.Hour, Clock: d.Clock})
		d.Insights = rec
	}, func(t *testing.T, rs *readers) {
		defer rec.Close()
		ctx := context.Background()
		for family, cidr := range map[string]string{"gptbot": "52.230.152.0/24", "claudebot": "160.79.104.0/23", "perplexitybot": "107.20.236.0/24"} {
			if _, err := rs.db.ReplaceCrawlerRanges(ctx, family, []netip.Prefix{netip.MustParsePrefix(cidr)}); err != nil {
				t.Fatal(err)
			}
		}
		fn(t, rs, rec)
	})
}

// setPolicy saves the AI crawlers' policies and the licensing terms and
// puts them in force.
func setPolicy(t *testing.T, rs *readers, p map[string]masthead.CrawlerPolicy) {
	t.Helper()
	ctx := context.Background()
	if _, err := rs.db.SaveSettings(ctx, masthead.SiteSettings{AICrawlers: p, LicencePrice: "0.005 USD",
		LicenceURL: "https://news.example/licensing", LicenceContact: "licensing@news.example"}, 0); err != nil {
		t.Fatal(err)
	}
	if err := rs.srv.FollowContent(ctx); err != nil {
		t.Fatal(err)
	}
}

// licence makes a licence key and returns its secret and id.
func licence(t *testing.T, db *store.DB, name string, l masthead.Licence) (string, int64) {
	t.Helper()
	secret, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyContent)
	k, err := db.CreateAPIKey(context.Background(), masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: name,
		Scopes: []string{masthead.ScopeLicence}, Licence: l}, hash, hint)
	if err != nil {
		t.Fatal(err)
	}
	return secret, k.ID
}

func bearer(secret, ua string) http.Header {
	h := http.Header{"Authorization": {"Bearer " + secret}}
	if ua != "" {
		h.Set("User-Agent", ua)
	}
	return h
}

// TestBypassLicensed: a licence key opens in full the articles its terms
// cover and nothing else, privately and never through the page cache;
// a revoked, expired, forged or plain content key opens nothing; a key
// bound to one crawler sent with another's user agent opens nothing; a
// key over its rate gets 429 with Retry-After and no text; a licence
// reads past a family's refusal; every licensed request is in the
// billing log, and none counts as a reader's view.
func TestBypassLicensed(t *testing.T) {
	licensedSite(t, func(t *testing.T, rs *readers, rec *insights.Recorder) {
		ctx := context.Background()
		setPolicy(t, rs, map[string]masthead.CrawlerPolicy{"claudebot": masthead.CrawlerRefuse})
		// metered-feature is in topic energy and column the-long-view;
		// subscribers-only in topic economy.
		energy, energyID := licence(t, rs.db, "Energy Lab", masthead.Licence{Terms: masthead.LicenceTerms{{Kind: "topic", Slug: "energy"}}})
		everything, _ := licence(t, rs.db, "Answer Engine", masthead.Licence{Family: "perplexitybot", Contact: "deals@answer.example"})
		anthropic, _ := licence(t, rs.db, "Anthropic", masthead.Licence{})
		revoked, revokedID := licence(t, rs.db, "Former partner", masthead.Licence{})
		if err := rs.db.RevokeAPIKey(ctx, revokedID); err != nil {
			t.Fatal(err)
		}
		expired, _ := licence(t, rs.db, "Trial", masthead.Licence{ExpiresAt: now.Add(-time.Minute)})
		slow, slowID := licence(t, rs.db, "Slow crawler", masthead.Licence{PerMinute: 2})
		plain, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyContent)
		if _, err := rs.db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: "Partner app",
			Scopes: []string{masthead.ScopeFullText}}, hash, hint); err != nil {
			t.Fatal(err)
		}
		forged := "mhc_" + strings.Repeat("A", 43)

		// An anonymous reader fills the page cache first: no licensed
		// request may be answered from it.
		if _, body := rs.send(t, req{url: "/articles/metered-feature"}); strings.Contains(body, meteredClosing) {
			t.Fatal("anonymous page opened")
		}
		views := func() int64 {
			t.Helper()
			rec.Flush()
			top, err := rs.db.InsightTopArticles(ctx, masthead.InsightRange{From: now.Add(-24 * time.Hour), To: now.Add(24 * time.Hour)}, 50)
			if err != nil {
				t.Fatal(err)
			}
			var n int64
			for _, a := range top {
				n += a.Views
			}
			return n
		}
		viewsBefore := views()

		for _, c := range []struct {
			name   string
			q      req
			status int
			want   string // the closing paragraph the body must hold, if any
		}{
			{"licence covering the topic", req{url: "/articles/metered-feature", header: bearer(energy, "")}, 200, meteredClosing},
			{"licence covering the topic, print view", req{url: "/articles/metered-feature?print=1", header: bearer(energy, "")}, 200, meteredClosing},
			{"licence outside its topics", req{url: "/articles/subscribers-only", header: bearer(energy, "")}, 200, ""},
			{"licence for every article", req{url: "/articles/subscribers-only", header: bearer(everything, perplexityUA)}, 200, subscribersClosing},
			{"licence bound to PerplexityBot sent as GPTBot", req{url: "/articles/subscribers-only", header: bearer(everything, gptbotUA)}, 403, ""},
			{"licence bound to PerplexityBot sent by a browser", req{url: "/articles/subscribers-only", header: bearer(everything, "")}, 403, ""},
			{"licence read past a refusal", req{url: "/articles/subscribers-only", remote: "160.79.105.1:1", header: bearer(anthropic, claudebotUA)}, 200, subscribersClosing},
			{"revoked licence", req{url: "/articles/subscribers-only", header: bearer(revoked, "")}, 401, ""},
			{"expired licence", req{url: "/articles/subscribers-only", header: bearer(expired, "")}, 401, ""},
			{"forged licence", req{url: "/articles/subscribers-only", header: bearer(forged, gptbotUA)}, 401, ""},
			{"content key that is no licence", req{url: "/articles/subscribers-only", header: bearer(plain, "")}, 401, ""},
			{"lower-case scheme", req{url: "/articles/metered-feature", header: http.Header{"Authorization": {"bearer " + energy}}}, 200, meteredClosing},
			{"slow crawler, first", req{url: "/articles/metered-feature", header: bearer(slow, "")}, 200, meteredClosing},
			{"slow crawler, second", req{url: "/articles/subscribers-only", header: bearer(slow, "")}, 200, subscribersClosing},
			{"slow crawler over its rate", req{url: "/articles/metered-feature", header: bearer(slow, "")}, 429, ""},
		} {
			for _, gz := range []bool{false, true} {
				q := c.q
				q.header = q.header.Clone()
				if gz {
					q.header.Set("Accept-Encoding", "gzip")
				}
				res, body := rs.send(t, q)
				if res.Header.Get("Content-Encoding") == "gzip" {
					body = gunzip(t, body)
				}
				if res.StatusCode != c.status {
					t.Errorf("%s (gzip %v): status %d, want %d\n%s", c.name, gz, res.StatusCode, c.status, body)
					continue
				}
				for _, cl := range []string{meteredClosing, subscribersClosing} {
					if cl != c.want && strings.Contains(body, cl) {
						t.Errorf("%s (gzip %v): holds %q", c.name, gz, cl)
					}
				}
				if c.want != "" && !strings.Contains(body, c.want) {
					t.Errorf("%s (gzip %v): lacks the last paragraph", c.name, gz)
				}
				cc := res.Header.Get("Cache-Control")
				switch {
				case c.status == 200 && (!strings.HasPrefix(cc, "private") || res.Header.Get("Surrogate-Key") != ""):
					t.Errorf("%s: Cache-Control %q, Surrogate-Key %q: a licensed page is private", c.name, cc, res.Header.Get("Surrogate-Key"))
				case c.status != 200 && cc != "no-store":
					t.Errorf("%s: Cache-Control %q on a refusal", c.name, cc)
				}
				if c.status == 200 && c.want == "" {
					mustContain(t, c.name, body, `class="wall article-gated"`)
				}
				if c.status != 200 {
					var e struct {
						Error struct{ Code, Message string }
					}
					if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
						t.Errorf("%s: body is not a JSON error (%v): %s", c.name, err, body)
					}
				}
				if c.status == 401 && !strings.Contains(res.Header.Get("WWW-Authenticate"), "invalid_token") {
					t.Errorf("%s: WWW-Authenticate %q", c.name, res.Header.Get("WWW-Authenticate"))
				}
				if c.status == 429 {
					if ra := res.Header.Get("Retry-After"); ra != "60" {
						t.Errorf("%s: Retry-After %q, want 60 (the window's oldest request leaves in a minute)", c.name, ra)
					}
				}
				if strings.HasPrefix(c.name, "slow crawler") {
					break // its rate counts each request: one variant only
				}
			}
		}

		// The anonymous page, cached before and after, stayed closed, and
		// the licensed pages left nothing in the page cache.
		for _, u := range []string{"/articles/metered-feature", "/articles/subscribers-only"} {
			res, body := rs.send(t, req{url: u})
			if strings.Contains(body, meteredClosing) || strings.Contains(body, subscribersClosing) {
				t.Errorf("%s: anonymous page opened after the licensed requests", u)
			}
			if !strings.HasPrefix(res.Header.Get("Cache-Control"), "public") {
				t.Errorf("%s: anonymous Cache-Control %q", u, res.Header.Get("Cache-Control"))
			}
		}
		// Two anonymous views were counted, and no licensed request.
		if got := views() - viewsBefore; got != 2 {
			t.Errorf("views counted during the licensed requests: %d, want the 2 anonymous ones", got)
		}

		// The billing log: each request of the energy licence, what it got
		// and the bytes of text; the slow crawler's refusal too.
		var rows []masthead.LicenceRequest
		if err := rs.db.LicenceRequests(ctx, 0, now.Add(-time.Hour), now.Add(time.Hour), func(q masthead.LicenceRequest) error {
			rows = append(rows, q)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		count := map[int64]map[string]int{}
		for _, q := range rows {
			if count[q.KeyID] == nil {
				count[q.KeyID] = map[string]int{}
			}
			count[q.KeyID][q.Decision]++
			if q.Decision == masthead.LicenceFull && q.Bytes < int64(len(meteredClosing)) {
				t.Errorf("logged %d bytes for a full text: %+v", q.Bytes, q)
			}
		}
		if got := count[energyID]; got[masthead.LicenceFull] != 6 || got[masthead.LicenceTeaser] != 2 {
			t.Errorf("energy licence logged %v, want 6 full (two views, gzip or not, and the lower-case scheme's) and 2 teasers", got)
		}
		if got := count[slowID]; got[masthead.LicenceFull] != 2 || got[masthead.LicenceRateLimited] != 1 {
			t.Errorf("slow licence logged %v, want 2 full and 1 rate-limited", got)
		}
		if got := count[revokedID]; len(got) != 0 {
			t.Errorf("revoked licence logged %v", got)
		}
	})
}

// TestBypassAICrawlerPrice: a verified crawler of a family refused with
// a price gets 402 on article pages, with the price and the terms in
// JSON and headers and never the text; on other pages, and when its
// claim is spoofed, what an anonymous reader gets; with a licence, the
// text. The dashboard counts each request by family and decision.
func TestBypassAICrawlerPrice(t *testing.T) {
	licensedSite(t, func(t *testing.T, rs *readers, rec *insights.Recorder) {
		ctx := context.Background()
		setPolicy(t, rs, map[string]masthead.CrawlerPolicy{"gptbot": masthead.CrawlerPrice, "claudebot": masthead.CrawlerRefuse,
			"perplexitybot": masthead.CrawlerFull})
		openai, _ := licence(t, rs.db, "OpenAI", masthead.Licence{Family: "gptbot"})
		verified := func(ua, addr string) http.Header { return http.Header{"User-Agent": {ua}} }

		for _, u := range []string{"/articles/subscribers-only", "/articles/metered-feature", "/articles/metered-feature?format=json"} {
			res, body := rs.send(t, req{url: u, remote: "52.230.152.7:1", header: verified(gptbotUA, "")})
			if res.StatusCode != http.StatusPaymentRequired {
				t.Fatalf("%s: verified GPTBot got %d, want 402", u, res.StatusCode)
			}
			if strings.Contains(body, meteredClosing) || strings.Contains(body, subscribersClosing) || strings.Contains(body, "wall") {
				t.Errorf("%s: 402 holds article text: %s", u, body)
			}
			var got struct {
				Error   struct{ Code string }
				Price   struct{ Amount, Currency, Per string }
				Licence struct{ URL, Contact, How string }
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%s: 402 body: %v\n%s", u, err, body)
			}
			if got.Error.Code != "payment_required" || got.Price.Amount != "0.005" || got.Price.Currency != "USD" || got.Price.Per != "article" ||
				got.Licence.URL != "https://news.example/licensing" || got.Licence.Contact != "licensing@news.example" || !strings.Contains(got.Licence.How, "Authorization: Bearer") {
				t.Errorf("%s: 402 body %+v", u, got)
			}
			if h := res.Header; h.Get("Crawler-Price") != "USD 0.005" || h.Get("Link") != `<https://news.example/licensing>; rel="license"` ||
				h.Get("Cache-Control") != "no-store" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Errorf("%s: 402 headers %v", u, h)
			}
		}
		for _, c := range []struct {
			name   string
			q      req
			status int
			full   bool
		}{
			{"spoofed GPTBot", req{url: "/articles/subscribers-only", remote: "203.0.113.9:1", header: verified(gptbotUA, "")}, 200, false},
			{"verified GPTBot on the home page", req{url: "/", remote: "52.230.152.7:1", header: verified(gptbotUA, "")}, 200, false},
			{"verified GPTBot with its licence", req{url: "/articles/subscribers-only", remote: "52.230.152.7:1", header: bearer(openai, gptbotUA)}, 200, true},
			{"verified PerplexityBot, full text", req{url: "/articles/subscribers-only", remote: "107.20.236.4:1", header: verified(perplexityUA, "")}, 200, true},
			{"verified ClaudeBot, refused", req{url: "/articles/subscribers-only", remote: "160.79.105.1:1", header: verified(claudebotUA, "")}, 403, false},
			{"spoofed ClaudeBot", req{url: "/articles/metered-feature", remote: "203.0.113.9:1", header: verified(claudebotUA, "")}, 200, false},
			{"anonymous", req{url: "/articles/subscribers-only"}, 200, false},
		} {
			res, body := rs.send(t, c.q)
			if res.StatusCode != c.status {
				t.Errorf("%s: status %d, want %d", c.name, res.StatusCode, c.status)
			}
			if strings.Contains(body, subscribersClosing) != c.full {
				t.Errorf("%s: full text %v, want %v", c.name, !c.full, c.full)
			}
		}
		// robots.txt lets a family refused with a price come for its terms.
		if _, robots := rs.send(t, req{url: "/robots.txt"}); strings.Contains(robots, "User-agent: GPTBot") ||
			!strings.Contains(robots, "User-agent: ClaudeBot\nDisallow: /\n") {
			t.Errorf("robots.txt:\n%s", robots)
		}

		// The dashboard's counts: article requests by family and decision.
		rec.Flush()
		traffic, err := rs.db.CrawlerTraffic(ctx, masthead.InsightRange{From: now.Add(-24 * time.Hour), To: now.Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]map[string]int64{}
		for _, tr := range traffic {
			got[tr.Family] = tr.Counts
		}
		want := map[string]map[string]int64{
			"gptbot":        {masthead.CrawlerGotPrice: 3, masthead.CrawlerGotSpoofed: 1, masthead.CrawlerGotLicensed: 1},
			"perplexitybot": {masthead.CrawlerGotFull: 1},
			"claudebot":     {masthead.CrawlerGotRefused: 1, masthead.CrawlerGotSpoofed: 1},
		}
		for family, ds := range want {
			for d, n := range ds {
				if got[family][d] != n {
					t.Errorf("%s %s: %d requests counted, want %d (all: %v)", family, d, got[family][d], n, got)
				}
			}
		}
		if len(got) != len(want) {
			t.Errorf("families counted: %v", got)
		}
	})
}
