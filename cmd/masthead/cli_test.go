package main

// The command line refuses mistakes and says what it is: arguments and
// flags in the wrong place, help for every command, the version, and
// errors that name their cause.

import (
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"

	"masthead/store/storetest"
)

// TestCheckArgs: what the flag package leaves unread is refused when it
// is a flag after an argument, or an argument to a command that takes
// none.
func TestCheckArgs(t *testing.T) {
	for _, c := range []struct {
		cmd     string
		args    []string
		wantErr string // "" for none
	}{
		{"serve", []string{"--addr", ":0"}, ""},
		{"serve", []string{"extra"}, `unexpected argument "extra": serve takes no arguments`},
		{"serve", []string{"extra", "--addr", ":0"}, `--addr after the argument "extra" was not read`},
		{"serve", []string{"--", "extra"}, `unexpected argument "extra"`},
		{"migrate", []string{"--db", "sqlite:x.db", "now"}, `unexpected argument "now"`},
		{"import", []string{"dir"}, ""},
		{"import", []string{"site.xml", "--map", "a=b"}, `--map after the argument "site.xml" was not read: flags go before arguments`},
		{"import", []string{"site.xml", "-map=a=b"}, `-map=a=b after the argument "site.xml"`},
		{"import", []string{"--", "-odd-name"}, ""},
		{"import", []string{"--", "dir", "--map"}, ""}, // "--" ended the flags: the command counts its arguments
		{"export", []string{"-"}, ""},
		{"export", []string{"-", "--db", "sqlite:x.db"}, `--db after the argument "-"`},
		{"user", []string{"ed@example.com", "--role", "admin"}, `--role after the argument "ed@example.com"`},
		{"health", []string{"extra"}, `health takes no arguments`},
		{"version", []string{"--help-me"}, `flag provided but not defined`},
	} {
		t.Run(c.cmd+" "+strings.Join(c.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet(c.cmd, flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			fs.String("addr", "", "")
			fs.String("db", "", "")
			fs.String("map", "", "")
			fs.String("role", "", "")
			err := parseFlags(fs, c.args)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want one saying %q", err, c.wantErr)
			}
		})
	}
}

// TestCommandsRefuseStrayArguments runs every command with an argument it
// does not take, and with a flag after an argument, as a user types them:
// each is refused before it opens (or creates) a database or serves.
func TestCommandsRefuseStrayArguments(t *testing.T) {
	t.Chdir(t.TempDir())
	names := make([]string, 0, len(commands()))
	for n := range commands() {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		h := help[name]
		// What a user types before the stray word: the subcommand, and
		// for "newsletter send" its name.
		var lead []string
		switch name {
		case "user":
			lead = []string{"add", "ed@example.com"}
		case "billing":
			lead = []string{"sync"}
		case "media":
			lead = []string{"fetch"}
		case "crawlers":
			lead = []string{"list"}
		case "licensees":
			lead = []string{"usage"}
		case "newsletter":
			lead = []string{"send", "daily"}
		case "import", "export", "backup":
			lead = []string{"thing"}
		}
		t.Run(name, func(t *testing.T) {
			args := append(append([]string{name}, lead...), "stray", "--log-level", "debug")
			// Refused or not, nothing may run long: the context has
			// ended before the command starts.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := Main(ctx, args, io.Discard, io.Discard)
			if err == nil {
				t.Fatalf("%v: no error", args)
			}
			if h.args == "" && !strings.Contains(err.Error(), `unexpected argument "stray"`) {
				t.Errorf("%v: %v, want it to name the stray argument", args, err)
			}
			if !strings.Contains(err.Error(), "--log-level after the argument") {
				t.Errorf("%v: %v, want it to say --log-level was not read", args, err)
			}
			if _, err := os.Stat("masthead.db"); err == nil {
				t.Fatalf("%v created masthead.db", args)
			}
		})
	}
	for _, c := range [][]string{
		{"newsletter", "status", "extra"},
		{"billing", "sync", "extra"},
		{"user", "add", "a@example.com", "b@example.com"},
		{"export", "one.json", "two.json"},
	} {
		if _, _, err := runMain(t, c...); err == nil || !strings.Contains(err.Error(), "unexpected argument") && !strings.Contains(err.Error(), "name one") {
			t.Errorf("%v: %v, want the extra argument refused", c, err)
		}
	}
}

