package masthead_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"masthead"
)

func TestParseLicenceTerms(t *testing.T) {
	for _, c := range []struct {
		in, want string
		err      bool
	}{
		{"", "", false},
		{"all", "", false},
		{"ALL", "", false},
		{"topic:energy", "topic:energy", false},
		{"topics:energy, Column:the-long-view;region:europe\ntopic:energy", "topic:energy column:the-long-view region:europe", false},
		{"energy", "", true},
		{"author:ada", "", true},
		{"topic:", "", true},
		{"topic:Not A Slug", "", true},
		{"all topic:energy", "", true},
	} {
		ts, err := masthead.ParseLicenceTerms(c.in)
		if (err != nil) != c.err {
			t.Errorf("%q: error %v, want error %v", c.in, err, c.err)
			continue
		}
		if err == nil && ts.String() != c.want {
			t.Errorf("%q: %q, want %q", c.in, ts.String(), c.want)
		}
		if err != nil && masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("%q: code %s", c.in, masthead.ErrorCode(err))
		}
	}
}

// FuzzParseLicenceTerms: whatever is typed, terms that parse are written
// back as text that parses to the same terms, and an error is a message
// for the form.
func FuzzParseLicenceTerms(f *testing.F) {
	for _, s := range []string{"", "all", "topic:energy", "topics:a,column:b;region:c", "topic:é", "x:y:z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := masthead.ParseLicenceTerms(s)
		if err != nil {
			if masthead.ErrorCode(err) != masthead.EINVALID || !utf8.ValidString(masthead.ErrorMessage(err)) && utf8.ValidString(s) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		again, err := masthead.ParseLicenceTerms(ts.String())
		if err != nil || again.String() != ts.String() {
			t.Fatalf("%q: %q reads back as %q, %v", s, ts.String(), again.String(), err)
		}
	})
}

func TestParseLicencePrice(t *testing.T) {
	for _, c := range []struct {
		in          string
		amount, cur string
		err         bool
	}{
		{"0.005 USD", "0.005", "USD", false},
		{"eur 12", "12", "EUR", false},
		{"USD 0.01", "0.01", "USD", false},
		{"0 USD", "", "", true},
		{"-1 USD", "", "", true},
		{"1e3 USD", "", "", true},
		{".5 USD", "", "", true},
		{"5. USD", "", "", true},
		{"1.2.3 USD", "", "", true},
		{"5 US", "", "", true},
		{"5", "", "", true},
		{"1234567890123 USD", "", "", true},
	} {
		p, err := masthead.ParseLicencePrice(c.in)
		if (err != nil) != c.err || p.Amount != c.amount || p.Currency != c.cur {
			t.Errorf("%q: %+v, %v", c.in, p, err)
		}
	}
}

// FuzzParseLicencePrice: a price that parses is a positive decimal and
// a three-letter code, and reads back the same.
func FuzzParseLicencePrice(f *testing.F) {
	for _, s := range []string{"0.005 USD", "EUR 12", "1.", "0 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := masthead.ParseLicencePrice(s)
		if err != nil {
			return
		}
		if len(p.Currency) != 3 || strings.ToUpper(p.Currency) != p.Currency || strings.Trim(p.Amount, "0123456789.") != "" {
			t.Fatalf("%q: %+v", s, p)
		}
		again, err := masthead.ParseLicencePrice(p.Amount + " " + p.Currency)
		if err != nil || again != p {
			t.Fatalf("%q: %+v reads back as %+v, %v", s, p, again, err)
		}
	})
}

func TestLicenceCovers(t *testing.T) {
	a := &masthead.Article{Column: &masthead.Column{Slug: "the-long-view"}, Topics: []masthead.Term{{Slug: "energy"}}, Regions: []masthead.Term{{Slug: "europe"}}}
	bare := &masthead.Article{}
	for _, c := range []struct {
		terms string
		a     *masthead.Article
		want  bool
	}{
		{"", a, true},
		{"", bare, true},
		{"topic:energy", a, true},
		{"topic:economy", a, false},
		{"column:the-long-view", a, true},
		{"column:the-long-view", bare, false},
		{"region:europe", a, true},
		{"region:asia topic:economy", a, false},
		{"topic:economy region:europe", a, true},
		// A region's slug does not open a topic of the same name.
		{"topic:europe", a, false},
	} {
		ts, err := masthead.ParseLicenceTerms(c.terms)
		if err != nil {
			t.Fatal(err)
		}
		l := masthead.Licence{Terms: ts}
		if got := l.Covers(c.a); got != c.want {
			t.Errorf("%q covers %+v: %v, want %v", c.terms, c.a, got, c.want)
		}
	}
	if (&masthead.Licence{}).Covers(nil) {
		t.Error("a licence covers no article at all")
	}
}
