package http

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"masthead"
)

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/articles/a-piece":             "/articles/a-piece",
		"/topics/x?page=2":              "/topics/x?page=2",
		"/articles/a#comments":          "/articles/a",
		"/account":                      "/account",
		"":                              "",
		"articles/a":                    "",
		"https://evil.example/":         "",
		"//evil.example/":               "",
		"///evil.example/":              "",
		"/\\evil.example":               "",
		"\\\\evil.example":              "",
		"/\t/evil.example":              "",
		"/\n/evil.example":              "",
		"/ /evil.example":               "",
		"javascript:alert(1)":           "",
		"/login":                        "",
		"/signin?token=x":               "",
		"/" + strings.Repeat("a", 2000): "",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAccountTemplates executes every account page with a full view and
// an empty one.
func TestAccountTemplates(t *testing.T) {
	s := testServer(t)
	r := httptest.NewRequest("GET", "/", nil)
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	m := &masthead.Member{ID: 1, Email: "a@example.com", Name: "A <b>", VerifiedAt: when, CreatedAt: when}
	b := s.accountBase(r, "T", "/account")
	gift := masthead.GiftLink{ID: 3, ArticleSlug: "s", ArticleTitle: "S", Readers: 1, MaxReaders: 20, CreatedAt: when, ExpiresAt: when.Add(time.Hour)}
	revoked := gift
	revoked.RevokedAt = when
	views := map[string][]any{
		"login":  {&loginPage{base: b, Next: "/x", Email: "e", Error: "E", PasswordOpen: true, SignedOut: true}, &loginPage{base: b}},
		"signin": {&signInPage{base: b, Token: "t", Next: "/x"}, &signInPage{base: b}},
		"notice": {&noticePage{base: b, Heading: "H", Message: "M", Link: "/", LinkText: "L", NewLink: true, Next: "/x"}, &noticePage{base: b}},
		"gift":   {&giftPage{base: b, Article: &masthead.Article{Title: "T"}, URL: "https://x/a?gift=t", MaxReaders: 20, ExpiresAt: when, Left: 3}, &giftPage{base: b}},
		"account": {
			&accountPage{base: b, Member: m, HasPassword: true, Newsletters: []newsletterChoice{{Slug: "free", Name: "The free newsletter", Wording: "Send me the free newsletter by email.", Subscribed: true, Since: when}},
				Metered: true, Credits: 3, CreditsLeft: 1, Period: "month", PeriodEnds: when,
				Unlocks: []masthead.Unlock{{Slug: "u", Title: "U", At: when}}, Gifts: []giftRow{{GiftLink: gift, Active: true}, {GiftLink: revoked}},
				GiftsOn: true, Sessions: 2, Errors: map[string]string{"name": "N", "password": "P", "delete": "D"}},
			&accountPage{base: b, Member: &masthead.Member{}, Staff: true},
		},
	}
	for _, name := range accountPageNames {
		vs, ok := views[name]
		if !ok {
			t.Errorf("no test view for account template %q", name)
			continue
		}
		for i, v := range vs {
			w := newBufWriter()
			if err := s.render(w, name, v); err != nil {
				t.Errorf("%s #%d: %v", name, i, err)
				continue
			}
			out := w.body.String()
			if !strings.Contains(out, "</html>") || strings.Count(out, "<h1") != 1 {
				t.Errorf("%s #%d: incomplete page or not one h1", name, i)
			}
			if !strings.Contains(out, `<meta name="robots" content="noindex">`) {
				t.Errorf("%s #%d: account pages must not be indexed", name, i)
			}
			if strings.Contains(out, "A <b>") {
				t.Errorf("%s: name not escaped", name)
			}
		}
	}
}
