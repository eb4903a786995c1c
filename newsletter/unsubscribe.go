package newsletter

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"masthead"
)

// An unsubscribe token names a member, a newsletter and, in the link of
// an issue's email, that issue, and carries an HMAC of all of them under
// the site's newsletter secret:
//
//	<member id>.<newsletter slug>.<issue id>.<first 16 bytes of the HMAC, base64url>
//	<member id>.<newsletter slug>.<first 16 bytes of the HMAC, base64url>
//
// It needs no database row, works for ever (an old issue's link still
// unsubscribes), and cannot be forged or moved to another member,
// newsletter or issue without the secret. The issue is signed because
// the unsubscription is counted against it: an issue id beside the token,
// as links carried before (…&i=ISSUE), could be changed by anyone, so it
// is ignored, and such a link unsubscribes without counting against any
// issue.

// unsubscribeMAC signs the token's fields. A slug has no NUL byte, so the
// message of a token with an issue is never that of one without.
func unsubscribeMAC(secret []byte, memberID int64, slug string, issueID int64) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("unsubscribe\x00" + strconv.FormatInt(memberID, 10) + "\x00" + slug))
	if issueID > 0 {
		m.Write([]byte("\x00" + strconv.FormatInt(issueID, 10)))
	}
	return m.Sum(nil)[:16]
}

// UnsubscribeToken makes the token of a member's link for a newsletter,
// naming the issue the email carried (0: none).
func UnsubscribeToken(secret []byte, memberID int64, slug string, issueID int64) string {
	t := strconv.FormatInt(memberID, 10) + "." + slug + "."
	if issueID > 0 {
		t += strconv.FormatInt(issueID, 10) + "."
	}
	return t + base64.RawURLEncoding.EncodeToString(unsubscribeMAC(secret, memberID, slug, issueID))
}

// ParseUnsubscribeToken checks a token and returns the member, newsletter
// and issue (0: none) it names. A malformed or forged token is EINVALID.
func ParseUnsubscribeToken(secret []byte, token string) (memberID int64, slug string, issueID int64, err error) {
	bad := masthead.Errorf(masthead.EINVALID, "This unsubscribe link is not valid. Copy the whole link from the email, or choose your newsletters on your account page.")
	parts := strings.Split(strings.TrimSpace(token), ".")
	if (len(parts) != 3 && len(parts) != 4) || len(secret) == 0 {
		return 0, "", 0, bad
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || id <= 0 || !masthead.ValidSlug(parts[1]) {
		return 0, "", 0, bad
	}
	if len(parts) == 4 {
		// Written by UnsubscribeToken alone: digits, no sign, no
		// leading zero, so one issue has one spelling.
		issueID, err = strconv.ParseInt(parts[2], 10, 64)
		if err != nil || issueID <= 0 || parts[2] != strconv.FormatInt(issueID, 10) {
			return 0, "", 0, bad
		}
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[len(parts)-1])
	if err != nil || !hmac.Equal(mac, unsubscribeMAC(secret, id, parts[1], issueID)) {
		return 0, "", 0, bad
	}
	return id, parts[1], issueID, nil
}

// UnsubscribeURL is the one-click link of a member's message; the token
// names the issue, for its counts.
func UnsubscribeURL(site Site, memberID int64, slug string, issueID int64) string {
	return site.BaseURL + "/newsletters/unsubscribe?" + url.Values{"t": {UnsubscribeToken(site.Secret, memberID, slug, issueID)}}.Encode()
}
