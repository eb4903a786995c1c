package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/access"
	"masthead/mail/mailtest"
	"masthead/store"
	"masthead/store/storetest"
)

// TestManyInstances runs three `masthead serve` processes against one
// PostgreSQL schema, as behind a load balancer, and drives readers through
// all of them in turn. It skips without MASTHEAD_TEST_POSTGRES.
func TestManyInstances(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skipf("set %s to run several instances on PostgreSQL", storetest.EnvPostgres)
	}
	if testing.Short() {
		t.Skip("builds the binary and starts three servers")
	}
	ctx := context.Background()
	dsn := freshPostgres(t)
	bin := buildMasthead(t)
	if out, err := runBin(t, bin, "demo", "--db", dsn, "--articles", "60", "--seed", "3"); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// A short lease and a quick schedule keep the test short; the page
	// cache is on, as in production, so the edit below must reach every
	// instance's cache through the content version.
	smtp := mailtest.Start(t, mailtest.Discard())
	args := []string{"--db", dsn, "--leader-lease", "2s", "--log-level", "info", "--smtp-url", smtp.URL()}
	insts := []*proc{
		startProc(t, "a", bin, args...),
		startProc(t, "b", bin, args...),
		startProc(t, "c", bin, args...),
	}

	t.Run("session", func(t *testing.T) {
		// Signed in on a: the cookie works on b and c.
		const email = "traveller@example.com"
		cookie := readerSignIn(t, db, insts[0], email)
		for _, in := range insts {
			r := get(t, in.URL+"/account", cookie)
			mustStatus(t, in.name+" GET /account", r, http.StatusOK)
			if !strings.Contains(r.body, email) {
				t.Errorf("%s: the account page does not show %s", in.name, email)
			}
		}
	})

	t.Run("credits", func(t *testing.T) {
		policy := access.DefaultPolicy()
		metered := meteredArticles(t, db, policy.Credits+1)
		cookie := readerSignIn(t, db, insts[1], "counter@example.com")
		// One credit spent on each instance in turn, each article read
		// in full on every instance afterwards.
		for i := range policy.Credits {
			a, in := metered[i], insts[i%len(insts)]
			r := postFormCookie(t, in.URL+articlePath(a)+"/unlock", url.Values{}, cookie)
			if r.status != http.StatusSeeOther {
				t.Fatalf("%s: unlock %s: status %d\n%s", in.name, a.Slug, r.status, r.body)
			}
			for _, other := range insts {
				if !waitFor(10*time.Second, func() bool { return isFull(t, other, a, cookie) }) {
					t.Errorf("%s: %s, unlocked on %s, is not open", other.name, a.Slug, in.name)
				}
			}
		}
		// The meter is empty everywhere: a further unlock on any
		// instance spends nothing.
		last := metered[policy.Credits]
		for _, in := range insts {
			postFormCookie(t, in.URL+articlePath(last)+"/unlock", url.Values{}, cookie)
			if isFull(t, in, last, cookie) {
				t.Errorf("%s: a credit beyond the %d of the month opened %s", in.name, policy.Credits, last.Slug)
			}
		}
		m, err := db.MemberByEmail(ctx, "counter@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if n := unlocks(t, db, m.ID); n != policy.Credits {
			t.Errorf("the member has %d unlocks, want %d", n, policy.Credits)
		}
	})

	t.Run("scheduled", func(t *testing.T) {
		when := time.Now().Add(2 * time.Second)
		a, err := db.CreateArticle(ctx, masthead.ArticleInput{
			Slug: "a-late-edition", Title: "A late edition", BodyMarkdown: "Printed at the appointed hour.",
			Status: masthead.StatusScheduled, PublishedAt: when, Access: masthead.AccessFree,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range insts {
			if r := get(t, in.URL+articlePath(a)); r.status != http.StatusNotFound {
				t.Errorf("%s: scheduled article before its time: status %d, want 404", in.name, r.status)
			}
		}
		ok := waitFor(20*time.Second, func() bool {
			got, err := db.Article(ctx, a.Slug)
			return err == nil && got.Status == masthead.StatusPublished
		})
		if !ok {
			t.Fatal("the scheduled article was not promoted within 20 s")
		}
		for _, in := range insts {
			if !waitFor(10*time.Second, func() bool { return get(t, in.URL+articlePath(a)).status == http.StatusOK }) {
				t.Errorf("%s: the published article is not served", in.name)
			}
		}
		// Promoted once, by one instance.
		n := 0
		for _, in := range insts {
			n += len(in.logLines(`"published a scheduled article"`))
		}
		if n != 1 {
			t.Errorf("%d instances logged the promotion, want exactly one", n)
		}
	})

	t.Run("edit", func(t *testing.T) {
		free := freeArticle(t, db)
		for _, in := range insts { // fill every instance's page cache
			mustStatus(t, in.name+" GET "+free.Slug, get(t, in.URL+articlePath(free)), http.StatusOK)
		}
		in := free.Input()
		in.Title = "Corrected: " + free.Title
		if _, err := db.UpdateArticle(ctx, free.ID, in); err != nil {
			t.Fatal(err)
		}
		// The content-version poller runs every second on each
		// instance (docs/scaling.md, "Cache lifetimes").
		for _, inst := range insts {
			if !waitFor(10*time.Second, func() bool {
				return strings.Contains(get(t, inst.URL+articlePath(free)).body, "Corrected: ")
			}) {
				t.Errorf("%s still serves the old title", inst.name)
			}
		}
	})

	t.Run("newsletter", func(t *testing.T) {
		// An issue due now, which all three instances' newsletter
		// engines find at once: each subscriber gets it once.
		const n = 150
		ms := make([]store.BulkMember, n)
		past := time.Now().Add(-24 * time.Hour)
		for i := range ms {
			ms[i] = store.BulkMember{Email: fmt.Sprintf("subscriber%03d@example.com", i), Verified: true, Created: past,
				Newsletters: map[string]bool{masthead.NewsletterFree: true}}
		}
		if _, err := db.InsertMembers(ctx, ms, "test"); err != nil {
			t.Fatal(err)
		}
		nl, err := db.Newsletter(ctx, masthead.NewsletterFree)
		if err != nil {
			t.Fatal(err)
		}
		a := freeArticle(t, db)
		now := time.Now()
		is, err := db.CreateIssue(ctx, &masthead.Issue{
			NewsletterID: nl.ID, Subject: "Sent once by one of three", Status: masthead.IssueScheduled, SendAt: now,
			WindowStart: now.Add(-7 * 24 * time.Hour), WindowEnd: now, EditorsNote: "A note from the editor.",
			Articles: []masthead.IssueArticle{{ArticleID: a.ID, Slug: a.Slug, Title: a.Title, Kind: a.Kind, Access: a.Access, PublishedAt: a.PublishedAt}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var got *masthead.Issue
		if !waitFor(90*time.Second, func() bool {
			got, err = db.Issue(ctx, is.ID)
			return err == nil && got.Status == masthead.IssueSent
		}) {
			t.Fatalf("the issue was not sent within 90 s: %+v, %v", got, err)
		}
		for _, m := range ms {
			if r := smtp.Received(m.Email); r != 1 {
				t.Errorf("%s received the issue %d times", m.Email, r)
			}
		}
		if got.Counts.Sent < n || smtp.Total() != got.Counts.Sent {
			t.Errorf("the SMTP server took %d messages; the issue counts %d sent, want at least %d and the same", smtp.Total(), got.Counts.Sent, n)
		}
		t.Logf("%d messages at the SMTP server for %d sent", smtp.Total(), got.Counts.Sent)
	})

	t.Run("leader", func(t *testing.T) {
		byHolder := func() (*proc, masthead.Lease) {
			l, err := db.Lease(ctx, "periodic")
			if err != nil {
				return nil, l
			}
			for _, in := range insts {
				if len(in.logLines(`"leader: took the lease`, `"holder":"`+l.Holder+`"`)) > 0 && l.Until.After(time.Now()) {
					return in, l
				}
			}
			return nil, l
		}
		var leader *proc
		var lease masthead.Lease
		if !waitFor(10*time.Second, func() bool { leader, lease = byHolder(); return leader != nil }) {
			t.Fatalf("no instance holds the lease: %+v", lease)
		}
		// Exactly one instance ever took it so far.
		took := 0
		for _, in := range insts {
			took += len(in.logLines(`"leader: took the lease`))
		}
		if took != 1 {
			t.Errorf("%d instances took the lease, want one", took)
		}
		t.Logf("leader %s, token %d", leader.name, lease.Token)

		// Killed without a chance to release: another takes over once
		// the lease lapses.
		leader.kill(t)
		var next *proc
		var nl masthead.Lease
		if !waitFor(20*time.Second, func() bool { next, nl = byHolder(); return next != nil && next != leader }) {
			t.Fatalf("nobody took over from the killed %s: %+v", leader.name, nl)
		}
		if nl.Token <= lease.Token {
			t.Errorf("token after the handover %d, want more than %d", nl.Token, lease.Token)
		}
		t.Logf("after SIGKILL: leader %s, token %d", next.name, nl.Token)

		// Stopped cleanly: the lease is released, and the last one takes it
		// on its next attempt.
		next.stop(t)
		if len(next.logLines(`"leader: released the lease"`)) != 1 {
			t.Errorf("%s did not log releasing the lease\n%s", next.name, next.stderr)
		}
		var last *proc
		var ll masthead.Lease
		if !waitFor(10*time.Second, func() bool { last, ll = byHolder(); return last != nil && last != next && last != leader }) {
			t.Fatalf("nobody took over from the stopped %s: %+v", next.name, ll)
		}
		t.Logf("after SIGTERM: leader %s, token %d", last.name, ll.Token)
		// The survivor still serves and runs the periodic work.
		mustStatus(t, last.name+" GET /", get(t, last.URL+"/"), http.StatusOK)
	})
}

// readerSignIn signs email in on inst the way a reader does, by posting the
// token of an emailed link, and returns the session cookie.
func readerSignIn(t *testing.T, db *store.DB, inst *proc, email string) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	if _, err := db.EnsureMember(ctx, email, masthead.RoleNone); err != nil {
		t.Fatal(err)
	}
	token, hash := masthead.NewToken()
	if err := db.CreateSignInToken(ctx, email, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r := postForm(t, inst.URL+"/signin", url.Values{"token": {token}})
	if r.status != http.StatusSeeOther && r.status != http.StatusFound {
		t.Fatalf("%s: POST /signin: status %d\n%s", inst.name, r.status, r.body)
	}
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "masthead_session" && c.Value != "" {
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatalf("%s: POST /signin set no session cookie", inst.name)
	return nil
}

// postFormCookie posts form to u with a cookie.
func postFormCookie(t *testing.T, u string, form url.Values, c *http.Cookie) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(c)
	return do(t, req)
}

// isFull reports whether inst shows the whole of a to the reader.
func isFull(t *testing.T, inst *proc, a *masthead.Article, c *http.Cookie) bool {
	t.Helper()
	r := get(t, inst.URL+articlePath(a), c)
	return r.status == http.StatusOK && !strings.Contains(r.body, `<section class="wall`)
}

// unlocks counts the member's unlocked articles in the database.
func unlocks(t *testing.T, db *store.DB, memberID int64) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM unlocks WHERE member_id = %d`, memberID)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// freeArticle returns a live free article.
func freeArticle(t *testing.T, db *store.DB) *masthead.Article {
	t.Helper()
	as, _, err := db.Articles(context.Background(), masthead.ArticleFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Access == masthead.AccessFree && a.LiveAt(time.Now()) {
			return a
		}
	}
	t.Fatal("no free article in the library")
	return nil
}
