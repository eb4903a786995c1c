package insights_test

import (
	"context"
	"testing"
	"time"

	"masthead"
	"masthead/insights"
)

type discard struct{}

func (discard) RecordInsights(context.Context, []masthead.InsightEvent) error { return nil }

// BenchmarkRecord is what a rendered article page pays per event.
func BenchmarkRecord(b *testing.B) {
	r := insights.New(discard{}, insights.Options{Interval: time.Second})
	defer r.Close()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Record(masthead.InsightArticleView, 1, 0)
		}
	})
	b.ReportMetric(float64(r.Dropped()), "dropped")
}

// BenchmarkCachedHit is what a page served from the anonymous cache pays.
func BenchmarkCachedHit(b *testing.B) {
	r := insights.New(discard{}, insights.Options{Interval: time.Second})
	defer r.Close()
	r.NotePage("/articles/a", 1, true)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.CachedHit("/articles/a")
		}
	})
}

// BenchmarkCrawler is what an AI crawler's article request pays to be
// counted by family and decision.
func BenchmarkCrawler(b *testing.B) {
	r := insights.New(discard{}, insights.Options{Interval: time.Second})
	defer r.Close()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Crawler("gptbot", masthead.CrawlerGotTeaser)
		}
	})
}

// BenchmarkRecordRead is what a signed-in reader's article page pays to
// note a read for their history. "full": readers in parallel outrun the
// batches, so most reads find the buffer full and are dropped (see
// "dropped"); "kept": 5,000 members' reads, one at a time, the batch
// written (untimed) after each 5,000, so no read is dropped and each is
// taken, counted and waits for its batch, as on a site that is not
// overloaded.
func BenchmarkRecordRead(b *testing.B) {
	at := time.Now()
	b.Run("full", func(b *testing.B) {
		r := insights.New(discard{}, insights.Options{Interval: time.Second})
		defer r.Close()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var id int64
			for pb.Next() {
				id++
				r.RecordRead(id, 1, at)
			}
		})
		b.ReportMetric(float64(r.Dropped()), "dropped")
	})
	b.Run("kept", func(b *testing.B) {
		r := insights.New(discard{}, insights.Options{Interval: time.Second})
		defer r.Close()
		b.ReportAllocs()
		for i := range b.N {
			if i%5000 == 4999 {
				b.StopTimer()
				r.Flush()
				b.StartTimer()
			}
			r.RecordRead(int64(i%5000+1), 1, at)
		}
		b.ReportMetric(float64(r.Dropped()), "dropped")
	})
}
