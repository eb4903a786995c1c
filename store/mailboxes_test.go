package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestOneAccountPerMailbox: every spelling of an address that reaches the
// same mailbox finds the one member, through every way in; the exact
// address wins over another spelling.
func TestOneAccountPerMailbox(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, as := meterFixture(t, db, 1)
		first := mustMember(t, db, "first.last@gmail.com")
		for _, spelling := range []string{"firstlast@gmail.com", "First.Last+news@googlemail.com", "f.irstlast+x@gmail.com"} {
			m, err := db.EnsureMember(ctx, spelling, masthead.RoleNone)
			if err != nil || m.ID != first.ID {
				t.Errorf("EnsureMember(%s) = %+v, %v; want member %d", spelling, m, err, first.ID)
			}
			_, device := masthead.NewToken()
			m, _, err = db.Register(ctx, masthead.Registration{Email: spelling, ArticleID: as[0].ID, DeviceHash: device,
				PeriodStart: meterPeriod, Now: meterNow})
			if err != nil || m.ID != first.ID || m.Email != "first.last@gmail.com" {
				t.Errorf("Register(%s) = %+v, %v; want member %d", spelling, m, err, first.ID)
			}
			if m, err := db.MemberByEmail(ctx, spelling); err != nil || m.ID != first.ID {
				t.Errorf("MemberByEmail(%s) = %+v, %v", spelling, m, err)
			}
		}
		// Dots are an address's own outside Gmail.
		other := mustMember(t, db, "first.last@example.com")
		if m := mustMember(t, db, "firstlast@example.com"); m.ID == other.ID {
			t.Error("firstlast@example.com folded into first.last@example.com")
		}
		if m := mustMember(t, db, "first.last+tag@example.com"); m.ID != other.ID {
			t.Error("a sub-address of example.com made a second account")
		}
		// A password set on the account answers for every spelling.
		if err := db.SetPassword(ctx, first.ID, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		if m, err := db.Authenticate(ctx, "FirstLast+x@gmail.com", "correct horse battery"); err != nil || m.ID != first.ID {
			t.Errorf("Authenticate by another spelling = %+v, %v", m, err)
		}
	})
}

// TestOneAccountPerMailboxConcurrent: spellings of one new mailbox
// registering at once make one account, on both engines.
func TestOneAccountPerMailboxConcurrent(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, as := meterFixture(t, db, 1)
		var mu sync.Mutex
		ids := map[int64]bool{}
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				_, device := masthead.NewToken()
				m, _, err := db.Register(ctx, masthead.Registration{Email: fmt.Sprintf("Racer+%d@example.com", i),
					ArticleID: as[0].ID, DeviceHash: device, PeriodStart: meterPeriod, Now: meterNow})
				if err != nil {
					t.Errorf("register: %v", err)
					return
				}
				mu.Lock()
				ids[m.ID] = true
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(ids) != 1 {
			t.Fatalf("12 spellings of one mailbox made %d accounts", len(ids))
		}
	})
}

