package web

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// MoneyFormat writes amounts for one locale: the currency's symbol as
// that locale writes it (x/text's CLDR data: "$", "€", "CA$", "CHF"),
// the number with the locale's separators and the currency's decimals.
// It lives here, in the kit every surface shares, so the reader site's
// prices and the staff area's revenue are written by one hand: the same
// amount reads the same on the pricing page and on the dashboard.
type MoneyFormat struct {
	p *message.Printer
	// after puts the symbol after the number, as most continental
	// European locales do ("9,00 €").
	after bool
}

// symbolAfter are the languages that write the currency after the
// amount; Switzerland writes it first in every language.
var symbolAfter = map[string]bool{
	"de": true, "fr": true, "es": true, "it": true, "pt": true, "sv": true, "da": true, "nb": true,
	"nn": true, "no": true, "fi": true, "pl": true, "cs": true, "sk": true, "ru": true, "uk": true,
	"hu": true, "ro": true, "bg": true, "hr": true, "sl": true, "lt": true, "lv": true, "et": true, "el": true,
}

// defaultMoney is en-US's format, which the zero MoneyFormat writes
// with: its printer is made once, on first use, rather than on every
// amount (a printer is a few dozen allocations). It is never changed,
// and a printer may be used by many goroutines at once.
var defaultMoney = sync.OnceValue(func() MoneyFormat { return NewMoneyFormat("") })

// NewMoneyFormat returns the format of a BCP 47 locale; one that does
// not parse is en-US (the command's --price-locale is checked at start).
func NewMoneyFormat(locale string) MoneyFormat {
	tag, err := language.Parse(locale)
	if err != nil || locale == "" {
		tag = language.AmericanEnglish
	}
	base, _ := tag.Base()
	region, _ := tag.Region()
	return MoneyFormat{p: message.NewPrinter(tag), after: symbolAfter[base.String()] && region.String() != "CH"}
}

// Format writes amount, in the minor units of cur (ISO 4217, any case):
// 900 usd is "$9.00" in en-US, 9000 eur "€90.00", 120000 eur in de-DE
// "1.200,00 €". A code x/text does not know is written after the number.
// The zero MoneyFormat writes as en-US does.
func (f MoneyFormat) Format(amount int64, cur string) string {
	if f.p == nil {
		f = defaultMoney()
	}
	u, err := currency.ParseISO(cur)
	if err != nil {
		return fmt.Sprintf("%d.%02d %s", amount/100, amount%100, strings.ToUpper(cur))
	}
	scale, _ := currency.Standard.Rounding(u)
	n := f.p.Sprint(number.Decimal(float64(amount)/math.Pow10(scale), number.Scale(scale)))
	sym := f.p.Sprint(currency.Symbol(u))
	// A symbol that ends in a letter ("CHF") is kept apart from the
	// number; one that is a sign ("$", "€", "CA$") is not, in front.
	sep := ""
	if last := sym[len(sym)-1]; (last >= 'A' && last <= 'Z') || (last >= 'a' && last <= 'z') {
		sep = "\u00a0"
	}
	if f.after {
		return n + "\u00a0" + sym
	}
	return sym + sep + n
}
