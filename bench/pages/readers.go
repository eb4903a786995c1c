package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"masthead"
	"masthead/access"
	mhttp "masthead/http"
	"masthead/store"
)

// Signed-in readers. Their pages cannot come from the shared page cache:
// each request resolves the session, asks whether the member subscribes
// and what their meter holds, decides, and writes a private response. The
// target is that such a page serves at least half the anonymous rate of
// the same article, measured in the same run.

// reader is a member the benchmark signs in, and what their page of the
// metered article must show for the row to measure the right thing.
type reader struct {
	row    string
	email  string
	unlock bool // spend a credit on the metered article
	sub    bool // grant an entitlement
	// want and not are fragments the page must and must not hold.
	want, not []string
}

// readers are the signed-in rows, in the order each round measures them.
var readers = []reader{
	{
		row: rowUnlocked, email: "unlocked@bench.example", unlock: true,
		// The full text, without the wall.
		want: []string{`article__body prose article-gated`, `account__name`},
		not:  []string{`<section class="wall`},
	},
	{
		row: rowOffer, email: "meter@bench.example",
		// The teaser and the offer to spend a credit.
		want: []string{`class="wall__meter"`, `account__name`},
		not:  []string{`article__body prose article-gated`},
	},
	{
		row: rowSubscriber, email: "subscriber@bench.example", sub: true,
		want: []string{`article__body prose article-gated`, `account__name`},
		not:  []string{`<section class="wall`},
	},
}

// sessionTTL is the benchmark's sessions' lifetime: longer than any run.
const sessionTTL = 48 * time.Hour

// signIn creates the benchmark's members in the seeded database, through
// the store as the site itself would (a verified address from a consumed
// sign-in token, a credit spent on the metered article, an entitlement),
// and returns the session cookie of each, by row. It runs before any
// server opens the database.
func signIn(ctx context.Context, dsn, meteredPath string) (map[string]string, error) {
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	slug := meteredPath[len("/articles/"):]
	a, err := db.Article(ctx, slug)
	if err != nil {
		return nil, fmt.Errorf("metered article %s: %w", slug, err)
	}
	now := time.Now()
	policy := access.DefaultPolicy()
	cookies := map[string]string{}
	for _, rd := range readers {
		if _, err := db.EnsureMember(ctx, rd.email, masthead.RoleNone); err != nil {
			return nil, fmt.Errorf("member %s: %w", rd.email, err)
		}
		// Verified the way a reader is: by following a sign-in link.
		_, hash := masthead.NewToken()
		if err := db.CreateSignInToken(ctx, rd.email, hash, now.Add(time.Hour)); err != nil {
			return nil, fmt.Errorf("sign-in token for %s: %w", rd.email, err)
		}
		m, err := db.ConsumeSignInToken(ctx, hash)
		if err != nil {
			return nil, fmt.Errorf("sign in %s: %w", rd.email, err)
		}
		if rd.unlock {
			spent, err := db.SpendCredit(ctx, m.ID, a.ID, policy.PeriodStart(now), policy.Credits, now)
			if err != nil || !spent {
				return nil, fmt.Errorf("unlock %s for %s: spent %t, %v", slug, rd.email, spent, err)
			}
		}
		if rd.sub {
			e := masthead.Entitlement{MemberID: m.ID, Source: masthead.EntitlementDemo, StartsAt: now.Add(-time.Hour), Note: "bench/pages"}
			if _, err := db.GrantEntitlement(ctx, e); err != nil {
				return nil, fmt.Errorf("entitlement for %s: %w", rd.email, err)
			}
		}
		token, hash := masthead.NewToken()
		if err := db.CreateSession(ctx, m.ID, hash, now.Add(sessionTTL)); err != nil {
			return nil, fmt.Errorf("session for %s: %w", rd.email, err)
		}
		cookies[rd.row] = mhttp.SessionCookie + "=" + token
	}
	return cookies, nil
}

// checkReaderPage insists that a signed-in reader's page is the one the
// row means to measure, and private: a shared cache must never keep it.
func checkReaderPage(rd reader, p page) error {
	if !strings.HasPrefix(p.cacheControl, "private") {
		return fmt.Errorf("%s: Cache-Control %q, want private", rd.row, p.cacheControl)
	}
	body := p.body
	if p.contentEncoding == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("%s: %w", rd.row, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("%s: %w", rd.row, err)
		}
	}
	for _, w := range rd.want {
		if !bytes.Contains(body, []byte(w)) {
			return fmt.Errorf("%s: the page lacks %q", rd.row, w)
		}
	}
	for _, n := range rd.not {
		if bytes.Contains(body, []byte(n)) {
			return fmt.Errorf("%s: the page holds %q", rd.row, n)
		}
	}
	return nil
}
