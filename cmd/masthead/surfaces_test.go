package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
