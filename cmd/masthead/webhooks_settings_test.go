package main

import (
	"flag"
	"io"
	"net/netip"
	"testing"
)

func TestWebhookSettings(t *testing.T) {
	parse := func(args ...string) (*webhookSettings, error) {
		var s webhookSettings
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		s.webhookFlags(fs)
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		return &s, s.validate()
	}
	s, err := parse()
	if err != nil || len(s.Networks.Allow) != 0 || s.Networks.Permits(netip.MustParseAddr("127.0.0.1")) {
		t.Errorf("default: %+v, %v; want the public internet only", s, err)
	}
	s, err = parse("--webhook-allow-networks", "10.20.0.0/16, 127.0.0.1,fd00:1::/32")
	if err != nil {
		t.Fatal(err)
	}
	for a, want := range map[string]bool{"10.20.3.4": true, "127.0.0.1": true, "127.0.0.2": false, "fd00:1::9": true, "10.21.0.1": false} {
		if got := s.Networks.Permits(netip.MustParseAddr(a)); got != want {
			t.Errorf("%s: %v, want %v", a, got, want)
		}
	}
	for _, v := range []string{"10.0.0.0/33", "intranet.example", "10.0.0.1/8", "0.0.0.0/0", "10.0.0.0/8,10.1.0.0/16"} {
		if _, err := parse("--webhook-allow-networks", v); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}
