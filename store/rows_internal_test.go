package store

import "testing"

// TestValueRows checks the VALUES lists of multi-row statements (casts
// in the first row alone, anything else in every row) and how many rows
// a statement takes.
func TestValueRows(t *testing.T) {
	for _, c := range []struct {
		n         int
		row, want string
	}{
		{0, "(?, ?)", ""},
		{1, "(?, ?)", "(?, ?)"},
		{3, "(?, ?)", "(?, ?), (?, ?), (?, ?)"},
		{3, "?", "?, ?, ?"},
		{2, "(?, 'demo', ?)", "(?, 'demo', ?), (?, 'demo', ?)"},
		{3, "(CAST(? AS BIGINT), CAST(? AS TEXT), ?)", "(CAST(? AS BIGINT), CAST(? AS TEXT), ?), (?, ?, ?), (?, ?, ?)"},
	} {
		if got := valueRows(c.n, c.row); got != c.want {
			t.Errorf("valueRows(%d, %q) = %q, want %q", c.n, c.row, got, c.want)
		}
	}
	// SQLite's statements of a few sizes, the largest that fit.
	for n, want := range map[int]int{1: 1, 3: 1, 4: 4, 150: 64, 255: 64, 256: 256, 1000: 256} {
		if got := rowClass(n); got != want {
			t.Errorf("rowClass(%d) = %d, want %d", n, got, want)
		}
	}
	// A statement's rows never pass maxParams.
	if got := rowsPer(10_000, "(?, ?, ?, ?, ?)"); got*5 > maxParams || got < 5_000 {
		t.Errorf("rowsPer(10000, 5 columns) = %d", got)
	}
	if got := rowsPer(200, "(?, ?)"); got != 200 {
		t.Errorf("rowsPer(200, 2 columns) = %d, want 200", got)
	}
}
