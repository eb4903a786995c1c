package http

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// Password hashing is bounded. An Argon2id hash (store/passwords.go) takes
// 19 MiB and tens of milliseconds of one core; every password sign-in
// costs one, right or wrong, and so does setting a password. Unbounded, a
// burst of a few hundred password sign-ins holds gigabytes at once. Each
// request takes a slot (AccountConfig.PasswordHashes, GOMAXPROCS by
// default) for its hash, waits for one at most PasswordHashWait, and is
// otherwise answered 503 with Retry-After: the memory of hashing stays
// under slots × 19 MiB whatever arrives.

// hashRetryAfter is the Retry-After of a request that found every
// hashing slot taken: the queue drains within seconds.
const hashRetryAfter = 5 * time.Second

// hashSlot waits for a hashing slot, at most PasswordHashWait, and
// returns the function that frees it; false when none came free in time
// or the request ended.
func (a *accountState) hashSlot(ctx context.Context) (release func(), ok bool) {
	select {
	case a.hashing <- struct{}{}:
		return func() { <-a.hashing }, true
	default:
	}
	t := time.NewTimer(a.cfg.PasswordHashWait)
	defer t.Stop()
	select {
	case a.hashing <- struct{}{}:
		return func() { <-a.hashing }, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}

// hashingBusy answers a request that found no hashing slot: 503, with
// Retry-After, and a page that offers the emailed link instead.
func (s *Server) hashingBusy(w http.ResponseWriter, r *http.Request) error {
	v := &noticePage{
		base:    s.accountBase(r, "Busy", "/login"),
		Heading: "Too many passwords at once",
		Message: "We are checking many passwords right now. Please try again in a few seconds, or use a sign-in link by email.",
		NewLink: r.URL.Path == "/login",
	}
	v.Canonical = ""
	w.Header().Set("Retry-After", strconv.Itoa(int(hashRetryAfter/time.Second)))
	w.WriteHeader(http.StatusServiceUnavailable)
	return s.render(w, "notice", v)
}
