package web

import "testing"

// TestMoneyFormat writes prices as each locale does, from x/text's data.
func TestMoneyFormat(t *testing.T) {
	tests := []struct {
		locale   string
		amount   int64
		currency string
		want     string
	}{
		{"en-US", 900, "usd", "$9.00"},
		{"en-US", 9000, "eur", "€90.00"},
		{"en-US", 123456789, "usd", "$1,234,567.89"},
		{"en-US", 120000, "jpy", "¥120,000"},
		{"en-US", 1500, "chf", "CHF\u00a015.00"},
		{"en-US", 250000, "chf", "CHF\u00a02,500.00"},
		{"en-US", 1205, "zzz", "12.05 ZZZ"},
		{"", 900, "usd", "$9.00"},
		{"not a locale", 900, "usd", "$9.00"},
		{"en-GB", 900, "gbp", "£9.00"},
		{"de-DE", 120000, "eur", "1.200,00\u00a0€"},
		{"fr-FR", 9000, "eur", "90,00\u00a0€"},
		{"de-CH", 1500, "chf", "CHF\u00a015.00"},
	}
	for _, tt := range tests {
		if got := NewMoneyFormat(tt.locale).Format(tt.amount, tt.currency); got != tt.want {
			t.Errorf("%s %d %s = %q, want %q", tt.locale, tt.amount, tt.currency, got, tt.want)
		}
	}
	if got := (MoneyFormat{}).Format(900, "usd"); got != "$9.00" {
		t.Errorf("the zero format writes %q, want en-US's $9.00", got)
	}
	// The zero format writes with a printer made once: an amount costs
	// it what it costs a format made by NewMoneyFormat.
	made := NewMoneyFormat("en-US")
	zero := testing.AllocsPerRun(50, func() { (MoneyFormat{}).Format(123456789, "usd") })
	want := testing.AllocsPerRun(50, func() { made.Format(123456789, "usd") })
	if zero > want {
		t.Errorf("the zero format costs %v allocations an amount, a made one %v", zero, want)
	}
}
