package http_test

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
)

// holdingAccounts is the store with a password check that, the first
// time, holds its hashing slot until told to go on; every other password
// operation that reaches it is counted, so a test sees which requests got
// past the bound.
type holdingAccounts struct {
	masthead.AccountService
	entered, release chan struct{}
	first            atomic.Bool
	reached          atomic.Int32
}

func (h *holdingAccounts) Authenticate(ctx context.Context, email, password string) (*masthead.Member, error) {
	if h.first.CompareAndSwap(false, true) {
		close(h.entered)
		<-h.release
	} else {
		h.reached.Add(1)
	}
	return h.AccountService.Authenticate(ctx, email, password)
}

func (h *holdingAccounts) SetPassword(ctx context.Context, memberID int64, password string) error {
	h.reached.Add(1)
	return h.AccountService.SetPassword(ctx, memberID, password)
}

// TestPasswordHashingBounded: with every hashing slot taken, a password
// sign-in and a password change wait their bounded time and get 503 with
// Retry-After, without hashing; once the slot is free, passwords work
// again. The slot is held by a request parked inside the check, so the
// test does not depend on how long a hash takes.
func TestPasswordHashingBounded(t *testing.T) {
	var h *holdingAccounts
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.Accounts.PasswordHashes = 1
		c.Accounts.PasswordHashWait = 20 * time.Millisecond
		h = &holdingAccounts{AccountService: d.Accounts, entered: make(chan struct{}), release: make(chan struct{})}
		d.Accounts = h
	}, func(t *testing.T, rs *readers) {
		m, cookie := rs.verified(t, "hasher@example.com")
		if err := rs.db.SetPassword(context.Background(), m.ID, "a long secret phrase"); err != nil {
			t.Fatal(err)
		}
		login := req{url: "/login", form: url.Values{"with": {"password"}, "email": {"hasher@example.com"}, "password": {"a long secret phrase"}}}

		held := make(chan int)
		go func() {
			res, _ := rs.send(t, login)
			held <- res.StatusCode
		}()
		<-h.entered

		for _, q := range []req{
			login,
			{url: "/login", form: url.Values{"with": {"password"}, "email": {"someone.else@example.com"}, "password": {"another phrase here"}}, remote: "198.51.100.7:1"},
			{url: "/account/password", form: url.Values{"password": {"a new long phrase"}, "confirm": {"a new long phrase"}}, cookies: []*http.Cookie{cookie}},
		} {
			res, body := rs.send(t, q)
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
				t.Errorf("%s with the slot held: status %d, Retry-After %q", q.url, res.StatusCode, res.Header.Get("Retry-After"))
			}
			mustContain(t, q.url+" with the slot held", body, "Too many passwords at once")
		}
		if n := h.reached.Load(); n != 0 {
			t.Errorf("%d password operations ran while the only slot was held", n)
		}

		close(h.release)
		if status := <-held; status != http.StatusSeeOther {
			t.Errorf("the request holding the slot: status %d, want 303", status)
		}
		if res, _ := rs.send(t, login); res.StatusCode != http.StatusSeeOther {
			t.Errorf("after the slot was freed: status %d, want 303", res.StatusCode)
		}
		if n := h.reached.Load(); n != 1 {
			t.Errorf("%d password checks after the slot was freed, want 1", n)
		}
	})
}
