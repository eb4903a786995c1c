package http

import (
	"net/http"
	"net/netip"
	"time"
)

// Rate limits by network. A client is counted under two keys: its own
// network, and a wider one that holds many such networks, with a looser
// limit. One IPv6 subscriber usually gets a whole /64 (2^64 addresses),
// and a provider hands out /48s, so counting an IPv6 client by its
// address would let one script be billions of clients; an IPv4 client is
// its address, and its /24 the wider network (a small office, a block of
// one host's servers).

// wideNetworkFactor is how many times the network's limit its wider
// network may use: a university's /48 or a hosting provider's /24 hold
// several honest networks.
const wideNetworkFactor = 4

// clientNetworks returns the client's network and the wider network
// holding it: for IPv4, the address and its /24; for IPv6, its /64 and
// /48. An address that cannot be read is one unknown network.
func clientNetworks(a netip.Addr) (own, wide string) {
	a = a.Unmap()
	switch {
	case a.Is4():
		p, _ := a.Prefix(24)
		return a.String(), p.String()
	case a.Is6():
		own6, _ := a.WithZone("").Prefix(64)
		wide6, _ := a.WithZone("").Prefix(48)
		return own6.String(), wide6.String()
	}
	return "unknown", "unknown"
}

// withinNetworkLimit counts one attempt of kind (register, signin, …)
// from the request's client network and its wider network, and reports
// whether both stay within their limits: limit per window for the
// network, wideNetworkFactor×limit for the wider one. The client is the
// one clientIP finds, through the trusted proxies.
func (s *Server) withinNetworkLimit(r *http.Request, kind string, limit int, now time.Time) bool {
	own, wide := clientNetworks(s.clientIP(r))
	if !s.withinLimit(r, kind+":net:"+own, limit, now) {
		return false
	}
	return s.withinLimit(r, kind+":wide:"+wide, wideNetworkFactor*limit, now)
}
