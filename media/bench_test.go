package media_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"syscall"
	"testing"
	"time"

	"github.com/disintegration/imaging"

	"masthead/media"
)

// BenchmarkProcess12MP times an upload's work from the bytes received to
// every variant encoded: a 12-megapixel camera JPEG (4000×3000, made by
// upscaling a fixture photograph, or a drawing without the fixtures)
// decoded, turned upright, scaled to 2400, 1600, 960 and 480 pixels and
// encoded in WebP and JPEG.
func BenchmarkProcess12MP(b *testing.B) {
	var src image.Image = drawing(400, 300, 255)
	if data := findFixture("orientation/landscape_1.jpg"); data != nil {
		m, err := imaging.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		src = m
	}
	big := imaging.Resize(src, 4000, 3000, imaging.Lanczos)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, big, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	// The WebAssembly encoder compiles once per process, at the first
	// upload; it is not part of each upload's time.
	if _, err := media.Process(data, media.Limits{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	// On a shared machine the wall time says more about the neighbours
	// than about the work; the CPU time the process spent is reported
	// beside it.
	cpu0 := cpuTime()
	var out int
	for b.Loop() {
		p, err := media.Process(data, media.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		out = 0
		for _, f := range p.Files {
			out += len(f.Data)
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(out), "stored-bytes")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
