package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestOpenSaysWhyPostgresCannotBeUsed: a database that cannot be opened
// at start is explained by its cause — the server's refusal or the
// network's — not by the page readers get while it is away.
func TestOpenSaysWhyPostgresCannotBeUsed(t *testing.T) {
	// A port nothing listens on: take a free one and close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	cases := []struct {
		name, dsn, want string
	}{
		{"no server", "postgres://postgres@" + closed + "/masthead?sslmode=disable",
			"cannot reach PostgreSQL at " + closed + ": connection refused"},
		{"no such host", "postgres://postgres@no-such-host.invalid:5432/masthead?sslmode=disable&connect_timeout=5",
			"cannot reach PostgreSQL at no-such-host.invalid:5432: "},
	}
	if base := os.Getenv(storetest.EnvPostgres); base != "" {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 4)
		rand.Read(b)
		name := "masthead_missing_" + hex.EncodeToString(b)
		u.Path = "/" + name
		cases = append(cases, struct{ name, dsn, want string }{"no such database", u.String(),
			`database "` + name + `" does not exist, says PostgreSQL at ` + u.Host})
	} else {
		t.Logf("the missing database case needs a server: set %s", storetest.EnvPostgres)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, err := store.Open(context.Background(), c.dsn, store.Options{})
			if err == nil {
				db.Close()
				t.Fatal("opened")
			}
			msg := masthead.ErrorMessage(err)
			if !strings.HasPrefix(msg, c.want) {
				t.Errorf("message %q, want it to start with %q", msg, c.want)
			}
			if strings.Contains(msg, "unavailable for a moment") {
				t.Errorf("message %q is the readers' 503 text", msg)
			}
			if masthead.ErrorCode(err) != masthead.EUNAVAILABLE {
				t.Errorf("code %q, want %q", masthead.ErrorCode(err), masthead.EUNAVAILABLE)
			}
		})
	}
}

// TestKnownSchemaVersion is the newest migration of both engines.
func TestKnownSchemaVersion(t *testing.T) {
	v, err := store.KnownSchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		applied, known, err := db.SchemaVersion(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if v != known || v != applied || v < 17 {
			t.Errorf("KnownSchemaVersion %d; a new database is at %d and knows %d", v, applied, known)
		}
	})
}

// TestPostgresJITOff: masthead's connections to PostgreSQL run without
// JIT compilation unless the URL asks for it, since compiling costs a
// short statement ten times its work (store/postgres_conn.go).
func TestPostgresJITOff(t *testing.T) {
	dsn := storetest.DSN(t, "postgres")
	for _, c := range []struct{ tail, want string }{{"", "off"}, {"&jit=on", "on"}} {
		db, err := store.Open(context.Background(), dsn+c.tail, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var jit string
		if err := db.SQL().QueryRow(`SHOW jit`).Scan(&jit); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if jit != c.want {
			t.Errorf("URL ending %q: jit %s, want %s", c.tail, jit, c.want)
		}
	}
}
