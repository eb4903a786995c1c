package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
	"masthead/clocktest"
	mhttp "masthead/http"
	"masthead/http/web"
	"masthead/store"
	"masthead/store/storetest"
)

// The reader site and the staff area wired over one database, as serve
// wires them: what one surface shows, the other shows alike.

var surfacesNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// staffCookie signs in a member of staff with role and returns the
// staff area's session cookie.
func staffCookie(t *testing.T, db *store.DB, email string, role masthead.Role) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	m, err := db.EnsureMember(ctx, email, role)
	if err != nil {
		t.Fatal(err)
	}
	token, hash := masthead.NewToken()
	if err := db.CreateSession(ctx, m.ID, hash, surfacesNow.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: admin.SessionCookie, Value: token}
}

// body serves a GET of target by h, with cookies, and returns the page.
func body(t *testing.T, h http.Handler, target string, cookies ...*http.Cookie) string {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%.2000s", target, w.Code, b)
	}
	return string(b)
}

// TestMoneyWrittenAlike: the pricing page and the staff dashboard write
// the same amount in the same currency and locale the same way, as the
// one format both use writes it: "CHF 2,500.00" in en-US, "2.500,00 CHF"
// in de-DE.
func TestMoneyWrittenAlike(t *testing.T) {
	for _, locale := range []string{"en-US", "de-DE"} {
		t.Run(locale, func(t *testing.T) {
			storetest.EachWith(t, store.Options{Clock: clocktest.New(surfacesNow)}, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				clock := clocktest.New(surfacesNow)
				if err := db.SavePlan(ctx, masthead.Plan{Slug: "schweiz", Name: "All-Access Schweiz", Interval: masthead.IntervalMonth,
					Amount: 250000, Currency: "chf", StripePriceID: "price_chf_m", Active: true}); err != nil {
					t.Fatal(err)
				}
				ids, err := db.InsertMembers(ctx, []store.BulkMember{{Email: "payer@example.com", Created: surfacesNow.AddDate(0, -3, 0)}}, "test")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.SyncSubscription(ctx, masthead.Subscription{ID: "sub_1", MemberID: ids[0], PriceID: "price_chf_m",
					Status: masthead.StatusActive, StartedAt: surfacesNow.AddDate(0, -2, 0), Version: surfacesNow}, 0); err != nil {
					t.Fatal(err)
				}
				site := mhttp.New(mhttp.Config{SiteName: "The Test Review", Locale: locale, Billing: mhttp.BillingConfig{Demo: true}},
					mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Meter: db, Entitlements: db, Billing: db, Clock: clock})
				t.Cleanup(func() { site.Close() })
				staff := admin.New(admin.Config{SiteName: "The Test Review", Locale: locale},
					admin.Deps{Articles: db, Taxonomy: db, Members: db, Insights: db, Clock: clock})

				want := web.NewMoneyFormat(locale).Format(250000, "chf")
				if !strings.HasPrefix(want, "CHF\u00a0") && !strings.HasSuffix(want, "\u00a0CHF") {
					t.Fatalf("the format writes %q: no currency code beside the number", want)
				}
				pricing := body(t, site.Handler(), "/pricing")
				if !strings.Contains(pricing, "<strong>"+want+"</strong>") {
					t.Errorf("the pricing page lacks %q", want)
				}
				dash := body(t, staff, "/admin/", staffCookie(t, db, "admin@example.com", masthead.RoleAdmin))
				if !strings.Contains(dash, `<dd class="figure__value">`+want+`</dd>`) {
					t.Errorf("the dashboard's revenue is not written %q", want)
				}
			})
		})
	}
}

// countedSettings is the store, counting the reads of the site settings.
type countedSettings struct {
	*store.DB
	reads atomic.Int64
}

func (c *countedSettings) Settings(ctx context.Context) (*masthead.SiteSettings, error) {
	c.reads.Add(1)
	return c.DB.Settings(ctx)
}

// TestStaffHeaderNamesTheSite: two instances, each a reader site and a
// staff area wired as serve wires them, over one database. The staff
// header names the site as the reader site's settings snapshot does:
// staff pages read no settings while nothing changed; a save on one
// instance shows in its own header at once and in the other's once it
// follows the content version, as its poller does every second.
func TestStaffHeaderNamesTheSite(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: clocktest.New(surfacesNow)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := clocktest.New(surfacesNow)
		settings := &countedSettings{DB: db}
		type instance struct {
			site  *mhttp.Server
			staff http.Handler
		}
		var insts []instance
		for range 2 {
			var in instance
			in.site = mhttp.New(mhttp.Config{SiteName: "The Test Review"},
				mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: clock, Settings: settings})
			t.Cleanup(func() { in.site.Close() })
			site := in.site
			in.staff = admin.New(admin.Config{SiteName: "The Test Review"},
				admin.Deps{Articles: db, Taxonomy: db, Members: db, Clock: clock, Settings: settings,
					SiteName: site.SiteName,
					SettingsChanged: func(ctx context.Context) {
						if err := site.FollowContent(ctx); err != nil {
							t.Error(err)
						}
					}})
			insts = append(insts, in)
		}
		adminC := staffCookie(t, db, "admin@example.com", masthead.RoleAdmin)
		header := func(name string) string {
			return `<a class="brand" href="/admin/">` + name + ` · staff</a>`
		}
		for i, in := range insts {
			if err := in.site.FollowContent(ctx); err != nil {
				t.Fatal(err)
			}
			if page := body(t, in.staff, "/admin/articles", adminC); !strings.Contains(page, header("The Test Review")) {
				t.Fatalf("instance %d: the staff header does not name the started site", i)
			}
		}
		before := settings.reads.Load()
		for range 5 {
			for _, in := range insts {
				body(t, in.staff, "/admin/articles", adminC)
				body(t, in.staff, "/admin/staff", adminC)
			}
		}
		if n := settings.reads.Load() - before; n != 0 {
			t.Errorf("20 staff pages read the site settings %d times while nothing changed, want none", n)
		}

		// A save through the first instance's settings page.
		r := httptest.NewRequest(http.MethodPost, "/admin/settings", strings.NewReader(url.Values{"name": {"The Harbour Gazette"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(adminC)
		w := httptest.NewRecorder()
		insts[0].staff.ServeHTTP(w, r)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("save settings: %d\n%s", w.Code, w.Body)
		}
		if page := body(t, insts[0].staff, "/admin/articles", adminC); !strings.Contains(page, header("The Harbour Gazette")) {
			t.Error("the saving instance's staff header does not name the saved site at once")
		}
		if err := insts[1].site.FollowContent(ctx); err != nil {
			t.Fatal(err)
		}
		if page := body(t, insts[1].staff, "/admin/articles", adminC); !strings.Contains(page, header("The Harbour Gazette")) {
			t.Error("the other instance's staff header does not name the saved site once it followed the content version")
		}
		before = settings.reads.Load()
		for _, in := range insts {
			body(t, in.staff, "/admin/articles", adminC)
		}
		if n := settings.reads.Load() - before; n != 0 {
			t.Errorf("staff pages after the save read the site settings %d times, want none", n)
		}
	})
}
