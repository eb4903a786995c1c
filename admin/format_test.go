package admin

import (
	"testing"

	"masthead"
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
		{formatMoney(masthead.Money{Currency: "usd", Amount: 123456789}), "$1,234,567.89"},
		{formatMoney(masthead.Money{Currency: "eur", Amount: 5}), "€0.05"},
		{formatMoney(masthead.Money{Currency: "chf", Amount: 250000}), "2,500.00 CHF"},
		{formatPercent(1, 8), "12.5 %"},
		{formatPercent(1, 0), "—"},
		{formatMoneys([]masthead.Money{{Currency: "usd", Amount: 1700}, {Currency: "chf", Amount: 100}}), "$17.00 · 1.00 CHF"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
