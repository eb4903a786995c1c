package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
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
// sets connect_timeout. Other settings pass through to the server as the
// URL gives them, statement_timeout among them.
func newPostgresConnector(dsn string) (driver.Connector, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	return postgresConnector{stdlib.GetConnector(*cfg)}, nil
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
