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

// An unsubscribe token names a member and a newsletter and carries an
// HMAC of both under the site's newsletter secret:
//
//	<member id>.<newsletter slug>.<first 16 bytes of the HMAC, base64url>
//
// It needs no database row, works for ever (an old issue's link still
// unsubscribes), and cannot be forged or moved to another member or
// newsletter without the secret.

func unsubscribeMAC(secret []byte, memberID int64, slug string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("unsubscribe\x00" + strconv.FormatInt(memberID, 10) + "\x00" + slug))
	return m.Sum(nil)[:16]
}

// UnsubscribeToken makes the token of a member's link for a newsletter.
func UnsubscribeToken(secret []byte, memberID int64, slug string) string {
	return strconv.FormatInt(memberID, 10) + "." + slug + "." +
		base64.RawURLEncoding.EncodeToString(unsubscribeMAC(secret, memberID, slug))
}

// ParseUnsubscribeToken checks a token and returns the member and
// newsletter it names. A malformed or forged token is EINVALID.
func ParseUnsubscribeToken(secret []byte, token string) (memberID int64, slug string, err error) {
	bad := masthead.Errorf(masthead.EINVALID, "This unsubscribe link is not valid. Copy the whole link from the email, or choose your newsletters on your account page.")
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 || len(secret) == 0 {
		return 0, "", bad
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || id <= 0 || !masthead.ValidSlug(parts[1]) {
		return 0, "", bad
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(mac, unsubscribeMAC(secret, id, parts[1])) {
		return 0, "", bad
	}
	return id, parts[1], nil
}

// UnsubscribeURL is the one-click link of a member's message: the token
// and, for the issue's counts, the issue id.
func UnsubscribeURL(site Site, memberID int64, slug string, issueID int64) string {
	q := url.Values{"t": {UnsubscribeToken(site.Secret, memberID, slug)}}
	if issueID > 0 {
		q.Set("i", strconv.FormatInt(issueID, 10))
	}
	return site.BaseURL + "/newsletters/unsubscribe?" + q.Encode()
}
