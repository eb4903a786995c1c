package http

import (
	"net/http"
	"strconv"
	"time"
)

// Password hashing is bounded by the use cases (reading, the hashing
// slots of AccountConfig.PasswordHashes): a request that found every
// slot taken for PasswordHashWait is answered 503 with Retry-After here,
// so the memory of hashing stays under slots × 19 MiB whatever arrives.

// hashRetryAfter is the Retry-After of a request that found every
// hashing slot taken: the queue drains within seconds.
const hashRetryAfter = 5 * time.Second

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
