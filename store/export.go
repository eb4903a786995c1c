package store

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"masthead"
)

// ExportFormat is the value of the "format" key that marks a Masthead
// export document (docs/export.md).
const ExportFormat = "masthead-export"

// exportVersion is the version of the document layout, not of the schema.
const exportVersion = 1

// derivedTable reports whether a table holds state rebuilt from other
// tables or kept by the engine, which an export leaves out: the migration
// record (each engine keeps its own), the content version (a cache
// counter the import raises), the leader leases of running instances
// (a new database's instances elect their own) and the search index
// (rebuilt by Reindex after an import). Every other table is exported, so a table added by a
// later migration moves between engines without a change here. A
// migration that seeds a table with rows of its own (like content_version)
// must list it here, or an import finds the new database not empty.
func derivedTable(name string) bool {
	switch name {
	case "schema_migrations", "content_version", "content_changes", "leases":
		return true
	}
	return strings.HasPrefix(name, "search_") || strings.HasPrefix(name, "sqlite_")
}

// colKind is how a column's values are written in an export: the same
// kind on both engines, whatever each calls the type.
type colKind string

const (
	kindInteger colKind = "integer"
	kindFloat   colKind = "float"
	kindBoolean colKind = "boolean"
	kindText    colKind = "text"
	kindBytes   colKind = "bytes" // base64 in the document
)

// exportColumn is one column of a table.
type exportColumn struct {
	Name string  `json:"name"`
	Type colKind `json:"type"`
	pk   int     // position in the primary key, from 1; 0 when not in it
	seq  bool    // PostgreSQL: the column draws from a sequence
}

// exportTable is one table with its columns and the tables it refers to.
type exportTable struct {
	name string
	cols []exportColumn
	refs []string
}

// catalog reads the schema of the engine: its tables, their columns and
// foreign keys. It is the one place that differs between engines here.
type catalog interface {
	tables(ctx context.Context, q *sql.Tx) ([]string, error)
	table(ctx context.Context, q *sql.Tx, name string) (*exportTable, error)
	// snapshot is the transaction an export reads in, so that it sees
	// one moment of a live database.
	snapshot() *sql.TxOptions
	// resetSequences moves each sequence past the largest id imported.
	resetSequences(ctx context.Context, t *sql.Tx, tab *exportTable) error
	// deferChecks lets foreign keys be checked at commit, where the engine
	// can.
	deferChecks(ctx context.Context, t *sql.Tx) error
	// orderText is the collation clause that makes text sort by bytes, so
	// both engines write rows in the same order.
	orderText() string
}

func (d *dialect) catalog() catalog {
	if d.name == "postgres" {
		return pgCatalog{}
	}
	return sqliteCatalog{}
}

type sqliteCatalog struct{}

func (sqliteCatalog) tables(ctx context.Context, q *sql.Tx) ([]string, error) {
	return queryStrings(ctx, q, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
}

func (sqliteCatalog) table(ctx context.Context, q *sql.Tx, name string) (*exportTable, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid`, name)
	if err != nil {
		return nil, err
	}
	t := &exportTable{name: name}
	for rows.Next() {
		var c exportColumn
		var typ string
		if err := rows.Scan(&c.Name, &typ, &c.pk); err != nil {
			rows.Close()
			return nil, err
		}
		c.Type = sqliteKind(typ)
		t.cols = append(t.cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	t.refs, err = queryStrings(ctx, q, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, name)
	return t, err
}

// sqliteKind follows SQLite's type affinity rules, with BOOLEAN apart.
func sqliteKind(typ string) colKind {
	t := strings.ToUpper(typ)
	switch {
	case strings.Contains(t, "BOOL"):
		return kindBoolean
	case strings.Contains(t, "INT"):
		return kindInteger
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return kindText
	case t == "", strings.Contains(t, "BLOB"):
		return kindBytes
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return kindFloat
	}
	return kindText
}

func (sqliteCatalog) snapshot() *sql.TxOptions { return nil }

func (sqliteCatalog) resetSequences(context.Context, *sql.Tx, *exportTable) error { return nil }

func (sqliteCatalog) deferChecks(ctx context.Context, t *sql.Tx) error {
	_, err := t.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`)
	return err
}

func (sqliteCatalog) orderText() string { return "" }

type pgCatalog struct{}

