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
// note a read for their history.
func BenchmarkRecordRead(b *testing.B) {
	r := insights.New(discard{}, insights.Options{Interval: time.Second})
	defer r.Close()
	at := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var id int64
		for pb.Next() {
			id++
			r.RecordRead(id, 1, at)
		}
	})
	b.ReportMetric(float64(r.Dropped()), "dropped")
}
