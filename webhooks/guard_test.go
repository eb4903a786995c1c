package webhooks_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	"masthead/store"
	"masthead/store/storetest"
	"masthead/webhooks"
)

// loopback opens 127.0.0.0/8 to deliveries, for the receivers of these
// tests, which listen there.
var loopback = masthead.WebhookNetworks{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}

// fakeResolver answers from a table; any other name does not exist.
type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if as, ok := r[host]; ok {
		return as, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

// TestConnectRefusesOwnNetwork: an endpoint that leads to the server's own
// network — by a literal address, or by a name that resolves there now,
// whatever it resolved to when it was saved — gets no connection, and its
// log says only "address not allowed". With the network allowed by the
// operator, the same endpoints are delivered to, through the same
// resolver.
func TestConnectRefusesOwnNetwork(t *testing.T) {
	clock := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		rcv := newReceiver(t, http.StatusNoContent)
		port := mustPort(t, rcv.URL)
		resolver := fakeResolver{
			"localhost": addrs("127.0.0.1", "::1"),
			// Public when the endpoint was saved, loopback now.
			"rebind.example": addrs("127.0.0.1"),
			// A private address first, then loopback.
			"mixed.example": addrs("10.0.0.1", "127.0.0.1"),
		}
		urls := []string{
			"http://localhost:" + port + "/hook",
			"http://rebind.example:" + port + "/hook",
			"http://mixed.example:" + port + "/hook",
			"http://127.0.0.1:" + port + "/hook",
			"http://[::ffff:127.0.0.1]:" + port + "/hook",
		}
		for _, u := range urls {
			if _, err := db.CreateWebhookEndpoint(ctx, masthead.WebhookEndpointInput{URL: u,
				Events: []masthead.WebhookEventType{masthead.EventMemberCreated}}, "whsec_guard"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone); err != nil {
			t.Fatal(err)
		}

		// By default: nothing reaches the receiver.
		w := webhooks.New(db, webhooks.Config{Clock: clock, Resolver: resolver})
		if n, err := runDue(ctx, db, w, clock); err != nil || n != len(urls) {
			t.Fatalf("run: %d, %v", n, err)
		}
		if n := len(rcv.requests()); n != 0 {
			t.Fatalf("the receiver on loopback got %d requests", n)
		}
		eps, err := db.WebhookEndpoints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range eps {
			list, _, _ := db.WebhookDeliveries(ctx, e.ID, 10, 0)
			if len(list) != 1 || list[0].Status != masthead.WebhookPending || list[0].LastCode != 0 ||
				list[0].LastError != "address not allowed" {
				t.Errorf("%s: %+v", e.URL, list)
			}
		}

		// Allowed by the operator: every one is delivered at its next
		// attempt.
		clock.Set(t0.Add(time.Minute))
		w = webhooks.New(db, webhooks.Config{Clock: clock, Resolver: resolver, Networks: loopback})
		if n, err := runDue(ctx, db, w, clock); err != nil || n != len(urls) {
			t.Fatalf("run with loopback allowed: %d, %v", n, err)
		}
		if n := len(rcv.requests()); n != len(urls) {
			t.Errorf("the receiver got %d requests, want %d", n, len(urls))
		}
		for _, e := range eps {
			list, _, _ := db.WebhookDeliveries(ctx, e.ID, 10, 0)
			if len(list) != 1 || list[0].Status != masthead.WebhookDelivered {
				t.Errorf("%s with loopback allowed: %+v", e.URL, list)
			}
		}
	})
}

// TestDeliveryLogIsCoarse: the delivery log names what kind of failure an
// attempt met, in a few fixed words, never an address, a port or the
// system's message; and a redirect, to the server's own network or
// anywhere, is not followed.
func TestDeliveryLogIsCoarse(t *testing.T) {
	clock := clocktest.New(t0)
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		block := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
		t.Cleanup(func() { close(block); slow.Close() })
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		failing := newReceiver(t, http.StatusInternalServerError)
		internal := newReceiver(t, http.StatusOK)
		redirect := httptest.NewServer(http.RedirectHandler(internal.URL+"/admin", http.StatusFound))
		t.Cleanup(redirect.Close)
		tlsRcv := httptest.NewTLSServer(http.NotFoundHandler())
		t.Cleanup(tlsRcv.Close)

		want := map[string]string{
			slow.URL:                          "timeout",
			closed.URL:                        "connection refused",
			failing.URL:                       "HTTP 500",
			redirect.URL:                      "HTTP 302",
			tlsRcv.URL:                        "TLS error",
			"http://nowhere.example:81/hook":  "host not found",
			"http://169.254.169.254/latest/":  "address not allowed",
			"https://[fd00::1]:8443/internal": "address not allowed",
		}
		for u := range want {
			if _, err := db.CreateWebhookEndpoint(ctx, masthead.WebhookEndpointInput{URL: u,
				Events: []masthead.WebhookEventType{masthead.EventMemberCreated}}, "whsec_log"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone); err != nil {
			t.Fatal(err)
		}
		w := webhooks.New(db, webhooks.Config{Clock: clock, Networks: loopback, Resolver: fakeResolver{},
			Timeout: 300 * time.Millisecond})
		if n, err := runDue(ctx, db, w, clock); err != nil || n != len(want) {
			t.Fatalf("run: %d, %v", n, err)
		}
		eps, err := db.WebhookEndpoints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range eps {
			list, _, _ := db.WebhookDeliveries(ctx, e.ID, 10, 0)
			if len(list) != 1 {
				t.Fatalf("%s: %d deliveries", e.URL, len(list))
			}
			d, attempts, _, err := db.WebhookDelivery(ctx, list[0].ID)
			if err != nil || len(attempts) != 1 {
				t.Fatalf("%s: %v, %d attempts", e.URL, err, len(attempts))
			}
			if d.LastError != want[e.URL] || attempts[0].Error != want[e.URL] {
				t.Errorf("%s: logged %q (attempt %q), want %q", e.URL, d.LastError, attempts[0].Error, want[e.URL])
			}
		}
		if n := len(internal.requests()); n != 0 {
			t.Errorf("the redirect was followed: %d requests", n)
		}
	})
}

func mustPort(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}
