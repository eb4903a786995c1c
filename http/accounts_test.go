package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/mail/mailtest"
)

// Tests of reader sign-in, sessions, the account page and gift links. They
// run the whole site (eachReaders) on both engines, with a real SMTP
// server for the emailed links.

const mailWait = 10 * time.Second

// signInLink waits for the next email to addr and returns the path and
// query of its link, which the test then requests of the handler.
func signInLink(t *testing.T, rs *readers, addr string) string {
	t.Helper()
	msg := rs.smtp.WaitFor(t, addr, mailWait)
	link := mailtest.FirstLink(msg.Text)
	if !strings.HasPrefix(link, "https://news.example/signin?token=") {
		t.Fatalf("email to %s: link %q\n%s", addr, link, msg.Text)
	}
	if msg.HTML == "" || !strings.Contains(msg.HTML, "signin?token=") {
		t.Errorf("email to %s has no HTML part with the link", addr)
	}
	return strings.TrimPrefix(link, "https://news.example")
}

// hiddenToken reads the token the sign-in page's form carries.
var hiddenToken = regexp.MustCompile(`name="token" value="([^"]+)"`)

// settle waits until every email job due has run, so a test can assert
// that one was not sent.
func settle(rs *readers) {
	if _, err := rs.jobs.RunDue(context.Background()); err != nil {
		panic(err)
	}
}

func TestLoginSameAnswerAndLink(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		known, _ := rs.verified(t, "known@example.com")

		res, body := rs.send(t, req{url: "/login?next=/articles/metered-feature"})
		if res.StatusCode != 200 {
			t.Fatalf("GET /login: %d", res.StatusCode)
		}
		mustContain(t, "login page", body, `action="/login"`, `name="next" value="/articles/metered-feature"`,
			`type="email"`, "Or use your password", `<meta name="robots" content="noindex">`)
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
			t.Errorf("login page Cache-Control %q", cc)
		}

		// Known and unknown addresses get the same page, but for the
		// address itself.
		pages := map[string]string{}
		for _, addr := range []string{"known@example.com", "unknown@example.com"} {
			res, body := rs.send(t, req{url: "/login", form: url.Values{"email": {addr}, "next": {"/articles/metered-feature"}}})
			if res.StatusCode != 200 {
				t.Fatalf("POST /login %s: %d", addr, res.StatusCode)
			}
			if setCookie(res, mhttp.SessionCookie) != nil {
				t.Errorf("POST /login %s set a session", addr)
			}
			mustContain(t, "login answer", body, "Check your inbox", "a sign-in link is on its way")
			pages[addr] = strings.ReplaceAll(body, addr, "ADDR")
		}
		if pages["known@example.com"] != pages["unknown@example.com"] {
			t.Error("the answer differs between a known and an unknown address")
		}

		path := signInLink(t, rs, "known@example.com")
		if !strings.Contains(path, "&next=%2Farticles%2Fmetered-feature") {
			t.Errorf("link %q does not carry the article to return to", path)
		}

		// Opening the link (as a mail scanner would, twice) spends
		// nothing: it shows a button.
		var token string
		for range 2 {
			res, body := rs.send(t, req{url: path})
			if res.StatusCode != 200 || setCookie(res, mhttp.SessionCookie) != nil {
				t.Fatalf("GET link: %d, cookie %v", res.StatusCode, setCookie(res, mhttp.SessionCookie))
			}
			if rp := res.Header.Get("Referrer-Policy"); rp != "no-referrer" {
				t.Errorf("sign-in page Referrer-Policy %q", rp)
			}
			mustContain(t, "sign-in page", body, `action="/signin"`, `name="next" value="/articles/metered-feature"`)
			m := hiddenToken.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no token in the form\n%s", excerpt(body))
			}
			token = m[1]
		}

		// The POST spends it and signs in, back to the article.
		form := url.Values{"token": {token}, "next": {"/articles/metered-feature"}}
		res, _ = rs.send(t, req{url: "/signin", form: form})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/articles/metered-feature" {
			t.Fatalf("POST /signin: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		c := setCookie(res, mhttp.SessionCookie)
		if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Fatalf("session cookie %+v", c)
		}
		if c.MaxAge < 29*24*3600 || c.MaxAge > 30*24*3600 {
			t.Errorf("session cookie lives %ds, want 30 days", c.MaxAge)
		}
		if m, err := rs.db.SessionMember(context.Background(), masthead.HashToken(c.Value)); err != nil || m.ID != known.ID {
			t.Errorf("session is of %v, %v", m, err)
		}
		_, page := rs.send(t, req{url: "/articles/metered-feature", cookies: []*http.Cookie{c}})
		mustContain(t, "article after sign-in", page, `href="/account">known@example.com</a>`)

		// A used, a tampered and an expired link each say so and offer
		// a new one.
		expired, expiredHash := masthead.NewToken()
		if err := rs.db.CreateSignInToken(context.Background(), "known@example.com", expiredHash, now.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		for name, tok := range map[string]string{"replayed": token, "tampered": token[:len(token)-2] + "xy", "expired": expired, "empty": ""} {
			res, body := rs.send(t, req{url: "/signin", form: url.Values{"token": {tok}, "next": {"/articles/metered-feature"}}})
			if res.StatusCode != http.StatusUnauthorized || setCookie(res, mhttp.SessionCookie) != nil {
				t.Errorf("%s link: status %d", name, res.StatusCode)
			}
			mustContain(t, name+" link", body, "This sign-in link is not valid", "Email me a new link",
				`action="/login"`, `name="next" value="/articles/metered-feature"`)
		}

		settle(rs)
		if n := rs.smtp.Received("unknown@example.com"); n != 0 {
			t.Errorf("%d emails sent to an unknown address", n)
		}
	})
}