func (pgCatalog) tables(ctx context.Context, q *sql.Tx) ([]string, error) {
	return queryStrings(ctx, q, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
}

func (pgCatalog) table(ctx context.Context, q *sql.Tx, name string) (*exportTable, error) {
	// Generated columns are computed, never written.
	rows, err := q.QueryContext(ctx, `SELECT c.column_name, c.data_type,
			COALESCE((SELECT k.n FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(att, n)
				WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.att = a.attnum), 0),
			pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) IS NOT NULL
		FROM information_schema.columns c
		JOIN pg_attribute a ON a.attrelid = to_regclass(quote_ident(c.table_name)) AND a.attname = c.column_name
		WHERE c.table_schema = current_schema() AND c.table_name = $1 AND c.is_generated = 'NEVER'
		ORDER BY c.ordinal_position`, name)
	if err != nil {
		return nil, err
	}
	t := &exportTable{name: name}
	for rows.Next() {
		var c exportColumn
		var typ string
		if err := rows.Scan(&c.Name, &typ, &c.pk, &c.seq); err != nil {
			rows.Close()
			return nil, err
		}
		c.Type = pgKind(typ)
		t.cols = append(t.cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	t.refs, err = queryStrings(ctx, q, `SELECT DISTINCT r.relname FROM pg_constraint k
		JOIN pg_class r ON r.oid = k.confrelid
		WHERE k.contype = 'f' AND k.conrelid = to_regclass(quote_ident($1))`, name)
	return t, err
}

func pgKind(typ string) colKind {
	switch typ {
	case "bigint", "integer", "smallint":
		return kindInteger
	case "boolean":
		return kindBoolean
	case "bytea":
		return kindBytes
	case "double precision", "real":
		return kindFloat
	}
	// text, varchar, numeric, json: written as text, which keeps every
	// digit and byte.
	return kindText
}

func (pgCatalog) snapshot() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

func (pgCatalog) resetSequences(ctx context.Context, t *sql.Tx, tab *exportTable) error {
	for _, c := range tab.cols {
		if !c.seq {
			continue
		}
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(%s), 1), MAX(%[1]s) IS NOT NULL) FROM %s`,
			quoteIdent(c.Name), quoteIdent(tab.name))
		if _, err := t.ExecContext(ctx, q, quoteIdent(tab.name), c.Name); err != nil {
			return fmt.Errorf("reset the sequence of %s.%s: %w", tab.name, c.Name, err)
		}
	}
	return nil
}

func (pgCatalog) deferChecks(ctx context.Context, t *sql.Tx) error { return nil }

func (pgCatalog) orderText() string { return ` COLLATE "C"` }

func queryStrings(ctx context.Context, q *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// exportTables reads the exported tables in foreign-key order: a table
// comes after every table it refers to, ties broken by name, so both
// engines list the same schema in the same order.
func exportTables(ctx context.Context, cat catalog, q *sql.Tx) ([]*exportTable, error) {
	names, err := cat.tables(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	byName := map[string]*exportTable{}
	for _, n := range names {
		if derivedTable(n) {
			continue
		}
		t, err := cat.table(ctx, q, n)
		if err != nil {
			return nil, fmt.Errorf("read table %s: %w", n, err)
		}
		byName[n] = t
	}
	var order []*exportTable
	placed := map[string]bool{}
	for len(order) < len(byName) {
		var ready []string
		for n, t := range byName {
			if placed[n] {
				continue
			}
			ok := true
			for _, r := range t.refs {
				// A table referring to itself, or to a derived table,
				// does not wait for it.
				if r != n && byName[r] != nil && !placed[r] {
					ok = false
					break
				}
			}
			if ok {
				ready = append(ready, n)
			}
		}
		if len(ready) == 0 {
			return nil, errors.New("the foreign keys between tables form a cycle")
		}
		sort.Strings(ready)
		for _, n := range ready {
			placed[n] = true
			order = append(order, byName[n])
		}
	}
	return order, nil
}

// ExportStats counts what an export wrote.
type ExportStats struct {
	Tables int
	Rows   int64
}

// Export writes every table of the database, except the derived ones, as
// one JSON document to w (docs/export.md). It reads one consistent
// snapshot, so it may run beside a live server, and streams row by row:
// memory does not grow with the library. progress, when not nil, is called
// after each table.
func (db *DB) Export(ctx context.Context, w io.Writer, progress func(table string, rows int64)) (ExportStats, error) {
	var st ExportStats
	cat := db.d.catalog()
	t, err := db.rdb.BeginTx(ctx, cat.snapshot())
	if err != nil {
		return st, fmt.Errorf("store: export: %w", err)
	}
	defer t.Rollback()
	var schema int
	if err := t.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&schema); err != nil {
		return st, fmt.Errorf("store: export: schema version: %w", err)
	}
	tables, err := exportTables(ctx, cat, t)
	if err != nil {
		return st, fmt.Errorf("store: export: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "{\"format\":%q,\"version\":%d,\"schema\":%d,\"engine\":%q,\"exported_at\":%q,\n\"tables\":[",
		ExportFormat, exportVersion, schema, db.d.name, db.clock.Now().UTC().Format(time.RFC3339))
	var buf []byte
	for i, tab := range tables {
		if i > 0 {
			bw.WriteByte(',')
		}
		cols, _ := json.Marshal(tab.cols)
		fmt.Fprintf(bw, "\n{\"name\":%q,\"columns\":%s,\"rows\":[", tab.name, cols)
		n, err := exportRows(ctx, t, cat, tab, bw, &buf)
		if err != nil {
			return st, fmt.Errorf("store: export %s: %w", tab.name, err)
		}
		fmt.Fprintf(bw, "],\"count\":%d}", n)
		st.Tables++
		st.Rows += n
		if progress != nil {
			progress(tab.name, n)
		}
	}
	bw.WriteString("\n],\"end\":true}\n")
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("store: export: write: %w", err)
	}
	return st, nil
}

// exportRows writes the rows of one table, one per line, in primary-key
// order (all columns when there is no key) so that the same data gives
// the same document on either engine.
func exportRows(ctx context.Context, t *sql.Tx, cat catalog, tab *exportTable, w *bufio.Writer, buf *[]byte) (int64, error) {
	names := make([]string, len(tab.cols))
	for i, c := range tab.cols {
		names[i] = quoteIdent(c.Name)
	}
	var order []string
	pk := slices.Clone(tab.cols)
	pk = slices.DeleteFunc(pk, func(c exportColumn) bool { return c.pk == 0 })
	slices.SortFunc(pk, func(a, b exportColumn) int { return a.pk - b.pk })
	if len(pk) == 0 {
		pk = tab.cols
	}
	for _, c := range pk {
		o := quoteIdent(c.Name)
		if c.Type == kindText {
			o += cat.orderText()
		}
		order = append(order, o)
	}
	rows, err := t.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM %s ORDER BY %s`,
		strings.Join(names, ", "), quoteIdent(tab.name), strings.Join(order, ", ")))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, len(tab.cols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		b := (*buf)[:0]
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n["...)
		for i, v := range vals {
			if i > 0 {
				b = append(b, ',')
			}
			b, err = appendValue(b, tab.cols[i].Type, v)
			if err != nil {
				return n, fmt.Errorf("column %s: %w", tab.cols[i].Name, err)
			}
		}
		b = append(b, ']')
		*buf = b
		if _, err := w.Write(b); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// appendValue writes one value as the JSON its column's kind calls for.
func appendValue(b []byte, k colKind, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	switch k {
	case kindInteger:
		switch x := v.(type) {
		case int64:
			return strconv.AppendInt(b, x, 10), nil
		case bool:
			return strconv.AppendBool(b, x), nil
		}
	case kindBoolean:
		switch x := v.(type) {
		case bool:
			return strconv.AppendBool(b, x), nil
		case int64:
			return strconv.AppendBool(b, x != 0), nil
		}
	case kindFloat:
		switch x := v.(type) {
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return nil, fmt.Errorf("%v has no JSON form", x)
			}
			return strconv.AppendFloat(b, x, 'g', -1, 64), nil
		case int64:
			return strconv.AppendInt(b, x, 10), nil
		}
	case kindBytes:
		switch x := v.(type) {
		case []byte:
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, x)
			return append(b, '"'), nil
		case string:
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, []byte(x))
			return append(b, '"'), nil
		}
	default:
		switch x := v.(type) {
		case string:
			return appendJSONString(b, x), nil
		case []byte:
			return appendJSONString(b, string(x)), nil
		case int64:
			return appendJSONString(b, strconv.FormatInt(x, 10)), nil
		case float64:
			return appendJSONString(b, strconv.FormatFloat(x, 'g', -1, 64)), nil
		case bool:
			return appendJSONString(b, strconv.FormatBool(x)), nil
		case time.Time:
			return appendJSONString(b, x.Format(time.RFC3339Nano)), nil
		}
	}
	return nil, fmt.Errorf("a %T value in a %s column", v, k)
}

