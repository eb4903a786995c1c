package admin

import (
	"slices"
	"strings"
	"unicode"
)

// The revisions' diff: a line diff of the Markdown by longest common
// subsequence, shown side by side, with the words that differ marked
// within a changed line. Common lines at both ends are taken off first,
// so the table stays small for the usual edit of a few paragraphs; a
// middle too large for it (maxCells) shows as removed and added whole.

// maxCells bounds the LCS table (rows × columns) of one diff, lines or
// words: about 16 MB of int32s.
const maxCells = 4 << 20

// diffOp is one step of an edit script: a token kept, removed from the
// left or added on the right.
type diffOp struct {
	kind byte // '=', '-', '+'
	text string
}

// lcsDiff is the edit script from a to b.
func lcsDiff(a, b []string) []diffOp {
	var ops []diffOp
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		ops = append(ops, diffOp{'=', a[pre]})
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	n, m := len(ma), len(mb)
	if n*m > maxCells {
		for _, s := range ma {
			ops = append(ops, diffOp{'-', s})
		}
		for _, s := range mb {
			ops = append(ops, diffOp{'+', s})
		}
	} else {
		// t[i][j] is the LCS length of ma[i:] and mb[j:], in one slice.
		w := m + 1
		t := make([]int32, (n+1)*w)
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					t[i*w+j] = t[(i+1)*w+j+1] + 1
				} else {
					t[i*w+j] = max(t[(i+1)*w+j], t[i*w+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n && j < m {
			switch {
			case ma[i] == mb[j]:
				ops = append(ops, diffOp{'=', ma[i]})
				i++
				j++
			case t[(i+1)*w+j] >= t[i*w+j+1]:
				ops = append(ops, diffOp{'-', ma[i]})
				i++
			default:
				ops = append(ops, diffOp{'+', mb[j]})
				j++
			}
		}
		for ; i < n; i++ {
			ops = append(ops, diffOp{'-', ma[i]})
		}
		for ; j < m; j++ {
			ops = append(ops, diffOp{'+', mb[j]})
		}
	}
	for _, s := range a[len(a)-suf:] {
		ops = append(ops, diffOp{'=', s})
	}
	return ops
}

// diffRow is one row of the side-by-side table. Kind is same, changed,
// removed or added; an empty side has no Line.
type diffRow struct {
	Kind          string
	LeftNo        int
	RightNo       int
	Left, Right   []diffSeg
	HasL, HasR    bool
	Context, Skip bool // Skip stands for unchanged lines left out
}

// diffSeg is a run of a line's text, Marked when it differs.
type diffSeg struct {
	Text   string
	Marked bool
}

// contextLines is how many unchanged lines the diff keeps around each
// change.
const contextLines = 3

// sideBySide diffs two Markdown texts line by line.
func sideBySide(from, to string) []diffRow {
	a, b := splitLines(from), splitLines(to)
	ops := lcsDiff(a, b)
	var rows []diffRow
	ln, rn := 0, 0
	for k := 0; k < len(ops); {
		if ops[k].kind == '=' {
			ln++
			rn++
			rows = append(rows, diffRow{Kind: "same", LeftNo: ln, RightNo: rn, HasL: true, HasR: true,
				Left: []diffSeg{{Text: ops[k].text}}, Right: []diffSeg{{Text: ops[k].text}}})
			k++
			continue
		}
		// A block of removals and additions: pair them line by line as
		// changed lines, the rest removed or added.
		var del, add []string
		for ; k < len(ops) && ops[k].kind != '='; k++ {
			if ops[k].kind == '-' {
				del = append(del, ops[k].text)
			} else {
				add = append(add, ops[k].text)
			}
		}
		for i := range max(len(del), len(add)) {
			r := diffRow{}
			switch {
			case i < len(del) && i < len(add):
				ln++
				rn++
				r = diffRow{Kind: "changed", LeftNo: ln, RightNo: rn, HasL: true, HasR: true}
				r.Left, r.Right = wordDiff(del[i], add[i])
			case i < len(del):
				ln++
				r = diffRow{Kind: "removed", LeftNo: ln, HasL: true, Left: []diffSeg{{Text: del[i], Marked: true}}}
			default:
				rn++
				r = diffRow{Kind: "added", RightNo: rn, HasR: true, Right: []diffSeg{{Text: add[i], Marked: true}}}
			}
			rows = append(rows, r)
		}
	}
	return trimContext(rows)
}

// trimContext keeps contextLines of unchanged lines around each change
// and one Skip row for each run left out.
func trimContext(rows []diffRow) []diffRow {
	keep := make([]bool, len(rows))
	for i, r := range rows {
		if r.Kind == "same" {
			continue
		}
		for j := max(0, i-contextLines); j <= min(len(rows)-1, i+contextLines); j++ {
			keep[j] = true
		}
	}
	if !slices.Contains(keep, true) {
		// Nothing changed: the page says so in words.
		return nil
	}
	var out []diffRow
	skipped := false
	for i, r := range rows {
		if keep[i] {
			out = append(out, r)
			skipped = false
		} else if !skipped {
			out = append(out, diffRow{Kind: "skip", Skip: true})
			skipped = true
		}
	}
	return out
}

// wordDiff marks the words that differ between two versions of a line.
func wordDiff(from, to string) (left, right []diffSeg) {
	ops := lcsDiff(words(from), words(to))
	for _, op := range ops {
		switch op.kind {
		case '=':
			left = appendSeg(left, op.text, false)
			right = appendSeg(right, op.text, false)
		case '-':
			left = appendSeg(left, op.text, true)
		case '+':
			right = appendSeg(right, op.text, true)
		}
	}
	return left, right
}

// appendSeg adds text to segs, joining it to the last run when both are
// marked alike.
func appendSeg(segs []diffSeg, text string, marked bool) []diffSeg {
	if n := len(segs); n > 0 && segs[n-1].Marked == marked {
		segs[n-1].Text += text
		return segs
	}
	return append(segs, diffSeg{Text: text, Marked: marked})
}

// words splits a line into words and the spaces between them, so that
// joining them gives the line back.
func words(s string) []string {
	var out []string
	start, space := 0, false
	for i, r := range s {
		sp := unicode.IsSpace(r)
		if i > start && sp != space {
			out = append(out, s[start:i])
			start = i
		}
		space = sp
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
