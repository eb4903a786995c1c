package mail_test

import (
	"strings"
	"testing"

	"masthead/mail"
)

func TestGiftEmail(t *testing.T) {
	site := mail.SiteInfo{Name: "The Review <&>", BaseURL: "https://news.example/"}
	link := "https://news.example/gifts/redeem/abc?x=1&y=2"
	for months, want := range map[int]string{1: "1 month of", 12: "12 months of"} {
		e := mail.Gift(site, "friend@example.com", link, months)
		if e.To != "friend@example.com" || !strings.Contains(e.Subject, want) || e.Category != "gift" {
			t.Errorf("%d months: to %q, subject %q, category %q", months, e.To, e.Subject, e.Category)
		}
		if !strings.Contains(e.Text, link) || !strings.Contains(e.Text, want) {
			t.Errorf("%d months: text part lacks the link or %q:\n%s", months, want, e.Text)
		}
		if !strings.Contains(e.HTML, `href="https://news.example/gifts/redeem/abc?x=1&amp;y=2"`) || strings.Contains(e.HTML, "<&>") {
			t.Errorf("%d months: HTML part not escaped or lacks the link:\n%s", months, e.HTML)
		}
	}
}

func TestWelcomeEmail(t *testing.T) {
	site := mail.SiteInfo{Name: "The Review <&>", BaseURL: "https://news.example/"}
	e := mail.Welcome(site, "new@example.com", "All-Access monthly", "https://invoice.stripe.com/i/acct_1/x?a=1&b=2")
	if e.To != "new@example.com" || !strings.Contains(e.Subject, "Welcome") || e.Category != "welcome" {
		t.Errorf("to %q, subject %q, category %q", e.To, e.Subject, e.Category)
	}
	if !strings.Contains(e.Text, "https://invoice.stripe.com/i/acct_1/x?a=1&b=2") || !strings.Contains(e.Text, "All-Access monthly") {
		t.Errorf("text part lacks the receipt or the plan:\n%s", e.Text)
	}
	if !strings.Contains(e.HTML, `href="https://invoice.stripe.com/i/acct_1/x?a=1&amp;b=2"`) || strings.Contains(e.HTML, "<&>") {
		t.Errorf("HTML part not escaped or lacks the receipt:\n%s", e.HTML)
	}
	// Without the provider's receipt, the account page stands in.
	e = mail.Welcome(site, "new@example.com", "All-Access annual", "")
	if !strings.Contains(e.Text, "Your receipt:\n\nhttps://news.example/account") {
		t.Errorf("no receipt: the account page is not the link:\n%s", e.Text)
	}
}