// appendJSONString quotes s for JSON. Unlike encoding/json it leaves <, >
// and & alone (article HTML would grow by a third); invalid UTF-8 becomes
// U+FFFD, as PostgreSQL could not store it anyway.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// ImportStats counts what an import wrote.
type ImportStats struct {
	Tables int
	Rows   int64
}

// ImportError says where an export document could not be read. Nothing
// has been imported when it is returned.
type ImportError struct {
	Table  string // "" before the first table
	Row    int64  // from 1; 0 when not inside a table's rows
	Offset int64  // bytes from the start of the document
	Err    error
}

func (e *ImportError) Error() string {
	var b strings.Builder
	b.WriteString("import: ")
	if e.Table != "" {
		fmt.Fprintf(&b, "table %s: ", e.Table)
	}
	if e.Row > 0 {
		fmt.Fprintf(&b, "row %d: ", e.Row)
	}
	fmt.Fprintf(&b, "at byte %d: %v; nothing was imported", e.Offset, e.Err)
	return b.String()
}

func (e *ImportError) Unwrap() error { return e.Err }

// IsExport reports whether head, the first bytes of a file, starts an
// export document.
func IsExport(head []byte) bool {
	head = bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	i := bytes.Index(head, []byte(`"format"`))
	if i < 0 {
		return false
	}
	rest := bytes.TrimLeft(head[i+len(`"format"`):], " \t\r\n")
	rest = bytes.TrimLeft(bytes.TrimPrefix(rest, []byte(":")), " \t\r\n")
	return bytes.HasPrefix(rest, []byte(`"`+ExportFormat+`"`))
}

