package http_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/newsletter"
	"masthead/store"
	"masthead/store/storetest"
)

func withNewsletters(db *store.DB) func(*mhttp.Config, *mhttp.Deps) {
	return func(_ *mhttp.Config, d *mhttp.Deps) {
		d.Newsletters = db
		d.Accounts = db
	}
}

func unsubscribed(t *testing.T, db *store.DB, memberID int64) bool {
	t.Helper()
	cs, err := db.NewsletterChoices(context.Background(), memberID, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Newsletter.Slug == masthead.NewsletterFree {
			return !c.Subscribed
		}
	}
	t.Fatal("no free newsletter")
	return false
}

// unsubscribeSite opens a site on engine with two verified members of the
// free newsletter; it returns their ids and the newsletter secret.
func unsubscribeSite(t *testing.T, engine string) (*store.DB, *site, []int64, []byte) {
	t.Helper()
	db := storetest.Open(t, engine, store.Options{Clock: fixedClock{now}})
	s := newSite(t, db, withNewsletters(db))
	ctx := context.Background()
	ids, err := db.InsertMembers(ctx, []store.BulkMember{
		{Email: "one@example.com", Verified: true, Created: now, Newsletters: map[string]bool{"free": true}},
		{Email: "two@example.com", Verified: true, Created: now, Newsletters: map[string]bool{"free": true}},
	}, "test")
	if err != nil {
		t.Fatal(err)
	}
	secret, err := db.NewsletterSecret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return db, s, ids, secret
}

// claimedIssue creates an issue of the free newsletter due at at and claims
// it for sending, so it counts its recipients; it returns the issue's id.
func claimedIssue(t *testing.T, db *store.DB, subject string, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	free, _ := db.Newsletter(ctx, masthead.NewsletterFree)
	is, err := db.CreateIssue(ctx, &masthead.Issue{NewsletterID: free.ID, Subject: subject, Status: masthead.IssueScheduled,
		SendAt: at, WindowStart: at.Add(-time.Hour), WindowEnd: at,
		Articles: []masthead.IssueArticle{{Slug: "a", Title: "A", Kind: masthead.KindDaily}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimIssue(ctx, is.ID, "test", now.Add(time.Minute), now, "example.com"); err != nil {
		t.Fatal(err)
	}
	return is.ID
}

func TestOneClickUnsubscribe(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db, s, ids, secret := unsubscribeSite(t, engine)
			ctx := context.Background()
			// An issue went to both; the link names it, for its counts.
			isID := claimedIssue(t, db, "Issue", now)
			tok := newsletter.UnsubscribeToken(secret, ids[0], "free", isID)
			target := "/newsletters/unsubscribe?" + url.Values{"t": {tok}}.Encode()

			// GET only asks: mail scanners that follow links change nothing.
			res, body := s.get(t, target)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, "Unsubscribe from The free newsletter?") || !strings.Contains(body, `method="post"`) {
				t.Fatalf("confirm page %d: %s", res.StatusCode, body)
			}
			if unsubscribed(t, db, ids[0]) {
				t.Fatal("GET unsubscribed")
			}

			// Forged tokens: another member's id under this MAC, another
			// newsletter, garbage. 400 with a message; nothing changes.
			mac := tok[strings.LastIndexByte(tok, '.')+1:]
			issue := "." + strconv.FormatInt(isID, 10) + "."
			// The MAC's last two characters changed (never to themselves,
			// which a fixed replacement would be once in 4,096 runs).
			altered := []byte(tok)
			for i := len(altered) - 2; i < len(altered); i++ {
				if altered[i] == 'A' {
					altered[i] = 'B'
				} else {
					altered[i] = 'A'
				}
			}
			for _, bad := range []string{
				strconv.FormatInt(ids[1], 10) + ".free" + issue + mac, // another member under this MAC
				strconv.FormatInt(ids[0], 10) + ".daily" + issue + mac,
				string(altered),
				"nonsense",
			} {
				res := s.do(t, http.MethodPost, "/newsletters/unsubscribe?"+url.Values{"t": {bad}}.Encode(),
					strings.NewReader("List-Unsubscribe=One-Click"), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
				b, _ := io.ReadAll(res.Body)
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "This unsubscribe link is not valid") {
					t.Errorf("forged %q: %d %s", bad, res.StatusCode, b)
				}
			}
			if unsubscribed(t, db, ids[0]) || unsubscribed(t, db, ids[1]) {
				t.Fatal("a forged token unsubscribed someone")
			}

			// The RFC 8058 one-click POST, as a mailbox provider sends it.
			res = s.do(t, http.MethodPost, target, strings.NewReader("List-Unsubscribe=One-Click"),
				http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("one-click POST: %d", res.StatusCode)
			}
			if !unsubscribed(t, db, ids[0]) || unsubscribed(t, db, ids[1]) {
				t.Error("one-click did not unsubscribe exactly its member")
			}
			if c, _ := db.IssueCounts(ctx, isID); c.Unsubscribed != 1 || c.Total != 2 {
				t.Errorf("issue counts after the unsubscription: %+v", c)
			}
		})
	}
}

// TestAccountNewsletterChoices: the account page offers the newsletters a
// member may receive — the subscribers' reviews only to subscribers — and
// saving records each change.
func TestAccountNewsletterChoices(t *testing.T) {
	db := storetest.Open(t, "sqlite", store.Options{Clock: fixedClock{now}})
	s := newSite(t, db, func(c *mhttp.Config, d *mhttp.Deps) {
		d.Newsletters, d.Accounts, d.Entitlements = db, db, db
	})
	ctx := context.Background()
	m, err := db.MemberByEmail(ctx, "reader@example.com")
	if err != nil {
		t.Fatal(err)
	}
	page := func() string {
		res := s.do(t, http.MethodGet, "/account", nil, cookie(s.reader))
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("account page: %d", res.StatusCode)
		}
		return string(b)
	}
	body := page()
	if !strings.Contains(body, `name="newsletter-free"`) || strings.Contains(body, `name="newsletter-daily"`) {
		t.Fatalf("a registered reader's choices are wrong")
	}
	if _, err := db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: m.ID, Source: "complimentary", StartsAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	body = page()
	if !strings.Contains(body, `name="newsletter-daily" value="yes" checked`) || !strings.Contains(body, `name="newsletter-weekly" value="yes" checked`) {
		t.Fatalf("a subscriber does not see the reviews on by default")
	}
	// Keep the weekly, stop the daily, take the free one.
	form := url.Values{"newsletter-weekly": {"yes"}, "newsletter-free": {"yes"}}
	res := s.do(t, http.MethodPost, "/account/newsletters", strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Cookie": cookie(s.reader)["Cookie"]})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	cs, _ := db.NewsletterChoices(ctx, m.ID, now)
	got := map[string]bool{}
	for _, c := range cs {
		got[c.Newsletter.Slug] = c.Subscribed
	}
	if got["daily"] || !got["weekly"] || !got["free"] {
		t.Errorf("choices after saving: %v", got)
	}
}
