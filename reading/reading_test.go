package reading_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"masthead"
	"masthead/access"
	"masthead/reading"
	"masthead/store"
	"masthead/store/storetest"
)

var now = time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// each runs fn on both engines with a fresh database at now and the use
// cases wired to it, as cmd/masthead wires them.
func each(t *testing.T, cfg reading.Config, fn func(t *testing.T, db *store.DB, svc *reading.Service)) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		fn(t, db, newService(db, cfg))
	})
}

func newService(db *store.DB, cfg reading.Config) *reading.Service {
	return reading.New(cfg, reading.Deps{Articles: db, Members: db, Meter: db, Entitlements: db, Accounts: db,
		Newsletters: db, Billing: db, Institutions: db, Limiter: db, Jobs: db})
}

func mustArticle(t *testing.T, db *store.DB, slug string, acc masthead.Access) *masthead.Article {
	t.Helper()
	a, err := db.CreateArticle(context.Background(), masthead.ArticleInput{
		Slug: slug, Title: "Title of " + slug, BodyMarkdown: "First paragraph of " + slug + ".\n\nSecond paragraph.",
		AuthorSlugs: []string{"ada"}, Kind: masthead.KindInDepth, Access: acc,
		Status: masthead.StatusPublished, PublishedAt: now.Add(-time.Hour),
	})
	if err != nil {
		t.Fatalf("article %s: %v", slug, err)
	}
	return a
}

func mustMember(t *testing.T, db *store.DB, email string) *masthead.Member {
	t.Helper()
	m, err := db.EnsureMember(context.Background(), email, masthead.RoleNone)
	if err != nil {
		t.Fatalf("member %s: %v", email, err)
	}
	return m
}

