package admin

import (
	"html/template"
	"strconv"
	"strings"

	"masthead"
	"masthead/http/web"
)

// The staff area's template functions: numbers as people read them, with
// thousands separators, so a figure in a table can be taken in at a
// glance (tables align them right with class="num"). Money is written as
// the reader site writes it, in the publication's locale (web.MoneyFormat,
// Config.Locale): the dashboard's revenue reads like the pricing page.

func templateFuncs(money web.MoneyFormat) template.FuncMap {
	return template.FuncMap{"num": formatNum, "signed": formatSigned,
		"money": func(m masthead.Money) string { return money.Format(m.Amount, m.Currency) }}
}

// formatNum writes an integer with a comma every three digits: 1234567
// is "1,234,567".
func formatNum(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatSigned is formatNum with the sign always written, for a change:
// "+12", "−3", "0".
func formatSigned(n int64) string {
	switch {
	case n > 0:
		return "+" + formatNum(n)
	case n < 0:
		return "−" + formatNum(-n)
	}
	return "0"
}

// formatPercent writes part of whole as a percentage with one decimal,
// or "—" when whole is zero (no share of nothing).
func formatPercent(part, whole int64) string {
	if whole == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64) + " %"
}
