package main

import (
	"flag"
	"io"
	"testing"
	"time"
)

// --session-cache-ttl: 5 s by default, 0 turns the cache off (a negative
// value in the site's terms), and anything past a minute is refused.
func TestSessionCacheSetting(t *testing.T) {
	parse := func(args ...string) (*accountSettings, error) {
		var a accountSettings
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		a.accountFlags(fs)
		return &a, fs.Parse(args)
	}
	for _, c := range []struct {
		args []string
		want time.Duration
		ok   bool
	}{
		{nil, 5 * time.Second, true},
		{[]string{"--session-cache-ttl", "2s"}, 2 * time.Second, true},
		{[]string{"--session-cache-ttl", "0"}, -1, true},
		{[]string{"--session-cache-ttl", "-1s"}, 0, false},
		{[]string{"--session-cache-ttl", "2m"}, 0, false},
	} {
		a, err := parse(c.args...)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		cfg, err := a.httpConfig()
		if (err == nil) != c.ok || (c.ok && cfg.SessionCacheTTL != c.want) {
			t.Errorf("%v: SessionCacheTTL %v, error %v; want %v, ok %t", c.args, cfg.SessionCacheTTL, err, c.want, c.ok)
		}
	}
}
