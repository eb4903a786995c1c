package main

import (
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 200; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		p    int
		want time.Duration
	}{{50, 100 * time.Millisecond}, {99, 198 * time.Millisecond}, {100, 200 * time.Millisecond}, {1, 2 * time.Millisecond}} {
		if got := percentile(lat, tc.p); got != tc.want {
			t.Errorf("p%d of 1..200 ms = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("p99 of one sample = %v", got)
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-articles", "2_000, 50000"})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.sizes) != 2 || o.sizes[0] != 2000 || o.sizes[1] != 50000 {
		t.Errorf("sizes %v, want [2000 50000]", o.sizes)
	}
	for _, bad := range [][]string{{"-articles", "many"}, {"-conns", "0"}, {"-duration", "0s"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

// A signed-in row measures only the page it names, and only if private.
func TestCheckReaderPage(t *testing.T) {
	rd := readers[0] // the member who unlocked the article: full text
	full := []byte(`<a class="account__name" href="/account">Reader</a><div class="article__body prose article-gated">…</div>`)
	wall := []byte(`<a class="account__name" href="/account">Reader</a><div class="article__body prose">…</div><section class="wall article-gated">`)
	for _, c := range []struct {
		name string
		p    page
		ok   bool
	}{
		{"full text, private", page{cacheControl: "private, no-cache", body: full}, true},
		{"full text, public", page{cacheControl: "public, max-age=60", body: full}, false},
		{"the wall", page{cacheControl: "private, no-cache", body: wall}, false},
	} {
		if err := checkReaderPage(rd, c.p); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