// TestHelpOfEveryCommand: the summaries in "masthead help" are whole
// sentences, and "help COMMAND" documents each command (with its usage
// line) and ends as -h does.
func TestHelpOfEveryCommand(t *testing.T) {
	out, _, err := runMain(t, "help")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range commands() {
		sum := c.summary()
		if !strings.HasSuffix(sum, ".") || strings.Count(sum, "(") != strings.Count(sum, ")") || strings.Count(sum, "`")%2 != 0 {
			t.Errorf("%s: summary %q is not a whole sentence", name, sum)
		}
		if !regexp.MustCompile(`(?m)^  ` + name + ` +` + regexp.QuoteMeta(sum) + `$`).MatchString(out) {
			t.Errorf("help does not list %s with %q:\n%s", name, sum, out)
		}
		page, _, err := runMain(t, "help", name)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Errorf("help %s: %v", name, err)
		}
		if !strings.Contains(page, "usage: masthead "+name+c.synopsis()+"\n") || !strings.Contains(page, c.doc) {
			t.Errorf("help %s lacks its usage line or its text:\n%s", name, page)
		}
	}
	page, _, _ := runMain(t, "help", "import")
	for _, want := range []string{"Markdown", "Ghost", "WordPress", "WXR", "masthead export"} {
		if !strings.Contains(page, want) {
			t.Errorf("help import does not name %s", want)
		}
	}
	if _, _, err := runMain(t, "help", "no-such-command"); err == nil || !strings.Contains(err.Error(), "no-such-command") {
		t.Errorf("help of an unknown command: %v", err)
	}
}

// newestMigration is the highest NNNN_ of the files in dir.
func newestMigration(t *testing.T, dir string) int {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("%s/%s: not a numbered migration", dir, e.Name())
		}
		n = max(n, v)
	}
	return n
}

func TestVersionCommand(t *testing.T) {
	out, _, err := runMain(t, "version")
	if err != nil {
		t.Fatal(err)
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		want := "  schema    " + strconv.Itoa(newestMigration(t, "../../store/migrations/"+engine)) + "\n"
		if !strings.Contains(out, want) {
			t.Errorf("version printed\n%s\nwant the newest %s migration: %q", out, engine, want)
		}
	}
	if !strings.HasPrefix(out, "masthead ") || !strings.Contains(out, "  go        go1.") {
		t.Errorf("version printed\n%s", out)
	}

	// What the toolchain stamps into a build from a git checkout.
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "masthead", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, c := range []struct {
		bi   *debug.BuildInfo
		want []string
	}{
		{bi, []string{"masthead v1.4.0\n", "revision  0123456789abcdef (2026-12-01T10:00:00Z), with uncommitted changes\n", "go1.26.0", "schema    9\n"}},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, []string{"masthead (devel)\n", "revision  unknown (built without version control information)\n"}},
		{nil, []string{"masthead (unknown)\n", "revision  unknown"}},
	} {
		got := versionText(c.bi, 9)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("versionText:\n%s\nwant %q", got, w)
			}
		}
	}
}

