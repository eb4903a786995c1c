// Package store keeps Masthead's data in SQLite or PostgreSQL. Each query is
// written once in portable SQL; what differs between the engines
// (placeholders, error codes, connection pools, locking during migration)
// sits in the dialect value chosen at Open.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"masthead"
	"masthead/markdown"
)

//go:embed migrations
var migrationFS embed.FS

// Options configures a DB. Zero values mean defaults.
type Options struct {
	Renderer *markdown.Renderer
	Clock    masthead.Clock
	Logger   *slog.Logger
	// ReadConns bounds the SQLite reader pool (default 2×GOMAXPROCS, at
	// least 4) and the PostgreSQL pool (default 20).
	ReadConns int
	// KeepTeaserWords cuts teasers with the budget the stored ones were
	// cut with (teaser_state) instead of the Renderer's, so opening the
	// database never re-cuts them for a budget: a command run without
	// the server's --teaser-words must not loosen the wall.
	KeepTeaserWords bool
	// PurgeCDN makes every content change enqueue a masthead.JobCDNPurge
	// with its keys (contentchanges.go), for the CDN in front of the site.
	PurgeCDN bool
	// AlertInterval is the slot of instant alerts: an article going live
	// is told to its followers at the end of its slot, with every other
	// article of the slot, in one email each (default 5 minutes;
	// follows.go). DigestAt is the time of day, UTC, of the daily
	// digest (default 06:00).
	AlertInterval time.Duration
	DigestAt      time.Duration
}

// DB is an open Masthead database. It implements masthead.ArticleService,
// masthead.MemberService and masthead.TaxonomyService.
type DB struct {
	// wdb takes every write. On SQLite it holds exactly one connection,
	// so writers queue in Go instead of failing with SQLITE_BUSY; rdb is
	// a pool of read-only connections that WAL lets run beside it. On
	// PostgreSQL both are the same pool.
	wdb, rdb *sql.DB
	w, r     *pool // wdb and rdb with the dialect and statement cache
	d        *dialect
	render   *markdown.Renderer
	// cutters are renderers for the teaser budgets other instances set
	// (teasers.go, cutter).
	cuttersMu sync.Mutex
	cutters   map[int]*markdown.Renderer
	clock     masthead.Clock
	log       *slog.Logger
	// deferIndex is set during a bulk load, whose articles are indexed
	// all at once at its end (search.go, BulkLoad).
	deferIndex atomic.Bool
	// facets is the in-memory copy of the search index's facet values
	// (search.go).
	facets searchCache
	// mailboxSecret keys the HMAC that names a deleted account's mailbox
	// (mailboxes.go); read once at Open, the same on every instance.
	mailboxSecret []byte
	// purgeCDN: Options.PurgeCDN (contentchanges.go).
	purgeCDN bool
	// alertInterval and digestAt time the alerts (Options).
	alertInterval, digestAt time.Duration
}

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.d.name }

// SQL returns the pool that takes writes, for tools that need raw access
// (backups, tests).
func (db *DB) SQL() *sql.DB { return db.wdb }

