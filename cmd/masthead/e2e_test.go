package main

// End-to-end tests: the real program, started through Main exactly as the
// binary starts it, on a free loopback port and a fresh database (SQLite
// always, PostgreSQL when MASTHEAD_TEST_POSTGRES is set), driven over HTTP
// and through its other commands.

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead/store"
	"masthead/store/storetest"
)

// engines are the database engines every end-to-end scenario runs on.
func engines() []string { return []string{"sqlite", "postgres"} }

// syncBuffer is an output that Main writes from its goroutines while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runMain runs one command to its end and returns what it printed. The
// deadline only keeps a hung command from hanging the test run.
func runMain(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut syncBuffer
	err = Main(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// instance is a running `masthead serve`.
type instance struct {
	URL    string
	stdout *syncBuffer
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan struct{} // closed when Main has returned
	err    error         // what Main returned, once done is closed
}

var servingRE = regexp.MustCompile(`Masthead is serving (.+) at (http://127\.0\.0\.1:\d+)\n`)

// startServe runs `masthead serve` on a free loopback port with args and
// waits until it prints its URL. The server is stopped, as an operator
// would stop it (its context ends, like SIGINT), when the test ends, and
// must then return no error.
func startServe(t *testing.T, args ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	inst := &instance{stdout: new(syncBuffer), stderr: new(syncBuffer), cancel: cancel, done: make(chan struct{})}
	full := append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn", "--shutdown-grace", "5s"}, args...)
	go func() {
		defer close(inst.done)
		inst.err = Main(ctx, full, inst.stdout, inst.stderr)
	}()
	t.Cleanup(func() {
		inst.cancel()
		select {
		case <-inst.done:
		case <-time.After(time.Minute):
			t.Errorf("serve %v did not stop within a minute of its context ending", args)
			return
		}
		if inst.err != nil {
			t.Errorf("serve %v returned %v\nstderr:\n%s", args, inst.err, inst.stderr.String())
		}
	})

	deadline := time.After(3 * time.Minute)
	for {
		if m := servingRE.FindStringSubmatch(inst.stdout.String()); m != nil {
			inst.URL = m[2]
			return inst
		}
		select {
		case <-inst.done:
			t.Fatalf("serve %v returned before serving: %v\nstdout:\n%s\nstderr:\n%s", args, inst.err, inst.stdout.String(), inst.stderr.String())
		case <-deadline:
			t.Fatalf("serve %v printed no URL within 3 minutes\nstdout:\n%s\nstderr:\n%s", args, inst.stdout.String(), inst.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// client is an HTTP client that shows redirects instead of following them
// and keeps no cookies, so each test says exactly what it sends.
func client() *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// response is what a test looks at of an HTTP exchange.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends req and reads the whole answer.
func do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// get fetches u, optionally with cookies.
func get(t *testing.T, u string, cookies ...*http.Cookie) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return do(t, req)
}

// postForm submits form to u as a browser would.
func postForm(t *testing.T, u string, form url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

// mustStatus fails the test unless r has status want.
func mustStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		body := r.body
		if len(body) > 2000 {
			body = body[:2000] + "…"
		}
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, want, body)
	}
}

func TestHelpDocumentsEveryFlagAndItsVariable(t *testing.T) {
	out, _, err := runMain(t, "help")
	if err != nil {
		t.Fatalf("help: %v", err)
	}
	for _, want := range []string{"serve", "demo", "import", "user", "migrate", "MASTHEAD_BASE_URL", "MASTHEAD_BASE_URL_FILE"} {
		if !strings.Contains(out, want) {
			t.Errorf("help does not mention %q:\n%s", want, out)
		}
	}

	// `serve -h` prints the flags on stderr and ends as -h does.
	_, usage, err := runMain(t, "serve", "-h")
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve -h returned %v, want flag.ErrHelp", err)
	}
	checkUsage(t, "serve -h", usage, "addr", "db", "base-url", "site-name", "tagline", "timezone",
		"log-format", "log-level", "page-cache-mb", "demo", "demo-articles", "demo-seed", "shutdown-grace")

	// `help CMD` prints the same on stdout, for every command.
	for cmd, flags := range map[string][]string{
		"serve":   {"addr", "db", "demo"},
		"demo":    {"db", "articles", "seed"},
		"import":  {"db", "timezone"},
		"user":    {"db", "role", "base-url"},
		"migrate": {"db"},
	} {
		out, _, err := runMain(t, "help", cmd)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Errorf("help %s: %v", cmd, err)
			continue
		}
		checkUsage(t, "help "+cmd, out, flags...)
	}

	if _, _, err := runMain(t, "no-such-command"); err == nil {
		t.Error("an unknown command returned no error")
	}
}

var usageFlagRE = regexp.MustCompile(`(?m)^  --([a-z0-9-]+)\n(?:        .*\n)*?        env (MASTHEAD_[A-Z0-9_]+)$`)

// checkUsage checks that usage lists each flag in want, and that every
// flag it lists names its own MASTHEAD_* variable.
func checkUsage(t *testing.T, what, usage string, want ...string) {
	t.Helper()
	listed := map[string]bool{}
	for _, m := range usageFlagRE.FindAllStringSubmatch(usage, -1) {
		listed[m[1]] = true
		if wantEnv := "MASTHEAD_" + strings.ToUpper(strings.ReplaceAll(m[1], "-", "_")); m[2] != wantEnv {
			t.Errorf("%s: --%s documents variable %s, want %s", what, m[1], m[2], wantEnv)
		}
	}
	for _, f := range want {
		if !listed[f] {
			t.Errorf("%s does not document --%s with its variable:\n%s", what, f, usage)
		}
	}
}

func TestEnvironmentConfiguresServe(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "from-env.db")
	taglineFile := filepath.Join(dir, "tagline")
	if err := os.WriteFile(taglineFile, []byte("Read from a file, as secrets are\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MASTHEAD_DB", "sqlite:"+dbPath)
	t.Setenv("MASTHEAD_SITE_NAME", "The Evening Variable")
	t.Setenv("MASTHEAD_TAGLINE_FILE", taglineFile)

	inst := startServe(t) // no --db: the variable must choose the database
	if m := servingRE.FindStringSubmatch(inst.stdout.String()); m[1] != "The Evening Variable" {
		t.Errorf("serving %q, want the site name from MASTHEAD_SITE_NAME", m[1])
	}
	home := get(t, inst.URL+"/")
	mustStatus(t, "GET /", home, http.StatusOK)
	for _, want := range []string{"The Evening Variable", "Read from a file, as secrets are"} {
		if !strings.Contains(home.body, want) {
			t.Errorf("home page lacks %q set through the environment", want)
		}
	}
	if _, err := os.Stat(dbPath); err != nil {
		t.Errorf("MASTHEAD_DB was not used: %v", err)
	}

	// A flag on the command line wins over the environment.
	other := startServe(t, "--site-name", "The Flag Times")
	if m := servingRE.FindStringSubmatch(other.stdout.String()); m[1] != "The Flag Times" {
		t.Errorf("serving %q, want the --site-name flag to win over MASTHEAD_SITE_NAME", m[1])
	}

	// A bad value in a variable is an error that names the variable.
	t.Setenv("MASTHEAD_PAGE_CACHE_MB", "lots")
	_, _, err := runMain(t, "serve", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "MASTHEAD_PAGE_CACHE_MB") {
		t.Errorf("serve with MASTHEAD_PAGE_CACHE_MB=lots returned %v, want an error naming the variable", err)
	}
}

func TestEndToEnd(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "60")

			home := get(t, inst.URL+"/")
			mustStatus(t, "GET /", home, http.StatusOK)
			slugs := articleLinks(home.body)
			if len(slugs) < 5 {
				t.Fatalf("home page of a 60-article demo links %d articles", len(slugs))
			}

			t.Run("demo sign-in link", func(t *testing.T) {
				link := regexp.MustCompile(`http://\S+/admin/signin\?token=\S+`).FindString(inst.stdout.String())
				if link == "" {
					t.Fatalf("serve --demo printed no admin sign-in link:\n%s", inst.stdout.String())
				}
				signIn(t, inst, link)
			})

			t.Run("user add", func(t *testing.T) {
				out, _, err := runMain(t, "user", "add", "--db", dsn, "--base-url", inst.URL, "--role", "admin", "editor-in-chief@example.com")
				if err != nil {
					t.Fatalf("user add: %v", err)
				}
				link := regexp.MustCompile(`http://\S+/admin/signin\?token=\S+`).FindString(out)
				if link == "" {
					t.Fatalf("user add printed no sign-in link:\n%s", out)
				}
				signIn(t, inst, link)

				if _, _, err := runMain(t, "user", "add", "--db", dsn, "--role", "overlord", "x@example.com"); err == nil {
					t.Error("user add --role overlord returned no error")
				}
			})

			t.Run("import", func(t *testing.T) {
				testImport(t, inst, dsn)
			})

			t.Run("migrate", func(t *testing.T) {
				out, _, err := runMain(t, "migrate", "--db", dsn)
				if err != nil {
					t.Fatalf("migrate: %v", err)
				}
				m := regexp.MustCompile(`(\w+) schema at version (\d+) \(this binary knows (\d+)\)`).FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("migrate did not report the version:\n%s", out)
				}
				if m[1] != engine || m[2] != m[3] || m[2] == "0" {
					t.Errorf("migrate reported %q: want %s at the version this binary knows", m[0], engine)
				}
			})

			t.Run("second serve on the same database", func(t *testing.T) {
				// Migrations are applied again at start and must be a
				// no-op; both instances serve the same publication.
				second := startServe(t, "--db", dsn)
				slug := slugs[0]
				a, b := get(t, inst.URL+"/articles/"+slug), get(t, second.URL+"/articles/"+slug)
				mustStatus(t, "first instance", a, http.StatusOK)
				mustStatus(t, "second instance", b, http.StatusOK)
				if ha, hb := firstH1(a.body), firstH1(b.body); ha == "" || ha != hb {
					t.Errorf("the two instances show different headlines for %s: %q and %q", slug, ha, hb)
				}
				if strings.Contains(second.stdout.String(), "Generating") {
					t.Error("a second serve without --demo generated articles")
				}
			})

			// Last: it leaves the schema ahead of this binary.
			t.Run("older binary against a newer schema", func(t *testing.T) {
				db, err := store.Open(context.Background(), dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				_, err = db.SQL().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_from_the_future.sql', 0)`)
				db.Close()
				if err != nil {
					t.Fatalf("pretend a newer release migrated: %v", err)
				}
				for _, args := range [][]string{
					{"serve", "--addr", "127.0.0.1:0", "--db", dsn},
					{"migrate", "--db", dsn},
				} {
					_, _, err := runMain(t, args...)
					if err == nil || !strings.Contains(err.Error(), "9999") || !strings.Contains(err.Error(), "newer") {
						t.Errorf("%s on a schema newer than the binary returned %v, want a message naming version 9999 and a newer release", args[0], err)
					}
				}
			})
		})
	}
}

