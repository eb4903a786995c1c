package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeChecksSettingsBeforeTheDatabase: a mistyped setting stops serve
// with a message naming it before the database is opened, so a typo never
// migrates a production database, re-cuts its teasers or seeds a demo
// first. The message names the flag and the value.
func TestServeChecksSettingsBeforeTheDatabase(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--password-hashes", "0"}, "--password-hashes 0"},
		{[]string{"--password-hash-wait", "0s"}, "--password-hash-wait 0s"},
		{[]string{"--signin-attempts-per-ip", "0"}, "--signin-attempts-per-ip"},
		{[]string{"--trusted-proxies", "nonsense"}, `--trusted-proxies: "nonsense"`},
		{[]string{"--meter-period", "year"}, `--meter-period "year"`},
		{[]string{"--session-cache-ttl", "1h"}, "--session-cache-ttl 1h0m0s"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.db")
			args := append([]string{"serve", "--demo", "--demo-articles", "5", "--addr", "127.0.0.1:0", "--db", "sqlite:" + path}, tc.args...)
			_, _, err := runMain(t, args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %q", err, tc.want)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("the database file was created before the settings were checked (%v)", err)
			}
		})
	}
}