// Open connects to dsn, "sqlite:PATH" or a postgres:// URL, and applies
// any migration the database lacks.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.Renderer == nil {
		opt.Renderer = markdown.New()
	}
	if opt.Clock == nil {
		opt.Clock = masthead.SystemClock{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	db := &DB{render: opt.Renderer, clock: opt.Clock, log: opt.Logger, purgeCDN: opt.PurgeCDN,
		alertInterval: opt.AlertInterval, digestAt: opt.DigestAt}
	var err error
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		err = db.openSQLite(strings.TrimPrefix(dsn, "sqlite:"), opt)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		err = db.openPostgres(dsn, opt)
	default:
		return nil, fmt.Errorf("store: database %q: want sqlite:PATH or a postgres:// URL", dsn)
	}
	if err != nil {
		return nil, err
	}
	db.w = newPool(db.wdb, db.d)
	db.r = db.w
	if db.rdb != db.wdb {
		db.r = newPool(db.rdb, db.d)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		if cf := connectFailure(err); cf != nil {
			return nil, cf
		}
		return nil, err
	}
	if err := db.openMailboxes(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// The budget staff set in the site settings wins over the
	// renderer's and over the stored teasers'.
	fromSettings, err := db.settingsTeaser(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if opt.KeepTeaserWords && !fromSettings {
		if err := db.keepTeaserWords(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := db.recutTeasers(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openSQLite opens the file with the pragmas Masthead relies on:
//   - journal_mode=WAL: readers never block the writer nor each other;
//   - synchronous=NORMAL: with WAL, a commit survives a process crash and
//     only the last transactions can be lost on power failure;
//   - busy_timeout: another process (an import beside a running server)
//     waits for the lock instead of failing at once;
//   - foreign_keys: off by default in SQLite;
//   - cache_size: 16 MB of pages for the writer and 8 MB for each
//     reader, under 50 MB in all; the operating system's file cache holds
//     the rest of a large library;
//   - _txlock=immediate on the writer: a transaction takes the write lock
//     at BEGIN, so two processes never deadlock upgrading read locks.
func (db *DB) openSQLite(path string, opt Options) error {
	if path == "" {
		return errors.New("store: sqlite: empty path")
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-16000)"
	u := "file:" + (&url.URL{Path: path}).EscapedPath()
	w, err := sql.Open("sqlite", u+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Create the file and switch it to WAL before readers open it
	// read-only.
	if err := w.Ping(); err != nil {
		w.Close()
		return explainSQLiteOpen(path, err)
	}
	r, err := sql.Open("sqlite", u+"?mode=ro&"+strings.Replace(pragmas, "cache_size(-16000)", "cache_size(-8000)", 1))
	if err != nil {
		w.Close()
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	n := opt.ReadConns
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	db.wdb, db.rdb, db.d = w, r, sqliteDialect
	return nil
}

func (db *DB) openPostgres(dsn string, opt Options) error {
	c, err := newPostgresConnector(dsn)
	if err != nil {
		return err
	}
	p := sql.OpenDB(c)
	n := opt.ReadConns
	if n <= 0 {
		n = 20
	}
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	p.SetConnMaxIdleTime(5 * time.Minute)
	db.wdb, db.rdb, db.d = p, p, postgresDialect
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	db.w.close()
	if db.r != db.w {
		db.r.close()
	}
	err := db.wdb.Close()
	if db.rdb != db.wdb {
		err = errors.Join(err, db.rdb.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.rdb.PingContext(ctx) }

// dialect is what differs between the engines.
type dialect struct {
	name string
	// numbered placeholders ($1) instead of ?
	numbered bool
	// lock serialises migrations between processes starting at once.
	lock, unlock string
	// prepare keeps prepared statements for reuse. modernc's SQLite
	// parses and plans a statement on every call otherwise, a large part
	// of a small query's cost; pgx already caches statements itself.
	prepare bool
	// forUpdate ends a SELECT that must lock the rows it reads until the
	// transaction ends. SQLite needs none: its one writer connection
	// already serialises write transactions.
	forUpdate string
	// skipLocked ends a SELECT … FOR UPDATE whose locked rows other
	// transactions should pass over rather than wait for (job claims).
	skipLocked string
	// bulkDefersIndex says whether a bulk load indexes its articles at its
	// end rather than as they are written (BulkLoad): on PostgreSQL a
	// batched reindex costs a fifth of indexing article by article; on
	// SQLite indexing as it writes is as fast, and an interrupted import
	// leaves every written article findable.
	bulkDefersIndex bool
	// rebuiltIndexes are indexes of the search tables that a full
	// reindex (Reindex) drops once the index is cleared and that every
	// finished reindex (FinishReindex) builds again, after settings, when
	// missing: on PostgreSQL a btree built once from sorted rows costs a
	// fraction of keeping it up to date through millions of inserts. A
	// reindex that dies leaves them missing until the next one ends;
	// searches meanwhile still work, by reading the table.
	rebuiltIndexes []rebuiltIndex
	// settle are statements run after a finished reindex, outside any
	// transaction (VACUUM cannot run in one).
	settle []string
	// fts is the engine's full-text search (search_sqlite.go,
	// search_postgres.go).
	fts ftsEngine
	// foldedPrefix matches a text column (the %s) against a lower-case
	// 'prefix%' pattern whatever the column's case, in the form the
	// engine's prefix index serves (memberadmin.go): SQLite's LIKE folds
	// case itself; PostgreSQL's needs lower() and its expression index.
	foldedPrefix string
	// lockName takes a lock on a name (the ?) until the transaction
	// ends, for a rule over rows that may not exist yet (one account per
	// mailbox). SQLite needs none, for the reason forUpdate says.
	lockName string
}

// rebuiltIndex is an index that a full reindex builds at its end
// (dialect.rebuiltIndexes): its name, and the statement that makes it if
// it is missing.
type rebuiltIndex struct{ name, create string }

var (
	sqliteDialect   = &dialect{name: "sqlite", prepare: true, fts: sqliteFTS{}, foldedPrefix: "%s LIKE ?"}
	postgresDialect = &dialect{
		name:     "postgres",
		numbered: true,
		// An arbitrary constant key shared by every Masthead instance,
		// with the schema's: publications in other schemas of the same
		// database (tests, staging) do not wait for each other.
		lock:            "SELECT pg_advisory_lock(7714301, hashtext(current_schema()))",
		unlock:          "SELECT pg_advisory_unlock(7714301, hashtext(current_schema()))",
		forUpdate:       " FOR UPDATE",
		skipLocked:      " FOR UPDATE SKIP LOCKED",
		fts:             postgresFTS{},
		bulkDefersIndex: true,
		// As migrations/postgres/0004_search.sql, 0018_search_open.sql,
		// 0038_search_impacts.sql and 0068_search_pairs_column.sql make
		// them, the largest first. The primary keys stay: rows arrive in
		// their order. A GIN index built once costs about half its
		// upkeep through a reindex's inserts (docs/search.md): the word
		// pairs' hold hundreds of keys an article, nearly all unique;
		// the vectors' cost 2.3 s of the server's CPU to keep up for
		// 10,000 demo articles and 1.3 s to build. Meanwhile a search
		// reads the rows it needs without them, as it does the rows not
		// yet indexed.
		rebuiltIndexes: []rebuiltIndex{
			{"search_vectors_doc", `CREATE INDEX IF NOT EXISTS search_vectors_doc ON search_vectors USING gin (doc)`},
			{"search_vectors_pairs", `CREATE INDEX IF NOT EXISTS search_vectors_pairs ON search_vectors USING gin (pairs)`},
			{"search_open_pairs", `CREATE INDEX IF NOT EXISTS search_open_pairs ON search_open USING gin (pairs)`},
			{"search_open_doc", `CREATE INDEX IF NOT EXISTS search_open_doc ON search_open USING gin (doc)`},
			{"search_impacts_term", `CREATE INDEX IF NOT EXISTS search_impacts_term ON search_impacts (term, impact DESC, article_id)`},
			{"search_impacts_open", `CREATE INDEX IF NOT EXISTS search_impacts_open ON search_impacts (term, open_impact DESC, article_id) WHERE open_impact > 0`},
			{"search_heads_head", `CREATE INDEX IF NOT EXISTS search_heads_head ON search_heads USING gin (head)`},
			{"search_heads_title", `CREATE INDEX IF NOT EXISTS search_heads_title ON search_heads USING gin (title)`},
		},
		// After a full rebuild, the search tables' pages are marked all
		// visible at once, so the impact lists and the facets are read
		// by index alone from the first search rather than after
		// autovacuum's visit (a search's p99 on 50,000 freshly loaded
		// articles fell from 76 to 23 ms with it, docs/search.md), and
		// the planner's statistics are taken in the same pass.
		settle: []string{`VACUUM (ANALYZE) search_vectors, search_open, search_heads, search_docs, search_impacts`},
		// lower(name) is what members_name_prefix indexes.
		foldedPrefix: "lower(%s) LIKE ?",
		// A transaction-scoped advisory lock in a key space of its own
		// (the migrations' is 7714301). Two names sharing a hash only
		// wait for each other.
		lockName: "SELECT pg_advisory_xact_lock(7714302, hashtext(?))",
	}
)

// q rewrites a query written with ? placeholders for the engine. Queries
// never hold a literal question mark.
func (d *dialect) q(query string) string {
	if !d.numbered {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// translate maps driver errors to domain errors, once per engine:
// a unique violation is a conflict, no rows is not found.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &masthead.Error{Code: masthead.ENOTFOUND, Message: "not found"}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errors.Join(&masthead.Error{Code: masthead.ECONFLICT, Message: "already exists"}, err)
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_FULL, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return errors.Join(&masthead.Error{Code: masthead.EUNAVAILABLE, Message: "the database cannot take writes right now"}, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return errors.Join(&masthead.Error{Code: masthead.ECONFLICT, Message: "already exists"}, err)
	}
	if isUnreachable(err) {
		return errors.Join(errUnreachable, err)
	}
	return err
}

// maxStmts bounds the statement cache: queries with IN lists of varying
// length have many forms, and the rare long ones need not be kept.
const maxStmts = 512

// pool is a connection pool with the engine's dialect and a cache of
// prepared statements keyed by query text.
type pool struct {
	db *sql.DB
	d  *dialect

	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newPool(db *sql.DB, d *dialect) *pool {
	return &pool{db: db, d: d, stmts: map[string]*sql.Stmt{}}
}

// cached returns the prepared statement for query if there is one.
func (p *pool) cached(query string) *sql.Stmt {
	if !p.d.prepare {
		return nil
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.stmts[query]
}

// stmt returns the prepared statement for query, preparing it on a miss,
// or nil when the engine does not prepare or the cache is full. It takes a
// free connection from the pool, so a transaction never calls it (on
// SQLite the writer's one connection is the transaction's): transactions
// use what is cached and note their misses for prepareLater.
func (p *pool) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if !p.d.prepare {
		return nil, nil
	}
	p.mu.RLock()
	st, ok := p.stmts[query]
	full := len(p.stmts) >= maxStmts
	p.mu.RUnlock()
	if ok || full {
		return st, nil
	}
	st, err := p.db.PrepareContext(ctx, p.d.q(query))
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.stmts[query]; ok {
		st.Close()
		return prev, nil
	}
	p.stmts[query] = st
	return st, nil
}

// prepareLater prepares the statements a finished transaction missed, so
// the next one finds them.
func (p *pool) prepareLater(ctx context.Context, queries map[string]bool) {
	for q := range queries {
		if _, err := p.stmt(ctx, q); err != nil {
			return
		}
	}
}

func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, st := range p.stmts {
		st.Close()
		delete(p.stmts, k)
	}
}

func (p *pool) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return st.QueryContext(ctx, args...)
	}
	rows, err := p.db.QueryContext(ctx, p.d.q(query), args...)
	return rows, p.d.unreachable(err)
}

// row runs a query expected to return one row. A failure to prepare
// surfaces from Scan, as database/sql does for QueryRow.
func (p *pool) row(ctx context.Context, query string, args ...any) rowScanner {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	if st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.d.markRow(p.db.QueryRowContext(ctx, p.d.q(query), args...))
}

// rowScanner is a *sql.Row or an error standing in for one.
type rowScanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

// reader runs read queries: a pool, or a transaction that must see its own
// writes.
type reader interface {
	query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	row(ctx context.Context, query string, args ...any) rowScanner
}

// tx is a transaction with the pool it came from, for its statements.
type tx struct {
	*sql.Tx
	p      *pool
	missed map[string]bool // statements to prepare once the connection is free
	db     *DB             // of a write transaction: its keys (mailboxes.go)
	// relatedJob is set once the transaction has queued related reading's
	// job (related.go).
	relatedJob bool
	// changed holds the keys of what the transaction changed, for the
	// content version it raises (contentchanges.go); nil means
	// everything.
	changed map[string]bool
	// alerted is set once the transaction has enqueued the alerts of an
	// article going live (follows.go).
	alerted map[string]bool
}

// stmt returns the cached statement bound to this transaction, or nil.
func (t *tx) stmt(ctx context.Context, query string) *sql.Stmt {
	st := t.p.cached(query)
	if st == nil {
		if t.p.d.prepare {
			t.missed[query] = true
		}
		return nil
	}
	return t.StmtContext(ctx, st)
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	res, err := t.ExecContext(ctx, t.p.d.q(query), args...)
	return res, t.p.d.unreachable(err)
}

func (t *tx) row(ctx context.Context, query string, args ...any) rowScanner {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.p.d.markRow(t.QueryRowContext(ctx, t.p.d.q(query), args...))
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	rows, err := t.QueryContext(ctx, t.p.d.q(query), args...)
	return rows, t.p.d.unreachable(err)
}

// write runs fn in a write transaction and commits it when fn succeeds.
func (db *DB) write(ctx context.Context, fn func(*tx) error) error {
	sqlTx, err := db.wdb.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	if writeHeld != nil {
		defer writeHeld(time.Now())
	}
	t := &tx{Tx: sqlTx, p: db.w, missed: map[string]bool{}, db: db}
	defer func() {
		sqlTx.Rollback()
		if len(t.missed) > 0 {
			db.w.prepareLater(context.WithoutCancel(ctx), t.missed)
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	return translate(sqlTx.Commit())
}

// writeHeld, when set, is called as each write transaction ends with the
// time it began: how long it held the writer (SQLite's one writer, and
// on PostgreSQL its row locks), which a benchmark reports
// (store/insights_record_bench_test.go). Nil outside benchmarks.
var writeHeld func(began time.Time)

// bumpVersion raises the content version inside a write, recording
// the keys the transaction touched (contentchanges.go).
func (t *tx) bumpVersion(ctx context.Context) error {
	return t.recordChange(ctx)
}

// migration is one numbered SQL file.
type migration struct {
	version int
	name    string
	sql     string
}

func (d *dialect) migrations() ([]migration, error) {
	dir := "migrations/" + d.name
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("store: migration file %s: want NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// KnownSchemaVersion returns the newest migration this binary carries.
// Both engines' migrations are numbered alike; a binary whose engines
// disagree is an error.
func KnownSchemaVersion() (int, error) {
	known := 0
	for _, d := range []*dialect{sqliteDialect, postgresDialect} {
		ms, err := d.migrations()
		if err != nil {
			return 0, err
		}
		v := ms[len(ms)-1].version
		if known != 0 && v != known {
			return 0, fmt.Errorf("store: the SQLite migrations end at %d, the PostgreSQL ones at %d", known, v)
		}
		known = v
	}
	return known, nil
}

// SchemaVersion returns the newest migration applied and the newest this
// binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (applied, known int, err error) {
	ms, err := db.d.migrations()
	if err != nil {
		return 0, 0, err
	}
	known = ms[len(ms)-1].version
	err = db.rdb.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied)
	return applied, known, err
}

// migrate applies missing migrations, each in its own transaction. It
// refuses a database whose schema is newer than this binary, which is what
// happens when an older release is started after a newer one migrated.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := db.d.migrations()
	if err != nil {
		return fmt.Errorf("store: read migrations: %w", err)
	}
	conn, err := db.wdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if db.d.lock != "" {
		if _, err := conn.ExecContext(ctx, db.d.lock); err != nil {
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), db.d.unlock)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var current int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	newest := ms[len(ms)-1].version
	if current > newest {
		return &masthead.Error{Code: masthead.EUNAVAILABLE, Message: fmt.Sprintf(
			"the database schema is at version %d but this masthead binary knows only up to %d: run the newer release that migrated it", current, newest)}
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		t, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migrate %s: %w", m.name, err)
		}
		if _, err := t.ExecContext(ctx, m.sql); err != nil {
			t.Rollback()
			return fmt.Errorf("store: migrate %s: %w", m.name, err)
		}
		if _, err := t.ExecContext(ctx, db.d.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.version, m.name, micros(db.clock.Now())); err != nil {
			t.Rollback()
			return fmt.Errorf("store: migrate %s: %w", m.name, err)
		}
		if err := t.Commit(); err != nil {
			return fmt.Errorf("store: migrate %s: %w", m.name, err)
		}
		db.log.Info("applied migration", "engine", db.d.name, "migration", m.name)
	}
	return nil
}

// micros stores a time as microseconds since the epoch.
func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros stores a zero time as NULL.
func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

// fromMicros reads a stored time back in UTC; NULL is the zero time.
func fromMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}
