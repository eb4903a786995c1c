package http

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// A spliced gzip must inflate, as one gzip member, to exactly the page
// with the name in place of the marker, for any name.
func TestViewGzipInflatesToThePage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("the vote bank decide June <p> </p> class=\"article\" & reader analysis")
	text := func(n int) []byte {
		var b bytes.Buffer
		for b.Len() < n {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		return b.Bytes()[:n]
	}
	marker := []byte("mastheadReaderName0123456789abcdef")
	inflate := func(t *testing.T, gz []byte) []byte {
		t.Helper()
		src := bytes.NewReader(gz)
		zr, err := gzip.NewReader(src)
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		// bytes.Reader is an io.ByteReader, so gzip reads no further
		// than the member's end.
		if src.Len() != 0 {
			t.Fatalf("%d bytes after the gzip member", src.Len())
		}
		return out
	}
	binaryName := make([]byte, 256)
	for i := range binaryName {
		binaryName[i] = byte(i)
	}
	for _, size := range [][2]int{{200, 30000}, {0, 5000}, {5000, 0}, {3000, 70000}} {
		before, after := text(size[0]), text(size[1])
		body := append(append(append([]byte{}, before...), marker...), after...)
		g := newViewGzip("text/html; charset=utf-8", body, len(before), len(marker))
		if g == nil {
			t.Fatalf("%v: no gzip for a page of %d bytes", size, len(body))
		}
		var dst []byte
		for _, name := range [][]byte{nil, []byte("Ann"), []byte("Bob &lt;script&gt; &amp; Ünïcode"),
			bytes.Repeat([]byte("n"), maxStored), bytes.Repeat([]byte("long "), 30000), binaryName} {
			dst = g.appendGzip(dst[:0], name)
			want := append(append(append([]byte{}, before...), name...), after...)
			if got := inflate(t, dst); !bytes.Equal(got, want) {
				t.Errorf("%v, name of %d bytes: inflates to %d bytes, want %d", size, len(name), len(got), len(want))
			}
		}
	}

	// Without a name, the whole page.
	body := text(20000)
	g := newViewGzip("text/html", body, -1, 0)
	if got := inflate(t, g.appendGzip(nil, nil)); !bytes.Equal(got, body) {
		t.Error("whole-page gzip does not inflate to the page")
	}
	if newViewGzip("text/html", text(100), 10, 5) != nil || newViewGzip("image/png", body, 10, 5) != nil {
		t.Error("compressed a small page or a binary type")
	}
}
