package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Targets from the search issue.
const (
	targetSQLite   = 20 * time.Millisecond
	targetPostgres = 50 * time.Millisecond
	targetSuggest  = 5 * time.Millisecond
	targetNDCG     = 0.88 // on the Reuters check (issue 17)
)

func printReport(w io.Writer, o options, reports []engineReport, rel []relevanceReport) {
	for _, r := range reports {
		target := targetSQLite
		if r.engine == "postgres" {
			target = targetPostgres
		}
		fmt.Fprintf(w, "\n== %s, %d demo articles ==\n", r.engine, r.articles)
		if o.slowest > 0 {
			printSlowest(w, r, o.slowest)
		}
		fmt.Fprintf(w, "load average after the queries (2 cores): %s\n", r.load)
		fmt.Fprintf(w, "masthead demo (write + index):   %s\n", r.seedTime.Round(time.Millisecond))
		fmt.Fprintf(w, "masthead reindex (index alone):  %s\n", r.reindexTime.Round(time.Millisecond))
		if r.indexBytes > 0 {
			fmt.Fprintf(w, "database size:                   %s, of which search %s\n", mb(r.dbBytes), mb(r.indexBytes))
		} else {
			fmt.Fprintf(w, "database size:                   %s\n", mb(r.dbBytes))
		}
		fmt.Fprintf(w, "first search (loads facet copy): %s\n", fmtDur(r.firstSearch))
		fmt.Fprintf(w, "%d queries, top 10 with snippets and facet counts, one at a time; mean %.0f results a query\n", r.distinctQuery, r.avgHits)
		fmt.Fprintf(w, "  %-14s %6s %9s %9s %9s\n", "kind", "n", "p50", "p99", "max")
		for _, set := range []struct {
			name string
			ts   []timed
		}{{"subscriber", r.full}, {"anonymous", r.anon}} {
			if len(set.ts) == 0 {
				continue // not asked for (-readers)
			}
			all := durations(set.ts, "")
			p99 := percentile(all, 99)
			fmt.Fprintf(w, "  %-14s %6d %9s %9s %9s   %s\n", set.name+", all", len(all), fmtDur(percentile(all, 50)), fmtDur(p99), fmtDur(all[len(all)-1]),
				verdict(p99 < target, "p99 under "+fmtDur(target)))
			if r.engine == "sqlite" {
				cpu := cpus(set.ts)
				fmt.Fprintf(w, "  %-14s %6d %9s %9s %9s   (process CPU time: the query's cost on an idle machine)\n",
					"  CPU time", len(cpu), fmtDur(percentile(cpu, 50)), fmtDur(percentile(cpu, 99)), fmtDur(cpu[len(cpu)-1]))
			}
		}
		for _, set := range []struct {
			name string
			ts   []timed
		}{{"subscriber", r.titleFull}, {"anonymous", r.titleAnon}} {
			if len(set.ts) == 0 {
				continue
			}
			all := durations(set.ts, "")
			p99 := percentile(all, 99)
			fmt.Fprintf(w, "  title words, %-10s %4d %9s %9s %9s   %s\n", set.name, len(all), fmtDur(percentile(all, 50)), fmtDur(p99), fmtDur(all[len(all)-1]),
				verdict(p99 < target, "p99 under "+fmtDur(target)))
			if r.engine == "sqlite" {
				cpu := cpus(set.ts)
				fmt.Fprintf(w, "    CPU time %15d %9s %9s %9s\n", len(cpu), fmtDur(percentile(cpu, 50)), fmtDur(percentile(cpu, 99)), fmtDur(cpu[len(cpu)-1]))
			}
		}
		byKind := r.full
		if len(byKind) == 0 {
			byKind = r.anon
		}
		for _, m := range queryMix {
			d := durations(byKind, m.kind)
			if len(d) == 0 {
				continue
			}
			fmt.Fprintf(w, "  %-14s %6d %9s %9s %9s\n", m.kind, len(d), fmtDur(percentile(d, 50)), fmtDur(percentile(d, 99)), fmtDur(d[len(d)-1]))
		}
		s := sortDurations(append([]time.Duration(nil), r.suggest...))
		if len(s) > 0 {
			p99 := percentile(s, 99)
			fmt.Fprintf(w, "suggestions (%d prefixes): p50 %s, p99 %s, max %s   %s\n", r.suggestQs, fmtDur(percentile(s, 50)), fmtDur(p99), fmtDur(s[len(s)-1]),
				verdict(p99 < targetSuggest, "p99 under "+fmtDur(targetSuggest)))
		}
	}
	for _, r := range rel {
		fmt.Fprintf(w, "\n== Reuters-21578 on %s: %d stories, as %s ==\n", r.engine, r.stories, r.reader)
		if r.importTime > 0 {
			fmt.Fprintf(w, "masthead import (write + index): %s\n", r.importTime.Round(time.Millisecond))
		}
		for _, set := range r.sets {
			fmt.Fprintf(w, "%3d %-6s queries (labels with at least %d stories): mean nDCG@10 %.3f   %s; latency p50 %s, p99 %s\n",
				len(set.queries), set.name, minRelevant, set.mean, verdict(set.mean >= targetNDCG, fmt.Sprintf("at least %.2f", targetNDCG)),
				fmtDur(set.p50), fmtDur(set.p99))
			fmt.Fprintf(w, "    unjudged stories left out: %.3f; the engine's plain ranking of every match: %.3f, unjudged left out %.3f\n",
				set.judgedMean, set.plain, set.plainJudged)
			var low []string
			for _, q := range set.queries {
				if q.ndcg < 0.5 {
					low = append(low, fmt.Sprintf("%s (%q %.2f)", q.topic, q.query, q.ndcg))
				}
			}
			if len(low) > 0 {
				fmt.Fprintf(w, "    below 0.5: %s\n", strings.Join(low, ", "))
			}
			if o.perQuery {
				for _, q := range set.queries {
					fmt.Fprintf(w, "    %-18s %-24q %5d relevant  nDCG@10 %.3f  unjudged left out %.3f  plain %.3f / %.3f\n",
						q.topic, q.query, q.relevant, q.ndcg, q.judgedOnly, q.plain, q.plainJudged)
				}
			}
		}
	}
}

func durations(ts []timed, kind string) []time.Duration {
	var out []time.Duration
	for _, t := range ts {
		if kind == "" || t.kind == kind {
			out = append(out, t.d)
		}
	}
	return sortDurations(out)
}

func cpus(ts []timed) []time.Duration {
	var out []time.Duration
	for _, t := range ts {
		out = append(out, t.cpu)
	}
	return sortDurations(out)
}

func verdict(ok bool, target string) string {
	if ok {
		return "ok: " + target
	}
	return "MISSED: " + target
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%dµs", d.Microseconds())
}

func mb(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }

// printSlowest lists the costliest queries by CPU time (wall time on
// PostgreSQL, where the work is in the server), subscriber and anonymous
// runs together.
func printSlowest(w io.Writer, r engineReport, n int) {
	all := append(append([]timed(nil), r.full...), r.anon...)
	cost := func(t timed) time.Duration {
		if r.engine == "sqlite" {
			return t.cpu
		}
		return t.d
	}
	sort.Slice(all, func(i, j int) bool { return cost(all[i]) > cost(all[j]) })
	fmt.Fprintf(w, "costliest queries:\n")
	for _, t := range all[:min(n, len(all))] {
		fmt.Fprintf(w, "  %9s %7d hits  %-12s %s\n", fmtDur(cost(t)), t.hits, t.kind, t.text)
	}
}
