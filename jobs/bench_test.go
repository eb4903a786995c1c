package jobs_test

import (
	"context"
	"testing"

	"masthead"
	"masthead/jobs"
	"masthead/store"
	"masthead/store/storetest"
)

// BenchmarkEnqueue measures a job written on its own (a sign-in link
// asked for): one write transaction.
func BenchmarkEnqueue(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, engine, store.Options{})
			ctx := context.Background()
			j, _ := masthead.NewJob("bench", masthead.SignInEmail{Email: "reader@example.com", Next: "/articles/x"})
			b.ReportAllocs()
			for b.Loop() {
				if err := db.EnqueueJob(ctx, j); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRunDue measures the queue's throughput with a handler that
// does nothing: claim, run, complete, per job.
func BenchmarkRunDue(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, engine, store.Options{})
			ctx := context.Background()
			p := jobs.New(db, jobs.Config{Workers: 10})
			p.Handle("bench", func(context.Context, masthead.Job) error { return nil })
			j, _ := masthead.NewJob("bench", nil)
			for range b.N {
				if err := db.EnqueueJob(ctx, j); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			n, err := p.RunDue(ctx)
			if err != nil || n != b.N {
				b.Fatalf("ran %d of %d: %v", n, b.N, err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}
