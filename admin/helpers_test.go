package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
	"masthead/clocktest"
	"masthead/store"
	"masthead/store/storetest"
)

// t0 is the fixed "now" every test starts at.
var t0 = time.Date(2025, 5, 20, 10, 0, 0, 0, time.UTC)

// fixture is the staff area over a fresh database of one engine.
type fixture struct {
	t     *testing.T
	db    *store.DB
	clock *clocktest.Clock // the store and the handler share it, so token and session expiry follow it too
	loc   *time.Location
	h     http.Handler
}

// each runs fn on SQLite and PostgreSQL with a fresh fixture.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	clock := &clocktest.Clock{}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		loc, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			t.Fatal(err)
		}
		f := &fixture{t: t, db: db, clock: clock, loc: loc}
		f.with(func(*admin.Deps) {})
		fn(t, f)
	})
}

// with rebuilds the staff area over the fixture's database, clock and
// zone, with the services add sets beside the usual ones.
func (f *fixture) with(add func(d *admin.Deps)) {
	d := admin.Deps{Articles: f.db, Taxonomy: f.db, Members: f.db, Clock: f.clock, Location: f.loc}
	add(&d)
	f.h = admin.New(admin.Config{SiteName: "The Test Review", BaseURL: "http://example.test"}, d)
}

// staff signs in a new member with role and returns their session cookie.
// A non-empty byline links the member to that author slug.
func (f *fixture) staff(email string, role masthead.Role, byline string) *http.Cookie {
	f.t.Helper()
	ctx := context.Background()
	m, err := f.db.EnsureMember(ctx, email, role)
	if err != nil {
		f.t.Fatalf("ensure member: %v", err)
	}
	if byline != "" {
		if err := f.db.SetAuthorSlug(ctx, m.ID, byline); err != nil {
			f.t.Fatalf("set byline: %v", err)
		}
	}
	token, hash := masthead.NewToken()
	if err := f.db.CreateSession(ctx, m.ID, hash, f.clock.Now().Add(30*24*time.Hour)); err != nil {
		f.t.Fatalf("create session: %v", err)
	}
	return &http.Cookie{Name: admin.SessionCookie, Value: token}
}

// req is one request of a scenario.
type req struct {
	name    string
	method  string
	url     string
	cookie  *http.Cookie
	form    url.Values
	headers map[string]string

	wantStatus      int
	wantLocation    string // prefix of the Location header, when set
	wantContains    []string
	wantNotContains []string
}

// do sends r and checks what it expects.
func (f *fixture) do(r req) *httptest.ResponseRecorder {
	f.t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodGet
		if r.form != nil {
			method = http.MethodPost
		}
	}
	var hr *http.Request
	if r.form != nil {
		hr = httptest.NewRequest(method, "http://example.test"+r.url, strings.NewReader(r.form.Encode()))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		hr = httptest.NewRequest(method, "http://example.test"+r.url, nil)
	}
	if r.cookie != nil {
		hr.AddCookie(r.cookie)
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, hr)

	name := r.name
	if name == "" {
		name = method + " " + r.url
	}
	body := w.Body.String()
	if r.wantStatus != 0 && w.Code != r.wantStatus {
		f.t.Errorf("%s: status %d, want %d; body:\n%s", name, w.Code, r.wantStatus, excerpt(body))
	}
	if r.wantLocation != "" && !strings.HasPrefix(w.Header().Get("Location"), r.wantLocation) {
		f.t.Errorf("%s: Location %q, want prefix %q", name, w.Header().Get("Location"), r.wantLocation)
	}
	for _, s := range r.wantContains {
		if !strings.Contains(body, s) {
			f.t.Errorf("%s: body lacks %q; body:\n%s", name, s, excerpt(body))
		}
	}
	for _, s := range r.wantNotContains {
		if strings.Contains(body, s) {
			f.t.Errorf("%s: body contains %q", name, s)
		}
	}
	return w
}

func (f *fixture) run(steps []req) {
	f.t.Helper()
	for _, s := range steps {
		f.do(s)
	}
}

func excerpt(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// article reads an article from the store, failing the test if absent.
func (f *fixture) article(id int64) *masthead.Article {
	f.t.Helper()
	a, err := f.db.ArticleByID(context.Background(), id)
	if err != nil {
		f.t.Fatalf("article %d: %v", id, err)
	}
	return a
}

// create stores an article directly.
func (f *fixture) create(in masthead.ArticleInput) *masthead.Article {
	f.t.Helper()
	a, err := f.db.CreateArticle(context.Background(), in)
	if err != nil {
		f.t.Fatalf("create %q: %v", in.Title, err)
	}
	return a
}

// idFromLocation reads the article id from a redirect to its edit page.
func idFromLocation(t *testing.T, w *httptest.ResponseRecorder) int64 {
	t.Helper()
	loc := w.Header().Get("Location")
	rest, ok := strings.CutPrefix(loc, "/admin/articles/")
	if !ok {
		t.Fatalf("Location %q is not an article page", loc)
	}
	rest, _, _ = strings.Cut(rest, "?")
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		t.Fatalf("Location %q has no id", loc)
	}
	return id
}

// articleForm is a complete article form, as a browser sends it.
func articleForm(action string, kv ...string) url.Values {
	v := url.Values{
		"title": {"Budget talks collapse"}, "slug": {""}, "dek": {"What went wrong."},
		"body": {"The talks ended at dawn.\n\nNobody won."}, "access": {"metered"}, "kind": {"daily"},
		"column": {""}, "authors": {"jane-doe"}, "topics": {""}, "regions": {""}, "schedule_at": {""},
		"image_url": {""}, "image_alt": {""}, "image_caption": {""}, "action": {action},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func articlePath(id int64) string { return "/admin/articles/" + strconv.FormatInt(id, 10) }
