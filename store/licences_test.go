package store_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	"masthead/store"
	"masthead/store/storetest"
)

// TestLicences: a licence key keeps its terms; an expired one is refused
// like a revoked one; the rates count the log's requests of the last
// minute and hour and tell how long until a place frees; the log is read
// back per request and per day, and pruned after masthead.LicenceKeep.
func TestLicences(t *testing.T) {
	start := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	clock := clocktest.New(start)
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.Set(start)
		ctx := context.Background()
		terms, err := masthead.ParseLicenceTerms("topic:energy, column:the-long-view")
		if err != nil {
			t.Fatal(err)
		}
		secret, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyContent)
		k, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: "AI Lab",
			Scopes: []string{masthead.ScopeLicence}, Licence: masthead.Licence{Contact: " deals@ai.example ", Terms: terms,
				PerMinute: 2, PerHour: 3, ExpiresAt: start.Add(48 * time.Hour), Family: "gptbot"}}, hash, hint)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.APIKeyByHash(ctx, masthead.HashToken(secret))
		if err != nil {
			t.Fatal(err)
		}
		l := got.Licence
		if !got.IsLicence() || l.Contact != "deals@ai.example" || l.Terms.String() != "topic:energy column:the-long-view" ||
			l.PerMinute != 2 || l.PerHour != 3 || !l.ExpiresAt.Equal(start.Add(48*time.Hour)) || l.Family != "gptbot" {
			t.Fatalf("licence read back: %+v", got)
		}
		// A licence's fields are refused on a key without the scope, and
		// checked on one with it.
		_, h2, hint2 := masthead.NewAPIKeySecret(masthead.APIKeyContent)
		plain, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: "App", Licence: masthead.Licence{PerMinute: 5}}, h2, hint2)
		if err != nil || plain.IsLicence() || plain.Licence.PerMinute != 0 {
			t.Errorf("content key with licence fields: %+v, %v", plain, err)
		}
		for _, bad := range []masthead.Licence{{PerMinute: -1}, {Family: "google-extended"}, {Family: "nobody"}} {
			_, h, hi := masthead.NewAPIKeySecret(masthead.APIKeyContent)
			if _, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: "Bad",
				Scopes: []string{masthead.ScopeLicence}, Licence: bad}, h, hi); masthead.ErrorCode(err) != masthead.EINVALID {
				t.Errorf("licence %+v: %v, want invalid", bad, err)
			}
		}

		admit := func(article int64, decision string, bytes int64) time.Duration {
			t.Helper()
			wait, err := db.AdmitLicensed(ctx, got, article, decision, bytes)
			if err != nil {
				t.Fatal(err)
			}
			return wait
		}
		if w := admit(1, masthead.LicenceFull, 1000); w != 0 {
			t.Fatalf("first request waits %v", w)
		}
		clock.Advance(10 * time.Second)
		if w := admit(2, masthead.LicenceTeaser, 100); w != 0 {
			t.Fatalf("second request waits %v", w)
		}
		clock.Advance(10 * time.Second)
		// Two in the minute: the third waits until the first leaves it.
		if w := admit(3, masthead.LicenceFull, 1000); w != 40*time.Second {
			t.Errorf("over the minute's rate: wait %v, want 40s", w)
		}
		clock.Advance(41 * time.Second)
		if w := admit(3, masthead.LicenceFull, 500); w != 0 {
			t.Errorf("a minute later: wait %v", w)
		}
		// Three in the hour (refusals do not count): the hour's limit.
		clock.Advance(2 * time.Minute)
		if w := admit(1, masthead.LicenceFull, 1000); w != 56*time.Minute+59*time.Second {
			t.Errorf("over the hour's rate: wait %v, want 56m59s (the first request leaves the hour then)", w)
		}

		var rows []masthead.LicenceRequest
		if err := db.LicenceRequests(ctx, 0, start.Truncate(24*time.Hour), start.Add(24*time.Hour), func(q masthead.LicenceRequest) error {
			rows = append(rows, q)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := []struct {
			article  int64
			decision string
			bytes    int64
		}{{1, "full", 1000}, {2, "teaser", 100}, {3, "rate-limited", 0}, {3, "full", 500}, {1, "rate-limited", 0}}
		if len(rows) != len(want) {
			t.Fatalf("log: %+v", rows)
		}
		for i, w := range want {
			r := rows[i]
			if r.KeyID != k.ID || r.Licensee != "AI Lab" || r.ArticleID != w.article || r.Decision != w.decision || r.Bytes != w.bytes {
				t.Errorf("row %d: %+v, want %+v", i, r, w)
			}
		}
		if !rows[0].At.Equal(start) {
			t.Errorf("first row at %v", rows[0].At)
		}
		days, err := db.LicenceUsage(ctx, start.Truncate(24*time.Hour), start.Add(24*time.Hour))
		if err != nil || len(days) != 1 {
			t.Fatalf("usage: %+v, %v", days, err)
		}
		if d := days[0]; d.KeyID != k.ID || d.Full != 2 || d.Teaser != 1 || d.Limited != 2 || d.Bytes != 1600 || !d.Day.Equal(start.Truncate(24*time.Hour)) {
			t.Errorf("usage: %+v", d)
		}

		// Past its last day the key is refused as an unknown one is.
		clock.Set(start.Add(48 * time.Hour))
		if _, err := db.APIKeyByHash(ctx, masthead.HashToken(secret)); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("expired licence: %v", err)
		}

		// The log is kept for masthead.LicenceKeep.
		if n, err := db.PruneLicenceRequests(ctx, start.Add(masthead.LicenceKeep)); err != nil || n != 0 {
			t.Errorf("prune at the keep's end: %d, %v", n, err)
		}
		if n, err := db.PruneLicenceRequests(ctx, start.Add(masthead.LicenceKeep+time.Hour)); err != nil || n != 5 {
			t.Errorf("prune past it: %d, %v", n, err)
		}

		// One window's limit, the other's, both: the wait is the longest
		// of those over their rate.
		for _, c := range []struct {
			name  string
			rates masthead.Licence
			steps []time.Duration // between requests
			want  []time.Duration // the wait of each request
		}{
			{"the minute only", masthead.Licence{PerMinute: 1}, []time.Duration{0, 30 * time.Second, 31 * time.Second, 2 * time.Minute},
				[]time.Duration{0, 30 * time.Second, 0, 0}},
			{"the hour only", masthead.Licence{PerHour: 2}, []time.Duration{0, 2 * time.Minute, time.Minute},
				[]time.Duration{0, 0, 57 * time.Minute}},
			{"both over", masthead.Licence{PerMinute: 1, PerHour: 1}, []time.Duration{0, 10 * time.Second},
				[]time.Duration{0, 59*time.Minute + 50*time.Second}},
		} {
			_, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyContent)
			k, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: c.name,
				Scopes: []string{masthead.ScopeLicence}, Licence: c.rates}, hash, hint)
			if err != nil {
				t.Fatal(err)
			}
			for i, step := range c.steps {
				clock.Advance(step)
				if w, err := db.AdmitLicensed(ctx, k, 1, masthead.LicenceFull, 10); err != nil || w != c.want[i] {
					t.Errorf("%s, request %d: wait %v, %v; want %v", c.name, i+1, w, err, c.want[i])
				}
			}
		}
	})
}

