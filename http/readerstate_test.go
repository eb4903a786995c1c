package http_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
)

// ttlPassed is past the default reuse window of a signed-in reader's
// state (http/readerstate.go).
const ttlPassed = 5*time.Second + time.Millisecond

// TestSessionCache: a signed-in reader's state is reused for a few seconds
// at most; whatever this instance changes shows at once, and a change made
// elsewhere shows once the window has passed.
func TestSessionCache(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		m, ck := rs.verified(t, "cached@example.com")
		if err := rs.db.SetMemberName(ctx, m.ID, "Cached Reader"); err != nil {
			t.Fatal(err)
		}
		cookies := []*http.Cookie{ck}
		page := func(what string, want ...string) string {
			t.Helper()
			res, body := rs.send(t, req{url: "/articles/metered-feature", cookies: cookies})
			if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "private, no-cache" {
				t.Errorf("%s: status %d, Cache-Control %q", what, res.StatusCode, res.Header.Get("Cache-Control"))
			}
			mustContain(t, what, body, want...)
			return body
		}
		body := page("on the meter", "Cached Reader", "You have 3 of 3 free articles left this month")
		mustNotContain(t, "on the meter", body, meteredClosing)

		// A subscription granted elsewhere (billing, the staff area,
		// another instance) shows once the window has passed; until then
		// this instance answers from memory.
		if _, err := rs.db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: m.ID,
			Source: masthead.EntitlementComplimentary, StartsAt: now.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		page("within the window", "You have 3 of 3 free articles left this month")
		rs.clock.Set(now.Add(ttlPassed))
		body = page("after the window", "Cached Reader", meteredClosing)
		mustNotContain(t, "subscriber", body, "free articles left", `class="ad `)

		// This instance's own changes show at once: the name…
		res, _ := rs.send(t, req{url: "/account/name", form: url.Values{"name": {"Renamed Reader"}}, cookies: cookies})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("rename: status %d", res.StatusCode)
		}
		body = page("renamed", "Renamed Reader", meteredClosing)
		mustNotContain(t, "renamed", body, "Cached Reader")

		// …and signing out.
		if res, _ := rs.send(t, req{url: "/logout", form: url.Values{}, cookies: cookies}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: status %d", res.StatusCode)
		}
		body = page("signed out", "Keep reading for free")
		mustNotContain(t, "signed out", body, "Renamed Reader", meteredClosing)
	})
}

// A session ended elsewhere (another instance, an expiry) stops working
// here within the window, and at once with the cache turned off.
func TestSessionCacheBound(t *testing.T) {
	for _, c := range []struct {
		name string
		ttl  time.Duration
		// wait is how far the clock moves before the ended session
		// must be gone.
		wait time.Duration
	}{
		{"default window", 0, ttlPassed},
		{"cache off", -1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			eachReaders(t, func(cfg *mhttp.Config, _ *mhttp.Deps) { cfg.Accounts.SessionCacheTTL = c.ttl },
				func(t *testing.T, rs *readers) {
					_, ck := rs.subscriber(t, "ended@example.com")
					cookies := []*http.Cookie{ck}
					_, body := rs.send(t, req{url: "/articles/subscribers-only", cookies: cookies})
					mustContain(t, "signed in", body, subscribersClosing)
					if err := rs.db.DeleteSession(context.Background(), masthead.HashToken(ck.Value)); err != nil {
						t.Fatal(err)
					}
					rs.clock.Set(now.Add(c.wait))
					_, body = rs.send(t, req{url: "/articles/subscribers-only", cookies: cookies})
					mustNotContain(t, "ended session", body, subscribersClosing, "ended@example.com")
				})
		})
	}
}

// TestConcurrentPersonalPages: personal pages rendered at once, from
// pooled buffers and shared views, each carry their own reader's name and
// standing, and nobody else's.
func TestConcurrentPersonalPages(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		type who struct {
			name, slug string
			ck         *http.Cookie
			want, not  []string
		}
		var readers []who
		for i := range 3 {
			m, sub := rs.subscriber(t, fmt.Sprintf("sub%d@example.com", i))
			name := fmt.Sprintf("Subscriber Number%d", i)
			if err := rs.db.SetMemberName(ctx, m.ID, name); err != nil {
				t.Fatal(err)
			}
			readers = append(readers, who{name: name, slug: "subscribers-only", ck: sub, want: []string{subscribersClosing}})
			m, met := rs.verified(t, fmt.Sprintf("met%d@example.com", i))
			name = fmt.Sprintf("Metered Number%d", i)
			if err := rs.db.SetMemberName(ctx, m.ID, name); err != nil {
				t.Fatal(err)
			}
			readers = append(readers, who{name: name, slug: "metered-feature", ck: met,
				want: []string{"You have 3 of 3 free articles left"}, not: []string{meteredClosing}})
		}
		var wg sync.WaitGroup
		for _, rd := range readers {
			for range 4 {
				wg.Go(func() {
					for range 10 {
						_, body := rs.send(t, req{url: "/articles/" + rd.slug, cookies: []*http.Cookie{rd.ck}})
						mustContain(t, rd.name, body, append([]string{rd.name}, rd.want...)...)
						mustNotContain(t, rd.name, body, rd.not...)
						for _, other := range readers {
							if other.name != rd.name {
								mustNotContain(t, rd.name, body, other.name)
							}
						}
					}
				})
			}
		}
		wg.Wait()
	})
}

// TestPersonalPagesCompressed: a signed-in reader's page asked for with
// gzip comes compressed (spliced around the name, viewgzip.go) and
// inflates to exactly the page sent without it, still private.
func TestPersonalPagesCompressed(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		sub, subCk := rs.subscriber(t, "zip-sub@example.com")
		if err := rs.db.SetMemberName(ctx, sub.ID, `Zip <Subscriber> & "Co"`); err != nil {
			t.Fatal(err)
		}
		_, metCk := rs.verified(t, "zip-met@example.com")
		_, _, device := rs.register(t, "zip-device@example.com", "metered-feature", nil, nil)
		for _, c := range []struct {
			name, url string
			ck        *http.Cookie
			want      string
		}{
			{"subscriber", "/articles/subscribers-only", subCk, "Zip &lt;Subscriber&gt; &amp; &#34;Co&#34;"},
			{"member on the meter", "/articles/metered-feature", metCk, "zip-met@example.com"},
			{"registered browser", "/articles/metered-feature", device, meteredClosing},
		} {
			for round := range 2 { // the second from the view cache
				_, plain := rs.send(t, req{url: c.url, cookies: []*http.Cookie{c.ck}})
				res, zipped := rs.send(t, req{url: c.url, cookies: []*http.Cookie{c.ck}, header: http.Header{"Accept-Encoding": {"gzip"}}})
				what := fmt.Sprintf("%s, round %d", c.name, round)
				if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding, Cookie" ||
					res.Header.Get("Cache-Control") != "private, no-cache" {
					t.Fatalf("%s: Content-Encoding %q, Vary %q, Cache-Control %q", what,
						res.Header.Get("Content-Encoding"), res.Header.Get("Vary"), res.Header.Get("Cache-Control"))
				}
				zr, err := gzip.NewReader(bytes.NewReader([]byte(zipped)))
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				page, err := io.ReadAll(zr)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if string(page) != plain {
					t.Errorf("%s: the gzip inflates to %d bytes that differ from the %d sent plain", what, len(page), len(plain))
				}
				mustContain(t, what, plain, c.want)
				if len(zipped) >= len(plain)/2 {
					t.Errorf("%s: %d bytes compressed of %d", what, len(zipped), len(plain))
				}
			}
		}
	})
}