// importBatch bounds the rows of one INSERT and its parameters (SQLite
// allows 32,766 per statement, PostgreSQL 65,535).
const (
	importBatchRows   = 200
	importBatchParams = 30000
)

// Import reads an export document into this database in one transaction:
// everything or, when the document is invalid, truncated, or does not fit
// the schema, nothing (the error is an *ImportError naming the table, row
// and byte). The database must be empty and at the document's schema
// version. Ids are kept; on PostgreSQL the sequences are moved past them.
// The search index is rebuilt afterwards, calling reindex with its progress.
func (db *DB) Import(ctx context.Context, r io.Reader, progress func(table string, rows int64), reindex func(done, total int)) (ImportStats, error) {
	var st ImportStats
	cat := db.d.catalog()
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	dec.UseNumber()
	err := db.write(ctx, func(t *tx) error {
		in := &importer{db: db, t: t.Tx, cat: cat, dec: dec, st: &st, progress: progress}
		if err := cat.deferChecks(ctx, t.Tx); err != nil {
			return err
		}
		if err := in.document(ctx); err != nil {
			return err
		}
		return t.bumpVersion(ctx)
	})
	if err != nil {
		var ie *ImportError
		if errors.As(err, &ie) {
			return ImportStats{}, ie
		}
		var me *masthead.Error
		if errors.As(err, &me) {
			return ImportStats{}, err
		}
		return ImportStats{}, fmt.Errorf("store: import: %w; nothing was imported", err)
	}
	if err := db.Reindex(ctx, reindex); err != nil {
		return st, fmt.Errorf("store: import: the data is in; rebuilding the search index failed (run `masthead reindex`): %w", err)
	}
	return st, nil
}

// importer reads one document inside the import transaction.
type importer struct {
	db       *DB
	t        *sql.Tx
	cat      catalog
	dec      *json.Decoder
	st       *ImportStats
	progress func(table string, rows int64)

	targets map[string]*exportTable
	header  bool
	table   string
	row     int64
}

// fail wraps err with where the decoder is.
func (in *importer) fail(err error) error {
	var ie *ImportError
	if errors.As(err, &ie) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("the document ends too early (is the file truncated?)")
		if in.dec.InputOffset() == 0 {
			err = errors.New("the file is empty: not an export document")
		}
	}
	return &ImportError{Table: in.table, Row: in.row, Offset: in.dec.InputOffset(), Err: err}
}

