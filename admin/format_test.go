package admin

import (
	"testing"

	"masthead"
	"masthead/http/web"
)

// TestFormatNumbers checks the separators the dashboard's tables and
// figures are written with.
func TestFormatNumbers(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{formatNum(0), "0"},
		{formatNum(999), "999"},
		{formatNum(1000), "1,000"},
		{formatNum(1234567), "1,234,567"},
		{formatNum(-1234567), "-1,234,567"},
		{formatNum(100000), "100,000"},
		{formatSigned(1200), "+1,200"},
		{formatSigned(-3), "−3"},
		{formatSigned(0), "0"},
		{formatPercent(1, 8), "12.5 %"},
		{formatPercent(1, 0), "—"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestFormatMoneys writes the dashboard's amounts, one per currency, in
// the locale the staff area was started with: the reader site's format
// (web.MoneyFormat), not one of the staff area's own.
func TestFormatMoneys(t *testing.T) {
	ms := []masthead.Money{{Currency: "usd", Amount: 123456789}, {Currency: "eur", Amount: 5}, {Currency: "chf", Amount: 250000}}
	for _, c := range []struct {
		locale string
		ms     []masthead.Money
		want   string
	}{
		{"en-US", ms, "$1,234,567.89 · €0.05 · CHF\u00a02,500.00"},
		{"de-DE", ms, "1.234.567,89\u00a0$ · 0,05\u00a0€ · 2.500,00\u00a0CHF"},
		{"", ms[2:], "CHF\u00a02,500.00"},
		{"en-US", nil, "0"},
	} {
		h := &Handler{money: web.NewMoneyFormat(c.locale)}
		if got := h.formatMoneys(c.ms); got != c.want {
			t.Errorf("%s: got %q, want %q", c.locale, got, c.want)
		}
	}
}
