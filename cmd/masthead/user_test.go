package main

import (
	"strings"
	"testing"

	"masthead/store/storetest"
)

// TestUserRemove: `masthead user remove EMAIL` takes a staff role away,
// never from the last administrator, and says what it ended.
func TestUserRemove(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			for _, args := range [][]string{
				{"user", "add", "--db", dsn, "--role", "admin", "chief@example.com"},
				{"user", "add", "--db", dsn, "--role", "editor", "ed@example.com"},
			} {
				if _, _, err := runMain(t, args...); err != nil {
					t.Fatalf("%v: %v", args, err)
				}
			}
			for _, c := range []struct {
				email, wantErr string
			}{
				{"chief@example.com", "last administrator"},
				{"nobody@example.com", "no member has the address"},
				{"not an address", "valid email"},
			} {
				if _, _, err := runMain(t, "user", "remove", "--db", dsn, c.email); err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("remove %s: %v, want %q", c.email, err, c.wantErr)
				}
			}
			out, _, err := runMain(t, "user", "remove", "--db", dsn, "ed@example.com")
			if err != nil || !strings.Contains(out, "ed@example.com is no longer editor") {
				t.Fatalf("remove: %q, %v", out, err)
			}
			if _, _, err := runMain(t, "user", "remove", "--db", dsn, "ed@example.com"); err == nil || !strings.Contains(err.Error(), "has no staff role") {
				t.Errorf("second removal: %v", err)
			}
			if _, _, err := runMain(t, "user", "remove", "--db", dsn); err == nil {
				t.Error("remove without an address succeeded")
			}
		})
	}
}
