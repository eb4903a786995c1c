package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"masthead"
	"masthead/http/web"
)

// Readiness is what /readyz asks of the database. *store.DB implements it.
type Readiness interface {
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// SchemaVersion returns the newest migration applied and the newest
	// this binary knows.
	SchemaVersion(ctx context.Context) (applied, known int, err error)
}

// readyTimeout bounds the database checks of /readyz, so a load balancer
// polling it hears "not ready" quickly rather than timing out itself.
const readyTimeout = 2 * time.Second

// Drain marks the site as stopping: /readyz answers 503 from now on, so
// load balancers send new requests elsewhere, while every other route
// keeps serving until the HTTP server shuts down.
func (s *Server) Drain() { s.draining.Store(true) }

// handleAlive answers /healthz: the process is up and serving HTTP. It
// asks nothing of the database, so an orchestrator does not restart an
// instance because PostgreSQL is away (that is what /readyz reports).
func (s *Server) handleAlive(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", web.NoStore)
	w.Write([]byte("{\"status\":\"alive\"}\n"))
}

// readyReport is the body of /readyz.
type readyReport struct {
	Status     string `json:"status"`   // "ready" or "unavailable"
	Database   string `json:"database"` // "ok" or what failed
	Migrations string `json:"migrations"`
	Draining   bool   `json:"draining"`
	// Email says where email goes. It never makes the instance
	// unready: without SMTP the site still serves, and says so here.
	Email string `json:"email"`
}

// handleReady answers /readyz: 200 when the database answers within
// readyTimeout, its schema is the one this binary knows, and the server is
// not draining; 503 otherwise, the body saying which check failed.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	rep := readyReport{Status: "ready", Database: "ok", Migrations: "current", Draining: s.draining.Load(),
		Email: emailReadiness(s.cfg.Email)}
	ok := !rep.Draining
	if s.ready == nil {
		rep.Database, rep.Migrations = "not checked", "not checked"
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.ready.Ping(ctx); err != nil {
			ok = false
			s.log.Warn("readyz: database", "err", err)
			rep.Database = "unreachable: " + errText(ctx)
			rep.Migrations = "unknown"
		} else if applied, known, err := s.ready.SchemaVersion(ctx); err != nil {
			ok = false
			s.log.Warn("readyz: schema version", "err", err)
			rep.Migrations = "unknown: " + errText(ctx)
		} else if applied != known {
			ok = false
			rep.Migrations = fmt.Sprintf("database at version %d, this binary at %d", applied, known)
		}
	}
	status := http.StatusOK
	if !ok {
		rep.Status = "unavailable"
		status = http.StatusServiceUnavailable
		if rep.Draining {
			w.Header().Set("Connection", "close")
		}
	}
	body, _ := json.Marshal(rep)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", web.NoStore)
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// emailReadiness is the email line of /readyz.
func emailReadiness(m masthead.EmailMode) string {
	switch m {
	case masthead.EmailSMTP:
		return "smtp"
	case masthead.EmailOutbox:
		return "dev outbox at " + devMailPath + ": nothing leaves this server"
	}
	return "not configured: set --smtp-url (MASTHEAD_SMTP_URL); no email is sent until then"
}

// errText says why a check failed without the driver's words, which can
// name hosts and users; the log has them.
func errText(ctx context.Context) string {
	if ctx.Err() != nil {
		return fmt.Sprintf("no answer within %s", readyTimeout)
	}
	return "error (see the server log)"
}
