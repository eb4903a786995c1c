package importer

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress shows how far a long job (an import, a demo seed) has come: a
// bar that redraws itself on a terminal, and otherwise plain lines at every
// tenth, which read well in a log or a CI transcript where a bar's
// carriage returns would be noise.
type Progress struct {
	w       io.Writer
	label   string
	total   int
	bar     *progressbar.ProgressBar // nil when writing plain lines
	printed int                      // tenths already reported as lines
	last    int
}

// NewProgress returns a Progress for total steps, labelled label, writing
// to w. It draws a bar when w is a terminal.
func NewProgress(w io.Writer, total int, label string) *Progress {
	p := &Progress{w: w, label: label, total: total, printed: -1}
	if isTerminal(w) {
		p.bar = progressbar.NewOptions(max(total, 1),
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
	}
	return p
}

// isTerminal reports whether w is a character device, as a terminal is.
// Pipes and files are not; that is the distinction that matters here.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Update records that done of total steps are finished. Its signature
// fits Options.Progress and demo.Seed's progress argument. A total that
// changes (the job learned its size late) is followed.
func (p *Progress) Update(done, total int) {
	if total != p.total && total > 0 {
		p.total = total
		if p.bar != nil {
			p.bar.ChangeMax(total)
		}
	}
	p.last = done
	if p.bar != nil {
		p.bar.Set(done)
		return
	}
	pct := 100
	if p.total > 0 {
		pct = min(done*100/p.total, 100)
	}
	if tenth := pct / 10; tenth > p.printed && (done > 0 || p.total == 0) {
		p.printed = tenth
		fmt.Fprintf(p.w, "%s: %d/%d (%d%%)\n", p.label, done, p.total, pct)
	}
}

// Finish completes the display: the bar ends its line, and plain output
// ends with a final line if the last update did not already say 100%.
func (p *Progress) Finish() {
	if p.bar != nil {
		p.bar.Finish()
		return
	}
	if p.printed < 10 {
		p.printed = 10
		fmt.Fprintf(p.w, "%s: %d/%d done\n", p.label, p.last, p.total)
	}
}
