package admin

import (
	"strings"
	"testing"
)

// TestSideBySide: the line diff pairs changed lines and marks the words
// that differ, shows added and removed lines on their side, numbers each
// side's lines, and keeps three unchanged lines around a change.
func TestSideBySide(t *testing.T) {
	render := func(rows []diffRow) string {
		var b strings.Builder
		seg := func(ss []diffSeg) string {
			var s strings.Builder
			for _, x := range ss {
				if x.Marked {
					s.WriteString("[" + x.Text + "]")
				} else {
					s.WriteString(x.Text)
				}
			}
			return s.String()
		}
		for _, r := range rows {
			if r.Skip {
				b.WriteString("…\n")
				continue
			}
			b.WriteString(r.Kind + " " + itoa(r.LeftNo) + ":" + seg(r.Left) + " | " + itoa(r.RightNo) + ":" + seg(r.Right) + "\n")
		}
		return b.String()
	}
	tests := []struct {
		name, from, to, want string
	}{
		{"same", "a\nb", "a\nb", ""},
		{"word changed", "The river rose two metres.", "The river rose three metres.",
			"changed 1:The river rose [two] metres. | 1:The river rose [three] metres.\n"},
		{"added and removed", "keep\ngone\nkeep too", "keep\nkeep too\nnew",
			"same 1:keep | 1:keep\nremoved 2:[gone] | 0:\nsame 3:keep too | 2:keep too\nadded 0: | 3:[new]\n"},
		{"context", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10", "1\n2\n3\n4\n5\n6\n7\n8\n9\nten",
			"…\nsame 7:7 | 7:7\nsame 8:8 | 8:8\nsame 9:9 | 9:9\nchanged 10:[10] | 10:[ten]\n"},
		{"from nothing", "", "first line", "added 0: | 1:[first line]\n"},
	}
	for _, tt := range tests {
		if got := render(sideBySide(tt.from, tt.to)); got != tt.want {
			t.Errorf("%s:\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

// TestLCSDiffLarge: a middle past the table's bound is shown removed and
// added whole rather than computed, and the ends still match.
func TestLCSDiffLarge(t *testing.T) {
	a, b := []string{"head"}, []string{"head"}
	for i := range 3000 {
		a = append(a, "a"+itoa(i))
		b = append(b, "b"+itoa(i))
	}
	ops := lcsDiff(append(a, "tail"), append(b, "tail"))
	if len(ops) != 6002 || ops[0].kind != '=' || ops[len(ops)-1].kind != '=' || ops[1].kind != '-' || ops[3001].kind != '+' {
		t.Errorf("%d ops, first %c, last %c", len(ops), ops[0].kind, ops[len(ops)-1].kind)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// BenchmarkSideBySide diffs a 2,000-line article with a change every
// 50 lines: the revisions page's cost for a long piece.
func BenchmarkSideBySide(b *testing.B) {
	var from, to strings.Builder
	for i := range 2000 {
		line := "Paragraph " + itoa(i) + " of a long article about the harbour and its keepers."
		from.WriteString(line + "\n")
		if i%50 == 0 {
			line = "Paragraph " + itoa(i) + " of a long piece about the harbour, rewritten."
		}
		to.WriteString(line + "\n")
	}
	f, t := from.String(), to.String()
	b.ReportAllocs()
	for b.Loop() {
		sideBySide(f, t)
	}
}