var articleLinkRE = regexp.MustCompile(`href="/articles/([a-z0-9-]+)"`)

// articleLinks returns the slugs of the articles a page links, in order,
// without repeats.
func articleLinks(body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range articleLinkRE.FindAllStringSubmatch(body, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

var h1RE = regexp.MustCompile(`(?s)<h1[^>]*>(.*?)</h1>`)
var tagRE = regexp.MustCompile(`<[^>]+>`)

// firstH1 returns the text of the first h1 of body.
func firstH1(body string) string {
	m := h1RE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(tagRE.ReplaceAllString(m[1], ""))
}

// signIn follows a printed one-time sign-in link as a person would: open
// it (a page with a button, spending nothing), press the button (which
// sets the session cookie) and open the staff area. It checks that the
// staff area is closed without the cookie and that the link works once.
func signIn(t *testing.T, inst *instance, link string) *http.Cookie {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("sign-in link %q: %v", link, err)
	}
	if got := u.Scheme + "://" + u.Host; got != inst.URL {
		t.Fatalf("sign-in link %q points at %s, want the server at %s", link, got, inst.URL)
	}
	token := u.Query().Get("token")
	if token == "" {
		t.Fatalf("sign-in link %q has no token", link)
	}

	closed := get(t, inst.URL+"/admin/")
	if closed.status == http.StatusOK {
		t.Fatal("GET /admin/ without a session answered 200")
	}

	page := get(t, link)
	mustStatus(t, "GET sign-in link", page, http.StatusOK)
	if !strings.Contains(page.body, `<button`) || !strings.Contains(page.body, `action="/admin/signin"`) {
		t.Fatalf("sign-in page shows no button posting to /admin/signin:\n%s", page.body)
	}

	resp := postForm(t, inst.URL+"/admin/signin", url.Values{"token": {token}})
	if resp.status != http.StatusSeeOther && resp.status != http.StatusFound {
		t.Fatalf("POST /admin/signin: status %d, want a redirect\n%s", resp.status, resp.body)
	}
	var session *http.Cookie
	for _, c := range (&http.Response{Header: resp.header}).Cookies() {
		if c.Name == "masthead_session" && c.Value != "" {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("POST /admin/signin set no masthead_session cookie (Set-Cookie: %q)", resp.header.Values("Set-Cookie"))
	}
	if !session.HttpOnly {
		t.Error("the session cookie is readable by script (no HttpOnly)")
	}

	staff := get(t, inst.URL+"/admin/", &http.Cookie{Name: session.Name, Value: session.Value})
	mustStatus(t, "GET /admin/ with the session", staff, http.StatusOK)

	again := postForm(t, inst.URL+"/admin/signin", url.Values{"token": {token}})
	if again.status < 400 {
		t.Errorf("the sign-in link worked twice (second POST: status %d)", again.status)
	}
	return session
}

// testImport imports a directory with one good and one broken file while
// the server runs.
func testImport(t *testing.T, inst *instance, dsn string) {
	dir := t.TempDir()
	good := `---
title: "Harbour cranes and the price of patience"
slug: harbour-cranes-patience
date: 2024-03-05T09:30:00Z
summary: Why the port waited three years for its new cranes.
authors: [mara-lindqvist]
tags: [trade, infrastructure]
---
The cranes arrived on a Tuesday, three years after they were ordered.

Nobody at the port was surprised.
`
	broken := "---\ntitle: A file that cannot be read\nslug: cannot-be-read\ntags: [unclosed, list\ndate: 2024-03-06\n---\nBody.\n"
	if err := os.WriteFile(filepath.Join(dir, "good.md"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	brokenPath := filepath.Join(dir, "broken.md")
	if err := os.WriteFile(brokenPath, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, err := runMain(t, "import", "--db", dsn, dir)
	var code exitCode
	if !errors.As(err, &code) || code != 1 {
		t.Fatalf("import with a broken file returned %v, want exit status 1\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	// The broken file is named with a line number, path:line.
	if !strings.Contains(stderr, brokenPath+":4:") {
		t.Errorf("import did not report %s:4 (the line of the unclosed list):\n%s", brokenPath, stderr)
	}
	if strings.Contains(stderr, filepath.Join(dir, "good.md")+":") {
		t.Errorf("import reported the good file as failing:\n%s", stderr)
	}
	if !strings.Contains(stdout, "Imported 1 new") {
		t.Errorf("import summary does not say one article was created:\n%s", stdout)
	}

	page := get(t, inst.URL+"/articles/harbour-cranes-patience")
	mustStatus(t, "GET the imported article", page, http.StatusOK)
	if h := firstH1(page.body); h != "Harbour cranes and the price of patience" {
		t.Errorf("imported article's headline is %q", h)
	}
	if !strings.Contains(page.body, "The cranes arrived on a Tuesday") {
		t.Error("imported article's page does not show its opening")
	}
	if r := get(t, inst.URL+"/articles/cannot-be-read"); r.status != http.StatusNotFound {
		t.Errorf("the broken file's article answers %d, want 404", r.status)
	}
}
