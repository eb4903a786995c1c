package store_test

import (
	"context"
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
