package store_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"masthead/demo"
	"masthead/store"
	"masthead/store/storetest"
)

// BenchmarkExportImport exports a demo library from SQLite and imports it
// into a new database of each engine, printing rows per second and the
// largest heap seen (sampled), which stays flat as the library grows:
// both directions stream. MASTHEAD_BENCH_ARTICLES sets the library's size
// (default 5,000; the design's figure is 50,000).
//
//	go test ./store -run '^$' -bench ExportImport -benchtime 1x
func BenchmarkExportImport(b *testing.B) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("MASTHEAD_BENCH_ARTICLES")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	src := storetest.Open(b, "sqlite", store.Options{})
	if err := demo.Seed(ctx, src, n, 1, time.Now(), nil); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "export.json")
	engines := []string{"sqlite"}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, "postgres")
	}
	for b.Loop() {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		var st store.ExportStats
		heap := peakHeap(func() {
			start := time.Now()
			st, err = src.Export(ctx, f, nil)
			el := time.Since(start)
			b.Logf("export %d articles: %d rows in %s (%.0f rows/s)", n, st.Rows, el.Round(time.Millisecond), float64(st.Rows)/el.Seconds())
		})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		info, _ := os.Stat(path)
		b.Logf("export: %.1f MB file, peak heap %.1f MB", float64(info.Size())/1e6, float64(heap)/1e6)
		for _, engine := range engines {
			dst := storetest.Open(b, engine, store.Options{})
			f, _ := os.Open(path)
			var ist store.ImportStats
			heap := peakHeap(func() {
				start := time.Now()
				ist, err = dst.Import(ctx, io.Reader(f), nil, nil)
				el := time.Since(start)
				b.Logf("import into %s (with reindex): %d rows in %s (%.0f rows/s)", engine, ist.Rows, el.Round(time.Millisecond), float64(ist.Rows)/el.Seconds())
			})
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("import into %s: peak heap %.1f MB", engine, float64(heap)/1e6)
		}
	}
}

// peakHeap runs fn and returns the largest HeapInuse sampled meanwhile.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	return peak.Load()
}