// TestDeleteKeepsMailboxCredits: an account deleted in the middle of a
// period leaves its spent credits under a keyed hash of the mailbox; a
// new account of that mailbox in the same period starts with them spent,
// everywhere the meter is read; the next period starts afresh, and Prune
// forgets the hash when the period ends.
func TestDeleteKeepsMailboxCredits(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, as := meterFixture(t, db, 5)
		periodEnd := meterPeriod.AddDate(0, 1, 0)
		del := func(m *masthead.Member) {
			t.Helper()
			if err := db.DeleteAccount(ctx, masthead.AccountDeletion{MemberID: m.ID, PeriodStart: meterPeriod, PeriodEnd: periodEnd, Now: meterNow}); err != nil {
				t.Fatal(err)
			}
		}
		spend := func(m *masthead.Member, a *masthead.Article) error {
			_, err := db.SpendCredit(ctx, m.ID, a.ID, meterPeriod, 3, meterNow)
			return err
		}

		leaver := mustMember(t, db, "leaver@example.com")
		for _, a := range as[:2] {
			if err := spend(leaver, a); err != nil {
				t.Fatal(err)
			}
		}
		del(leaver)

		// What is kept: a 32-byte HMAC, not the address nor a plain hash
		// of it, with the count and the period.
		var key []byte
		var credits int
		var expires int64
		if err := rawRow(db, `SELECT key_hash, credits, expires_at FROM erased_mailboxes`).Scan(&key, &credits, &expires); err != nil {
			t.Fatal(err)
		}
		plain := sha256.Sum256([]byte("leaver@example.com"))
		if len(key) != 32 || bytes.Contains(key, []byte("leaver")) || bytes.Equal(key, plain[:]) || credits != 2 || expires != periodEnd.UnixMicro() {
			t.Fatalf("erased mailbox row: key %x, credits %d, expires %d", key, credits, expires)
		}

		// Back under another spelling: a new account, two credits spent.
		back, _, err := db.Register(ctx, masthead.Registration{Email: "Leaver+again@example.com", ArticleID: as[0].ID,
			DeviceHash: []byte("another-browser"), PeriodStart: meterPeriod, Now: meterNow})
		if err != nil {
			t.Fatal(err)
		}
		if back.ID == leaver.ID {
			t.Fatal("the deleted member came back")
		}
		st, err := db.MeterState(ctx, back.ID, as[4].ID, meterPeriod)
		if err != nil || st.Carried != 2 || len(st.Unlocks) != 0 {
			t.Fatalf("meter of the new account: %+v, %v; want 2 carried", st, err)
		}
		if err := spend(back, as[2]); err != nil {
			t.Fatalf("the third credit: %v", err)
		}
		wantCode(t, spend(back, as[3]), masthead.EPAYMENTREQUIRED)
		// The session's one-query read says the same.
		_, hash := masthead.NewToken()
		if err := db.CreateSession(ctx, back.ID, hash, meterNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		rs, err := db.SessionReader(ctx, hash, meterNow)
		if err != nil {
			t.Fatal(err)
		}
		if got := rs.Meter(as[4].ID, meterPeriod); got.Carried != 2 || len(got.Unlocks) != 1 {
			t.Fatalf("session reader's meter: %+v", got)
		}
		// Next month the carried credits count for nothing.
		next := periodEnd
		if st, _ := db.MeterState(ctx, back.ID, as[4].ID, next); st.Carried != 0 {
			t.Errorf("carried into the next period: %+v", st)
		}
		if got := rs.Meter(as[4].ID, next); got.Carried != 0 {
			t.Errorf("session reader carried into the next period: %+v", got)
		}

		// Deleted again: the count is the whole period's, three, not
		// the sum of both rows.
		del(back)
		if err := rawRow(db, `SELECT credits FROM erased_mailboxes`).Scan(&credits); err != nil || credits != 3 {
			t.Fatalf("after the second deletion: %d credits, %v; want 3", credits, err)
		}
		third := mustMember(t, db, "leaver@example.com")
		if st, _ := db.MeterState(ctx, third.ID, as[4].ID, meterPeriod); st.Carried != 3 {
			t.Errorf("third account: %+v, want 3 carried", st)
		}

		// A member who spent nothing leaves nothing behind.
		idle := mustMember(t, db, "idle@example.com")
		del(idle)
		var n int
		if err := rawRow(db, `SELECT COUNT(*) FROM erased_mailboxes`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d erased mailboxes, %v; want 1", n, err)
		}

		// Prune forgets it once the period is over, and an account made
		// after that starts afresh.
		if p, err := db.Prune(ctx, periodEnd.Add(-time.Second)); err != nil || p.ErasedMailboxes != 0 {
			t.Fatalf("prune before the end: %+v, %v", p, err)
		}
		if p, err := db.Prune(ctx, periodEnd); err != nil || p.ErasedMailboxes != 1 {
			t.Fatalf("prune at the end: %+v, %v", p, err)
		}
	})
}

// TestRegisterConsentOnlyForNewMember: the newsletter box of the wall is
// recorded for an address that had no account, and never changes an
// existing member's choice, under any spelling.
func TestRegisterConsentOnlyForNewMember(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, as := meterFixture(t, db, 1)
		reg := func(email string) *masthead.Member {
			t.Helper()
			_, device := masthead.NewToken()
			m, _, err := db.Register(ctx, masthead.Registration{Email: email, ArticleID: as[0].ID, DeviceHash: device,
				PeriodStart: meterPeriod, Now: meterNow, Newsletter: masthead.NewsletterFree, ConsentWording: "Also send me the newsletter."})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		fresh := reg("fresh@example.com")
		if cs, err := db.Consents(ctx, fresh.ID); err != nil || len(cs) != 1 || !cs[0].Consented {
			t.Fatalf("new member's consents: %+v, %v", cs, err)
		}

		out := mustMember(t, db, "opted.out@example.com")
		if err := db.RecordConsent(ctx, masthead.NewsletterConsent{MemberID: out.ID, Newsletter: masthead.NewsletterFree,
			Consented: false, Wording: "Unsubscribed.", At: meterNow.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		for _, spelling := range []string{"opted.out@example.com", "Opted.Out+again@example.com"} {
			if m := reg(spelling); m.ID != out.ID {
				t.Fatalf("%s registered as member %d, want %d", spelling, m.ID, out.ID)
			}
		}
		cs, err := db.Consents(ctx, out.ID)
		if err != nil || len(cs) != 1 || cs[0].Consented {
			t.Fatalf("the opted-out member's consents changed: %+v, %v", cs, err)
		}
	})
}

// TestMailboxKeysOfOlderMembers: members stored before mailbox keys
// existed get theirs when the database is opened, oldest first, so the
// oldest account of a shared mailbox is the one other spellings find.
func TestMailboxKeysOfOlderMembers(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			db, err := store.Open(ctx, dsn, store.Options{Clock: &fixedClock{meterNow}})
			if err != nil {
				t.Fatal(err)
			}
			older := mustMember(t, db, "a.b@gmail.com")
			if _, err := db.SQL().ExecContext(ctx, `UPDATE members SET mailbox_key = NULL`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.MemberByEmail(ctx, "ab@gmail.com"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
				t.Fatalf("found by another spelling before the key was computed: %v", err)
			}
			db.Close()
			db, err = store.Open(ctx, dsn, store.Options{Clock: &fixedClock{meterNow}})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if m, err := db.MemberByEmail(ctx, "ab+x@gmail.com"); err != nil || m.ID != older.ID {
				t.Fatalf("after reopening: %+v, %v", m, err)
			}
		})
	}
}
