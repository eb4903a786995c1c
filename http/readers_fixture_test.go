package http_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	mhttp "masthead/http"
	"masthead/jobs"
	"masthead/mail"
	"masthead/mail/mailtest"
	"masthead/store"
	"masthead/store/storetest"
)

// The readers' tests (registration, the meter, crawlers, ads, caching,
// the bypass suite) run the whole site with the real store, a real SMTP
// server (mailtest), a clock they can move and a DNS table.

// fakeDNS answers PTR and A lookups from tables and counts the PTR
// lookups, so a test can see the cache at work.
type fakeDNS struct {
	mu      sync.Mutex
	ptr     map[string][]string
	forward map[string][]string
	lookups int
}

func newFakeDNS() *fakeDNS {
	return &fakeDNS{ptr: map[string][]string{}, forward: map[string][]string{}}
}

func (d *fakeDNS) add(ip, name string, forward ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ptr[ip] = append(d.ptr[ip], name)
	d.forward[strings.TrimSuffix(name, ".")] = forward
}

func (d *fakeDNS) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lookups++
	if names, ok := d.ptr[addr]; ok {
		return names, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
}

func (d *fakeDNS) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []net.IPAddr
	for _, a := range d.forward[host] {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

func (d *fakeDNS) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lookups
}

// readers is a seeded site wired with everything the reader path uses.
type readers struct {
	*site
	clock *clocktest.Clock
	dns   *fakeDNS
	smtp  *mailtest.Server
	jobs  *jobs.Pool // runs the emails the site enqueues
}

// trustedProxy is the network of the proxy the test site sits behind.
const trustedProxy = "10.0.0.0/8"

// eachReaders runs fn on both engines with a readers site; mut may change
// the configuration.
func eachReaders(t *testing.T, mut func(*mhttp.Config, *mhttp.Deps), fn func(t *testing.T, rs *readers)) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		rs := &readers{clock: clocktest.New(now), dns: newFakeDNS(), smtp: mailtest.Start(t)}
		mailer, err := mail.Open(rs.smtp.URL(), "The Test Review <no-reply@news.example>")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { mailer.Close() })
		rs.jobs = jobs.New(db, jobs.Config{Clock: rs.clock, Poll: 20 * time.Millisecond})
		rs.site = newSite(t, db, func(c *mhttp.Config, d *mhttp.Deps) {
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix(trustedProxy)}
			d.Clock = rs.clock
			d.Meter, d.Entitlements, d.Accounts, d.Limiter = db, db, db, db
			d.Mailer = mailer
			d.Resolver = rs.dns
			d.Jobs, d.JobAdded = db, rs.jobs.Notify
			if mut != nil {
				mut(c, d)
			}
		})
		for kind, fn := range rs.srv.JobHandlers() {
			rs.jobs.Handle(kind, fn)
		}
		rs.jobs.Start()
		t.Cleanup(func() { rs.jobs.Stop(context.Background()) })
		fn(t, rs)
	})
}

// req is one request from a browser.
type req struct {
	method  string
	url     string
	form    url.Values
	cookies []*http.Cookie
	header  http.Header
	remote  string // RemoteAddr; default 192.0.2.1:1234
}

// send runs q through the whole handler.
func (rs *readers) send(t *testing.T, q req) (*http.Response, string) {
	t.Helper()
	method := q.method
	if method == "" {
		method = http.MethodGet
		if q.form != nil {
			method = http.MethodPost
		}
	}
	var body io.Reader
	if q.form != nil {
		body = strings.NewReader(q.form.Encode())
	}
	r := httptest.NewRequest(method, q.url, body)
	if q.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range q.header {
		r.Header[k] = v
	}
	for _, c := range q.cookies {
		r.AddCookie(c)
	}
	if q.remote != "" {
		r.RemoteAddr = q.remote
	}
	w := httptest.NewRecorder()
	rs.h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// setCookie returns the cookie named name that res sets, or nil.
func setCookie(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// session returns the session cookie of a new session for m.
func (rs *readers) session(t *testing.T, m *masthead.Member) *http.Cookie {
	t.Helper()
	token, hash := masthead.NewToken()
	if err := rs.db.CreateSession(context.Background(), m.ID, hash, now.Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: mhttp.SessionCookie, Value: token}
}

// verified returns a member who followed a sign-in link, and a session.
func (rs *readers) verified(t *testing.T, email string) (*masthead.Member, *http.Cookie) {
	t.Helper()
	ctx := context.Background()
	token, hash := masthead.NewToken()
	if err := rs.db.CreateSignInToken(ctx, email, hash, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	m, err := rs.db.ConsumeSignInToken(ctx, masthead.HashToken(token))
	if err != nil {
		t.Fatal(err)
	}
	return m, rs.session(t, m)
}

// subscriber returns a verified member with an active entitlement.
func (rs *readers) subscriber(t *testing.T, email string) (*masthead.Member, *http.Cookie) {
	t.Helper()
	m, c := rs.verified(t, email)
	if _, err := rs.db.GrantEntitlement(context.Background(), masthead.Entitlement{
		MemberID: m.ID, Source: masthead.EntitlementComplimentary, StartsAt: now.Add(-time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	return m, c
}

// register submits the wall's form from the browser holding cookies and
// returns the response and the device cookie it now has.
func (rs *readers) register(t *testing.T, email, slug string, cookies []*http.Cookie, extra url.Values) (*http.Response, string, *http.Cookie) {
	t.Helper()
	form := url.Values{"email": {email}, "article": {slug}}
	for k, v := range extra {
		form[k] = v
	}
	res, body := rs.send(t, req{url: "/register", form: form, cookies: cookies})
	device := setCookie(res, mhttp.DeviceCookie)
	if device == nil {
		for _, c := range cookies {
			if c.Name == mhttp.DeviceCookie {
				device = c
			}
		}
	}
	return res, body, device
}

// mustContain and mustNotContain check a body for each of want.
func mustContain(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q\n%s", what, w, excerpt(body))
		}
	}
}

func mustNotContain(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s contains %q", what, w)
		}
	}
}
