package masthead_test

import (
	"net/netip"
	"testing"

	"masthead"
)

// TestWebhookNetworks: outgoing webhooks reach the public internet only,
// unless the operator allows a network.
func TestWebhookNetworks(t *testing.T) {
	refused := []string{
		// Loopback, unspecified, "this network".
		"127.0.0.1", "127.255.255.254", "::1", "0.0.0.0", "::", "0.1.2.3",
		// Private.
		"10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fc00::1", "fd12:3456::1",
		// Link-local, the cloud metadata service among them.
		"169.254.169.254", "fe80::1", "fe80::1%eth0",
		// Shared (CGNAT), multicast, broadcast, reserved.
		"100.64.0.1", "100.127.255.255", "224.0.0.1", "239.1.2.3", "ff02::1", "ff05::2", "255.255.255.255", "240.0.0.1",
		// Documentation, benchmarking, protocol assignments.
		"192.0.2.10", "198.51.100.7", "203.0.113.9", "198.18.0.1", "198.19.255.1", "192.0.0.8", "2001:db8::1", "3fff::1",
		// IPv6 forms carrying an IPv4 address, some of them private.
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1", "64:ff9b::a00:1",
		"64:ff9b:1::1", "2002:7f00:1::1", "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
		// Discard, site-local, SRv6.
		"100::1", "fec0::1", "5f00::1",
	}
	permitted := []string{
		"93.184.216.34", "1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.1", "172.32.0.1", "192.169.0.1",
		"2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:93.184.216.34",
	}
	var none masthead.WebhookNetworks
	for _, s := range refused {
		if a := netip.MustParseAddr(s); none.Permits(a) || !masthead.SpecialAddress(a) {
			t.Errorf("%s permitted", s)
		}
	}
	for _, s := range permitted {
		if a := netip.MustParseAddr(s); !none.Permits(a) || masthead.SpecialAddress(a) {
			t.Errorf("%s refused", s)
		}
	}
	if none.Permits(netip.Addr{}) {
		t.Error("the zero address permitted")
	}

	// The operator's networks open exactly themselves, IPv4-mapped forms
	// included.
	allow := masthead.WebhookNetworks{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.1.0.0/16"),
		netip.MustParsePrefix("fd00:1::/32")}}
	for s, want := range map[string]bool{
		"127.0.0.1": true, "::ffff:127.0.0.1": true, "127.9.9.9": true, "10.1.2.3": true, "fd00:1::5": true,
		"10.2.0.1": false, "::1": false, "169.254.169.254": false, "fd00:2::1": false, "8.8.8.8": true,
	} {
		if got := allow.Permits(netip.MustParseAddr(s)); got != want {
			t.Errorf("with allowed networks, %s: %v, want %v", s, got, want)
		}
	}
}
