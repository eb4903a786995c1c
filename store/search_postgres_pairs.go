package store

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strconv"
)

// The word pairs of phrase search on PostgreSQL
// (migrations/postgres/0016_search_pairs.sql) are made here, in Go, for
// every article written, and stored beside its vector
// (migrations/postgres/0068_search_pairs_column.sql). Made by the SQL
// function search_pairs, they were four fifths of the server's work of
// writing a vector: a row per position, a sort, a text and a hash per
// pair, an aggregate. Since 0072 a phrase's pairs are made here too, from
// its lexemes made in Go (tsPhrasePairs); the tests compare the stored
// pairs with search_pairs(doc) for every row, so that the index and
// the SQL function, which upgrades use, agree bit for bit.

// tsPos is one position of a lexeme in a tsvector.
type tsPos struct {
	lexeme string
	pos    int
	weight byte // 'A', 'B', 'C' or 'D'
}

// tsOrder returns the indexes of ps in the order of the text: by
// position, then by lexeme in byte order, as search_pairs orders them.
// Lexemes share a position only at the last one a vector can hold
// (16,383), where every later word is put; ps holds the lexemes in byte
// order already (parseTSVector), so ties keep the order of ps. Each is
// the position and the index in one number: sorting those costs a tenth
// of sorting the positions themselves.
func tsOrder(ps []tsPos, dst []uint64) []uint64 {
	for i, p := range ps {
		dst = append(dst, uint64(p.pos)<<32|uint64(i))
	}
	slices.Sort(dst)
	return dst
}

// tsPairs returns what search_pairs returns for the vector of the
// positions ps, in order (tsOrder), whose weight keep accepts: for each
// position and the one before it, the hash (hashtextextended) of
// "lexeme1 lexeme2 distance", sorted, each once. The pairs are appended
// to dst.
func tsPairs(ps []tsPos, order []uint64, keep func(weight byte) bool, dst []int64) []int64 {
	start := len(dst)
	var (
		prev *tsPos
		buf  []byte
	)
	for _, o := range order {
		p := &ps[uint32(o)]
		if !keep(p.weight) {
			continue
		}
		if prev != nil {
			buf = append(buf[:0], prev.lexeme...)
			buf = append(buf, ' ')
			buf = append(buf, p.lexeme...)
			buf = append(buf, ' ')
			buf = strconv.AppendInt(buf, int64(p.pos-prev.pos), 10)
			dst = append(dst, pgHashBytes(buf))
		}
		prev = p
	}
	slices.Sort(dst[start:])
	return append(dst[:start], slices.Compact(dst[start:])...)
}

// pgHashBytes is PostgreSQL's hash_bytes_extended with seed 0, which is
// what hashtextextended(t, 0) computes over the bytes of a text in a
// deterministic collation: Bob Jenkins' lookup3 over 12-byte blocks read
// as little-endian words (as on the machines PostgreSQL runs on here),
// returning b and c as one 64-bit number.
func pgHashBytes(k []byte) int64 {
	a := 0x9e3779b9 + uint32(len(k)) + 3923095
	b, c := a, a
	for len(k) >= 12 {
		a += binary.LittleEndian.Uint32(k)
		b += binary.LittleEndian.Uint32(k[4:])
		c += binary.LittleEndian.Uint32(k[8:])
		a, b, c = lookup3Mix(a, b, c)
		k = k[12:]
	}
	// The last 0 to 11 bytes: the lowest byte of c is left for the
	// length, which the initial value already holds.
	var tail [12]byte
	copy(tail[:], k)
	switch {
	case len(k) >= 8:
		c += uint32(tail[8])<<8 | uint32(tail[9])<<16 | uint32(tail[10])<<24
		b += binary.LittleEndian.Uint32(tail[4:])
		a += binary.LittleEndian.Uint32(tail[:])
	case len(k) >= 4:
		b += binary.LittleEndian.Uint32(tail[4:])
		a += binary.LittleEndian.Uint32(tail[:])
	default:
		a += binary.LittleEndian.Uint32(tail[:])
	}
	// final(a, b, c)
	c ^= b
	c -= bits.RotateLeft32(b, 14)
	a ^= c
	a -= bits.RotateLeft32(c, 11)
	b ^= a
	b -= bits.RotateLeft32(a, 25)
	c ^= b
	c -= bits.RotateLeft32(b, 16)
	a ^= c
	a -= bits.RotateLeft32(c, 4)
	b ^= a
	b -= bits.RotateLeft32(a, 14)
	c ^= b
	c -= bits.RotateLeft32(b, 24)
	return int64(uint64(b)<<32 | uint64(c))
}

// lookup3Mix is lookup3's mix of three words.
func lookup3Mix(a, b, c uint32) (uint32, uint32, uint32) {
	a -= c
	a ^= bits.RotateLeft32(c, 4)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 6)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 8)
	b += a
	a -= c
	a ^= bits.RotateLeft32(c, 16)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 19)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 4)
	b += a
	return a, b, c
}
