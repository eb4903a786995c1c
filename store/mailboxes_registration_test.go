package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestRegistrationUnlockPerMailbox: a mailbox opens one article by
// registering per meter period, whatever the spelling and the browser;
// the browser that opened it keeps it open; the next period opens
// another; and deleting the account does not give the mailbox a second.
func TestRegistrationUnlockPerMailbox(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, as := meterFixture(t, db, 4)
		periodEnd := meterPeriod.AddDate(0, 1, 0)
		devices := map[string][]byte{}
		device := func(name string) []byte {
			if devices[name] == nil {
				_, devices[name] = masthead.NewToken()
			}
			return devices[name]
		}
		reg := func(email, dev string, a *masthead.Article, at, period time.Time) (*masthead.Member, bool) {
			t.Helper()
			m, ok, err := db.Register(ctx, masthead.Registration{Email: email, ArticleID: a.ID, DeviceHash: device(dev),
				PeriodStart: period, Now: at})
			if err != nil {
				t.Fatalf("register %s: %v", email, err)
			}
			if got, err := db.RegistrationUnlocked(ctx, device(dev), a.ID); err != nil || got != ok {
				t.Fatalf("register %s reports %v, the store holds %v (%v)", email, ok, got, err)
			}
			return m, ok
		}

		first, ok := reg("reader.one+wall@gmail.com", "a", as[0], meterNow, meterPeriod)
		if !ok {
			t.Fatal("first registration of the mailbox: no unlock")
		}
		// Other spellings from fresh browsers, on other articles: no
		// second article, but the same member all the same.
		for i, spelling := range []string{"ReaderOne@gmail.com", "r.e.a.d.e.r.o.n.e+2@googlemail.com", "reader.one+wall@gmail.com"} {
			m, ok := reg(spelling, fmt.Sprint("fresh", i), as[1+i%3], meterNow.Add(time.Minute), meterPeriod)
			if ok {
				t.Errorf("%s from a fresh browser opened %s", spelling, as[1+i%3].Slug)
			}
			if m.ID != first.ID {
				t.Errorf("%s: member %d, want %d", spelling, m.ID, first.ID)
			}
		}
		// The browser that opened the article still opens it, and the
		// mailbox's own article opens in another browser too: still one
		// article's text.
		if _, ok := reg("readerone@gmail.com", "a", as[0], meterNow.Add(2*time.Minute), meterPeriod); !ok {
			t.Error("same browser, same article: closed")
		}
		if _, ok := reg("readerone@gmail.com", "other", as[0], meterNow.Add(2*time.Minute), meterPeriod); !ok {
			t.Error("the mailbox's own article, another browser: closed")
		}
		// Another mailbox is not held back.
		if _, ok := reg("reader.two@gmail.com", "fresh9", as[1], meterNow.Add(3*time.Minute), meterPeriod); !ok {
			t.Error("another mailbox refused")
		}
		// Next period the mailbox opens one more article, and only one.
		next := periodEnd.Add(time.Hour)
		if _, ok := reg("Reader.One@gmail.com", "fresh0", as[1], next, periodEnd); !ok {
			t.Error("next period: no registration unlock")
		}
		if _, ok := reg("readerone@gmail.com", "next2", as[2], next, periodEnd); ok {
			t.Error("next period: a second registration unlock")
		}

		// Deleted and back in the same period: the unlock stays used.
		leaver, ok := reg("leaver@example.com", "l1", as[2], meterNow, meterPeriod)
		if !ok {
			t.Fatal("leaver: no unlock")
		}
		del := func(m *masthead.Member) {
			t.Helper()
			if err := db.DeleteAccount(ctx, masthead.AccountDeletion{MemberID: m.ID, PeriodStart: meterPeriod,
				PeriodEnd: periodEnd, Now: meterNow.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		del(leaver)
		var credits int
		var at int64
		if err := rawRow(db, `SELECT credits, registration_unlock_at FROM erased_mailboxes`).Scan(&credits, &at); err != nil ||
			credits != 0 || at != meterNow.UnixMicro() {
			t.Fatalf("erased mailbox: credits %d, registration unlock at %d, %v; want 0 and %d", credits, at, err, meterNow.UnixMicro())
		}
		back, ok := reg("Leaver+back@example.com", "l2", as[3], meterNow.Add(2*time.Hour), meterPeriod)
		if back.ID == leaver.ID {
			t.Fatal("the deleted member came back")
		}
		if ok {
			t.Error("deleted and registered again: a second unlock in the period")
		}
		// Deleted once more, it is carried again.
		del(back)
		if _, ok := reg("leaver@example.com", "l3", as[1], meterNow.Add(3*time.Hour), meterPeriod); ok {
			t.Error("deleted twice and registered again: a second unlock in the period")
		}
		// Next period the mailbox starts afresh.
		if _, ok := reg("leaver@example.com", "l4", as[1], next, periodEnd); !ok {
			t.Error("next period after deletion: no unlock")
		}
	})
}

// TestRegistrationUnlockPerMailboxConcurrent: spellings of one mailbox
// registering at once from many browsers on several articles open one
// article, on both engines.
func TestRegistrationUnlockPerMailboxConcurrent(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, as := meterFixture(t, db, 4)
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				_, device := masthead.NewToken()
				if _, _, err := db.Register(ctx, masthead.Registration{Email: fmt.Sprintf("Racer+%d@example.com", i),
					ArticleID: as[i%4].ID, DeviceHash: device, PeriodStart: meterPeriod, Now: meterNow}); err != nil {
					t.Errorf("register: %v", err)
				}
			})
		}
		wg.Wait()
		var n int
		if err := rawRow(db, `SELECT COUNT(DISTINCT article_id) FROM registration_unlocks`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("one mailbox racing opened %d articles (%v), want 1", n, err)
		}
	})
}
