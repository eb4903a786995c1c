package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets from DESIGN.md and the issue, printed beside the figures.
const (
	targetStaticRatio = 3.0 // static rate at most 3× the article rate
	targetRSSMB       = 200 // server RSS under load
	targetSizeDrift   = 20  // percent: same article rate at every size
	targetSignedIn    = 0.5 // a signed-in page at least half the anonymous rate
)

// report prints the table and the ratios.
func report(w io.Writer, o options, results []sizeResult) {
	fmt.Fprintf(w, "\nResults (%d connections, %d × %s per row, Accept-Encoding: %s, loopback, same machine)\n\n",
		o.conns, o.rounds, o.duration, encodingLabel(o.gzip))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "articles\tpage\treq/s\t(each round)\tp50\tp99\tmax\tbytes/resp\terrors\t")
	for _, r := range results {
		for _, x := range r.rows {
			l := x.load
			perResp := 0
			if l.requests > 0 {
				perResp = int(l.bytes / int64(l.requests))
			}
			var each []string
			for _, rr := range l.rounds {
				each = append(each, thousands(int(rr+0.5)))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", thousands(r.articles), x.name,
				thousands(int(l.rate()+0.5)), strings.Join(each, " / "), fmtDur(l.p50), fmtDur(l.p99), fmtDur(l.max), thousands(perResp), l.errors)
		}
	}
	tw.Flush()

	fmt.Fprintln(w)
	for _, r := range results {
		fmt.Fprintf(w, "%s articles (seeded in %s; metered page %s bytes, free page %s bytes):\n",
			thousands(r.articles), r.seedTime.Round(100*time.Millisecond), thousands(len(r.page.body)), thousands(len(r.freePage.body)))
		static, _ := r.row(rowStatic)
		for _, name := range []string{rowMetered, rowFree, rowPictured, rowUncached} {
			a, ok := r.row(name)
			if !ok || a.rate() == 0 {
				continue
			}
			ratio := static.rate() / a.rate()
			fmt.Fprintf(w, "  static / %-34s %5.2f×  %s\n", name, ratio, verdict(ratio <= targetStaticRatio, "target ≤ 3×"))
		}
		if f, ok := r.row(rowFree); ok && f.rate() > 0 {
			if p, ok := r.row(rowPictured); ok {
				fmt.Fprintf(w, "  %-34s / free %5.2f  (the same article with four uploaded images; the page cache serves both)\n", rowPictured, p.rate()/f.rate())
			}
		}
		anon, _ := r.row(rowMetered)
		for _, rd := range readers {
			a, ok := r.row(rd.row)
			if !ok || anon.rate() == 0 {
				continue
			}
			ratio := a.rate() / anon.rate()
			// Each round's ratio too: the rows of a round ran one after
			// the other, so its ratio shows how steady the figure is.
			var each []string
			for i := range min(len(a.rounds), len(anon.rounds)) {
				if anon.rounds[i] > 0 {
					each = append(each, strconv.FormatFloat(a.rounds[i]/anon.rounds[i], 'f', 2, 64))
				}
			}
			fmt.Fprintf(w, "  %-34s / anonymous %5.2f  (each round %s; page %s bytes)  %s\n", rd.row, ratio,
				strings.Join(each, " / "), thousands(len(r.readerPages[rd.row].body)), verdict(ratio >= targetSignedIn, "target ≥ 0.5"))
		}
		fmt.Fprintf(w, "  server RSS, default settings: max %s under load, %s after, peak %s  %s\n",
			mb(r.mem.maxDuring), mb(r.mem.after), mb(r.mem.peak), verdict(r.mem.peak < targetRSSMB<<20, "target < 200 MB"))
		if r.memOff.peak > 0 {
			fmt.Fprintf(w, "  server RSS, page cache off:   max %s under load, %s after, peak %s\n",
				mb(r.memOff.maxDuring), mb(r.memOff.after), mb(r.memOff.peak))
		}
	}

	if len(results) > 1 {
		first := results[0]
		fmt.Fprintln(w)
		for _, r := range results[1:] {
			for _, name := range []string{rowMetered, rowUnlocked, rowOffer, rowSubscriber, rowFree, rowPictured, rowUncached} {
				a, ok1 := first.row(name)
				b, ok2 := r.row(name)
				if !ok1 || !ok2 || b.rate() == 0 {
					continue
				}
				ratio := a.rate() / b.rate()
				drift := (b.rate() - a.rate()) / a.rate() * 100
				fmt.Fprintf(w, "%s, rate at %s / at %s articles: %.2f (%+.0f %%)  %s\n", name,
					thousands(first.articles), thousands(r.articles), ratio, drift,
					verdict(drift >= -targetSizeDrift && drift <= targetSizeDrift, "target within 20 %"))
			}
		}
	}
}

func verdict(ok bool, target string) string {
	if ok {
		return "ok (" + target + ")"
	}
	return "MISSED (" + target + ")"
}

// fmtDur prints a latency with a precision a reader can compare.
func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	case d >= 10*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	default:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
	}
}

func mb(b int64) string {
	if b <= 0 {
		return "n/a"
	}
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MB"
}

// thousands writes n with comma separators.
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