func TestSignInNextRefusesOtherSites(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		rs.verified(t, "next@example.com")
		for _, next := range []string{
			"https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
			"/\t/evil.example", "javascript:alert(1)", "http:/evil.example", "/login", "",
		} {
			token, hash := masthead.NewToken()
			if err := rs.db.CreateSignInToken(ctx, "next@example.com", hash, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			res, _ := rs.send(t, req{url: "/signin", form: url.Values{"token": {token}, "next": {next}}})
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/" {
				t.Errorf("next=%q: %d to %q, want / ", next, res.StatusCode, loc)
			}
			_, body := rs.send(t, req{url: "/login?next=" + url.QueryEscape(next)})
			mustContain(t, "login with next="+next, body, `name="next" value=""`)
		}
		// A local path with a query survives.
		token, hash := masthead.NewToken()
		rs.db.CreateSignInToken(ctx, "next@example.com", hash, now.Add(time.Hour))
		res, _ := rs.send(t, req{url: "/signin", form: url.Values{"token": {token}, "next": {"/topics/filler?page=2"}}})
		if loc := res.Header.Get("Location"); loc != "/topics/filler?page=2" {
			t.Errorf("local next: to %q", loc)
		}
	})
}

func TestPasswordSignIn(t *testing.T) {
	limits := func(c *mhttp.Config, _ *mhttp.Deps) {
		c.Accounts.PasswordPerAddress = 4
		c.Accounts.SignInPerIP = 100
	}
	eachReaders(t, limits, func(t *testing.T, rs *readers) {
		m, _ := rs.verified(t, "pw@example.com")
		if err := rs.db.SetPassword(context.Background(), m.ID, "a long secret phrase"); err != nil {
			t.Fatal(err)
		}
		try := func(email, pw string) (*http.Response, string) {
			t.Helper()
			return rs.send(t, req{url: "/login", form: url.Values{"with": {"password"}, "email": {email}, "password": {pw}, "next": {"/articles/free-daily"}}})
		}
		scenarios := []struct {
			name, email, pw string
			want            int
			wantBody        string
		}{
			{"wrong password", "pw@example.com", "not the secret", 401, "Wrong email or password."},
			{"unknown address", "nobody@example.com", "a long secret phrase", 401, "Wrong email or password."},
			{"invalid address", "nobody", "a long secret phrase", 400, "Enter a valid email address."},
			{"right password", "pw@example.com", "a long secret phrase", 303, ""},
			// Two attempts on the address so far (the invalid one never
			// reached the limit); two more fit, then 429 even when right.
			{"wrong again", "pw@example.com", "guess", 401, "Wrong email or password."},
			{"right again", "pw@example.com", "a long secret phrase", 303, ""},
			{"limited", "pw@example.com", "a long secret phrase", 429, "Too many password attempts"},
			{"other address not limited", "nobody@example.com", "x", 401, "Wrong email or password."},
		}
		for _, sc := range scenarios {
			res, body := try(sc.email, sc.pw)
			if res.StatusCode != sc.want {
				t.Errorf("%s: status %d, want %d", sc.name, res.StatusCode, sc.want)
			}
			mustContain(t, sc.name, body, sc.wantBody)
			c := setCookie(res, mhttp.SessionCookie)
			if (sc.want == 303) != (c != nil && c.Value != "") {
				t.Errorf("%s: session cookie %v", sc.name, c)
			}
			if sc.want == 303 && res.Header.Get("Location") != "/articles/free-daily" {
				t.Errorf("%s: to %q", sc.name, res.Header.Get("Location"))
			}
			if sc.want == 401 {
				mustContain(t, sc.name, body, `<details class="login-password" open>`)
			}
		}
	})
}

