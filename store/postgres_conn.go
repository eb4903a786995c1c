package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"masthead"
)

// DefaultConnectTimeout bounds each attempt to reach PostgreSQL when the
// URL gives no connect_timeout, so that while the server is away a request
// fails within seconds (a 503 page) instead of hanging on the network.
const DefaultConnectTimeout = 5 * time.Second

// errUnreachable is what a request meets while PostgreSQL cannot be
// reached: EUNAVAILABLE, which the site serves as a 503 page.
var errUnreachable = &masthead.Error{Code: masthead.EUNAVAILABLE, Message: "The site is unavailable for a moment. Please try again shortly."}

// postgresConnector opens the pool's connections. A failure to connect is
// marked EUNAVAILABLE; database/sql returns it as is. A connection that
// died while idle (the server restarted) is found by pgx's check when the
// pool hands it out and replaced by a new one, so only requests in flight
// at the moment of a restart see a broken connection, and isUnreachable
// classifies those.
type postgresConnector struct{ driver.Connector }

func (c postgresConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, errors.Join(errUnreachable, err)
	}
	return conn, nil
}

// newPostgresConnector parses dsn, giving it DefaultConnectTimeout unless it
// sets connect_timeout, and jit off unless it sets jit. Other settings
// pass through to the server as the URL gives them, statement_timeout
// among them.
//
// PostgreSQL compiles a statement whose estimated cost passes
// jit_above_cost to machine code first, which takes a fifth of a
// second. Masthead's statements are short, and the estimates of tables
// just filled (a bulk load, before their first ANALYZE) are far too
// high: a reindex's read of 500 articles with their labels took 280 ms,
// 200 of them compiling, and 25 ms without.
func newPostgresConnector(dsn string) (driver.Connector, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
	return postgresConnector{stdlib.GetConnector(*cfg)}, nil
}

// connectFailure says why PostgreSQL could not be used when the store
// was opened, cause first, for the operator who started the process: the
// server's own refusal (database "x" does not exist, password
// authentication failed) or the network's (connection refused, no such
// host), rather than the 503 message a reader gets later. It returns nil
// when err is not a failure to connect.
func connectFailure(err error) error {
	var ce *pgconn.ConnectError
	if !errors.As(err, &ce) || ce.Config == nil {
		return nil
	}
	where := "PostgreSQL at " + net.JoinHostPort(ce.Config.Host, strconv.Itoa(int(ce.Config.Port)))
	var pe *pgconn.PgError
	var dns *net.DNSError
	var errno syscall.Errno
	var ne net.Error
	var msg string
	switch {
	case errors.As(ce, &pe):
		msg = fmt.Sprintf("%s, says %s", pe.Message, where)
	case errors.As(ce, &dns):
		msg = fmt.Sprintf("cannot reach %s: %s", where, dns.Err)
	case errors.As(ce, &errno):
		msg = fmt.Sprintf("cannot reach %s: %s", where, errno.Error())
	case errors.Is(ce, context.DeadlineExceeded), errors.As(ce, &ne) && ne.Timeout():
		msg = fmt.Sprintf("cannot reach %s: no answer within %s (connect_timeout)", where, ce.Config.ConnectTimeout)
	default:
		msg = fmt.Sprintf("cannot connect to %s: %v", where, ce.Unwrap())
	}
	return errors.Join(&masthead.Error{Code: masthead.EUNAVAILABLE, Message: msg}, ce)
}

// isUnreachable reports whether err means the database server went away
// or cannot be reached, rather than that a statement was wrong.
func isUnreachable(err error) bool {
	if errors.Is(err, errUnreachable) {
		return false // already marked
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe):
		// Class 08: connection exception; 57P01-57P03: the server is
		// shutting down or starting up.
		return len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03")
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	}
	return pgconn.SafeToRetry(err)
}

// unreachable marks err EUNAVAILABLE when it means PostgreSQL went away
// (a restart, a cut network) under a statement in flight, so the request
// gets the 503 page rather than a 500. The prepared-statement paths are
// SQLite's, whose errors translate handles.
func (d *dialect) unreachable(err error) error {
	if err == nil || d.prepare || !isUnreachable(err) {
		return err
	}
	return errors.Join(errUnreachable, err)
}

// markRow gives a row's Scan error the same treatment on PostgreSQL.
func (d *dialect) markRow(r *sql.Row) rowScanner {
	if d.prepare {
		return r
	}
	return markedRow{r, d}
}

type markedRow struct {
	r *sql.Row
	d *dialect
}

func (m markedRow) Scan(dest ...any) error { return m.d.unreachable(m.r.Scan(dest...)) }
