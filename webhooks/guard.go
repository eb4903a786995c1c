package webhooks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"masthead"
)

// Deliveries connect only where masthead.WebhookNetworks permits. The
// check is made on the address the connection is actually opened to,
// after the name is resolved, so a name that resolved to a public address
// when the endpoint was saved and to 127.0.0.1 now (DNS rebinding) is
// refused all the same; the dialer's Control function checks that address
// once more just before the socket connects. Redirects are not followed,
// and no proxy from the environment is used, since a proxy would open the
// connection for us, past the check.

// Resolver looks host names up. *net.Resolver is one; tests inject a
// fixed table.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// errNotAllowed is the error of a connection to an address the networks
// do not permit.
var errNotAllowed = errors.New("webhooks: address not allowed")

// guardedDialer opens connections to permitted addresses only.
type guardedDialer struct {
	nets     masthead.WebhookNetworks
	resolver Resolver
	dialer   net.Dialer
}

func newGuardedDialer(nets masthead.WebhookNetworks, r Resolver, timeout time.Duration) *guardedDialer {
	d := &guardedDialer{nets: nets, resolver: r}
	d.dialer = net.Dialer{Timeout: timeout, Control: d.control}
	return d
}

// DialContext resolves the host of address with the dialer's resolver and
// connects to the first permitted address that answers.
func (d *guardedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if addrs, err = d.resolver.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, err
	}
	err = errNotAllowed
	for _, a := range addrs {
		if !d.nets.Permits(a) {
			continue
		}
		var c net.Conn
		c, err = d.dialer.DialContext(ctx, network, net.JoinHostPort(a.Unmap().WithZone("").String(), port))
		if err == nil {
			return c, nil
		}
	}
	return nil, err
}

// control is the last check, on the address the socket is about to
// connect to.
func (d *guardedDialer) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !d.nets.Permits(ap.Addr()) {
		return errNotAllowed
	}
	return nil
}

// newClient returns the HTTP client of deliveries: guarded connections, no
// proxy, no redirects, every attempt bounded by timeout.
func newClient(nets masthead.WebhookNetworks, r Resolver, timeout time.Duration) *http.Client {
	d := newGuardedDialer(nets, r, timeout)
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
			MaxIdleConns:          32,
			IdleConnTimeout:       90 * time.Second,
		},
		// Redirects are not followed: a POST would turn into a GET, the
		// receiver should be registered at its real address, and the
		// new address would escape the check above.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// describe turns a failed attempt into the words of the delivery log.
// They say what went wrong in the terms of the receiver — never an
// address, a port or the system's own message, so that the log of an
// endpoint pointed at the server's own network tells nothing of what is
// there (the log is not a port scanner).
func describe(code int, err error) string {
	var (
		dnsErr  *net.DNSError
		netErr  net.Error
		certErr *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	switch {
	case code != 0:
		// An answer came: its status is all there is to say.
		return "HTTP " + strconv.Itoa(code)
	case err == nil:
		return ""
	case errors.Is(err, errBadURL):
		return "invalid URL"
	case errors.Is(err, errNotAllowed):
		return "address not allowed"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.As(err, &dnsErr):
		return "host not found"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alert),
		errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid):
		return "TLS error"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "network unreachable"
	}
	return "connection failed"
}
