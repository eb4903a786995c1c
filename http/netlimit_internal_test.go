package http

import (
	"net/netip"
	"testing"
)

func TestClientNetworks(t *testing.T) {
	for _, c := range []struct{ addr, own, wide string }{
		{"192.0.2.77", "192.0.2.77", "192.0.2.0/24"},
		{"::ffff:192.0.2.77", "192.0.2.77", "192.0.2.0/24"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64", "2001:db8:1::/48"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64", "2001:db8:1::/48"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64", "2001:db8:1::/48"},
		{"fe80::1%eth0", "fe80::/64", "fe80::/48"},
	} {
		own, wide := clientNetworks(netip.MustParseAddr(c.addr))
		if own != c.own || wide != c.wide {
			t.Errorf("clientNetworks(%s) = %s, %s; want %s, %s", c.addr, own, wide, c.own, c.wide)
		}
	}
	if own, wide := clientNetworks(netip.Addr{}); own != "unknown" || wide != "unknown" {
		t.Errorf("an unreadable address: %s, %s", own, wide)
	}
}
