package http

import (
	"strconv"
	"testing"
)

// FuzzParseBeacon: a beacon's path parts are accepted exactly when
// beaconURL makes them, and read back as what it was made from.
func FuzzParseBeacon(f *testing.F) {
	for _, s := range [][2]string{{"wall", "12"}, {"article", "1"}, {"wall", "0"}, {"page", "3"}, {"article", "012"},
		{"wall", "9223372036854775807"}, {"wall", "9223372036854775808"}, {"article", "-1"}, {"article", "+1"}, {"wall", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, kind, id string) {
		wall, n, ok := parseBeacon(kind, id)
		if !ok {
			if wall || n != 0 {
				t.Fatalf("parseBeacon(%q, %q) refused but returned %v, %d", kind, id, wall, n)
			}
			return
		}
		if n < 1 {
			t.Fatalf("parseBeacon(%q, %q) = %d, want a positive id", kind, id, n)
		}
		if got, want := beaconURL(n, wall), beaconPrefix+kind+"/"+id; got != want {
			t.Fatalf("parseBeacon(%q, %q) = %v, %d, whose beacon is %q", kind, id, wall, n, got)
		}
		if strconv.FormatInt(n, 10) != id {
			t.Fatalf("id %q read as %d", id, n)
		}
	})
}
