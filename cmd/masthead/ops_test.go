package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"masthead/store"
	"masthead/store/storetest"
)

// tablesOf reads an export file's tables, leaving out the header (engine,
// time), which differs between exports of the same data.
func tablesOf(t *testing.T, path string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tables json.RawMessage `json:"tables"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc.Tables
}

// TestExportImportCommands moves a demo publication from SQLite to the
// other engine and back through the commands, as an operator would.
func TestExportImportCommands(t *testing.T) {
	dir := t.TempDir()
	src := "sqlite:" + filepath.Join(dir, "src.db")
	if _, stderr, err := runMain(t, "demo", "--articles", "60", "--db", src); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	first := filepath.Join(dir, "first.json")
	stdout, stderr, err := runMain(t, "export", "--db", src, first)
	if err != nil || !strings.Contains(stdout, "Exported") || !strings.Contains(stderr, "articles") {
		t.Fatalf("export: %v\n%s\n%s", err, stdout, stderr)
	}
	middle := "sqlite:" + filepath.Join(dir, "middle.db")
	if os.Getenv(storetest.EnvPostgres) != "" {
		middle = storetest.DSN(t, "postgres")
	}
	stdout, stderr, err = runMain(t, "import", "--db", middle, first)
	if err != nil || !strings.Contains(stdout, "search index is rebuilt") {
		t.Fatalf("import into %s: %v\n%s\n%s", middle, err, stdout, stderr)
	}
	second := filepath.Join(dir, "second.json")
	if _, stderr, err := runMain(t, "export", "--db", middle, second); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	back := "sqlite:" + filepath.Join(dir, "back.db")
	if _, stderr, err := runMain(t, "import", "--db", back, second); err != nil {
		t.Fatalf("import back: %v\n%s", err, stderr)
	}
	third := filepath.Join(dir, "third.json")
	if _, stderr, err := runMain(t, "export", "--db", back, third); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	want := tablesOf(t, first)
	for _, p := range []string{second, third} {
		if !bytes.Equal(want, tablesOf(t, p)) {
			t.Errorf("%s differs from the first export", filepath.Base(p))
		}
	}

	// A second import into the same database is refused; so is a
	// truncated file, which leaves a new database empty.
	if _, _, err := runMain(t, "import", "--db", back, third); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("import into a full database: %v", err)
	}
	b, _ := os.ReadFile(first)
	cut := filepath.Join(dir, "cut.json")
	os.WriteFile(cut, b[:len(b)*2/3], 0o644)
	fresh := "sqlite:" + filepath.Join(dir, "fresh.db")
	_, _, err = runMain(t, "import", "--db", fresh, cut)
	if err == nil || !strings.Contains(err.Error(), "nothing was imported") || !strings.Contains(err.Error(), "at byte") {
		t.Errorf("import of a truncated file: %v", err)
	}
	db, err := store.Open(context.Background(), fresh, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	db.SQL().QueryRow(`SELECT COUNT(*) FROM articles`).Scan(&n)
	if n != 0 {
		t.Errorf("%d articles after a failed import", n)
	}
}

// TestBackupCommand copies the database of a running server.
func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "live.db")
	inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "40")
	copyPath := filepath.Join(dir, "copy.db")
	// Readers keep the server busy while the copy is taken.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			if res, err := http.Get(inst.URL + "/"); err == nil {
				res.Body.Close()
			}
		}
	}()
	stdout, stderr, err := runMain(t, "backup", "--db", dsn, copyPath)
	<-done
	if err != nil || !strings.Contains(stdout, "integrity check: ok") {
		t.Fatalf("backup: %v\n%s\n%s", err, stdout, stderr)
	}
	if err := store.CheckSQLite(context.Background(), copyPath); err != nil {
		t.Error(err)
	}
	if _, _, err := runMain(t, "backup", "--db", dsn, copyPath); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	if os.Getenv(storetest.EnvPostgres) != "" {
		_, _, err := runMain(t, "backup", "--db", storetest.DSN(t, "postgres"), filepath.Join(dir, "pg.db"))
		if err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("backup of PostgreSQL: %v", err)
		}
	}
}

// TestHealthCommandAndDrain: `masthead health` passes against a ready
// server and fails once it drains; a stopping server answers /readyz with
// 503 for the drain delay while pages still work.
func TestHealthCommandAndDrain(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	inst := startServe(t, "--db", dsn, "--drain-delay", "3s")
	stdout, _, err := runMain(t, "health", "--url", inst.URL+"/readyz")
	if err != nil || !strings.Contains(stdout, "200 OK") || !strings.Contains(stdout, `"ready"`) {
		t.Fatalf("health: %v %s", err, stdout)
	}
	if _, _, err := runMain(t, "health", "--url", inst.URL+"/no-such-page"); !errors.As(err, new(exitCode)) {
		t.Errorf("health of a 404: %v", err)
	}

	inst.cancel() // as SIGTERM does
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := http.Get(inst.URL + "/readyz")
		if err != nil {
			t.Fatalf("the server stopped before /readyz said 503: %v", err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz never said 503 after the stop signal")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := get(t, inst.URL+"/"); r.status != 200 {
		t.Errorf("the home page while draining: %d", r.status)
	}
	if _, _, err := runMain(t, "health", "--url", inst.URL+"/readyz"); err == nil {
		t.Error("health passed while draining")
	}
	<-inst.done
	if inst.err != nil {
		t.Errorf("serve: %v", inst.err)
	}
}

// TestOperationsDocListsEverySetting: every flag of every command appears
// in the settings reference of docs/operations.md, so a new flag cannot
// ship undocumented.
func TestOperationsDocListsEverySetting(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	flagRE := regexp.MustCompile(`(?m)^  --([a-z0-9-]+)$`)
	missing := map[string][]string{}
	for name, c := range commands() {
		out, errOut := new(syncBuffer), new(syncBuffer)
		if err := c.run(context.Background(), []string{"-h"}, out, errOut); err != nil && !errors.Is(err, flag.ErrHelp) {
			// A command with subcommands ("user add", "newsletter
			// send") wants the first one, as its usage names it, before -h.
			sub := strings.Fields(c.args)
			if len(sub) == 0 {
				t.Errorf("%s -h: %v", name, err)
				continue
			}
			out, errOut = new(syncBuffer), new(syncBuffer)
			if err := c.run(context.Background(), []string{sub[0], "-h"}, out, errOut); err != nil && !errors.Is(err, flag.ErrHelp) {
				t.Errorf("%s %s -h: %v", name, sub[0], err)
				continue
			}
		}
		for _, m := range flagRE.FindAllStringSubmatch(errOut.String()+out.String(), -1) {
			if !bytes.Contains(doc, []byte("`--"+m[1]+"`")) {
				missing[m[1]] = append(missing[m[1]], name)
			}
		}
	}
	var names []string
	for f, cmds := range missing {
		sort.Strings(cmds)
		names = append(names, "--"+f+" ("+strings.Join(cmds, ", ")+")")
	}
	sort.Strings(names)
	if len(names) > 0 {
		t.Errorf("docs/operations.md does not document:\n  %s", strings.Join(names, "\n  "))
	}
}
