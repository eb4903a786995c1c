// Package storetest gives tests a fresh Masthead database on each engine:
// SQLite always, PostgreSQL when MASTHEAD_TEST_POSTGRES holds its URL. Each
// PostgreSQL test gets a schema of its own, so packages and tests can run
// in parallel against one server.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"masthead/store"
)

// EnvPostgres names the variable holding the PostgreSQL URL for tests.
const EnvPostgres = "MASTHEAD_TEST_POSTGRES"

// Each runs fn as the subtests "sqlite" and "postgres", each with a fresh,
// migrated, empty database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	EachWith(t, store.Options{}, fn)
}

// EachWith is Each with options, such as a fixed clock.
func EachWith(t *testing.T, opt store.Options, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine, opt))
		})
	}
}

// Open returns a fresh database on engine, closed when t ends. It skips
// the test for PostgreSQL when no URL is configured.
func Open(t testing.TB, engine string, opt store.Options) *store.DB {
	t.Helper()
	dsn := DSN(t, engine)
	db, err := store.Open(context.Background(), dsn, opt)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// DSN returns the address of a fresh, empty database on engine: a file in
// a temporary directory, or a new PostgreSQL schema dropped when t ends.
func DSN(t testing.TB, engine string) string {
	t.Helper()
	if engine == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "masthead.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a database URL, e.g. %s='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' (.ci/run does)", EnvPostgres, EnvPostgres)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("postgres: create schema (is PostgreSQL running at %s?): %v", base, err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres: bad %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