func TestSignInRateLimits(t *testing.T) {
	limits := func(c *mhttp.Config, _ *mhttp.Deps) {
		c.Accounts.SignInPerAddress = 2
		c.Accounts.SignInPerIP = 5
	}
	eachReaders(t, limits, func(t *testing.T, rs *readers) {
		rs.verified(t, "bombed@example.com")
		var first string
		for i := range 4 {
			res, body := rs.send(t, req{url: "/login", form: url.Values{"email": {"bombed@example.com"}}, remote: fmt.Sprintf("198.51.100.%d:1000", i+1)})
			if res.StatusCode != 200 {
				t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
			}
			if i == 0 {
				first = body
			} else if body != first {
				t.Errorf("attempt %d: the limited answer differs from the first", i+1)
			}
		}
		// One client flooding: the sixth request is refused, whatever
		// the address; another client is not.
		for i := range 5 {
			rs.send(t, req{url: "/login", form: url.Values{"email": {fmt.Sprintf("r%d@example.com", i)}}, remote: "203.0.113.9:1"})
		}
		res, body := rs.send(t, req{url: "/login", form: url.Values{"email": {"r9@example.com"}}, remote: "203.0.113.9:1"})
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("flooding client: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
		mustContain(t, "429 page", body, "Too many attempts")
		if res, _ := rs.send(t, req{url: "/login", form: url.Values{"email": {"r9@example.com"}}, remote: "203.0.113.10:1"}); res.StatusCode != 200 {
			t.Errorf("another client: %d", res.StatusCode)
		}

		settle(rs)
		if n := rs.smtp.Received("bombed@example.com"); n != 2 {
			t.Errorf("%d emails to one address, want the limit of 2", n)
		}
	})
}

func TestSignOut(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		m, a := rs.verified(t, "out@example.com")
		b, c := rs.session(t, m), rs.session(t, m)
		_, other := rs.verified(t, "stays@example.com")
		signedIn := func(ck *http.Cookie) bool {
			res, _ := rs.send(t, req{url: "/account", cookies: []*http.Cookie{ck}})
			return res.StatusCode == 200
		}

		res, _ := rs.send(t, req{url: "/logout", form: url.Values{}, cookies: []*http.Cookie{a}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		if gone := setCookie(res, mhttp.SessionCookie); gone == nil || gone.MaxAge >= 0 {
			t.Errorf("logout does not clear the cookie: %+v", gone)
		}
		if signedIn(a) || !signedIn(b) {
			t.Errorf("after logout: a signed in %v, b signed in %v", signedIn(a), signedIn(b))
		}

		res, _ = rs.send(t, req{url: "/account/sessions/revoke", form: url.Values{}, cookies: []*http.Cookie{b}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?signedout=all" {
			t.Fatalf("sign out everywhere: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		if signedIn(b) || signedIn(c) {
			t.Error("a session survived signing out everywhere")
		}
		if !signedIn(other) {
			t.Error("another member was signed out")
		}
		_, body := rs.send(t, req{url: "/login?signedout=all"})
		mustContain(t, "login after sign-out", body, "signed out on every device")

		// Without a session, account actions are refused.
		res, _ = rs.send(t, req{url: "/account/sessions/revoke", form: url.Values{}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("revoke without a session: %d", res.StatusCode)
		}
	})
}

func TestAccountPage(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		m, ck := rs.verified(t, "page@example.com")
		cookies := []*http.Cookie{ck}
		if _, err := rs.db.SpendCredit(ctx, m.ID, rs.ids["metered-feature"], now.AddDate(0, -1, 0), 3, now); err != nil {
			t.Fatal(err)
		}

		res, _ := rs.send(t, req{url: "/account"})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Faccount" {
			t.Errorf("anonymous /account: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}

		res, body := rs.send(t, req{url: "/account", cookies: cookies})
		if res.StatusCode != 200 {
			t.Fatalf("/account: %d", res.StatusCode)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "private, no-store" || !strings.Contains(res.Header.Get("Vary"), "Cookie") {
			t.Errorf("/account Cache-Control %q Vary %q", cc, res.Header.Get("Vary"))
		}
		mustContain(t, "account", body, "page@example.com", "<strong>2 of 3</strong> free articles left this month",
			`href="/articles/metered-feature">The metered feature</a>`, "Set password", "Sign out everywhere",
			`href="/account/export.json"`, "Type DELETE to confirm", `name="newsletter-free"`)
		mustNotContain(t, "account", body, "Gift links")

		scenarios := []struct {
			name       string
			path       string
			form       url.Values
			wantStatus int
			wantLoc    string
			wantBody   string
		}{
			{"name", "/account/name", url.Values{"name": {"Page <Reader>"}}, 303, "/account?saved=name", ""},
			{"bad name", "/account/name", url.Values{"name": {"Two\nlines"}}, 400, "", "line breaks"},
			{"newsletter on", "/account/newsletters", url.Values{"newsletter-free": {"yes"}}, 303, "/account?saved=newsletters", ""},
			{"newsletter unchanged", "/account/newsletters", url.Values{"newsletter-free": {"yes"}}, 303, "", ""},
			{"newsletter off", "/account/newsletters", url.Values{}, 303, "", ""},
			{"password mismatch", "/account/password", url.Values{"password": {"long enough one"}, "confirm": {"long enough two"}}, 400, "", "The two passwords differ"},
			{"password short", "/account/password", url.Values{"password": {"short"}, "confirm": {"short"}}, 400, "", "at least 10 characters"},
			{"password", "/account/password", url.Values{"password": {"long enough one"}, "confirm": {"long enough one"}}, 303, "/account?saved=password", ""},
			{"delete unconfirmed", "/account/delete", url.Values{"confirm": {"yes"}}, 400, "", "Type DELETE to confirm."},
		}
		for _, sc := range scenarios {
			res, body := rs.send(t, req{url: sc.path, form: sc.form, cookies: cookies})
			if res.StatusCode != sc.wantStatus {
				t.Errorf("%s: status %d, want %d\n%s", sc.name, res.StatusCode, sc.wantStatus, excerpt(body))
			}
			if sc.wantLoc != "" && res.Header.Get("Location") != sc.wantLoc {
				t.Errorf("%s: to %q", sc.name, res.Header.Get("Location"))
			}
			mustContain(t, sc.name, body, sc.wantBody)
		}

		_, body = rs.send(t, req{url: "/account?saved=password", cookies: cookies})
		mustContain(t, "account after forms", body, "Your password is set", `value="Page &lt;Reader&gt;"`, "Change password", `href="/account">Page &lt;Reader&gt;</a>`)
		mustNotContain(t, "account after forms", body, " checked")
		if _, err := rs.db.Authenticate(ctx, "page@example.com", "long enough one"); err != nil {
			t.Errorf("password set from the page does not work: %v", err)
		}
		consents, _ := rs.db.Consents(ctx, m.ID)
		if len(consents) != 2 || consents[0].Consented || !consents[1].Consented || consents[1].Wording == "" || !consents[1].At.Equal(now) {
			t.Errorf("consents %+v: want opt-in then opt-out, with wording and time", consents)
		}
	})
}

func TestAccountExport(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		me, ck := rs.subscriber(t, "me@example.com")
		other, _ := rs.subscriber(t, "other@example.com")
		rs.db.SetMemberName(ctx, other.ID, "Other Person")
		rs.db.RecordConsent(ctx, masthead.NewsletterConsent{MemberID: me.ID, Newsletter: "free", Consented: true, Wording: "MY WORDS", At: now})
		rs.db.RecordConsent(ctx, masthead.NewsletterConsent{MemberID: other.ID, Newsletter: "free", Consented: true, Wording: "THEIR WORDS", At: now})
		rs.db.SpendCredit(ctx, me.ID, rs.ids["metered-feature"], now.AddDate(0, -1, 0), 3, now)
		rs.db.SpendCredit(ctx, other.ID, rs.ids["subscribers-only"], now.AddDate(0, -1, 0), 3, now)
		_, oh := masthead.NewToken()
		rs.db.CreateGiftLink(ctx, masthead.GiftLinkInput{MemberID: other.ID, ArticleID: rs.ids["subscribers-only"], TokenHash: oh,
			MaxReaders: 5, ExpiresAt: now.Add(time.Hour), MonthStart: now.AddDate(0, -1, 0), PerMonth: 5, Now: now})
		res, _ := rs.send(t, req{url: "/articles/metered-feature/gift", form: url.Values{}, cookies: []*http.Cookie{ck}})
		if res.StatusCode != 200 {
			t.Fatalf("gift: %d", res.StatusCode)
		}

		// An id in the URL changes nothing: the export is the session's.
		res, body := rs.send(t, req{url: fmt.Sprintf("/account/export.json?id=%d&member=%d", other.ID, other.ID), cookies: []*http.Cookie{ck}})
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") || res.Header.Get("Cache-Control") != "private, no-store" {
			t.Fatalf("export: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
		}
		var x struct {
			Member struct {
				ID    int64
				Email string
			}
			Subscriber  bool
			Newsletters []struct{ Wording string } `json:"newsletter_consents"`
			Unlocks     []struct{ Title string }   `json:"unlocked_articles"`
			Sessions    []struct {
				CreatedAt time.Time `json:"created_at"`
			}
			GiftLinks []struct{ Title string } `json:"gift_links"`
		}
		if err := json.Unmarshal([]byte(body), &x); err != nil {
			t.Fatalf("export is not JSON: %v\n%s", err, body)
		}
		if x.Member.ID != me.ID || x.Member.Email != "me@example.com" || !x.Subscriber ||
			len(x.Newsletters) != 1 || x.Newsletters[0].Wording != "MY WORDS" ||
			len(x.Unlocks) != 1 || x.Unlocks[0].Title != "The metered feature" ||
			len(x.Sessions) != 1 || len(x.GiftLinks) != 1 || x.GiftLinks[0].Title != "The metered feature" {
			t.Errorf("export: %s", body)
		}
		mustNotContain(t, "export", body, "other@example.com", "Other Person", "THEIR WORDS", "For subscribers", "token")

		res, _ = rs.send(t, req{url: "/account/export.json"})
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous export: %d", res.StatusCode)
		}
	})
}

func TestAccountDelete(t *testing.T) {
	eachReaders(t, nil, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		m, ck := rs.verified(t, "gone@example.com")
		second := rs.session(t, m)
		rs.db.SetMemberName(ctx, m.ID, "Gone Reader")
		rs.db.SpendCredit(ctx, m.ID, rs.ids["metered-feature"], now.AddDate(0, -1, 0), 3, now)

		res, body := rs.send(t, req{url: "/account/delete", form: url.Values{"confirm": {"delete"}}, cookies: []*http.Cookie{ck}})
		if res.StatusCode != 200 {
			t.Fatalf("delete: %d\n%s", res.StatusCode, excerpt(body))
		}
		mustContain(t, "deleted page", body, "Your account is deleted", "anonymous counts", `href="/login">Log in</a>`)
		mustNotContain(t, "deleted page", body, "gone@example.com", "Gone Reader")
		if c := setCookie(res, mhttp.SessionCookie); c == nil || c.MaxAge >= 0 {
			t.Errorf("cookie not cleared: %+v", c)
		}
		for _, c := range []*http.Cookie{ck, second} {
			if res, _ := rs.send(t, req{url: "/account", cookies: []*http.Cookie{c}}); res.StatusCode != http.StatusSeeOther {
				t.Errorf("a session survived deletion: %d", res.StatusCode)
			}
		}
		got, err := rs.db.Member(ctx, m.ID)
		if err != nil || got.Email == "gone@example.com" || got.Name != "" {
			t.Errorf("member after deletion: %+v, %v", got, err)
		}
		if _, err := rs.db.MemberByEmail(ctx, "gone@example.com"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("address still found: %v", err)
		}
		var n int
		if err := rawCount(rs, `SELECT COUNT(*) FROM unlocks WHERE article_id = ?`, rs.ids["metered-feature"]).Scan(&n); err != nil || n != 1 {
			t.Errorf("the article's unlock count = %d, %v; want it kept", n, err)
		}

		// Staff close their accounts through an administrator.
		staff := []*http.Cookie{{Name: mhttp.SessionCookie, Value: rs.staff}}
		res, body = rs.send(t, req{url: "/account/delete", form: url.Values{"confirm": {"DELETE"}}, cookies: staff})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("staff deletion: %d", res.StatusCode)
		}
		mustContain(t, "staff deletion", body, "closed by an administrator")
	})
}