func (in *importer) delim(want json.Delim) error {
	tok, err := in.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, found %v", string(want), tok)
	}
	return nil
}

func (in *importer) document(ctx context.Context) error {
	if err := in.delim('{'); err != nil {
		return in.fail(fmt.Errorf("not an export document: %w", err))
	}
	var format string
	var version, schema int
	ended := false
	for first := true; in.dec.More(); first = false {
		tok, err := in.dec.Token()
		if err != nil {
			return in.fail(err)
		}
		key, _ := tok.(string)
		if first && key != "format" {
			return in.fail(errors.New(`the first key is not "format": not a Masthead export`))
		}
		switch key {
		case "format":
			err = in.dec.Decode(&format)
			if err == nil && format != ExportFormat {
				err = fmt.Errorf("format %q: not a Masthead export", format)
			}
		case "version":
			err = in.dec.Decode(&version)
			if err == nil && version != exportVersion {
				err = fmt.Errorf("layout version %d: this binary reads version %d", version, exportVersion)
			}
		case "schema":
			err = in.dec.Decode(&schema)
		case "tables":
			if format != ExportFormat {
				return in.fail(errors.New(`"tables" before "format": not a Masthead export`))
			}
			if err := in.start(ctx, schema); err != nil {
				return err
			}
			err = in.tables(ctx)
		case "end":
			err = in.dec.Decode(&ended)
		default:
			// Keys a later layout may add, such as engine and
			// exported_at, are read and ignored.
			var skip json.RawMessage
			err = in.dec.Decode(&skip)
		}
		if err != nil {
			return in.fail(err)
		}
	}
	if err := in.delim('}'); err != nil {
		return in.fail(err)
	}
	if !in.header || !ended {
		return in.fail(errors.New(`the document lacks "tables" or the closing "end": true (is the file truncated?)`))
	}
	if _, err := in.dec.Token(); err != io.EOF {
		return in.fail(errors.New("unexpected data after the document"))
	}
	return nil
}

