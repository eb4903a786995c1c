package admin_test

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"testing"

	"masthead"
	"masthead/admin"
)

// hostTable resolves names from a table; any other name does not exist.
type hostTable map[string][]netip.Addr

func (h hostTable) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if as, ok := h[host]; ok {
		return as, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// TestWebhookOwnNetworkRefused: an endpoint whose host is, or resolves
// to, the server's own network — loopback, private, link-local, shared,
// and the IPv6 forms of them — is refused when registered, and nothing is
// stored, unless the operator allowed the network.
func TestWebhookOwnNetworkRefused(t *testing.T) {
	resolver := hostTable{
		"localhost":           {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")},
		"intranet.example":    {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.20.30.40")},
		"hooks.example.com":   {netip.MustParseAddr("93.184.216.34")},
		"warehouse.corp.test": {netip.MustParseAddr("10.1.2.3")},
	}
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		newHandler := func(nets masthead.WebhookNetworks) *admin.Handler {
			return admin.New(admin.Config{SiteName: "The Test Review", BaseURL: "http://example.test", WebhookNetworks: nets}, admin.Deps{
				Articles: f.db, Taxonomy: f.db, Members: f.db, Clock: f.clock, Location: f.loc, Webhooks: f.db, WebhookResolver: resolver,
			})
		}
		f.h = newHandler(masthead.WebhookNetworks{})
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		form := func(u string) url.Values {
			return url.Values{"url": {u}, "events": {"member.created"}}
		}
		var refused []req
		for _, u := range []string{
			"http://127.0.0.1:6379/", "http://127.1.2.3/", "http://localhost:8080/hook", "http://[::1]/hook",
			"http://[::ffff:127.0.0.1]/hook", "http://[::ffff:10.0.0.1]/hook", "http://0.0.0.0:5432/",
			"http://10.0.0.5/hook", "http://172.20.1.1/", "http://192.168.1.1/", "http://100.64.0.1/",
			"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://[fd00::1]/", "http://224.0.0.1/",
			"https://intranet.example/hook", "https://warehouse.corp.test/in",
		} {
			refused = append(refused, req{name: u, url: "/admin/webhooks", cookie: adminC, form: form(u),
				wantStatus: http.StatusBadRequest, wantContains: []string{"URL must lead to the public internet", `value="` + u + `"`},
				wantNotContains: []string{"10.20.30.40", "10.1.2.3"}})
		}
		f.run(refused)
		if eps, _ := f.db.WebhookEndpoints(ctx); len(eps) != 0 {
			t.Fatalf("refused endpoints stored: %v", eps)
		}

		// A public host, and a name that does not resolve (yet): the
		// worker judges it when it connects.
		f.run([]req{
			{name: "public", url: "/admin/webhooks", cookie: adminC, form: form("https://hooks.example.com/in"), wantStatus: http.StatusCreated},
			{name: "unresolved", url: "/admin/webhooks", cookie: adminC, form: form("https://not-yet.example/in"), wantStatus: http.StatusCreated},
		})

		// The operator allows the warehouse's network: that one passes,
		// the rest of the private space does not.
		f.h = newHandler(masthead.WebhookNetworks{Allow: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}})
		f.run([]req{
			{name: "allowed network", url: "/admin/webhooks", cookie: adminC, form: form("https://warehouse.corp.test/in"), wantStatus: http.StatusCreated},
			{name: "allowed address", url: "/admin/webhooks", cookie: adminC, form: form("http://10.1.9.9/in"), wantStatus: http.StatusCreated},
			{name: "outside the allowed network", url: "/admin/webhooks", cookie: adminC, form: form("http://10.2.0.1/in"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"URL must lead to the public internet"}},
			{name: "loopback still", url: "/admin/webhooks", cookie: adminC, form: form("http://localhost/in"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"URL must lead to the public internet"}},
		})
		if eps, _ := f.db.WebhookEndpoints(ctx); len(eps) != 4 {
			t.Errorf("%d endpoints stored, want 4", len(eps))
		}
	})
}
