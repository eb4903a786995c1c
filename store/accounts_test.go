package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// acctNow is the instant the account tests run at.
var acctNow = time.Date(2026, 4, 20, 10, 0, 0, 0, time.UTC)

func mustMember(t *testing.T, db *store.DB, email string) *masthead.Member {
	t.Helper()
	m, err := db.EnsureMember(context.Background(), email, masthead.RoleNone)
	if err != nil {
		t.Fatalf("member %s: %v", email, err)
	}
	return m
}

// rawRow runs a query with ? placeholders on the raw pool of either
// engine, to look at what the store keeps.
func rawRow(db *store.DB, q string, args ...any) *sql.Row {
	if db.Engine() == "postgres" {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprint("$", i), 1)
		}
	}
	return db.SQL().QueryRowContext(context.Background(), q, args...)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := masthead.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func TestPasswords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := mustMember(t, db, "pw@example.com")
		mustMember(t, db, "nopw@example.com")
		if has, err := db.HasPassword(ctx, m.ID); err != nil || has {
			t.Fatalf("HasPassword before = %v, %v", has, err)
		}
		wantCode(t, db.SetPassword(ctx, m.ID, "short"), masthead.EINVALID)
		if err := db.SetPassword(ctx, m.ID, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		if has, _ := db.HasPassword(ctx, m.ID); !has {
			t.Error("HasPassword after setting one = false")
		}
		var stored string
		rawRow(db, `SELECT password_hash FROM members WHERE id = ?`, m.ID).Scan(&stored)
		if stored == "" || stored == "correct horse battery" || stored[:10] != "$argon2id$" {
			t.Errorf("stored hash %q", stored)
		}

		got, err := db.Authenticate(ctx, " PW@example.com ", "correct horse battery")
		if err != nil || got.ID != m.ID {
			t.Fatalf("Authenticate = %v, %v", got, err)
		}
		// Every failure is the same error, whoever asks.
		for _, c := range []struct{ email, pw string }{
			{"pw@example.com", "wrong horse battery"},
			{"nopw@example.com", "correct horse battery"},
			{"nobody@example.com", "correct horse battery"},
			{"not an address", "correct horse battery"},
			{"pw@example.com", ""},
		} {
			_, err := db.Authenticate(ctx, c.email, c.pw)
			wantCode(t, err, masthead.EUNAUTHORIZED)
			if msg := masthead.ErrorMessage(err); msg != "Wrong email or password." {
				t.Errorf("%s: message %q", c.email, msg)
			}
		}
		// A new password replaces the old one.
		if err := db.SetPassword(ctx, m.ID, "another long passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, "pw@example.com", "correct horse battery"); err == nil {
			t.Error("old password still works")
		}
	})
}