// TestOpenErrorsNameTheCause: a database that cannot be opened is
// explained by its cause first.
func TestOpenErrorsNameTheCause(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	_, _, err = runMain(t, "migrate", "--db", "postgres://masthead:hunter2@"+closed+"/masthead?sslmode=disable")
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach PostgreSQL at "+closed+": connection refused (--db postgres://masthead:xxxxx@") {
		t.Errorf("migrate on a closed port: %v", err)
	}
	if base := os.Getenv(storetest.EnvPostgres); base != "" {
		u, _ := url.Parse(base)
		u.Path = "/masthead_no_such_db"
		_, _, err := runMain(t, "migrate", "--db", u.String())
		if err == nil || !strings.HasPrefix(err.Error(), `database "masthead_no_such_db" does not exist, says PostgreSQL at `+u.Host) {
			t.Errorf("migrate on a missing database: %v", err)
		}
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 { // root writes anywhere
		_, _, err = runMain(t, "migrate", "--db", "sqlite:"+filepath.Join(dir, "m.db"))
		if err == nil || !strings.HasPrefix(err.Error(), "the database directory "+dir+" is not writable") {
			t.Errorf("migrate in a read-only directory: %v", err)
		}
	}
}

// TestServeAdvisesFirstAdmin: serve on a database without staff prints
// the command that makes the first admin, and that command prints a
// sign-in link to this server that signs in.
func TestServeAdvisesFirstAdmin(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			inst := startServe(t, "--db", dsn)
			m := regexp.MustCompile(`(?m)^No staff yet\..*\n  masthead (user add .*) EMAIL$`).FindStringSubmatch(inst.stdout.String())
			if m == nil {
				t.Fatalf("serve on an empty database printed no advice:\n%s", inst.stdout.String())
			}
			if !strings.Contains(m[1], "--base-url "+inst.URL) {
				t.Errorf("advice %q does not name --base-url %s", m[1], inst.URL)
			}
			var args []string
			for _, f := range strings.Fields(m[1]) {
				args = append(args, strings.Trim(f, "'"))
			}
			if engine == "postgres" {
				// The advice shows the URL with its password hidden;
				// the test database has none, so it is the same.
				if !strings.Contains(m[1], dsn) {
					t.Fatalf("advice %q does not name --db %s", m[1], dsn)
				}
			}
			out, stderr, err := runMain(t, append(args, "first@example.com")...)
			if err != nil {
				t.Fatalf("%v: %v\n%s", args, err, stderr)
			}
			signIn(t, inst, regexp.MustCompile(`http://\S+/admin/signin\?token=\S+`).FindString(out))

			// With staff, a restart advises nothing.
			again := startServe(t, "--db", dsn)
			if strings.Contains(again.stdout.String(), "No staff yet") {
				t.Errorf("serve with an admin still advises creating one")
			}
		})
	}
}

// TestServeDemoShowsOutbox: serve --demo without SMTP prints where the
// development outbox is, beside the staff link, and it is there.
func TestServeDemoShowsOutbox(t *testing.T) {
	inst := startServe(t, "--db", storetest.DSN(t, "sqlite"), "--demo", "--demo-articles", "10")
	out := inst.stdout.String()
	staff := strings.Index(out, "/admin/signin?token=")
	outbox := strings.Index(out, "  "+inst.URL+"/_dev/mail\n")
	if staff < 0 || outbox < staff {
		t.Fatalf("serve --demo printed no outbox address after the staff link:\n%s", out)
	}
	mustStatus(t, "GET /_dev/mail", get(t, inst.URL+"/_dev/mail"), http.StatusOK)
	if strings.Contains(out, "No staff yet") {
		t.Error("serve --demo, which makes a demo admin, advises creating one")
	}
}

// FuzzParseFlags: whatever the command line, parsing does not panic, and
// a command line it accepts leaves no flag unread after an argument and
// no argument to a command that takes none.
func FuzzParseFlags(f *testing.F) {
	f.Add("serve", "extra\x00--addr\x00:0")
	f.Add("import", "--map\x00a=b\x00site.xml")
	f.Add("export", "--\x00-\x00--db")
	f.Add("user", "-role=admin\x00ed@example.com\x00-")
	f.Fuzz(func(t *testing.T, cmd, line string) {
		args := strings.Split(line, "\x00")
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.String("addr", "", "")
		fs.String("map", "", "")
		fs.Bool("force", false, "")
		if err := parseFlags(fs, args); err != nil {
			return
		}
		rest := fs.Args()
		if len(rest) > 0 && help[cmd].args == "" {
			t.Fatalf("%s %q: accepted the arguments %q", cmd, args, rest)
		}
		if read := len(args) - len(rest); len(rest) < 2 || read > 0 && args[read-1] == "--" {
			return
		}
		for _, a := range rest[1:] {
			if len(a) > 1 && a[0] == '-' {
				t.Fatalf("%s %q: accepted %q after an argument", cmd, args, a)
			}
		}
	})
}
