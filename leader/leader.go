// Package leader elects one instance among many to do the periodic work
// (publishing scheduled articles, pruning, newsletter schedules) through a
// lease kept in the shared database. The holder renews the lease well
// before it lapses; when the holder dies the lease lapses and another
// instance takes it, and when the holder stops cleanly it releases the
// lease so another takes it at once.
//
// On SQLite there is one instance, which simply always wins; the same code
// runs.
package leader

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"masthead"
)

// Store keeps leases; store.DB implements it.
type Store interface {
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (masthead.Lease, error)
	ReleaseLease(ctx context.Context, name, holder string, token int64) error
}

// DefaultTTL is how long a lease lasts unless renewed: the longest periodic
// work can stall after a leader dies.
const DefaultTTL = 15 * time.Second

// Elector takes and keeps one named lease for this instance.
type Elector struct {
	store  Store
	name   string
	holder string
	ttl    time.Duration
	clock  masthead.Clock
	log    *slog.Logger

	mu    sync.Mutex
	lease masthead.Lease // the last lease this instance held
	held  bool
}

// Config names the lease and this instance. Zero fields take defaults.
type Config struct {
	// Name of the lease; default "periodic".
	Name string
	// Holder identifies this instance; default HOST-PID-RANDOM.
	Holder string
	// TTL is the lease's lifetime; default DefaultTTL. It is renewed
	// every TTL/3, so two renewals in a row may fail before it lapses.
	TTL   time.Duration
	Clock masthead.Clock
	Log   *slog.Logger
}

// New returns an elector; call Run to take part in the election.
func New(s Store, cfg Config) *Elector {
	if cfg.Name == "" {
		cfg.Name = "periodic"
	}
	if cfg.Holder == "" {
		cfg.Holder = InstanceID()
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Clock == nil {
		cfg.Clock = masthead.SystemClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Elector{store: s, name: cfg.Name, holder: cfg.Holder, ttl: cfg.TTL, clock: cfg.Clock, log: cfg.Log}
}

// InstanceID names this process uniquely among the instances sharing a
// database: host name, process id and a random suffix (process ids repeat
// across containers).
func InstanceID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "masthead"
	}
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Holder returns this instance's name in the lease table.
func (e *Elector) Holder() string { return e.holder }

// Leading reports whether this instance holds the lease now, with the
// lease's fencing token. It turns false a third of the lease before the
// lease lapses when renewals fail (the database is unreachable), so a
// leader that cannot renew stops its work before another may start.
func (e *Elector) Leading() (token int64, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.held || !e.clock.Now().Add(e.ttl/3).Before(e.lease.Until) {
		return 0, false
	}
	return e.lease.Token, true
}

// Run takes part in the election until ctx ends: it tries to take or renew
// the lease every TTL/3, logging each change of leadership, and releases
// the lease when it stops. Stop the work that depends on Leading before
// ending ctx, so the next leader never overlaps a job in flight.
func (e *Elector) Run(ctx context.Context) {
	t := time.NewTicker(e.ttl / 3)
	defer t.Stop()
	failing := false
	for {
		e.try(ctx, &failing)
		select {
		case <-ctx.Done():
			e.release()
			return
		case <-t.C:
		}
	}
}

// try makes one attempt to take or renew the lease.
func (e *Elector) try(ctx context.Context, failing *bool) {
	qctx, cancel := context.WithTimeout(ctx, e.ttl/3)
	defer cancel()
	now := e.clock.Now()
	l, err := e.store.AcquireLease(qctx, e.name, e.holder, now, e.ttl)
	if err != nil {
		if ctx.Err() == nil && !*failing {
			e.log.Warn("leader: cannot renew the lease", "lease", e.name, "holder", e.holder, "err", err)
		}
		*failing = true
		return
	}
	*failing = false
	held := l.HeldBy(e.holder, now)
	e.mu.Lock()
	was, prevToken := e.held, e.lease.Token
	e.held = held
	if held {
		e.lease = l
	}
	e.mu.Unlock()
	switch {
	case held && (!was || l.Token != prevToken):
		e.log.Info("leader: took the lease; this instance runs the periodic work", "lease", e.name, "holder", e.holder, "token", l.Token)
	case !held && was:
		e.log.Warn("leader: lost the lease", "lease", e.name, "holder", e.holder, "now_held_by", l.Holder)
	}
}

// release gives the lease up, if held, so another instance takes over
// without waiting for it to lapse.
func (e *Elector) release() {
	e.mu.Lock()
	held, token := e.held, e.lease.Token
	e.held = false
	e.mu.Unlock()
	if !held {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.store.ReleaseLease(ctx, e.name, e.holder, token); err != nil {
		e.log.Warn("leader: release the lease", "lease", e.name, "err", err)
		return
	}
	e.log.Info("leader: released the lease", "lease", e.name, "holder", e.holder, "token", token)
}

// Every runs fn every interval while this instance leads, until ctx ends.
// It checks leadership right before each run, so after a handover the old
// leader's next tick does nothing.
func (e *Elector) Every(ctx context.Context, every time.Duration, fn func(ctx context.Context)) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, ok := e.Leading(); ok {
			fn(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
