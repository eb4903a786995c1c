package http_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead/newsletter"
)

// TestUnsubscribeIssueIsSigned: the issue an unsubscription is counted
// against comes from the link's signed token. Changing the issue inside
// the token breaks it; an issue beside it (the "i" parameter links
// carried before) is ignored, so nobody can move an unsubscription onto
// another issue's counts, and such an older link still unsubscribes.
func TestUnsubscribeIssueIsSigned(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db, s, ids, secret := unsubscribeSite(t, engine)
			ctx := context.Background()
			// Two issues went to both members.
			var issues [2]int64
			for i := range issues {
				issues[i] = claimedIssue(t, db, "Issue "+strconv.Itoa(i), now.Add(time.Duration(i-2)*24*time.Hour))
			}
			post := func(query url.Values) (int, string) {
				t.Helper()
				res := s.do(t, http.MethodPost, "/newsletters/unsubscribe?"+query.Encode(), strings.NewReader("List-Unsubscribe=One-Click"),
					http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}
			counted := func() [2]int {
				t.Helper()
				var n [2]int
				for i, id := range issues {
					c, err := db.IssueCounts(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					n[i] = c.Unsubscribed
				}
				return n
			}
			first, second := strconv.FormatInt(issues[0], 10), strconv.FormatInt(issues[1], 10)

			// The first issue's link with the issue inside the token
			// changed to the second: refused, nothing changes.
			tok := newsletter.UnsubscribeToken(secret, ids[0], "free", issues[0])
			moved := strings.Replace(tok, "."+first+".", "."+second+".", 1)
			if moved == tok {
				t.Fatalf("token %q does not hold issue %s", tok, first)
			}
			if code, body := post(url.Values{"t": {moved}}); code != http.StatusBadRequest || !strings.Contains(body, "This unsubscribe link is not valid") {
				t.Errorf("issue changed in the token: %d", code)
			}
			// The confirmation page refuses it as well.
			if res, _ := s.get(t, "/newsletters/unsubscribe?"+url.Values{"t": {moved}}.Encode()); res.StatusCode != http.StatusBadRequest {
				t.Errorf("confirmation page for a changed issue: %d", res.StatusCode)
			}
			if unsubscribed(t, db, ids[0]) || counted() != [2]int{} {
				t.Fatalf("a changed token had an effect: %v", counted())
			}

			// The right token with another issue beside it: the beside
			// is ignored, the signed issue counts.
			if res, body := s.get(t, "/newsletters/unsubscribe?"+url.Values{"t": {tok}, "i": {second}}.Encode()); res.StatusCode != http.StatusOK ||
				strings.Contains(body, "i="+second) {
				t.Errorf("confirmation page %d carries the unsigned issue on", res.StatusCode)
			}
			if code, _ := post(url.Values{"t": {tok}, "i": {second}}); code != http.StatusOK {
				t.Fatalf("signed link: %d", code)
			}
			if !unsubscribed(t, db, ids[0]) || counted() != [2]int{1, 0} {
				t.Errorf("after the signed link: unsubscribed %v, counts %v, want [1 0]", unsubscribed(t, db, ids[0]), counted())
			}

			// A link of the older form — the token without an issue, the
			// issue beside it — unsubscribes, and counts against no issue.
			old := newsletter.UnsubscribeToken(secret, ids[1], "free", 0)
			if code, _ := post(url.Values{"t": {old}, "i": {second}}); code != http.StatusOK {
				t.Fatalf("older link: %d", code)
			}
			if !unsubscribed(t, db, ids[1]) || counted() != [2]int{1, 0} {
				t.Errorf("after the older link: unsubscribed %v, counts %v, want [1 0]", unsubscribed(t, db, ids[1]), counted())
			}
		})
	}
}
