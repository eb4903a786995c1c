package masthead

import "time"

// Lease is a named, time-bounded claim that one instance holds over a piece
// of work, such as running the periodic jobs. Holder identifies the
// instance; Until is when the claim lapses unless renewed; Token rises
// every time the lease changes hands (a fencing token), so two holders are
// never confused even when one of them has stalled past its expiry.
type Lease struct {
	Name   string
	Holder string
	Until  time.Time
	Token  int64
}

// HeldBy reports whether holder holds the lease at now.
func (l Lease) HeldBy(holder string, now time.Time) bool {
	return l.Holder == holder && now.Before(l.Until)
}
