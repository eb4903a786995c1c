package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// Many rows in one statement: a batch of counts, a list of related
// articles, a bulk load's members. One statement of a few hundred rows
// costs a fraction of as many statements of one row (one parse and plan,
// on PostgreSQL one round trip), so these are written as
// INSERT … VALUES (…), (…), … in statements of at most a few hundred
// rows.

// maxParams bounds the parameters of one statement, under SQLite's
// 32,766 and PostgreSQL's 65,535.
const maxParams = 30_000

// valueRows returns the VALUES list of n rows of row, the placeholders
// of one row ("(?, ?, ?)"), separated by commas; with row "?" it is the
// list of an IN (…). A list read by a SELECT rather than inserted needs
// its columns typed on PostgreSQL, which leaves a bare placeholder
// untyped: such a row casts its placeholders ("(CAST(? AS BIGINT), …)"),
// and only the first row keeps the casts. PostgreSQL types a VALUES
// list's columns by its first row, and SQLite, which parses each of
// these statements afresh, parses the rest in a fraction of the time.
func valueRows(n int, row string) string {
	if n <= 0 {
		return ""
	}
	rest := uncast(row)
	var b strings.Builder
	b.Grow(len(row) + (n-1)*(len(rest)+2))
	b.WriteString(row)
	for range n - 1 {
		b.WriteString(", ")
		b.WriteString(rest)
	}
	return b.String()
}

// uncast returns row with every "CAST(? AS type)" written "?".
func uncast(row string) string {
	const cast = "CAST(? AS "
	var b strings.Builder
	for {
		i := strings.Index(row, cast)
		if i < 0 {
			b.WriteString(row)
			return b.String()
		}
		j := strings.IndexByte(row[i:], ')')
		b.WriteString(row[:i])
		b.WriteString("?")
		row = row[i+j+1:]
	}
}

// rowsPer is how many rows of row's placeholders one statement takes:
// want, or fewer when that many would pass maxParams.
func rowsPer(want int, row string) int {
	return max(1, min(want, maxParams/max(1, strings.Count(row, "?"))))
}

// execRows runs head, the VALUES rows of n rows and tail, in statements
// of at most per rows (fewer if the parameters would pass maxParams);
// args appends the values of row i to into.
//
// On SQLite, which parses a statement on every call unless it is
// prepared (dialect.prepare), a statement of a hundred rows costs about
// as much to parse as to run (the insights batch's profile), and a text
// that depends on the row count would be parsed afresh by every batch.
// So there the rows go in statements of 256, 64, 16, 4 and 1 rows, the
// largest that fit, each text prepared once and kept in the statement
// cache: 150 rows are six cached statements (64, 64, 16, 4, 1, 1)
// instead of one parsed. PostgreSQL
// parses on the server and pays a round trip a statement, so there they
// go in as few statements as per allows.
func (t *tx) execRows(ctx context.Context, head, row, tail string, n, per int, args func(into []any, i int) []any) error {
	per = rowsPer(per, row)
	params := strings.Count(row, "?")
	buf := make([]any, 0, min(n, per)*params)
	for start := 0; start < n; {
		k := min(per, n-start)
		if t.p.d.prepare {
			k = rowClass(k)
		}
		buf = buf[:0]
		for i := start; i < start+k; i++ {
			buf = args(buf, i)
		}
		if _, err := t.exec(ctx, head+valueRows(k, row)+tail, buf...); err != nil {
			return translate(err)
		}
		start += k
	}
	return nil
}

// rowClass is the largest of 256, 64, 16, 4 and 1 rows not above n (at
// least 1).
func rowClass(n int) int {
	k := 1
	for k*4 <= min(n, 256) {
		k *= 4
	}
	return k
}

// A counter table holds counts by key (an hour's or a day's): insight
// hours per kind and article, AI crawlers' requests per family and
// decision, searches per query, results opened per position. A batch
// adds up its events by key in memory (counts), and one upsert per few
// hundred keys adds them to the table's rows (addCounts): a thousand
// views of one article in an hour are one row written once.

// counterTable names a counter table: the columns of its key, which is
// its primary key, and the columns a batch adds to.
type counterTable struct {
	name         string
	keys, counts []string
	head, tail   string // of its upsert, around the VALUES rows
	row          string // the placeholders of one row
}

func newCounterTable(name string, keys, counts []string) *counterTable {
	sets := make([]string, len(counts))
	for i, c := range counts {
		sets[i] = c + " = " + name + "." + c + " + excluded." + c
	}
	return &counterTable{
		name: name, keys: keys, counts: counts,
		head: `INSERT INTO ` + name + ` (` + strings.Join(append(slices.Clone(keys), counts...), ", ") + `) VALUES `,
		tail: ` ON CONFLICT (` + strings.Join(keys, ", ") + `) DO UPDATE SET ` + strings.Join(sets, ", "),
		row:  "(" + strings.TrimSuffix(strings.Repeat("?, ", len(keys)+len(counts)), ", ") + ")",
	}
}

// counts adds up a batch's counts by key K, as many counts a key as its
// table has.
type counts[K comparable] map[K][]int64

// add adds n (one value per counted column) to key k's counts.
func (c counts[K]) add(k K, n ...int64) {
	s := c[k]
	if s == nil {
		s = make([]int64, len(n))
		c[k] = s
	}
	for i, v := range n {
		s[i] += v
	}
}

// rows returns the counts as the table's rows, each key's values (key
// gives them in the table's key order) followed by its counts, sorted
// by key: PostgreSQL refuses a multi-row upsert that names one key
// twice, which adding up already prevents, and a fixed order keeps two
// instances' batches from locking rows in opposite orders.
func (c counts[K]) rows(key func(K) []any) [][]any {
	out := make([][]any, 0, len(c))
	keys := 0
	for k, n := range c {
		r := key(k)
		keys = len(r)
		for _, v := range n {
			r = append(r, v)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b []any) int { return compareValues(a[:keys], b[:keys]) })
	return out
}

// compareValues orders rows of keys value by value: integers and
// strings, the types counter tables are keyed by.
func compareValues(a, b []any) int {
	for i := range a {
		var c int
		switch x := a[i].(type) {
		case int64:
			c = cmp.Compare(x, b[i].(int64))
		case int:
			c = cmp.Compare(x, b[i].(int))
		case string:
			c = strings.Compare(x, b[i].(string))
		default:
			panic(fmt.Sprintf("store: compare a %T", a[i]))
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// addCounts adds rows (from counts.rows) to the table's counts.
func (t *tx) addCounts(ctx context.Context, tab *counterTable, rows [][]any) error {
	err := t.execRows(ctx, tab.head, tab.row, tab.tail, len(rows), insightBatch, func(into []any, i int) []any {
		return append(into, rows[i]...)
	})
	if err != nil {
		return fmt.Errorf("store: record insights: %s: %w", tab.name, err)
	}
	return nil
}
