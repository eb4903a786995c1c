package web

import (
	"net/http/httptest"
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"": false, "gzip": true, "br, gzip;q=0.8": true, "gzip;q=0": false, "identity": false, "*": true, "deflate, gzip ; q=0": false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if h != "" {
			r.Header.Set("Accept-Encoding", h)
		}
		if got := AcceptsGzip(r); got != want {
			t.Errorf("AcceptsGzip(%q) = %v", h, got)
		}
	}
}

func TestETagMatch(t *testing.T) {
	for h, want := range map[string]bool{
		`W/"abc"`: true, `"abc"`: true, `"x", W/"abc"`: true, `*`: true, `"abd"`: false, ``: false,
	} {
		if got := etagMatch(h, `W/"abc"`); got != want {
			t.Errorf("etagMatch(%q) = %v", h, got)
		}
	}
}