func TestNameSessionsConsents(t *testing.T) {
	clock := &fixedClock{acctNow}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := mustMember(t, db, "name@example.com")
		other := mustMember(t, db, "other@example.com")

		if err := db.SetMemberName(ctx, m.ID, "  Ada Lovelace "); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Member(ctx, m.ID); got.Name != "Ada Lovelace" {
			t.Errorf("name %q", got.Name)
		}
		wantCode(t, db.SetMemberName(ctx, m.ID, "Evil\r\nBcc: x@example.com"), masthead.EINVALID)
		wantCode(t, db.SetMemberName(ctx, 99999, "Nobody"), masthead.ENOTFOUND)

		for i, exp := range []time.Duration{time.Hour, -time.Hour, 2 * time.Hour} {
			_, h := masthead.NewToken()
			clock.t = acctNow.Add(time.Duration(i) * time.Minute)
			if err := db.CreateSession(ctx, m.ID, h, acctNow.Add(exp)); err != nil {
				t.Fatal(err)
			}
		}
		_, h := masthead.NewToken()
		db.CreateSession(ctx, other.ID, h, acctNow.Add(time.Hour))
		clock.t = acctNow.Add(5 * time.Minute)
		ss, err := db.MemberSessions(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) != 2 || !ss[0].CreatedAt.Equal(acctNow.Add(2*time.Minute)) || ss[0].MemberID != m.ID {
			t.Errorf("sessions %+v, want the two live ones, newest first", ss)
		}

		for i, yes := range []bool{true, false} {
			c := masthead.NewsletterConsent{MemberID: m.ID, Newsletter: masthead.NewsletterFree, Consented: yes,
				Wording: "Send me the free newsletter.", At: acctNow.Add(time.Duration(i) * time.Hour)}
			if err := db.RecordConsent(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, db.RecordConsent(ctx, masthead.NewsletterConsent{MemberID: m.ID, Newsletter: "Bad Slug", Wording: "x"}), masthead.EINVALID)
		wantCode(t, db.RecordConsent(ctx, masthead.NewsletterConsent{MemberID: m.ID, Newsletter: "free"}), masthead.EINVALID)
		cs, err := db.Consents(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[0].Consented || !cs[1].Consented || cs[1].Wording != "Send me the free newsletter." || !cs[1].At.Equal(acctNow) {
			t.Errorf("consents %+v", cs)
		}
		if cs, _ := db.Consents(ctx, other.ID); len(cs) != 0 {
			t.Errorf("another member's consents: %+v", cs)
		}
	})
}