// rawCount runs a counting query with ? placeholders on either engine.
func rawCount(rs *readers, q string, args ...any) interface{ Scan(...any) error } {
	if rs.db.Engine() == "postgres" {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprint("$", i), 1)
		}
	}
	return rs.db.SQL().QueryRowContext(context.Background(), q, args...)
}

var giftURL = regexp.MustCompile(`value="https://news.example(/articles/[a-z-]+\?gift=[A-Za-z0-9_-]+)"`)

func TestGiftLinks(t *testing.T) {
	limits := func(c *mhttp.Config, _ *mhttp.Deps) {
		c.Accounts.GiftReaders = 2
		c.Accounts.GiftsPerMonth = 2
	}
	eachReaders(t, limits, func(t *testing.T, rs *readers) {
		_, sub := rs.subscriber(t, "giver@example.com")
		_, plain := rs.verified(t, "plain@example.com")
		give := func(slug string, c *http.Cookie) (*http.Response, string) {
			t.Helper()
			var cookies []*http.Cookie
			if c != nil {
				cookies = append(cookies, c)
			}
			return rs.send(t, req{url: "/articles/" + slug + "/gift", form: url.Values{}, cookies: cookies})
		}

		for _, sc := range []struct {
			name   string
			slug   string
			c      *http.Cookie
			status int
			body   string
		}{
			{"anonymous", "metered-feature", nil, 401, "log in again"},
			{"not a subscriber", "metered-feature", plain, 403, "Gift links are for subscribers"},
			{"free article", "free-daily", sub, 400, "free for everyone"},
			{"unknown article", "no-such-piece", sub, 404, ""},
			{"draft", "a-draft", sub, 404, ""},
		} {
			res, body := give(sc.slug, sc.c)
			if res.StatusCode != sc.status {
				t.Errorf("%s: %d, want %d", sc.name, res.StatusCode, sc.status)
			}
			mustContain(t, sc.name, body, sc.body)
		}

		// The article page offers the gift to subscribers only.
		_, page := rs.send(t, req{url: "/articles/subscribers-only", cookies: []*http.Cookie{sub}})
		mustContain(t, "subscriber's article", page, `action="/articles/subscribers-only/gift"`, "Gift this article")
		for name, c := range map[string][]*http.Cookie{"anonymous": nil, "member": {plain}} {
			_, page := rs.send(t, req{url: "/articles/metered-feature", cookies: c})
			mustNotContain(t, name+"'s article", page, "Gift this article")
		}

		res, body := give("subscribers-only", sub)
		if res.StatusCode != 200 || res.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("gift: %d, Referrer-Policy %q", res.StatusCode, res.Header.Get("Referrer-Policy"))
		}
		m := giftURL.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no gift URL on the page\n%s", excerpt(body))
		}
		link := m[1]
		mustContain(t, "gift page", body, "up to 2 readers", "1 more this month")

		// Two browsers read it in full; a third gets the teaser.
		var browsers [][]*http.Cookie
		for i := range 3 {
			res, page := rs.send(t, req{url: link})
			device := setCookie(res, mhttp.DeviceCookie)
			browsers = append(browsers, []*http.Cookie{device})
			if full := strings.Contains(page, subscribersClosing); full != (i < 2) {
				t.Errorf("browser %d: full text %v", i+1, full)
			}
			if i == 0 {
				for k, v := range map[string]string{"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer", "Cache-Control": "private"} {
					if !strings.Contains(res.Header.Get(k), v) {
						t.Errorf("gift page %s = %q", k, res.Header.Get(k))
					}
				}
				mustContain(t, "gift page", page, `<meta name="robots" content="noindex">`,
					`<link rel="canonical" href="https://news.example/articles/subscribers-only">`)
			}
		}
		// A browser already counted comes back freely.
		if _, page := rs.send(t, req{url: link, cookies: browsers[0]}); !strings.Contains(page, subscribersClosing) {
			t.Error("a counted browser lost the article")
		}
		// The anonymous page of the article is still the teaser.
		if _, page := rs.send(t, req{url: "/articles/subscribers-only"}); strings.Contains(page, subscribersClosing) {
			t.Error("the gift leaked into the shared page")
		}

		// Monthly allowance: one more, then refused.
		if res, _ := give("metered-feature", sub); res.StatusCode != 200 {
			t.Errorf("second gift: %d", res.StatusCode)
		}
		res, body = give("metered-feature", sub)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("third gift in a month: %d", res.StatusCode)
		}
		mustContain(t, "third gift", body, "the most allowed")

		// The account page lists the links and revokes them; another
		// member cannot.
		_, acct := rs.send(t, req{url: "/account", cookies: []*http.Cookie{sub}})
		mustContain(t, "account gifts", acct, "Gift links", "2 of 2 readers", "0 of 2 readers")
		rm := regexp.MustCompile(`action="/account/gifts/(\d+)/revoke"`).FindAllStringSubmatch(acct, -1)
		if len(rm) != 2 {
			t.Fatalf("%d revoke forms, want 2", len(rm))
		}
		first := rm[len(rm)-1][1] // oldest last: the subscribers-only link
		if res, _ := rs.send(t, req{url: "/account/gifts/" + first + "/revoke", form: url.Values{}, cookies: []*http.Cookie{plain}}); res.StatusCode != 404 {
			t.Errorf("another member's revoke: %d", res.StatusCode)
		}
		if _, page := rs.send(t, req{url: link, cookies: browsers[1]}); !strings.Contains(page, subscribersClosing) {
			t.Error("link stopped working after a refused revoke")
		}
		res, _ = rs.send(t, req{url: "/account/gifts/" + first + "/revoke", form: url.Values{}, cookies: []*http.Cookie{sub}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account?saved=gift" {
			t.Errorf("revoke: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		if _, page := rs.send(t, req{url: link, cookies: browsers[1]}); strings.Contains(page, subscribersClosing) {
			t.Error("a revoked link still opens the article")
		}
		_, acct = rs.send(t, req{url: "/account?saved=gift", cookies: []*http.Cookie{sub}})
		mustContain(t, "account after revoke", acct, "revoked", "The gift link is revoked")
	})
}