// TestCrawlerTraffic: crawler events of an insights batch are summed per
// hour, family and decision, whatever else the batch holds, and read
// back over a range, the busiest family first.
func TestCrawlerTraffic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC)
		ev := func(family, decision string, n int64, at time.Time) masthead.InsightEvent {
			return masthead.InsightEvent{Kind: masthead.InsightCrawler, Family: family, Decision: decision, Count: n, At: at}
		}
		for _, batch := range [][]masthead.InsightEvent{
			{ev("gptbot", "price", 3, at), ev("gptbot", "spoofed", 1, at), {Kind: masthead.InsightArticleView, ArticleID: 1, At: at},
				ev("claudebot", "refused", 2, at.Add(time.Hour))},
			{ev("gptbot", "price", 2, at.Add(time.Minute)), ev("other", "licensed", 1, at.Add(-48*time.Hour))},
		} {
			if err := db.RecordInsights(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
		day := masthead.InsightRange{From: at.Truncate(24 * time.Hour), To: at.Truncate(24 * time.Hour).Add(24 * time.Hour)}
		got, err := db.CrawlerTraffic(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Family != "gptbot" || got[0].Total != 6 || got[0].Counts["price"] != 5 || got[0].Counts["spoofed"] != 1 ||
			got[1].Family != "claudebot" || got[1].Counts["refused"] != 2 {
			t.Errorf("traffic: %+v", got)
		}
		if n, err := db.PruneCrawlerTraffic(ctx, day.From); err != nil || n != 1 {
			t.Errorf("prune: %d, %v", n, err)
		}
	})
}
