package admin

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"masthead"
)

// The staff area's template functions: numbers as people read them, with
// thousands separators, so a figure in a table can be taken in at a
// glance (tables align them right with class="num").

func templateFuncs() template.FuncMap {
	return template.FuncMap{"num": formatNum, "money": formatMoney, "signed": formatSigned}
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

// moneySymbols are the currencies written with a symbol before the
// amount; others are written with their code after it.
var moneySymbols = map[string]string{"usd": "$", "eur": "€", "gbp": "£"}

// formatMoney writes an amount in minor units with its currency and
// thousands separators: "$1,234.50", "1,234.50 CHF".
func formatMoney(m masthead.Money) string {
	a := m.Amount
	sign := ""
	if a < 0 {
		sign, a = "-", -a
	}
	n := fmt.Sprintf("%s%s.%02d", sign, formatNum(a/100), a%100)
	if sym, ok := moneySymbols[m.Currency]; ok {
		return sym + n
	}
	return n + " " + strings.ToUpper(m.Currency)
}

// formatPercent writes part of whole as a percentage with one decimal,
// or "—" when whole is zero (no share of nothing).
func formatPercent(part, whole int64) string {
	if whole == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64) + " %"
}
