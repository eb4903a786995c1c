package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// BenchmarkRecordInsights is the write path of the counts: one batch as
// an instance's recorder writes it (500 events, or what five seconds
// brought) at a million views a day over 2,000 articles, their
// popularity following Zipf's law, the other kinds in their shares and a
// fifth of the views the page cache's counts. Each batch is five seconds
// after the one before, so the hours and days fill as they would.
//
//	go test ./store -run '^$' -bench RecordInsights -benchtime 2000x
func BenchmarkRecordInsights(b *testing.B) {
	for _, engine := range benchEngines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
			db := storetest.Open(b, engine, store.Options{Clock: &fixedClock{now}})
			rng := rand.New(rand.NewPCG(3, 7))
			zipf := rand.NewZipf(rand.New(rand.NewPCG(4, 8)), 1.1, 1, 1999)
			at := now.Truncate(24 * time.Hour)
			batch := make([]masthead.InsightEvent, 500)
			cpu := cpuTime()
			for b.Loop() {
				for i := range batch {
					e := masthead.InsightEvent{Kind: masthead.InsightArticleView, ArticleID: int64(zipf.Uint64()) + 1,
						At: at.Add(time.Duration(rng.Int64N(int64(5 * time.Second))))}
					switch x := rng.Float64(); {
					case x < 0.25:
						e.Kind = masthead.InsightWallView
					case x < 0.2535:
						e.Kind = masthead.InsightRegistration
					case x < 0.2585:
						e.Kind = masthead.InsightUnlock
					case x < 0.259:
						e.Kind, e.MemberID = masthead.InsightCheckout, 1+rng.Int64N(1000)
					case x < 0.45:
						e.Count = 1 + rng.Int64N(40) // a cached page's hits
					}
					batch[i] = e
				}
				if err := db.RecordInsights(ctx, batch); err != nil {
					b.Fatal(err)
				}
				at = at.Add(5 * time.Second)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/batch")
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/batch")
			b.Logf("%s: %d batches up to %s; load average %s", engine, b.N, at.Format(time.DateTime), loadAverage())
		})
	}
}

// BenchmarkInsightsBatch is one batch of every kind as a busy site's
// recorder writes it every five seconds: 300 views over 100 articles
// (a fifth of them the page cache's counts), 80 wall views, 4 signups
// with an unlock and a checkout, 20 searches and 6 results opened, 30
// AI crawler requests, and 50 reads by 30 members. Beside the time a
// batch takes it reports how long its write transaction held the writer
// (held-µs/batch), which is what a signup's own write waits behind on
// SQLite.
//
//	go test ./store -run '^$' -bench InsightsBatch -benchtime 400x
func BenchmarkInsightsBatch(b *testing.B) {
	for _, engine := range benchEngines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
			db := storetest.Open(b, engine, store.Options{Clock: &fixedClock{now}})
			arts := benchArticlesN(b, db, now, 100)
			var members []int64
			for i := range 30 {
				_, hash := masthead.NewToken()
				if err := db.CreateSignInToken(ctx, fmt.Sprintf("reader%d@example.com", i), hash, now.Add(time.Hour)); err != nil {
					b.Fatal(err)
				}
				m, err := db.ConsumeSignInToken(ctx, hash)
				if err != nil {
					b.Fatal(err)
				}
				members = append(members, m.ID)
			}
			rng := rand.New(rand.NewPCG(5, 9))
			zipf := rand.NewZipf(rand.New(rand.NewPCG(6, 10)), 1.1, 1, uint64(len(arts)-1))
			words := []string{"copper", "prices", "election", "climate", "rates", "housing", "energy", "asia", "budget", "strike"}
			var held, heldMax time.Duration
			defer store.OnWriteHeld(func(d time.Duration) { held += d; heldMax = max(heldMax, d) })()
			at := now.Truncate(24 * time.Hour).Add(9 * time.Hour)
			batch := make([]masthead.InsightEvent, 0, 512)
			cpu := cpuTime()
			for b.Loop() {
				batch = batch[:0]
				add := func(n int, e func() masthead.InsightEvent) {
					for range n {
						ev := e()
						ev.At = at.Add(time.Duration(rng.Int64N(int64(5 * time.Second))))
						batch = append(batch, ev)
					}
				}
				article := func() int64 { return arts[zipf.Uint64()] }
				add(300, func() masthead.InsightEvent {
					e := masthead.InsightEvent{Kind: masthead.InsightArticleView, ArticleID: article()}
					if rng.IntN(5) == 0 {
						e.Count = 1 + rng.Int64N(40) // a cached page's hits
					}
					return e
				})
				add(80, func() masthead.InsightEvent {
					return masthead.InsightEvent{Kind: masthead.InsightWallView, ArticleID: article()}
				})
				add(4, func() masthead.InsightEvent {
					return masthead.InsightEvent{Kind: masthead.InsightRegistration, ArticleID: article()}
				})
				add(1, func() masthead.InsightEvent {
					return masthead.InsightEvent{Kind: masthead.InsightUnlock, ArticleID: article()}
				})
				add(1, func() masthead.InsightEvent {
					return masthead.InsightEvent{Kind: masthead.InsightCheckout, ArticleID: article(), MemberID: members[rng.IntN(len(members))]}
				})
				add(20, func() masthead.InsightEvent {
					e := masthead.InsightEvent{Kind: masthead.InsightSearch, Query: words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]}
					if rng.IntN(8) == 0 {
						e.Kind = masthead.InsightSearchZero
					}
					return e
				})
				add(6, func() masthead.InsightEvent {
					return masthead.InsightEvent{Kind: masthead.InsightSearchClick, Position: 1 + rng.IntN(12)}
				})
				families := []string{"GPTBot", "ClaudeBot", "PerplexityBot", "CCBot"}
				add(30, func() masthead.InsightEvent {
					return masthead.InsightEvent{Kind: masthead.InsightCrawler, ArticleID: article(),
						Family: families[rng.IntN(len(families))], Decision: masthead.CrawlerDecisions[rng.IntN(3)]}
				})
				add(50, func() masthead.InsightEvent {
					return masthead.InsightEvent{Kind: masthead.InsightRead, ArticleID: article(), MemberID: members[rng.IntN(len(members))]}
				})
				if err := db.RecordInsights(ctx, batch); err != nil {
					b.Fatal(err)
				}
				at = at.Add(5 * time.Second)
			}
			n := float64(b.N)
			b.ReportMetric(float64(b.Elapsed().Microseconds())/n, "µs/batch")
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/n, "cpu-µs/batch")
			b.ReportMetric(float64(held.Microseconds())/n, "held-µs/batch")
			b.ReportMetric(float64(heldMax.Microseconds()), "held-max-µs")
			b.Logf("%s: %d batches of %d events up to %s; load average %s", engine, b.N, len(batch), at.Format(time.DateTime), loadAverage())
		})
	}
}
