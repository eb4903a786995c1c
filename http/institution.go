package http

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"masthead"
)

// Institutional networks: a reader whose address (clientIP, so behind a
// proxy only what the trusted proxies reported) falls in a range of an
// institution with a current agreement reads everything, signed in or not.
//
// The ranges live in memory as a sorted table (masthead.NetworkTable), so
// the check costs a binary search and no query. The table is loaded at
// start, reloaded at once when staff change institutions on this instance
// (ReloadInstitutions, wired to the staff pages), and otherwise whenever
// the store's institutions version moves, which a poller checks every
// Config.InstitutionRefresh (default 2 s): a change made on another
// instance reaches this one within that interval. Agreement dates are
// checked at each lookup, so an agreement ending needs no reload.
//
// A request from an institutional network never reads or fills the shared
// page cache (readerPage): its article page holds the full text and is
// marked private, and the cached anonymous teaser is never served to it.

// netTable holds the current table and the version it was read at.
type netTable struct {
	svc     masthead.InstitutionService
	log     *slog.Logger
	table   atomic.Pointer[masthead.NetworkTable]
	version atomic.Int64
	loadMu  sync.Mutex // one reload at a time

	stop context.CancelFunc
	done chan struct{}
}

// initInstitutions loads the table and starts its poller. Without a
// service no address is institutional.
func (s *Server) initInstitutions(svc masthead.InstitutionService) {
	s.nets = &netTable{svc: svc, log: s.log, done: make(chan struct{})}
	if svc == nil {
		close(s.nets.done)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.nets.stop = cancel
	lctx, lcancel := context.WithTimeout(ctx, 5*time.Second)
	if err := s.nets.reload(lctx); err != nil {
		// The poller retries: the version it knows (0) is stale.
		s.log.Warn("institutions: load networks", "err", err)
	}
	lcancel()
	every := s.cfg.InstitutionRefresh
	if every <= 0 {
		every = 2 * time.Second
	}
	go s.nets.poll(ctx, every)
}

// ReloadInstitutions rereads the institutional networks now and forgets
// every signed-in reader's cached state, since a change may have ended
// members' seats. The staff pages call it after a change, so this
// instance applies it at once.
func (s *Server) ReloadInstitutions(ctx context.Context) error {
	s.forgetReaders()
	if s.nets == nil || s.nets.svc == nil {
		return nil
	}
	return s.nets.reload(ctx)
}

func (n *netTable) reload(ctx context.Context) error {
	n.loadMu.Lock()
	defer n.loadMu.Unlock()
	v, nets, err := n.svc.InstitutionNetworks(ctx)
	if err != nil {
		return err
	}
	n.table.Store(masthead.NewNetworkTable(nets))
	n.version.Store(v)
	return nil
}

// poll reloads the table when the version moved. A failed check keeps
// the table it has: the networks change rarely, and a stale table for a
// few seconds errs on the side of the agreement as it was.
func (n *netTable) poll(ctx context.Context, every time.Duration) {
	defer close(n.done)
	poll(ctx, every, false, n.log, "institutions: refresh networks", func(ctx context.Context) error {
		v, err := n.svc.InstitutionsVersion(ctx)
		if err == nil && v != n.version.Load() {
			err = n.reload(ctx)
		}
		return err
	})
}

// close stops the poller and waits for it.
func (n *netTable) close() {
	if n == nil {
		return
	}
	if n.stop != nil {
		n.stop()
	}
	<-n.done
}

// institutionOf names the institution whose network r comes from, or "".
// With no ranges configured it costs one atomic load.
func (s *Server) institutionOf(r *http.Request) string {
	if s.nets == nil || s.nets.table.Load().Len() == 0 {
		return ""
	}
	return s.institutionAt(s.clientIP(r), s.clock.Now())
}

// institutionAt names the institution whose network holds client at now,
// or "".
func (s *Server) institutionAt(client netip.Addr, now time.Time) string {
	if s.nets == nil {
		return ""
	}
	t := s.nets.table.Load()
	if t.Len() == 0 {
		return ""
	}
	return t.Lookup(client, now)
}
