package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// freshSchema makes an empty schema for one run and returns the URL
// that uses it.
func freshSchema(ctx context.Context, base string) (string, error) {
	schema := fmt.Sprintf("bench_newsletter_%d", time.Now().UnixNano())
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// dropSchema removes the run's schema.
func dropSchema(base, dsn string) {
	u, err := url.Parse(dsn)
	if err != nil {
		return
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return
	}
	defer db.Close()
	db.Exec(`DROP SCHEMA ` + u.Query().Get("search_path") + ` CASCADE`)
}
