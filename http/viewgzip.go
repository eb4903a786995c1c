package http

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"

	"masthead/http/web"
)

// A personal page is a cached view with the reader's name spliced in
// (readerview.go), so its gzip can be spliced too, instead of compressing
// tens of kilobytes on every request: the view's text before the name and
// after it are compressed once, when the view is cached, as two runs of
// DEFLATE blocks — the first ending in a sync flush, so it stops on a byte
// boundary without ending the stream, the second ending the stream — and
// each response is
//
//	gzip header · blocks before · the name as a stored block · blocks after · CRC-32 · length
//
// which is one ordinary gzip member (RFC 1951, 1952): any client inflates
// it. Per request that costs a copy and the CRC of the page, not a
// compression. The blocks after the name cannot refer back to the text
// before it, which costs a few per cent of size.

// viewGzip is a view's page compressed around the reader's name.
type viewGzip struct {
	// full is the whole gzip of a view without a name (a reader who is
	// not signed in); the fields below are then unused.
	full []byte

	before  []byte // DEFLATE blocks of the text before the name, sync-flushed
	after   []byte // DEFLATE blocks of the text after it, the last one final
	crc     uint32 // CRC-32 of the text before the name
	rest    []byte // the text after the name (the view's own bytes), for the CRC
	textLen int    // bytes of text, the name left out
}

// gzipHeader opens a gzip member: deflate, no flags, no time, no extra
// compression flags, unknown OS.
var gzipHeader = [10]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// maxStored is the most a DEFLATE stored block holds.
const maxStored = 1<<16 - 1

// newViewGzip compresses body around the marker of length n at offset at,
// or, with at < 0, the whole body. It returns nil when compression does not
// pay (a small page).
func newViewGzip(contentType string, body []byte, at, n int) *viewGzip {
	if len(body) < web.GzipMin || !web.Compressible(contentType) {
		return nil
	}
	if at < 0 {
		full := web.Compress(contentType, body, flate.DefaultCompression)
		if full == nil {
			return nil
		}
		return &viewGzip{full: full}
	}
	deflate := func(p []byte, final bool) ([]byte, bool) {
		var b bytes.Buffer
		zw, err := flate.NewWriter(&b, flate.DefaultCompression)
		if err != nil {
			return nil, false
		}
		if _, err := zw.Write(p); err != nil {
			return nil, false
		}
		if final {
			err = zw.Close()
		} else {
			err = zw.Flush()
		}
		return b.Bytes(), err == nil
	}
	g := &viewGzip{rest: body[at+n:], crc: crc32.ChecksumIEEE(body[:at]), textLen: len(body) - n}
	var ok1, ok2 bool
	g.before, ok1 = deflate(body[:at], false)
	g.after, ok2 = deflate(g.rest, true)
	if !ok1 || !ok2 || len(g.before)+len(g.after)+64 >= len(body) {
		return nil
	}
	return g
}

// size is the memory the compressed copies hold, for the cache's bound.
func (g *viewGzip) size() int {
	if g == nil {
		return 0
	}
	return len(g.full) + len(g.before) + len(g.after)
}

// appendGzip appends to dst the gzip of the page with name (already
// escaped) where the marker stood.
func (g *viewGzip) appendGzip(dst, name []byte) []byte {
	if g.full != nil {
		return append(dst, g.full...)
	}
	crc := crc32.Update(g.crc, crc32.IEEETable, name)
	crc = crc32.Update(crc, crc32.IEEETable, g.rest)
	length := uint32(g.textLen + len(name))

	dst = append(dst, gzipHeader[:]...)
	dst = append(dst, g.before...)
	for len(name) > 0 {
		// A stored block: BFINAL 0, BTYPE 00 and the padding to the
		// byte boundary make one zero byte (the sync flush left the
		// stream byte-aligned), then LEN and its complement.
		k := min(len(name), maxStored)
		dst = append(dst, 0, byte(k), byte(k>>8), ^byte(k), ^byte(k>>8))
		dst = append(dst, name[:k]...)
		name = name[k:]
	}
	dst = append(dst, g.after...)
	dst = binary.LittleEndian.AppendUint32(dst, crc)
	return binary.LittleEndian.AppendUint32(dst, length)
}
