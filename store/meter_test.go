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

// meterNow is the instant the meter tests run at; the period starts on the
// first of the month.
var (
	meterNow    = time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	meterPeriod = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
)

// meterFixture makes a member and n metered articles.
func meterFixture(t *testing.T, db *store.DB, n int) (*masthead.Member, []*masthead.Article) {
	t.Helper()
	m, err := db.EnsureMember(context.Background(), "meter@example.com", masthead.RoleNone)
	if err != nil {
		t.Fatal(err)
	}
	var as []*masthead.Article
	for i := range n {
		in := published(fmt.Sprintf("metered-%d", i), meterNow.Add(-time.Duration(i+1)*time.Hour))
		in.Access = masthead.AccessMetered
		as = append(as, mustCreate(t, db, in))
	}
	return m, as
}

func TestSpendCredit(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, as := meterFixture(t, db, 5)

		// An unlock from last month counts for nothing this month but
		// keeps its article open.
		lastMonth := meterPeriod.Add(-time.Hour)
		if spent, err := db.SpendCredit(ctx, m.ID, as[4].ID, meterPeriod.AddDate(0, -1, 0), 3, lastMonth); err != nil || !spent {
			t.Fatalf("last month's unlock: spent %v, %v", spent, err)
		}
		for i := range 3 {
			spent, err := db.SpendCredit(ctx, m.ID, as[i].ID, meterPeriod, 3, meterNow.Add(time.Duration(i)*time.Minute))
			if err != nil || !spent {
				t.Fatalf("unlock %d: spent %v, %v", i, spent, err)
			}
		}
		// A second click on an unlocked article spends nothing.
		if spent, err := db.SpendCredit(ctx, m.ID, as[0].ID, meterPeriod, 3, meterNow); err != nil || spent {
			t.Fatalf("second click: spent %v, %v, want nothing spent", spent, err)
		}
		// The fourth is refused.
		_, err := db.SpendCredit(ctx, m.ID, as[3].ID, meterPeriod, 3, meterNow)
		if masthead.ErrorCode(err) != masthead.EPAYMENTREQUIRED {
			t.Fatalf("fourth unlock: %v, want %s", err, masthead.EPAYMENTREQUIRED)
		}

		st, err := db.MeterState(ctx, m.ID, as[4].ID, meterPeriod)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Unlocked || len(st.Unlocks) != 3 {
			t.Errorf("state for last month's article: unlocked %v, %d unlocks this period; want true, 3", st.Unlocked, len(st.Unlocks))
		}
		st, err = db.MeterState(ctx, m.ID, as[3].ID, meterPeriod)
		if err != nil {
			t.Fatal(err)
		}
		if st.Unlocked {
			t.Error("refused article reported unlocked")
		}

		list, err := db.MemberUnlocks(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range list {
			got = append(got, u.Slug)
		}
		if want := "[metered-2 metered-1 metered-0 metered-4]"; fmt.Sprint(got) != want {
			t.Errorf("unlocks newest first: %v, want %s", got, want)
		}
		if list[0].Title != "Title of metered-2" || !list[0].At.Equal(meterNow.Add(2*time.Minute)) {
			t.Errorf("first unlock: %+v", list[0])
		}

		// Another member's unlocks are theirs alone.
		other, err := db.EnsureMember(ctx, "other@example.com", masthead.RoleNone)
		if err != nil {
			t.Fatal(err)
		}
		if list, _ := db.MemberUnlocks(ctx, other.ID); len(list) != 0 {
			t.Errorf("other member sees %d unlocks", len(list))
		}
		if _, err := db.SpendCredit(ctx, 999999, as[0].ID, meterPeriod, 3, meterNow); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("unknown member: %v, want not found", err)
		}
	})
}

// TestSpendCreditConcurrent: many clicks at once, on one article and on
// several, spend exactly what the rules allow.
func TestSpendCreditConcurrent(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, as := meterFixture(t, db, 6)

		spend := func(articles []*masthead.Article, per int) (spent, refused int) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for _, a := range articles {
				for range per {
					wg.Go(func() {
						ok, err := db.SpendCredit(ctx, m.ID, a.ID, meterPeriod, 3, meterNow)
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err == nil && ok:
							spent++
						case masthead.ErrorCode(err) == masthead.EPAYMENTREQUIRED:
							refused++
						case err != nil:
							t.Errorf("spend: %v", err)
						}
					})
				}
			}
			wg.Wait()
			return spent, refused
		}
		// Ten clicks at once on one article: one credit.
		if spent, _ := spend(as[:1], 10); spent != 1 {
			t.Fatalf("ten clicks on one article spent %d credits, want 1", spent)
		}
		// Five articles at once with two credits left: two open.
		if spent, refused := spend(as[1:], 2); spent != 2 || refused == 0 {
			t.Fatalf("five articles with two credits left: spent %d, refused %d", spent, refused)
		}
		list, err := db.MemberUnlocks(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 {
			t.Fatalf("%d unlocks stored, want 3", len(list))
		}
	})
}

