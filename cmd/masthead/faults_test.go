package main

// Faults: the database going away under traffic, a process killed with
// SIGKILL half-way through its work, a full or read-only SQLite disk, and
// abusive clients. Everything runs on loopback and is bounded in time.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/store"
)

// tcpProxy stands between Masthead and PostgreSQL. Cutting it closes every
// connection and refuses new ones, which is what a PostgreSQL restart looks
// like from Masthead's side, without disturbing the shared server.
type tcpProxy struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	p.restore(t)
	t.Cleanup(p.cut)
	return p
}

// restore listens again on the proxy's address.
func (p *tcpProxy) restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *tcpProxy) pipe(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { io.Copy(up, c); up.Close(); c.Close() }()
	io.Copy(c, up)
	c.Close()
	up.Close()
}

// cut closes the listener and every connection through it.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// TestPostgresGoesAway cuts PostgreSQL off from a running server: requests
// that need the database fail at once with a 503 page, and service resumes
// by itself when the database is back.
func TestPostgresGoesAway(t *testing.T) {
	dsn := freshPostgres(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr
	// The page cache is off, so every request below reaches the database.
	inst := startServe(t, "--db", u.String(), "--demo", "--demo-articles", "12", "--page-cache-mb", "0")
	free := firstArticle(t, inst)
	mustStatus(t, "article before the cut", get(t, inst.URL+free), http.StatusOK)

	proxy.cut()
	for i := range 5 {
		start := time.Now()
		r := get(t, inst.URL+free)
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("request %d while the database is away: status %d, want 503\nlog:\n%s", i, r.status, inst.stderr)
		}
		if !strings.Contains(r.body, "unavailable") {
			t.Errorf("the 503 page does not say the site is unavailable:\n%.2000s", r.body)
		}
		t.Logf("request %d while away: 503 in %s", i, time.Since(start).Round(time.Millisecond))
	}
	if r := get(t, inst.URL+"/readyz"); r.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while the database is away: status %d, want 503", r.status)
	}

	proxy.restore(t)
	if !waitFor(30*time.Second, func() bool { return get(t, inst.URL+free).status == http.StatusOK }) {
		t.Fatal("the article is not served again within 30 s of the database's return")
	}
	if r := get(t, inst.URL+"/readyz"); r.status != http.StatusOK {
		t.Errorf("/readyz after the database's return: status %d, want 200", r.status)
	}
}

// firstArticle returns the path of the first article the home page links.
func firstArticle(t *testing.T, inst *instance) string {
	t.Helper()
	home := get(t, inst.URL+"/")
	mustStatus(t, "GET /", home, http.StatusOK)
	links := articleLinks(home.body)
	if len(links) == 0 {
		t.Fatal("the home page links no article")
	}
	return "/articles/" + links[0]
}

// TestKillDuringImport kills `masthead import` with SIGKILL half-way: every
// article in the database is whole, and running the import again
// completes it.
func TestKillDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildMasthead(t)
	dir := t.TempDir()
	const n = 3000
	for i := range n {
		body := strings.Repeat(fmt.Sprintf("Paragraph of story %d, told at length. ", i), 40)
		doc := fmt.Sprintf("---\ntitle: \"Story number %d\"\nslug: story-%d\ndate: 2024-03-05T09:30:00Z\n---\n%s\n\nThe end of story %d.\n", i, i, body, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("story-%04d.md", i)), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "masthead.db")
	dsn := "sqlite:" + path
	if out, err := runBin(t, bin, "migrate", "--db", dsn); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}

	killMidway(t, exec.Command(bin, "import", "--db", dsn, dir), dsn, func(db *store.DB) bool {
		c := countArticles(t, db)
		return c > 0 && c < n
	})
	db := openSQLite(t, dsn)
	before := countArticles(t, db)
	checkWhole(t, db)
	db.Close()
	t.Logf("killed after %d of %d articles", before, n)

	// The files already in replace themselves rather than come in again
	// under new slugs.
	if out, err := runBin(t, bin, "import", "--update", "--db", dsn, dir); err != nil {
		t.Fatalf("import again: %v\n%s", err, out)
	}
	db = openSQLite(t, dsn)
	defer db.Close()
	if c := countArticles(t, db); c != n {
		t.Errorf("%d articles after the second import, want %d", c, n)
	}
	checkWhole(t, db)
	integrityCheck(t, db)
}

