package store

import (
	"slices"
	"strconv"
	"testing"
)

// TestParseIDs: the engines' lists of matches read back exactly, and a
// field that is not an id is skipped without losing its neighbours.
func TestParseIDs(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []int64
	}{
		{"", nil},
		{"7", []int64{7}},
		{"1,22,333", []int64{1, 22, 333}},
		{"1,,2", []int64{1, 2}},
		{"1,x,2", []int64{1, 2}},
		{"12a,3", []int64{3}},
		{"-4,5", []int64{5}},
		{strconv.FormatInt(1<<63-1, 10) + ",6", []int64{1<<63 - 1, 6}},
		{"99999999999999999999,8", []int64{8}}, // overflows: not an id
	} {
		if got := parseIDs(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("parseIDs(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzParseIDs(f *testing.F) {
	f.Add("1,22,333")
	f.Add("12a,,3")
	f.Fuzz(func(t *testing.T, s string) {
		got := parseIDs(s)
		var want []int64
		for _, field := range splitComma(s) {
			if v, err := strconv.ParseInt(field, 10, 64); err == nil && field[0] >= '0' && field[0] <= '9' {
				want = append(want, v)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("parseIDs(%q) = %v, want %v", s, got, want)
		}
	})
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
