package http_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/insights"
	"masthead/store"
)

// TestInsightsRecording follows reader events from the page to the
// dashboard's tables: anonymous views, rendered or from the page cache,
// count as views and wall views; a registration counts for the article
// whose wall it came from; an unlock counts; nothing but a checkout keeps
// a member id.
func TestInsightsRecording(t *testing.T) {
	var rec *insights.Recorder
	var db *store.DB
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		db = d.Articles.(*store.DB)
		rec = insights.New(db, insights.Options{Interval: time.Hour, Clock: d.Clock})
		d.Insights = rec
		c.Billing = mhttp.BillingConfig{Demo: true}
		d.Billing = db
	}, func(t *testing.T, rs *readers) {
		defer rec.Close()
		ctx := context.Background()
		day := masthead.InsightRange{From: now, To: now.AddDate(0, 0, 1)}
		views := func() map[string]int64 {
			t.Helper()
			rec.Flush()
			top, err := db.InsightTopArticles(ctx, day, 50)
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]int64{}
			for _, a := range top {
				m[a.Slug] = a.Views
			}
			return m
		}
		funnel := func() masthead.FunnelPoint {
			t.Helper()
			rec.Flush()
			f, err := db.InsightFunnel(ctx, day, false)
			if err != nil || len(f) != 1 {
				t.Fatalf("funnel = %v, %v", f, err)
			}
			return f[0]
		}

		// The first anonymous view renders and fills the cache; the next
		// two come from it without running the handler.
		for range 3 {
			res, _ := rs.send(t, req{url: "/articles/metered-feature"})
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
		}
		rs.send(t, req{url: "/articles/free-daily"})
		rs.send(t, req{url: "/articles/free-daily"})
		if v := views(); v["metered-feature"] != 3 || v["free-daily"] != 2 {
			t.Fatalf("views = %v, want metered-feature 3 (1 rendered, 2 cached) and free-daily 2", v)
		}
		if f := funnel(); f.WallViews != 3 {
			t.Errorf("wall views = %d, want 3: the free article shows no wall", f.WallViews)
		}

		res, _, _ := rs.register(t, "insights@example.com", "metered-feature", nil, nil)
		if res.StatusCode >= 400 {
			t.Fatalf("register: status %d", res.StatusCode)
		}
		rec.Flush()
		conv, _, err := db.InsightConversions(ctx, day, store.ByArticle, 10)
		if err != nil {
			t.Fatal(err)
		}
		var regs int64
		for _, c := range conv {
			if c.Key == "metered-feature" {
				regs = c.Registrations
			}
		}
		if regs != 1 {
			t.Errorf("registrations from metered-feature's wall = %d, want 1; %+v", regs, conv)
		}

		_, member := rs.verified(t, "unlocker@example.com")
		before := funnel().Unlocks
		res, _ = rs.send(t, req{method: http.MethodPost, url: "/articles/metered-feature/unlock", cookies: []*http.Cookie{member},
			form: url.Values{}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("unlock: status %d", res.StatusCode)
		}
		if f := funnel(); f.Unlocks != before+1 {
			t.Errorf("unlocks = %d, want %d", f.Unlocks, before+1)
		}

		var withMember int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM insight_events WHERE member_id IS NOT NULL`).Scan(&withMember); err != nil {
			t.Fatal(err)
		}
		if withMember != 0 {
			t.Errorf("%d events carry a member id; only checkouts may", withMember)
		}

		// A checkout started from an article's page keeps the article
		// and the member, so the subscription can be attributed.
		buyer, buyerCookie := rs.verified(t, "buyer@example.com")
		res, _ = rs.send(t, req{url: "/checkout/demo", cookies: []*http.Cookie{buyerCookie},
			form: url.Values{"plan": {"annual"}, "next": {"/articles/subscribers-only"}}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("demo checkout: status %d", res.StatusCode)
		}
		rec.Flush()
		var kind string
		var article, memberID int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT e.kind, e.article_id, e.member_id FROM insight_events e WHERE e.member_id IS NOT NULL`).
			Scan(&kind, &article, &memberID); err != nil {
			t.Fatal(err)
		}
		if kind != "checkout" || article != rs.ids["subscribers-only"] || memberID != buyer.ID {
			t.Errorf("checkout event = %s, article %d, member %d; want checkout, %d, %d", kind, article, memberID, rs.ids["subscribers-only"], buyer.ID)
		}
		if f := funnel(); f.Checkouts != 1 {
			t.Errorf("checkouts = %d, want 1", f.Checkouts)
		}
		if rec.Dropped() != 0 {
			t.Errorf("dropped %d events", rec.Dropped())
		}
	})
}