// jobsOf returns the kinds of the queue's jobs.
// jobsOf lists the kinds of the jobs queued, but for the related reading
// that creating the tests' articles queues.
func jobsOf(t *testing.T, db *store.DB) []string {
	t.Helper()
	js, err := db.Jobs(context.Background(), masthead.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, j := range js {
		if j.Kind != masthead.JobRelateArticles {
			kinds = append(kinds, j.Kind)
		}
	}
	return kinds
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if masthead.ErrorCode(err) != code {
		t.Fatalf("%s: %v (code %q), want code %q", what, err, masthead.ErrorCode(err), code)
	}
}

// TestRegister: a registration writes the member, its newsletter consent,
// the browser's unlock and the sign-in email's job; a mailbox over its
// email limit registers alike without the job; a bad address writes
// nothing.
func TestRegister(t *testing.T) {
	cfg := reading.Config{Accounts: reading.AccountConfig{SignInPerAddress: 1}}
	each(t, cfg, func(t *testing.T, db *store.DB, svc *reading.Service) {
		ctx := context.Background()
		a := mustArticle(t, db, "metered-piece", masthead.AccessMetered)
		live, err := svc.LiveArticle(ctx, a.Slug, now)
		if err != nil {
			t.Fatal(err)
		}
		device := masthead.HashToken("device-1")
		reg, err := svc.Register(ctx, reading.Registration{Article: live, Email: "New.Reader@Example.com", DeviceHash: device,
			Newsletter: true, Return: "/articles/metered-piece", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if !reg.Unlocked || !reg.Mailed || reg.Member == nil || !reg.Member.VerifiedAt.IsZero() {
			t.Errorf("registration: %+v", reg)
		}
		if ok, _ := db.RegistrationUnlocked(ctx, device, a.ID); !ok {
			t.Error("the browser's unlock is missing")
		}
		cs, err := db.Consents(ctx, reg.Member.ID)
		if err != nil || len(cs) != 1 || cs[0].Wording != reading.NewsletterConsentWording || !cs[0].Consented {
			t.Errorf("consents: %+v, %v", cs, err)
		}
		if kinds := jobsOf(t, db); len(kinds) != 1 || kinds[0] != masthead.JobSignInEmail {
			t.Errorf("jobs after a registration: %v", kinds)
		}

		// The mailbox had its one email this window: the same
		// registration, no second email.
		again, err := svc.Register(ctx, reading.Registration{Article: live, Email: "new.reader@example.com",
			DeviceHash: masthead.HashToken("device-2"), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if again.Mailed || again.Member.ID != reg.Member.ID {
			t.Errorf("second registration: %+v", again)
		}
		if kinds := jobsOf(t, db); len(kinds) != 1 {
			t.Errorf("jobs after a registration over the limit: %v", kinds)
		}

		_, err = svc.Register(ctx, reading.Registration{Article: live, Email: "not an address", DeviceHash: device, Now: now})
		wantCode(t, "bad address", err, masthead.EINVALID)

		_, err = svc.LiveArticle(ctx, "no-such-piece", now)
		wantCode(t, "unknown article", err, masthead.ENOTFOUND)
	})
}

// TestRegistrationIsOneTransaction: the consent is the registration's
// second part; refused, it leaves neither the member, nor the browser's
// unlock, nor the email's job.
func TestRegistrationIsOneTransaction(t *testing.T) {
	each(t, reading.Config{}, func(t *testing.T, db *store.DB, svc *reading.Service) {
		ctx := context.Background()
		a := mustArticle(t, db, "metered-piece", masthead.AccessMetered)
		job, err := masthead.NewJob(masthead.JobSignInEmail, masthead.SignInEmail{Email: "lost@example.com", Purpose: masthead.PurposeRegistration})
		if err != nil {
			t.Fatal(err)
		}
		device := masthead.HashToken("device-1")
		_, _, err = db.Register(ctx, masthead.Registration{Email: "lost@example.com", ArticleID: a.ID, DeviceHash: device,
			PeriodStart: now.Add(-time.Hour), Now: now, Newsletter: masthead.NewsletterFree, ConsentWording: " ",
			Jobs: []masthead.Job{job}})
		wantCode(t, "a registration whose consent is refused", err, masthead.EINVALID)
		if _, err := db.MemberByEmail(ctx, "lost@example.com"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("the member outlived the refused consent: %v", err)
		}
		if ok, _ := db.RegistrationUnlocked(ctx, device, a.ID); ok {
			t.Error("the browser's unlock outlived the refused consent")
		}
		if kinds := jobsOf(t, db); len(kinds) != 0 {
			t.Errorf("jobs outlived the refused consent: %v", kinds)
		}
	})
}

// paidGift stores a demo gift, paid, for email and returns its token.
func paidGift(t *testing.T, db *store.DB, purchaser int64, email string) string {
	t.Helper()
	token, hash := masthead.NewToken()
	if _, err := db.CreateGift(context.Background(), masthead.GiftInput{PurchaserID: purchaser, RecipientEmail: email,
		Months: 3, TokenHash: hash, Paid: true, Now: now}); err != nil {
		t.Fatal(err)
	}
	return token
}

// TestRedeemGift: a reader who is not signed in redeems a gift for the
// gift's address, which is registered, entitled and sent a sign-in link
// in one transaction; a signed-in member redeems for themselves; a gift
// redeems once.
func TestRedeemGift(t *testing.T) {
	each(t, reading.Config{}, func(t *testing.T, db *store.DB, svc *reading.Service) {
		ctx := context.Background()
		giver := mustMember(t, db, "giver@example.com")

		token := paidGift(t, db, giver.ID, "friend@example.com")
		done, err := svc.RedeemGift(ctx, token, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		friend, err := db.MemberByEmail(ctx, "friend@example.com")
		if err != nil {
			t.Fatalf("the gift's address was not registered: %v", err)
		}
		if done.Entitlement.MemberID != friend.ID || !done.Mailed || done.Gift.RedeemedAt.IsZero() {
			t.Errorf("redeemed: %+v, entitlement %+v", done, done.Entitlement)
		}
		if ok, _ := db.Entitled(ctx, friend.ID, now); !ok {
			t.Error("the gift's member is not entitled")
		}
		if kinds := jobsOf(t, db); len(kinds) != 1 || kinds[0] != masthead.JobSignInEmail {
			t.Errorf("jobs after a signed-out redemption: %v", kinds)
		}
		_, err = svc.RedeemGift(ctx, token, nil, now)
		wantCode(t, "a second redemption", err, masthead.ECONFLICT)

		reader := mustMember(t, db, "reader@example.com")
		token = paidGift(t, db, giver.ID, "someone-else@example.com")
		done, err = svc.RedeemGift(ctx, token, reader, now)
		if err != nil {
			t.Fatal(err)
		}
		if done.Entitlement.MemberID != reader.ID || done.Mailed {
			t.Errorf("signed-in redemption: %+v", done)
		}
		if _, err := db.MemberByEmail(ctx, "someone-else@example.com"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("a signed-in redemption registered the gift's address: %v", err)
		}

		_, err = svc.RedeemGift(ctx, "not-a-token", nil, now)
		wantCode(t, "an unknown token", err, masthead.ENOTFOUND)
	})
}

// TestGiftRedemptionIsOneTransaction: the member of the gift's address is
// the redemption's first part; when the redemption itself is refused
// (here, another request redeemed the gift first), neither that member
// nor the sign-in link's job remains.
func TestGiftRedemptionIsOneTransaction(t *testing.T) {
	each(t, reading.Config{}, func(t *testing.T, db *store.DB, svc *reading.Service) {
		ctx := context.Background()
		giver := mustMember(t, db, "giver@example.com")
		other := mustMember(t, db, "other@example.com")
		token := paidGift(t, db, giver.ID, "newcomer@example.com")
		if _, err := db.RedeemGift(ctx, masthead.GiftRedemption{TokenHash: masthead.HashToken(token), MemberID: other.ID, Now: now}); err != nil {
			t.Fatal(err)
		}
		job, err := masthead.NewJob(masthead.JobSignInEmail, masthead.SignInEmail{Email: "newcomer@example.com", Purpose: masthead.PurposeSignIn})
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.RedeemGift(ctx, masthead.GiftRedemption{TokenHash: masthead.HashToken(token), Now: now, Jobs: []masthead.Job{job}})
		wantCode(t, "a redemption that lost the race", err, masthead.ECONFLICT)
		if _, err := db.MemberByEmail(ctx, "newcomer@example.com"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("the gift's member outlived the refused redemption: %v", err)
		}
		if kinds := jobsOf(t, db); len(kinds) != 0 {
			t.Errorf("jobs outlived the refused redemption: %v", kinds)
		}
	})
}

// TestSignIn: a link signs in once and ends the browser's old session; a
// password signs in; wrong passwords and spent links are EUNAUTHORIZED;
// too many attempts on one mailbox are a LimitError.
func TestSignIn(t *testing.T) {
	cfg := reading.Config{Accounts: reading.AccountConfig{PasswordPerAddress: 3, SignInPerAddress: 1}}
	each(t, cfg, func(t *testing.T, db *store.DB, svc *reading.Service) {
		ctx := context.Background()
		m := mustMember(t, db, "reader@example.com")
		token, hash := masthead.NewToken()
		if err := db.CreateSignInToken(ctx, m.Email, hash, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		old, oldHash := masthead.NewToken()
		if err := db.CreateSession(ctx, m.ID, oldHash, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		sess, err := svc.SignInWithLink(ctx, token, oldHash, now)
		if err != nil {
			t.Fatal(err)
		}
		if sess.Member.ID != m.ID || sess.Member.VerifiedAt.IsZero() || !sess.Expires.Equal(now.Add(30*24*time.Hour)) {
			t.Errorf("session: %+v", sess)
		}
		if got, err := db.SessionMember(ctx, masthead.HashToken(sess.Token)); err != nil || got.ID != m.ID {
			t.Errorf("the new session: %+v, %v", got, err)
		}
		if _, err := db.SessionMember(ctx, masthead.HashToken(old)); err == nil {
			t.Error("the browser's old session outlived the sign-in")
		}
		_, err = svc.SignInWithLink(ctx, token, nil, now)
		wantCode(t, "a spent link", err, masthead.EUNAUTHORIZED)

		if err := svc.SetPassword(ctx, m, "correct horse battery", "correct horse battery", now); err != nil {
			t.Fatal(err)
		}
		err = svc.SetPassword(ctx, m, "one password here", "another password", now)
		wantCode(t, "passwords that differ", err, masthead.EINVALID)
		sess, err = svc.SignInWithPassword(ctx, reading.PasswordSignIn{Email: "Reader@example.com", Password: "correct horse battery", Now: now})
		if err != nil || sess.Member.ID != m.ID {
			t.Fatalf("password sign-in: %+v, %v", sess, err)
		}
		_, err = svc.SignInWithPassword(ctx, reading.PasswordSignIn{Email: "reader@example.com", Password: "wrong guess here", Now: now})
		wantCode(t, "a wrong password", err, masthead.EUNAUTHORIZED)
		_, err = svc.SignInWithPassword(ctx, reading.PasswordSignIn{Email: "reader@example.com", Password: "another guess", Now: now})
		wantCode(t, "a third attempt", err, masthead.EUNAUTHORIZED)
		_, err = svc.SignInWithPassword(ctx, reading.PasswordSignIn{Email: "READER@example.com", Password: "correct horse battery", Now: now})
		var limit *reading.LimitError
		if !errors.As(err, &limit) {
			t.Errorf("a fourth attempt on one mailbox: %v, want a LimitError", err)
		}

		// Asking for links: one email per mailbox and window.
		if err := svc.RequestSignInLink(ctx, "reader@example.com", "/account", now); err != nil {
			t.Fatal(err)
		}
		if err := svc.RequestSignInLink(ctx, "unknown@example.com", "", now); err != nil {
			t.Fatal(err)
		}
		if err := svc.RequestSignInLink(ctx, "Reader@example.com", "", now); err != nil {
			t.Fatal(err)
		}
		if kinds := jobsOf(t, db); len(kinds) != 2 {
			t.Errorf("jobs after three requests on two mailboxes: %v", kinds)
		}
	})
}

// TestSetNewsletterChoices: changed choices are recorded together with
// the words beside their boxes; unchanged ones add nothing; consents are
// written all or none.
func TestSetNewsletterChoices(t *testing.T) {
	each(t, reading.Config{}, func(t *testing.T, db *store.DB, svc *reading.Service) {
		ctx := context.Background()
		m := mustMember(t, db, "reader@example.com")
		choices, err := svc.NewsletterChoices(ctx, m, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(choices) == 0 {
			t.Fatal("no newsletter on offer to a registered reader")
		}
		want := map[string]bool{}
		for _, c := range choices {
			want[c.Slug] = !c.Subscribed
		}
		if err := svc.SetNewsletterChoices(ctx, m, want, now); err != nil {
			t.Fatal(err)
		}
		after, err := svc.NewsletterChoices(ctx, m, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range after {
			if c.Subscribed != want[c.Slug] || !c.Since.Equal(now) {
				t.Errorf("%s after the change: %+v", c.Slug, c)
			}
		}
		cs, _ := db.Consents(ctx, m.ID)
		if len(cs) != len(choices) || cs[0].Wording == "" {
			t.Errorf("consents: %+v", cs)
		}
		// The same choices again: nothing new.
		if err := svc.SetNewsletterChoices(ctx, m, want, now); err != nil {
			t.Fatal(err)
		}
		if again, _ := db.Consents(ctx, m.ID); len(again) != len(cs) {
			t.Errorf("unchanged choices added consents: %d, want %d", len(again), len(cs))
		}

		err = db.RecordConsents(ctx, []masthead.NewsletterConsent{
			{MemberID: m.ID, Newsletter: masthead.NewsletterFree, Consented: true, Wording: "Yes please.", At: now},
			{MemberID: m.ID, Newsletter: masthead.NewsletterFree, Consented: false, Wording: "", At: now},
		})
		wantCode(t, "consents with one refused", err, masthead.EINVALID)
		if again, _ := db.Consents(ctx, m.ID); len(again) != len(cs) {
			t.Errorf("a refused batch left %d consents, want %d", len(again), len(cs))
		}
	})
}

// TestDeleteAccount: staff accounts are refused; a reader's goes, with
// their sessions.
func TestDeleteAccount(t *testing.T) {
	each(t, reading.Config{}, func(t *testing.T, db *store.DB, svc *reading.Service) {
		ctx := context.Background()
		staff, err := db.EnsureMember(ctx, "editor@example.com", masthead.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, "deleting staff", svc.DeleteAccount(ctx, staff, now), masthead.EFORBIDDEN)

		m := mustMember(t, db, "reader@example.com")
		_, hash := masthead.NewToken()
		if err := db.CreateSession(ctx, m.ID, hash, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := svc.DeleteAccount(ctx, m, now); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MemberByEmail(ctx, "reader@example.com"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("the member outlived the deletion: %v", err)
		}
		if _, err := db.SessionMember(ctx, hash); err == nil {
			t.Error("a session outlived the deletion")
		}
	})
}

// crawlerTable is a crawler check with the answers fixed, as a DNS
// resolver would give them.
type crawlerTable map[netip.Addr]bool

func (c crawlerTable) Verified(_ context.Context, _ string, client netip.Addr) bool { return c[client] }

// networkTable is one institution's network.
type networkTable struct{ p netip.Prefix }

func (n networkTable) InstitutionOf(client netip.Addr, _ time.Time) string {
	if n.p.Contains(client) {
		return "Example University"
	}
	return ""
}

// TestReaders: the facts every surface hands access.Decide, from the
// plain values a transport knows: a member and their meter, a verified
// crawler, an institution's network, a browser's registration unlock, a
// gift link (counted by browser, given one when it has none); and the
// unlock that spends a credit once.
func TestReaders(t *testing.T) {
	crawlerIP := netip.MustParseAddr("66.249.66.1")
	campus := netip.MustParsePrefix("192.0.2.0/24")
	each(t, reading.Config{}, func(t *testing.T, db *store.DB, svc *reading.Service) {
		ctx := context.Background()
		rs := svc.Readers(crawlerTable{crawlerIP: true}, networkTable{campus})
		a := mustArticle(t, db, "metered-piece", masthead.AccessMetered)
		locked := mustArticle(t, db, "locked-piece", masthead.AccessSubscribers)
		stranger := netip.MustParseAddr("203.0.113.9")

		decide := func(in reading.Request, art *masthead.Article) (access.Decision, reading.GiftStatus) {
			rd, meter, gift := rs.ArticleReader(ctx, in, art, now)
			return rs.Decide(rd, art, meter, now), gift
		}
		if d, _ := decide(reading.Request{Client: stranger}, a); d.Full || d.Reason != access.ReasonAnonymous {
			t.Errorf("anonymous: %+v", d)
		}
		if d, _ := decide(reading.Request{Client: crawlerIP, UserAgent: "Googlebot/2.1"}, locked); !d.Full || d.Reason != access.ReasonVerifiedCrawler {
			t.Errorf("verified crawler: %+v", d)
		}
		if d, _ := decide(reading.Request{Client: netip.MustParseAddr("192.0.2.44")}, locked); !d.Full || d.Reason != access.ReasonInstitution {
			t.Errorf("institution: %+v", d)
		}
		if rd := rs.Reader(ctx, reading.Request{Client: netip.MustParseAddr("192.0.2.44")}, now); !rs.ReadsLibrary(rd, now) {
			t.Error("an institution's reader does not read the library")
		}

		// A browser's registration unlock opens its article to it alone.
		device := masthead.HashToken("device-1")
		if _, err := svc.Register(ctx, reading.Registration{Article: a, Email: "new@example.com", DeviceHash: device, Now: now}); err != nil {
			t.Fatal(err)
		}
		if d, _ := decide(reading.Request{DeviceHash: device}, a); !d.Full || d.Reason != access.ReasonRegistrationUnlock {
			t.Errorf("registered browser: %+v", d)
		}

		// A subscriber's gift link: a browser without a device gets one.
		giver := mustMember(t, db, "giver@example.com")
		if _, err := db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: giver.ID, Source: masthead.EntitlementComplimentary,
			StartsAt: now.Add(-time.Hour), EndsAt: now.Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		made, err := svc.CreateGiftLink(ctx, giver, locked.Slug, now)
		if err != nil {
			t.Fatal(err)
		}
		issued := 0
		in := reading.Request{HasGift: true, Gift: made.Token, NewDevice: func() []byte { issued++; return masthead.HashToken("device-2") }}
		if d, gift := decide(in, locked); !d.Full || gift != reading.GiftValid || d.Reason != access.ReasonGiftLink || issued != 1 {
			t.Errorf("gift link: %+v, %v, devices issued %d", d, gift, issued)
		}
		if _, gift := decide(reading.Request{HasGift: true, Gift: made.Token + "x", DeviceHash: device}, locked); gift != reading.GiftInvalid {
			t.Errorf("a wrong token: %v", gift)
		}
		_, err = svc.CreateGiftLink(ctx, mustMember(t, db, "plain@example.com"), locked.Slug, now)
		wantCode(t, "a gift link by a reader who does not subscribe", err, masthead.EFORBIDDEN)

		// The meter: an unverified member is told to confirm; a verified
		// one spends a credit once.
		m := mustMember(t, db, "reader@example.com")
		_, _, err = rs.Unlock(ctx, reading.Request{Member: m}, a.Slug, now)
		wantCode(t, "an unverified member's unlock", err, masthead.EFORBIDDEN)
		token, hash := masthead.NewToken()
		if err := db.CreateSignInToken(ctx, m.Email, hash, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		sess, err := svc.SignInWithLink(ctx, token, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		m = sess.Member
		if _, spent, err := rs.Unlock(ctx, reading.Request{Member: m}, a.Slug, now); err != nil || !spent {
			t.Fatalf("first unlock: spent %v, %v", spent, err)
		}
		if _, spent, err := rs.Unlock(ctx, reading.Request{Member: m}, a.Slug, now); err != nil || spent {
			t.Errorf("second unlock of the same article: spent %v, %v", spent, err)
		}
		if d, _ := decide(reading.Request{Member: m}, a); !d.Full || d.Reason != access.ReasonUnlocked {
			t.Errorf("after the unlock: %+v", d)
		}
		_, _, err = rs.Unlock(ctx, reading.Request{Member: m}, locked.Slug, now)
		wantCode(t, "unlocking an article for subscribers", err, masthead.EPAYMENTREQUIRED)
	})
}