func TestDeleteAccount(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{acctNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreate(t, db, published("gifted", acctNow.Add(-time.Hour)))
		m := mustMember(t, db, "leaving@example.com")
		keep := mustMember(t, db, "staying@example.com")
		db.SetMemberName(ctx, m.ID, "Leaving Reader")
		db.SetPassword(ctx, m.ID, "a long enough password")
		_, sh := masthead.NewToken()
		db.CreateSession(ctx, m.ID, sh, acctNow.Add(time.Hour))
		_, kh := masthead.NewToken()
		db.CreateSession(ctx, keep.ID, kh, acctNow.Add(time.Hour))
		_, th := masthead.NewToken()
		db.CreateSignInToken(ctx, "leaving@example.com", th, acctNow.Add(time.Hour))
		db.RecordConsent(ctx, masthead.NewsletterConsent{MemberID: m.ID, Newsletter: "free", Consented: true, Wording: "w"})
		db.RecordConsent(ctx, masthead.NewsletterConsent{MemberID: keep.ID, Newsletter: "free", Consented: true, Wording: "w"})
		_, gh := masthead.NewToken()
		if _, err := db.CreateGiftLink(ctx, giftInput(m.ID, a.ID, gh, 10)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SpendCredit(ctx, m.ID, a.ID, acctNow.AddDate(0, -1, 0), 3, acctNow); err != nil {
			t.Fatal(err)
		}

		if err := db.DeleteAccount(ctx, masthead.AccountDeletion{MemberID: m.ID, Now: acctNow}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Member(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email == "leaving@example.com" || got.Name != "" || !got.VerifiedAt.IsZero() {
			t.Errorf("personal data left: %+v", got)
		}
		if _, err := masthead.NormalizeEmail(got.Email); err == nil {
			t.Errorf("placeholder %q is a usable address", got.Email)
		}
		if _, err := db.MemberByEmail(ctx, "leaving@example.com"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("found by old address: %v", err)
		}
		if _, err := db.SessionMember(ctx, sh); err == nil {
			t.Error("session survives deletion")
		}
		if _, err := db.ConsumeSignInToken(ctx, th); err == nil {
			t.Error("pending sign-in link survives deletion")
		}
		if _, err := db.Authenticate(ctx, "leaving@example.com", "a long enough password"); err == nil {
			t.Error("password survives deletion")
		}
		if cs, _ := db.Consents(ctx, m.ID); len(cs) != 0 {
			t.Errorf("consents survive: %+v", cs)
		}
		if gs, _ := db.GiftLinks(ctx, m.ID); len(gs) != 0 {
			t.Errorf("gift links survive: %+v", gs)
		}
		// The count survives, with no one behind it.
		var unlocks int
		rawRow(db, `SELECT COUNT(*) FROM unlocks WHERE article_id = ?`, a.ID).Scan(&unlocks)
		if unlocks != 1 {
			t.Errorf("unlock count of the article = %d, want 1", unlocks)
		}
		// The other member is untouched.
		if _, err := db.SessionMember(ctx, kh); err != nil {
			t.Errorf("other member's session: %v", err)
		}
		if cs, _ := db.Consents(ctx, keep.ID); len(cs) != 1 {
			t.Errorf("other member's consents: %+v", cs)
		}
		// The address may register afresh, as a new member.
		again := mustMember(t, db, "leaving@example.com")
		if again.ID == m.ID {
			t.Error("re-registration revived the deleted member")
		}
		wantCode(t, db.DeleteAccount(ctx, masthead.AccountDeletion{MemberID: m.ID, Now: acctNow}), masthead.ENOTFOUND)

		staff, _ := db.EnsureMember(ctx, "editor@example.com", masthead.RoleEditor)
		wantCode(t, db.DeleteAccount(ctx, masthead.AccountDeletion{MemberID: staff.ID, Now: acctNow}), masthead.EFORBIDDEN)
	})
}

func giftInput(memberID, articleID int64, hash []byte, perMonth int) masthead.GiftLinkInput {
	return masthead.GiftLinkInput{
		MemberID: memberID, ArticleID: articleID, TokenHash: hash, MaxReaders: 3,
		ExpiresAt: acctNow.Add(30 * 24 * time.Hour), MonthStart: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		PerMonth: perMonth, Now: acctNow,
	}
}

func TestGiftLinks(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{acctNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreate(t, db, published("shared-piece", acctNow.Add(-time.Hour)))
		b := mustCreate(t, db, published("other-piece", acctNow.Add(-time.Hour)))
		giver := mustMember(t, db, "giver@example.com")
		other := mustMember(t, db, "other@example.com")

		token, hash := masthead.NewToken()
		g, err := db.CreateGiftLink(ctx, giftInput(giver.ID, a.ID, hash, 2))
		if err != nil {
			t.Fatal(err)
		}
		if g.ArticleSlug != "shared-piece" || g.MaxReaders != 3 || !g.Active(acctNow) {
			t.Errorf("gift link %+v", g)
		}

		// The token opens only its own article, and trying it on another
		// takes no reader's place.
		if _, err := db.GiftLinkArticle(ctx, hash, b.ID, "d:elsewhere", acctNow); masthead.ErrorCode(err) == "" {
			t.Fatalf("gift link opened another article")
		}

		// Three distinct readers fit; a fourth does not; a counted reader
		// comes back freely.
		for _, rk := range []string{"d:one", "d:two", "m:42", "d:one", "m:42"} {
			id, err := db.GiftLinkArticle(ctx, masthead.HashToken(token), a.ID, rk, acctNow)
			if err != nil || id != a.ID {
				t.Fatalf("reader %s: %d, %v", rk, id, err)
			}
		}
		_, err = db.GiftLinkArticle(ctx, hash, a.ID, "d:four", acctNow)
		wantCode(t, err, masthead.EFORBIDDEN)
		gs, _ := db.GiftLinks(ctx, giver.ID)
		if len(gs) != 1 || gs[0].Readers != 3 {
			t.Errorf("links %+v, want one with 3 readers", gs)
		}

		// Tampered and unknown tokens.
		_, err = db.GiftLinkArticle(ctx, masthead.HashToken(token+"x"), a.ID, "d:one", acctNow)
		wantCode(t, err, masthead.ENOTFOUND)
		_, err = db.GiftLinkArticle(ctx, []byte("short"), a.ID, "d:one", acctNow)
		wantCode(t, err, masthead.ENOTFOUND)
		// Expired.
		_, err = db.GiftLinkArticle(ctx, hash, a.ID, "d:one", acctNow.Add(31*24*time.Hour))
		wantCode(t, err, masthead.EGONE)

		// Monthly allowance: revoked links still count; a new month
		// starts afresh.
		_, h2 := masthead.NewToken()
		if _, err := db.CreateGiftLink(ctx, giftInput(giver.ID, b.ID, h2, 2)); err != nil {
			t.Fatal(err)
		}
		_, h3 := masthead.NewToken()
		_, err = db.CreateGiftLink(ctx, giftInput(giver.ID, b.ID, h3, 2))
		wantCode(t, err, masthead.EFORBIDDEN)
		next := giftInput(giver.ID, b.ID, h3, 2)
		next.MonthStart, next.Now, next.ExpiresAt = acctNow.AddDate(0, 1, 0), acctNow.AddDate(0, 1, 0), acctNow.AddDate(0, 2, 0)
		if _, err := db.CreateGiftLink(ctx, next); err != nil {
			t.Errorf("next month: %v", err)
		}

		// Revocation: only by its owner; a revoked link opens nothing,
		// not even for readers already counted.
		wantCode(t, db.RevokeGiftLink(ctx, other.ID, g.ID, acctNow), masthead.ENOTFOUND)
		if _, err := db.GiftLinkArticle(ctx, hash, a.ID, "d:one", acctNow); err != nil {
			t.Fatalf("revoked by another member: %v", err)
		}
		if err := db.RevokeGiftLink(ctx, giver.ID, g.ID, acctNow); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeGiftLink(ctx, giver.ID, g.ID, acctNow); err != nil {
			t.Errorf("second revocation: %v", err)
		}
		_, err = db.GiftLinkArticle(ctx, hash, a.ID, "d:one", acctNow)
		wantCode(t, err, masthead.EGONE)
		gs, _ = db.GiftLinks(ctx, giver.ID)
		if len(gs) != 3 || gs[len(gs)-1].RevokedAt.IsZero() || gs[len(gs)-1].Active(acctNow) {
			t.Errorf("links after revocation %+v", gs)
		}
		if gs, _ := db.GiftLinks(ctx, other.ID); len(gs) != 0 {
			t.Errorf("other member sees links: %+v", gs)
		}
	})
}

// TestGiftLinkConcurrentReaders checks that newcomers racing for the last
// places of a link never exceed its limit, and that the monthly allowance
// holds under concurrent creation.
func TestGiftLinkConcurrent(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{acctNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreate(t, db, published("raced", acctNow.Add(-time.Hour)))
		giver := mustMember(t, db, "racer@example.com")
		_, hash := masthead.NewToken()
		if _, err := db.CreateGiftLink(ctx, giftInput(giver.ID, a.ID, hash, 100)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		opened := 0
		for i := range 12 {
			wg.Go(func() {
				_, err := db.GiftLinkArticle(ctx, hash, a.ID, fmt.Sprint("d:", i), acctNow)
				if err == nil {
					mu.Lock()
					opened++
					mu.Unlock()
				} else if masthead.ErrorCode(err) != masthead.EFORBIDDEN {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if opened != 3 {
			t.Errorf("%d readers got in, want 3", opened)
		}

		made := 0
		for range 8 {
			wg.Go(func() {
				_, h := masthead.NewToken()
				_, err := db.CreateGiftLink(ctx, giftInput(giver.ID, a.ID, h, 4))
				if err == nil {
					mu.Lock()
					made++
					mu.Unlock()
				} else if masthead.ErrorCode(err) != masthead.EFORBIDDEN {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if made != 3 { // one link was made before, of an allowance of 4
			t.Errorf("%d links made concurrently, want 3", made)
		}
	})
}
