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

// TestBypassGiftGiverLostAccess: a gift link lends its giver's access to
// one article, and ends with it. Once the giver's subscription has lapsed
// past its grace, a complimentary grant was ended, the institution's seat
// has gone or the account was deleted, the link opens nothing — not for
// a reader it already let in, not in any representation of the article —
// and a newcomer takes no reader's place on it.
func TestBypassGiftGiverLostAccess(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		day := 24 * time.Hour

		// gift makes a link to slug shared by a new member holding
		// entitlement e (its MemberID filled in), and returns the token
		// and the giver.
		gift := func(t *testing.T, email, slug string, e masthead.Entitlement) (string, *masthead.Member) {
			t.Helper()
			m, _ := rs.verified(t, email)
			e.MemberID = m.ID
			if _, err := rs.db.GrantEntitlement(ctx, e); err != nil {
				t.Fatal(err)
			}
			token, hash := masthead.NewToken()
			if _, err := rs.db.CreateGiftLink(ctx, masthead.GiftLinkInput{
				MemberID: m.ID, ArticleID: rs.ids[slug], TokenHash: hash, MaxReaders: 5,
				ExpiresAt: now.Add(30 * day), MonthStart: now.AddDate(0, -1, 0), PerMonth: 10,
			}); err != nil {
				t.Fatal(err)
			}
			return token, m
		}
		readers := func(t *testing.T, giver *masthead.Member) int {
			t.Helper()
			gs, err := rs.db.GiftLinks(ctx, giver.ID)
			if err != nil || len(gs) != 1 {
				t.Fatalf("gift links of %s: %+v, %v", giver.Email, gs, err)
			}
			return gs[0].Readers
		}
		closingOf := map[string]string{"metered-feature": meteredClosing, "subscribers-only": subscribersClosing}

		// open follows the link from a browser, as its first reader did,
		// and reports whether the article opened; the page's other
		// representations must agree with it.
		open := func(t *testing.T, slug, token string, device *http.Cookie) (bool, *http.Cookie) {
			t.Helper()
			var cookies []*http.Cookie
			if device != nil {
				cookies = []*http.Cookie{device}
			}
			res, body := rs.send(t, req{url: "/articles/" + slug + "?gift=" + token, cookies: cookies})
			if c := setCookie(res, mhttp.DeviceCookie); c != nil {
				device, cookies = c, []*http.Cookie{c}
			}
			full := strings.Contains(body, closingOf[slug])
			if !full {
				mustContain(t, "closed gift page", body, "the reader who shared it no longer has access")
			}
			for _, alt := range []string{"&print=1", "&amp=1", "&format=json"} {
				_, body := rs.send(t, req{url: "/articles/" + slug + "?gift=" + token + alt, cookies: cookies})
				if !full && strings.Contains(body, closingOf[slug]) {
					t.Errorf("%s%s opened while the page did not", slug, alt)
				}
			}
			return full, device
		}

		for _, c := range []struct {
			name string
			slug string
			e    masthead.Entitlement
			// lose takes the giver's access away; it returns the
			// time from which the giver has none.
			lose func(t *testing.T, giver *masthead.Member, e masthead.Entitlement) time.Time
		}{
			{"paid subscription lapsed past its grace", "subscribers-only",
				masthead.Entitlement{Source: masthead.EntitlementStripe, StartsAt: now.Add(-20 * day), EndsAt: now.Add(3 * day)},
				func(t *testing.T, _ *masthead.Member, e masthead.Entitlement) time.Time { return e.EndsAt }},
			{"institution seat ended", "metered-feature",
				masthead.Entitlement{Source: masthead.EntitlementInstitution, StartsAt: now.Add(-20 * day), EndsAt: now.Add(2 * day)},
				func(t *testing.T, _ *masthead.Member, e masthead.Entitlement) time.Time { return e.EndsAt }},
			{"complimentary grant ended by staff", "subscribers-only",
				masthead.Entitlement{Source: masthead.EntitlementComplimentary, StartsAt: now.Add(-day)},
				func(t *testing.T, giver *masthead.Member, _ masthead.Entitlement) time.Time {
					es, err := rs.db.MemberEntitlements(ctx, giver.ID)
					if err != nil || len(es) != 1 {
						t.Fatalf("entitlements: %+v, %v", es, err)
					}
					if err := rs.db.EndGrant(ctx, giver.ID, es[0].ID, giver.ID); err != nil {
						t.Fatal(err)
					}
					return now
				}},
			{"account deleted", "metered-feature",
				masthead.Entitlement{Source: masthead.EntitlementComplimentary, StartsAt: now.Add(-day)},
				func(t *testing.T, giver *masthead.Member, _ masthead.Entitlement) time.Time {
					if err := rs.db.DeleteAccount(ctx, masthead.AccountDeletion{MemberID: giver.ID, Now: now}); err != nil {
						t.Fatal(err)
					}
					return now
				}},
		} {
			t.Run(c.name, func(t *testing.T) {
				rs.clock.Set(now)
				token, giver := gift(t, strings.ReplaceAll(c.name, " ", "-")+"@example.com", c.slug, c.e)
				// While the giver has access the link opens the article.
				full, device := open(t, c.slug, token, nil)
				if !full || readers(t, giver) != 1 {
					t.Fatalf("before: full %v, %d readers", full, readers(t, giver))
				}
				rs.clock.Set(c.lose(t, giver, c.e))
				// The reader already let in is shut out, and so is a
				// newcomer.
				if full, _ := open(t, c.slug, token, device); full {
					t.Error("the link's first reader still reads")
				}
				if full, _ := open(t, c.slug, token, nil); full {
					t.Error("a newcomer reads")
				}
				if c.name != "account deleted" {
					if n := readers(t, giver); n != 1 {
						t.Errorf("%d readers counted on a link whose giver has no access, want 1", n)
					}
				}
			})
		}
		rs.clock.Set(now)
	})
}
