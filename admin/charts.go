package admin

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Charts are SVG drawn here, on the server: no script, no font, nothing
// fetched. Colours come from the stylesheet through classes (the page's
// Content-Security-Policy allows no inline style), so they follow the
// light or dark scheme; text uses currentColor. Each chart has a title and
// a description for screen readers, and the page puts a table with the
// same numbers beside it.

const (
	chartW, chartH = 640, 220
	padL, padR     = 48, 12
	padT, padB     = 12, 28
)

// series is one line of a line chart; class picks its colour (s1…s6).
type series struct {
	Name   string
	Class  string
	Values []float64
}

// lineChart draws one or more series over the same x labels.
func lineChart(id, title, desc string, labels []string, ss []series) template.HTML {
	var b strings.Builder
	top := 0.0
	for _, s := range ss {
		for _, v := range s.Values {
			top = math.Max(top, v)
		}
	}
	top = niceCeil(top)
	n := len(labels)
	x := func(i int) float64 {
		if n <= 1 {
			return padL + float64(chartW-padL-padR)/2
		}
		return padL + float64(i)*float64(chartW-padL-padR)/float64(n-1)
	}
	y := func(v float64) float64 { return padT + (1-v/top)*float64(chartH-padT-padB) }
	openSVG(&b, id, title, desc)
	axes(&b, top, labels, x)
	for _, s := range ss {
		var pts []string
		for i, v := range s.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		fmt.Fprintf(&b, `<polyline class="line %s" points="%s"><title>%s</title></polyline>`,
			s.Class, strings.Join(pts, " "), html.EscapeString(s.Name))
		for i, v := range s.Values {
			fmt.Fprintf(&b, `<circle class="point %s" cx="%.1f" cy="%.1f" r="2.5"><title>%s %s: %s</title></circle>`,
				s.Class, x(i), y(v), html.EscapeString(s.Name), html.EscapeString(labels[i]), fmtNum(v))
		}
	}
	legend(&b, ss)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws one bar per label.
func barChart(id, title, desc string, labels []string, values []float64, unit string) template.HTML {
	var b strings.Builder
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	top = niceCeil(top)
	n := max(len(labels), 1)
	slot := float64(chartW-padL-padR) / float64(n)
	x := func(i int) float64 { return padL + slot*(float64(i)+0.5) }
	openSVG(&b, id, title, desc)
	axes(&b, top, labels, x)
	for i, v := range values {
		h := v / top * float64(chartH-padT-padB)
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s%s</title></rect>`,
			x(i)-slot*0.35, float64(chartH-padB)-h, slot*0.7, h, html.EscapeString(labels[i]), fmtNum(v), unit)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// hbarChart draws horizontal bars with their labels, for ranked lists
// and the funnel's stages.
func hbarChart(id, title, desc string, labels []string, values []float64) template.HTML {
	var b strings.Builder
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	if top == 0 {
		top = 1
	}
	row := 24
	h := max(len(labels), 1)*row + 8
	fmt.Fprintf(&b, `<svg class="chart" id="%s" role="img" aria-labelledby="%s-t %s-d" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="xMinYMin meet">`,
		id, id, id, chartW, h)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(desc))
	const labelW, numW = 230, 70
	for i, v := range values {
		yy := 4 + i*row
		w := v / top * float64(chartW-labelW-numW)
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, labelW-6, yy+16, html.EscapeString(clip(labels[i], 34)))
		fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%.1f" height="%d"><title>%s: %s</title></rect>`,
			labelW, yy+3, w, row-6, html.EscapeString(labels[i]), fmtNum(v))
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d">%s</text>`, float64(labelW)+w+6, yy+16, fmtNum(v))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func openSVG(b *strings.Builder, id, title, desc string) {
	fmt.Fprintf(b, `<svg class="chart" id="%s" role="img" aria-labelledby="%s-t %s-d" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="xMinYMin meet">`,
		id, id, id, chartW, chartH)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(desc))
}

// axes draws the baseline, five gridlines with their values (a fifth of
// a 1, 2 or 5 top is round) and at most eight x labels.
func axes(b *strings.Builder, top float64, labels []string, x func(int) float64) {
	for i := 0; i <= 5; i++ {
		v := top * float64(i) / 5
		yy := padT + (1-float64(i)/5)*float64(chartH-padT-padB)
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, padL, chartW-padR, yy, yy)
		fmt.Fprintf(b, `<text class="label" x="%d" y="%.1f" text-anchor="end">%s</text>`, padL-4, yy+4, fmtNum(v))
	}
	step := max(1, (len(labels)+7)/8)
	for i := 0; i < len(labels); i += step {
		fmt.Fprintf(b, `<text class="label" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(i), chartH-8, html.EscapeString(labels[i]))
	}
}

func legend(b *strings.Builder, ss []series) {
	if len(ss) < 2 {
		return
	}
	xx := padL + 8
	for _, s := range ss {
		fmt.Fprintf(b, `<rect class="swatch %s" x="%d" y="%d" width="10" height="10"/>`, s.Class, xx, padT)
		fmt.Fprintf(b, `<text class="label" x="%d" y="%d">%s</text>`, xx+14, padT+9, html.EscapeString(s.Name))
		xx += 24 + 7*len(s.Name)
	}
}

// niceCeil rounds a chart's top up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func fmtNum(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
