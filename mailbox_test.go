package masthead_test

import (
	"strings"
	"testing"

	"masthead"
)

func TestMailboxKey(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"reader@example.com", "reader@example.com"},
		{"Reader@Example.COM", "reader@example.com"},
		{"  reader@example.com ", "reader@example.com"},
		// Sub-addresses reach the address without the tag, anywhere.
		{"reader+news@example.com", "reader@example.com"},
		{"reader+a+b@example.com", "reader@example.com"},
		{"Reader+Tag@Example.com", "reader@example.com"},
		// A leading "+" leaves no address before it: kept whole.
		{"+reader@example.com", "+reader@example.com"},
		// Dots matter outside Gmail.
		{"first.last@example.com", "first.last@example.com"},
		// Gmail ignores dots and knows two names.
		{"first.last@gmail.com", "firstlast@gmail.com"},
		{"f.i.r.s.t.l.a.s.t@gmail.com", "firstlast@gmail.com"},
		{"First.Last+promo@GoogleMail.com", "firstlast@gmail.com"},
		{"firstlast@googlemail.com", "firstlast@gmail.com"},
		// Subdomains of Gmail are not Gmail.
		{"first.last@mail.gmail.com", "first.last@mail.gmail.com"},
		{"first.last@gmail.com.example", "first.last@gmail.com.example"},
		// A quoted local part is taken as written.
		{`"a+b"@example.com`, `"a+b"@example.com`},
		{`"a.b"@gmail.com`, `"a.b"@gmail.com`},
		// The placeholder of a deleted member has no "@".
		{"deleted:42", "deleted:42"},
		{"", ""},
	} {
		if got := masthead.MailboxKey(c.in); got != c.want {
			t.Errorf("MailboxKey(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzMailboxKey checks the properties every caller relies on: the key is
// stable under itself, ignores case, and strips what it strips from any
// address the site accepts.
func FuzzMailboxKey(f *testing.F) {
	for _, s := range []string{"reader@example.com", "a.b+c@gmail.com", "+x@y.z", `"q+t"@example.com`, "A.B@GoogleMail.com", "@", "a@", "x+@gmail.com", ".@gmail.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := masthead.MailboxKey(s)
		if again := masthead.MailboxKey(k); again != k {
			t.Fatalf("not idempotent: %q → %q → %q", s, k, again)
		}
		if lower := masthead.MailboxKey(strings.ToLower(s)); lower != k {
			t.Fatalf("case matters: %q → %q, lower-cased → %q", s, k, lower)
		}
		e, err := masthead.NormalizeEmail(s)
		if err != nil {
			return
		}
		k = masthead.MailboxKey(e)
		if len(k) > len(e) {
			t.Fatalf("key %q longer than %q", k, e)
		}
		if strings.Count(k, "@") < 1 {
			t.Fatalf("key %q of %q lost its @", k, e)
		}
		local := k[:strings.LastIndexByte(k, '@')]
		if local == "" {
			t.Fatalf("key %q of %q has an empty local part", k, e)
		}
	})
}