// start checks the target before the first row: the schema versions match
// and the database holds no publication (no article, no member). Rows a
// migration seeds (counters, settings) are then deleted, in reverse
// foreign-key order, so the document's rows replace them.
func (in *importer) start(ctx context.Context, schema int) error {
	var applied int
	if err := in.t.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return err
	}
	if schema != applied {
		return masthead.Errorf(masthead.EINVALID,
			"the export is of schema version %d but this database is at version %d: export and import with the same Masthead release", schema, applied)
	}
	tables, err := exportTables(ctx, in.cat, in.t)
	if err != nil {
		return err
	}
	for _, name := range publicationTables {
		var one int
		err := in.t.QueryRowContext(ctx, `SELECT 1 FROM `+quoteIdent(name)+` LIMIT 1`).Scan(&one)
		if err == nil {
			return masthead.Errorf(masthead.ECONFLICT,
				"this database is not empty (it has %s): import a whole publication only into a new database", name)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	in.targets = map[string]*exportTable{}
	for i := len(tables) - 1; i >= 0; i-- {
		tab := tables[i]
		in.targets[tab.name] = tab
		if _, err := in.t.ExecContext(ctx, `DELETE FROM `+quoteIdent(tab.name)); err != nil {
			return fmt.Errorf("clear %s: %w", tab.name, err)
		}
	}
	in.header = true
	return nil
}

// publicationTables are the tables whose rows make a database a
// publication: an import refuses a database holding any.
var publicationTables = []string{"articles", "members"}

func (in *importer) tables(ctx context.Context) error {
	if err := in.delim('['); err != nil {
		return err
	}
	for in.dec.More() {
		if err := in.oneTable(ctx); err != nil {
			return in.fail(err)
		}
		in.table, in.row = "", 0
	}
	return in.delim(']')
}

// oneTable reads {"name", "columns", "rows", "count"} in that order and
// inserts the rows in batches.
func (in *importer) oneTable(ctx context.Context) error {
	if err := in.delim('{'); err != nil {
		return err
	}
	var name string
	var cols []exportColumn
	var tab *exportTable
	var idx []int // target column of each file column
	var n int64
	counted := false
	for in.dec.More() {
		tok, err := in.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case "name":
			if err := in.dec.Decode(&name); err != nil {
				return err
			}
			in.table = name
			tab = in.targets[name]
			if tab == nil {
				return fmt.Errorf("this database has no table %q", name)
			}
		case "columns":
			if tab == nil {
				return errors.New(`"columns" before "name"`)
			}
			if err := in.dec.Decode(&cols); err != nil {
				return err
			}
			idx, err = matchColumns(tab, cols)
			if err != nil {
				return err
			}
		case "rows":
			if idx == nil {
				return errors.New(`"rows" before "name" and "columns"`)
			}
			n, err = in.rows(ctx, tab, cols, idx)
			if err != nil {
				return err
			}
		case "count":
			var c int64
			if err := in.dec.Decode(&c); err != nil {
				return err
			}
			if c != n {
				return fmt.Errorf("the table says %d rows but holds %d", c, n)
			}
			counted = true
		default:
			var skip json.RawMessage
			if err := in.dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	if err := in.delim('}'); err != nil {
		return err
	}
	if !counted {
		return errors.New(`the table lacks its "count"`)
	}
	if err := in.cat.resetSequences(ctx, in.t, tab); err != nil {
		return err
	}
	in.st.Tables++
	in.st.Rows += n
	if in.progress != nil {
		in.progress(name, n)
	}
	return nil
}

// matchColumns maps the document's columns onto the table's by name. A
// column the table lacks is an error; one the document lacks takes its
// default.
func matchColumns(tab *exportTable, cols []exportColumn) ([]int, error) {
	idx := make([]int, len(cols))
	seen := map[string]bool{}
	for i, c := range cols {
		j := slices.IndexFunc(tab.cols, func(tc exportColumn) bool { return tc.Name == c.Name })
		if j < 0 {
			return nil, fmt.Errorf("column %q does not exist in this database", c.Name)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("column %q is listed twice", c.Name)
		}
		seen[c.Name] = true
		idx[i] = j
	}
	if len(idx) == 0 {
		return nil, errors.New("no columns")
	}
	return idx, nil
}

func (in *importer) rows(ctx context.Context, tab *exportTable, cols []exportColumn, idx []int) (int64, error) {
	if err := in.delim('['); err != nil {
		return 0, err
	}
	per := max(1, min(importBatchRows, importBatchParams/len(cols)))
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdent(c.Name)
	}
	ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	insert := func(k int) string {
		return in.db.d.q(fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", quoteIdent(tab.name),
			strings.Join(names, ", "), valueRows(k, ph)))
	}
	full, err := in.t.PrepareContext(ctx, insert(per))
	if err != nil {
		return 0, err
	}
	defer full.Close()
	args := make([]any, 0, per*len(cols))
	pending := 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		var err error
		if pending == per {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = in.t.ExecContext(ctx, insert(pending), args...)
		}
		if err != nil {
			return fmt.Errorf("insert rows %d–%d: %w", in.row-int64(pending)+1, in.row, translate(err))
		}
		args, pending = args[:0], 0
		return nil
	}
	var raw []json.RawMessage
	for in.dec.More() {
		in.row++
		raw = raw[:0]
		if err := in.dec.Decode(&raw); err != nil {
			return 0, err
		}
		if len(raw) != len(cols) {
			return 0, fmt.Errorf("%d values for %d columns", len(raw), len(cols))
		}
		for i, v := range raw {
			a, err := importValue(v, tab.cols[idx[i]].Type)
			if err != nil {
				return 0, fmt.Errorf("column %s: %w", cols[i].Name, err)
			}
			args = append(args, a)
		}
		pending++
		if pending == per {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	n := in.row
	in.row = 0
	return n, in.delim(']')
}

// importValue turns one JSON value into the argument for a column of kind
// k on this engine.
func importValue(v json.RawMessage, k colKind) (any, error) {
	s := string(v)
	if s == "null" {
		return nil, nil
	}
	bad := func() (any, error) { return nil, fmt.Errorf("%s is not a valid %s value", truncate(s, 40), k) }
	switch k {
	case kindInteger:
		switch s {
		case "true":
			return int64(1), nil
		case "false":
			return int64(0), nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return bad()
		}
		return n, nil
	case kindBoolean:
		switch s {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return bad()
	case kindFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return bad()
		}
		return f, nil
	case kindBytes:
		var str string
		if err := json.Unmarshal(v, &str); err != nil {
			return bad()
		}
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return nil, fmt.Errorf("not base64: %w", err)
		}
		return b, nil
	}
	var str string
	if err := json.Unmarshal(v, &str); err != nil {
		return bad()
	}
	return str, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