func TestEntitlements(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, _ := meterFixture(t, db, 0)
		if ok, err := db.Entitled(ctx, m.ID, meterNow); err != nil || ok {
			t.Fatalf("before any grant: %v, %v", ok, err)
		}
		e, err := db.GrantEntitlement(ctx, masthead.Entitlement{
			MemberID: m.ID, Source: masthead.EntitlementComplimentary,
			StartsAt: meterNow.Add(-time.Hour), EndsAt: meterNow.Add(time.Hour), Note: "press",
		})
		if err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 || !e.ActiveAt(meterNow) {
			t.Errorf("grant: %+v", e)
		}
		for _, c := range []struct {
			at   time.Time
			want bool
		}{
			{meterNow.Add(-2 * time.Hour), false},
			{meterNow.Add(-time.Hour), true},
			{meterNow, true},
			{meterNow.Add(time.Hour - time.Microsecond), true},
			{meterNow.Add(time.Hour), false},
		} {
			if ok, err := db.Entitled(ctx, m.ID, c.at); err != nil || ok != c.want {
				t.Errorf("entitled at %s: %v, %v; want %v", c.at, ok, err, c.want)
			}
		}
		// Open-ended, starting now by default.
		if _, err := db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: m.ID, Source: masthead.EntitlementDemo}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.Entitled(ctx, m.ID, meterNow.AddDate(10, 0, 0)); !ok {
			t.Error("open-ended entitlement ended")
		}
		if _, err := db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: m.ID, Source: "bitcoin"}); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("unknown source: %v", err)
		}
		if _, err := db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: m.ID, Source: masthead.EntitlementGift,
			StartsAt: meterNow, EndsAt: meterNow}); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("empty interval: %v", err)
		}
	})
}

func TestRegister(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, as := meterFixture(t, db, 3)
		_, deviceA := masthead.NewToken()
		_, deviceB := masthead.NewToken()
		reg := func(email string, device []byte, a *masthead.Article, now time.Time) (*masthead.Member, bool) {
			t.Helper()
			m, ok, err := db.Register(ctx, masthead.Registration{Email: email, ArticleID: a.ID, DeviceHash: device,
				PeriodStart: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), Now: now})
			if err != nil {
				t.Fatalf("register %s: %v", email, err)
			}
			return m, ok
		}

		m, ok := reg("New.Reader@Example.com", deviceA, as[0], meterNow)
		if !ok || m.Email != "new.reader@example.com" || !m.VerifiedAt.IsZero() {
			t.Fatalf("first registration: unlocked %v, member %+v", ok, m)
		}
		if ok, _ := db.RegistrationUnlocked(ctx, deviceA, as[0].ID); !ok {
			t.Error("registration unlock not recorded")
		}
		if ok, _ := db.RegistrationUnlocked(ctx, deviceB, as[0].ID); ok {
			t.Error("another device shares the unlock")
		}
		// The same device again on the same article: still open.
		if _, ok := reg("new.reader@example.com", deviceA, as[0], meterNow.Add(time.Minute)); !ok {
			t.Error("same device, same article: closed")
		}
		// Fifty made-up addresses from one device open nothing more.
		for i := range 50 {
			if _, ok := reg(fmt.Sprintf("farm%d@example.com", i), deviceA, as[1+i%2], meterNow.Add(time.Duration(i)*time.Second)); ok {
				t.Fatalf("farmed address %d opened an article", i)
			}
		}
		for _, a := range as[1:] {
			if ok, _ := db.RegistrationUnlocked(ctx, deviceA, a.ID); ok {
				t.Errorf("%s unlocked by farming", a.Slug)
			}
		}
		// The members exist all the same (same answer for every address).
		if _, err := db.MemberByEmail(ctx, "farm49@example.com"); err != nil {
			t.Errorf("farmed address not registered: %v", err)
		}
		// Next month the device may register once more.
		next := meterPeriod.AddDate(0, 1, 2)
		if _, ok := reg("farm1@example.com", deviceA, as[1], next); !ok {
			t.Error("next month: no registration unlock")
		}
		if _, ok := reg("farm2@example.com", deviceA, as[2], next); ok {
			t.Error("next month: a second registration unlock")
		}
		// Another device is not held back by the first.
		if _, ok := reg("farm3@example.com", deviceB, as[2], meterNow); !ok {
			t.Error("second device refused")
		}

		if _, _, err := db.Register(ctx, masthead.Registration{Email: "not an address", ArticleID: as[0].ID, DeviceHash: deviceA, Now: meterNow}); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("bad address: %v", err)
		}
		m, ok = reg("JOSÉ@EXÄMPLE.COM", deviceB, as[2], meterNow)
		if !ok || m.Email != "josé@exämple.com" {
			t.Errorf("internationalised address: %q, unlocked %v", m.Email, ok)
		}
	})
}

// TestRegisterConcurrent: one browser registering on several articles at
// once gets one of them.
func TestRegisterConcurrent(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{meterNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, as := meterFixture(t, db, 4)
		_, device := masthead.NewToken()
		var mu sync.Mutex
		var wg sync.WaitGroup
		opened := 0
		for i := range 12 {
			wg.Go(func() {
				_, ok, err := db.Register(ctx, masthead.Registration{
					Email: fmt.Sprintf("race%d@example.com", i), ArticleID: as[i%4].ID, DeviceHash: device,
					PeriodStart: meterPeriod, Now: meterNow,
				})
				if err != nil {
					t.Errorf("register: %v", err)
				}
				mu.Lock()
				defer mu.Unlock()
				if ok {
					opened++
				}
			})
		}
		wg.Wait()
		n := 0
		for _, a := range as {
			if ok, _ := db.RegistrationUnlocked(ctx, device, a.ID); ok {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d articles unlocked for one device, want 1", n)
		}
		// The three registrations on the winning article report it
		// open; the nine on the others do not.
		if opened != 3 {
			t.Errorf("%d registrations reported an unlock, want 3", opened)
		}
	})
}
