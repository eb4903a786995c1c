package store

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"
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

// TestYearCounter: times in any order count in their year in the
// location, across a range that grows both ways, and a reset forgets it.
func TestYearCounter(t *testing.T) {
	loc, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	var c yearCounter
	for round := range 2 {
		c.reset(loc)
		want := map[int]int{}
		for _, tm := range []time.Time{
			time.Date(2020, 6, 1, 0, 0, 0, 0, loc),
			time.Date(2020, 12, 31, 23, 59, 0, 0, loc),
			time.Date(2021, 1, 1, 0, 0, 0, 0, loc), // midnight: the new year
			time.Date(2017, 3, 3, 0, 0, 0, 0, loc),
			time.Date(2024, 12, 31, 10, 0, 0, 0, time.UTC), // 2025 in Auckland
			time.Date(2019, 12, 31, 12, 0, 0, 0, time.UTC), // 2020 in Auckland
		} {
			c.add(micros(tm))
			want[tm.In(loc).Year()]++
		}
		got := map[int]int{}
		for i, n := range c.counts {
			if n > 0 {
				got[c.first+i] = n
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("round %d: counts %v, want %v", round, got, want)
		}
	}
}