// TestKillDuringReindex kills `masthead reindex` with SIGKILL half-way;
// running it again completes the index.
func TestKillDuringReindex(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildMasthead(t)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "masthead.db")
	const n = 3000
	if out, err := runBin(t, bin, "demo", "--db", dsn, "--articles", fmt.Sprint(n), "--seed", "2"); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	killMidway(t, exec.Command(bin, "reindex", "--db", dsn), dsn, func(db *store.DB) bool {
		c := countRows(t, db, "search_docs")
		return c > 0 && c < n
	})
	db := openSQLite(t, dsn)
	t.Logf("killed with %d of %d articles indexed", countRows(t, db, "search_docs"), n)
	integrityCheck(t, db)
	db.Close()
	if out, err := runBin(t, bin, "reindex", "--db", dsn); err != nil {
		t.Fatalf("reindex again: %v\n%s", err, out)
	}
	db = openSQLite(t, dsn)
	defer db.Close()
	if c := countRows(t, db, "search_docs"); c != n {
		t.Errorf("%d articles indexed after the second reindex, want %d", c, n)
	}
	integrityCheck(t, db)
}

// killMidway starts cmd and kills it with SIGKILL as soon as midway holds
// of the database, which it polls.
func killMidway(t *testing.T, cmd *exec.Cmd, dsn string, midway func(*store.DB) bool) {
	t.Helper()
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	db := openSQLite(t, dsn)
	defer db.Close()
	deadline := time.After(3 * time.Minute)
	for !midway(db) {
		select {
		case err := <-exited:
			t.Fatalf("%s ended (%v) before it could be killed half-way; make the work larger\n%s", cmd.Args[1], err, out.String())
		case <-deadline:
			t.Fatalf("%s did not get half-way within 3 minutes\n%s", cmd.Args[1], out.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	cmd.Process.Kill()
	if err := <-exited; err == nil {
		t.Fatalf("%s finished before SIGKILL", cmd.Args[1])
	}
}

func openSQLite(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func countArticles(t *testing.T, db *store.DB) int { return countRows(t, db, "articles") }

// checkWhole insists that every imported article holds its whole body, its
// rendered HTML and its search document.
func checkWhole(t *testing.T, db *store.DB) {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT a.slug, a.body_md, a.body_html,
		(SELECT COUNT(*) FROM search_docs d WHERE d.article_id = a.id) FROM articles a`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var slug, md, html string
		var docs int
		if err := rows.Scan(&slug, &md, &html, &docs); err != nil {
			t.Fatal(err)
		}
		num := strings.TrimPrefix(slug, "story-")
		if !strings.HasSuffix(strings.TrimSpace(md), "The end of story "+num+".") || !strings.Contains(html, "The end of story "+num+".") || docs != 1 {
			t.Errorf("article %s is not whole: body ends %q, html has the end %t, %d search documents",
				slug, md[max(0, len(md)-40):], strings.Contains(html, "The end of story "+num+"."), docs)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// integrityCheck runs SQLite's own consistency check.
func integrityCheck(t *testing.T, db *store.DB) {
	t.Helper()
	var res string
	if err := db.SQL().QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Errorf("PRAGMA integrity_check: %s", res)
	}
}

// TestSQLiteDiskFull fills the database up to SQLite's max_page_count,
// which is what a full disk looks like to SQLite (SQLITE_FULL): the write
// that does not fit fails with a clear, temporary error, nothing written
// before is lost, and the database passes its integrity check.
func TestSQLiteDiskFull(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "masthead.db")
	db := openSQLite(t, dsn)
	defer db.Close()
	var pages int
	if err := db.SQL().QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// The writer pool holds one connection for ever, so the pragma
	// holds for every write below.
	if _, err := db.SQL().Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+200)); err != nil {
		t.Fatal(err)
	}
	var written []string
	var err error
	for i := range 1000 {
		in := masthead.ArticleInput{
			Slug: fmt.Sprintf("filling-%d", i), Title: fmt.Sprintf("Filling %d", i),
			BodyMarkdown: strings.Repeat(fmt.Sprintf("Words that take room, number %d. ", i), 300),
			Status:       masthead.StatusPublished, PublishedAt: time.Now(),
		}
		if _, err = db.CreateArticle(ctx, in); err != nil {
			break
		}
		written = append(written, in.Slug)
	}
	if err == nil {
		t.Fatal("the database never filled up")
	}
	t.Logf("full after %d articles: %v", len(written), err)
	if masthead.ErrorCode(err) != masthead.EUNAVAILABLE {
		t.Errorf("a full database: error code %q, want %q (a 503: try again later)", masthead.ErrorCode(err), masthead.EUNAVAILABLE)
	}
	if !strings.Contains(err.Error(), "full") {
		t.Errorf("the error does not say the database is full: %v", err)
	}
	for _, s := range written {
		if _, err := db.Article(ctx, s); err != nil {
			t.Errorf("article %s, written before the disk filled: %v", s, err)
		}
	}
	if _, err := db.Article(ctx, fmt.Sprintf("filling-%d", len(written))); masthead.ErrorCode(err) != masthead.ENOTFOUND {
		t.Errorf("the article that did not fit: %v, want not found", err)
	}
	integrityCheck(t, db)
	// Room again: writes work without reopening.
	if _, err := db.SQL().Exec(`PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.EnsureMember(ctx, "after@example.com", masthead.RoleNone); err != nil {
		t.Errorf("a write once there is room again: %v", err)
	}
}

// mountTmpfs mounts a small tmpfs for the test, or skips it where the
// test may not mount (not root, or in a container without the right).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

func remount(t *testing.T, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s %s: %v: %s", dir, opts, err, out)
	}
}

// TestSQLiteReadOnly starts the server on a database whose file system is
// mounted read-only: it refuses to start with an error that says so,
// touches nothing, and starts once the mount is writable again.
func TestSQLiteReadOnly(t *testing.T) {
	dir := mountTmpfs(t, "64m")
	dsn := "sqlite:" + filepath.Join(dir, "masthead.db")
	if _, stderr, err := runMain(t, "demo", "--db", dsn, "--articles", "12"); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	remount(t, dir, "ro")
	_, _, err := runMain(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "read-only file system") {
		t.Fatalf("serve on a read-only mount: %v, want an error naming the read-only file system", err)
	}
	t.Logf("serve on a read-only mount: %v", err)
	remount(t, dir, "rw")
	db := openSQLite(t, dsn)
	integrityCheck(t, db)
	if c := countArticles(t, db); c != 12 {
		t.Errorf("%d articles after the read-only start, want 12", c)
	}
	db.Close()
	inst := startServe(t, "--db", dsn)
	mustStatus(t, "an article once writable", get(t, inst.URL+firstArticle(t, inst)), http.StatusOK)
}

// TestSQLiteDiskReallyFull runs the server on a tmpfs too small for what
// readers write: registrations fail with a 503 page saying to try again,
// pages keep being served, nothing is corrupted, and it all works again
// once there is room.
func TestSQLiteDiskReallyFull(t *testing.T) {
	// Room for the database and the write-ahead log of a start; the
	// filler below takes the rest.
	dir := mountTmpfs(t, "8m")
	dsn := "sqlite:" + filepath.Join(dir, "masthead.db")
	if _, stderr, err := runMain(t, "demo", "--db", dsn, "--articles", "8"); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	inst := startServe(t, "--db", dsn)
	art := firstArticle(t, inst)
	// Fill the disk beside the database.
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(filler, io.LimitReader(zeros{}, 64<<20)) // stops at ENOSPC
	filler.Close()

	saw503 := false
	var statuses []int
	for i := range 50 {
		r := postForm(t, inst.URL+"/register", url.Values{"email": {fmt.Sprintf("full%d@example.com", i)}, "article": {strings.TrimPrefix(art, "/articles/")}})
		statuses = append(statuses, r.status)
		if r.status >= 500 {
			if r.status != http.StatusServiceUnavailable {
				t.Fatalf("registration on a full disk: status %d, want 503\n%.2000s", r.status, r.body)
			}
			saw503 = true
			break
		}
	}
	if !saw503 {
		t.Fatalf("50 registrations fitted on a full disk: statuses %v", statuses)
	}
	mustStatus(t, "an article on a full disk", get(t, inst.URL+art), http.StatusOK)
	os.Remove(filepath.Join(dir, "filler"))
	r := postForm(t, inst.URL+"/register", url.Values{"email": {"roomy@example.com"}, "next": {art}})
	if r.status >= 500 {
		t.Errorf("registration once there is room: status %d", r.status)
	}
	db := openSQLite(t, dsn)
	defer db.Close()
	integrityCheck(t, db)
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
