package masthead

import "strings"

// MailboxKey names the mailbox an address reaches, so that the spellings
// of one inbox count as one reader for accounts, credits and the limits on
// sign-in email. Two addresses with the same key reach the same mailbox:
//
//   - letter case never matters (mail providers fold it);
//   - a "+tag" sub-address reaches the address without it
//     (a+news@example.com is a@example.com);
//   - at Gmail (gmail.com and its old name googlemail.com) dots in the
//     local part are ignored (a.b.c@gmail.com is abc@gmail.com).
//
// The key is a canonical address, not a hash. It is pure and
// idempotent: MailboxKey(MailboxKey(a)) == MailboxKey(a). An input
// without an "@" (a deleted member's placeholder) is only lower-cased.
func MailboxKey(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return email
	}
	local, domain := email[:at], email[at+1:]
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	// A quoted local part ("a+b"@example.com) is taken as written: its
	// "+" and dots are characters, not a tag or decoration.
	if !strings.HasPrefix(local, `"`) {
		if plus := strings.IndexByte(local, '+'); plus > 0 {
			local = local[:plus]
		}
		if domain == "gmail.com" {
			if dotless := strings.ReplaceAll(local, ".", ""); dotless != "" {
				local = dotless
			}
		}
	}
	return local + "@" + domain
}
