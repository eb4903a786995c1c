package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"masthead"
	"masthead/admin"
	"masthead/billing"
	"masthead/billing/billingtest"
)

func offerForm(mod func(url.Values)) url.Values {
	v := url.Values{"name": {"Spring sale"}, "slug": {"spring"}, "plan": {"monthly"}, "kind": {"percent"},
		"percent_off": {"50"}, "months": {"3"}, "ends": {"2030-04-30"}, "limit": {"100"}, "active": {"1"}, "featured": {"1"}}
	if mod != nil {
		mod(v)
	}
	return v
}

// TestOffers: editors make and edit offers, whose discount gets a Stripe
// coupon (stripe-mock) when saved; bad input comes back on the form with
// the message and what was typed, and saves nothing.
func TestOffers(t *testing.T) {
	mock := billingtest.StripeMock(t)
	each(t, func(t *testing.T, f *fixture) {
		client, err := billing.New(billing.Config{SecretKey: "sk_test_1", WebhookSecret: "whsec_1", APIURL: mock})
		if err != nil {
			t.Fatal(err)
		}
		f.with(func(d *admin.Deps) { d.Plans, d.Offers, d.Coupons = f.db, f.db, client })
		ctx := context.Background()
		editor := f.staff("editor@example.com", masthead.RoleEditor, "")
		author := f.staff("author@example.com", masthead.RoleAuthor, "")
		f.run([]req{
			{name: "empty list", url: "/admin/offers", cookie: editor, wantStatus: 200, wantContains: []string{"No offers yet.", `href="/admin/offers/new"`}},
			{name: "authors may not", url: "/admin/offers", cookie: author, wantStatus: http.StatusForbidden},
			{name: "new form", url: "/admin/offers/new", cookie: editor, wantStatus: 200,
				wantContains: []string{`action="/admin/offers/new"`, `<option value="monthly"`, "All-Access monthly ($9.00 a month)"}},
			{name: "create", url: "/admin/offers/new", cookie: editor, form: offerForm(nil),
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/offers?msg=saved"},
			{name: "percent too high", url: "/admin/offers/new", cookie: editor,
				form:       offerForm(func(v url.Values) { v.Set("slug", "too-much"); v.Set("percent_off", "150") }),
				wantStatus: http.StatusBadRequest, wantContains: []string{"between 1 and 100", `value="150"`, `value="too-much"`}},
			{name: "not a number", url: "/admin/offers/new", cookie: editor,
				form:       offerForm(func(v url.Values) { v.Set("slug", "nan"); v.Set("kind", "amount"); v.Set("amount_off", "five") }),
				wantStatus: http.StatusBadRequest, wantContains: []string{"Write the amount off as a number", `value="five"`}},
			{name: "amount over the price", url: "/admin/offers/new", cookie: editor,
				form:       offerForm(func(v url.Values) { v.Set("slug", "big"); v.Set("kind", "amount"); v.Set("amount_off", "9") }),
				wantStatus: http.StatusBadRequest, wantContains: []string{"less than the plan"}},
			{name: "bad slug", url: "/admin/offers/new", cookie: editor,
				form:       offerForm(func(v url.Values) { v.Set("slug", "Spring Sale!") }),
				wantStatus: http.StatusBadRequest, wantContains: []string{"lower-case letters", `value="Spring Sale!"`}},
			{name: "trial without days", url: "/admin/offers/new", cookie: editor,
				form:       offerForm(func(v url.Values) { v.Set("slug", "trial"); v.Set("kind", "trial") }),
				wantStatus: http.StatusBadRequest, wantContains: []string{"between 1 and 730 days"}},
			{name: "past end", url: "/admin/offers/new", cookie: editor,
				form:       offerForm(func(v url.Values) { v.Set("slug", "late"); v.Set("ends", "2001-01-01") }),
				wantStatus: http.StatusBadRequest, wantContains: []string{"has passed"}},
			{name: "bad date", url: "/admin/offers/new", cookie: editor,
				form:       offerForm(func(v url.Values) { v.Set("slug", "late"); v.Set("ends", "soon") }),
				wantStatus: http.StatusBadRequest, wantContains: []string{"Write the last day as a date"}},
			{name: "unknown plan", url: "/admin/offers/new", cookie: editor,
				form:       offerForm(func(v url.Values) { v.Set("slug", "weekly"); v.Set("plan", "weekly") }),
				wantStatus: http.StatusBadRequest, wantContains: []string{"Choose one of the plans"}},
			{name: "slug taken", url: "/admin/offers/new", cookie: editor, form: offerForm(nil),
				wantStatus: http.StatusConflict, wantContains: []string{"Another offer has the slug"}},
			{name: "a trial", url: "/admin/offers/new", cookie: editor,
				form: offerForm(func(v url.Values) {
					v.Set("slug", "try-it")
					v.Set("kind", "trial")
					v.Set("trial_days", "30")
					v.Set("plan", "annual")
					v.Del("featured")
				}),
				wantStatus: http.StatusSeeOther},
		})
		o, err := f.db.Offer(ctx, "spring")
		if err != nil {
			t.Fatal(err)
		}
		if o.Kind != masthead.OfferPercent || o.PercentOff != 50 || o.Months != 3 || o.MaxRedemptions != 100 || !o.Active || !o.Featured ||
			o.CouponID == "" || o.EndsAt.In(f.loc).Format("2006-01-02 15:04") != "2030-05-01 00:00" {
			t.Fatalf("saved offer: %+v", o)
		}
		trial, err := f.db.Offer(ctx, "try-it")
		if err != nil || trial.TrialDays != 30 || trial.CouponID != "" || trial.Featured {
			t.Fatalf("trial offer: %+v, %v", trial, err)
		}
		if list, _ := f.db.Offers(ctx); len(list) != 2 {
			t.Fatalf("%d offers saved; the refused forms saved some", len(list))
		}
		// An amount off is written in its plan's currency, as the site
		// writes prices.
		if _, err := f.db.SaveOffer(ctx, masthead.Offer{Slug: "five-off", Name: "Five off", Plan: "monthly", Kind: masthead.OfferAmount,
			AmountOff: 500, Months: 2, CouponID: "coupon_five"}); err != nil {
			t.Fatal(err)
		}
		edit := "/admin/offers/" + strconv.FormatInt(o.ID, 10)
		f.run([]req{
			{name: "list", url: "/admin/offers", cookie: editor, wantStatus: 200,
				wantContains: []string{"Spring sale", "featured", "/offers/spring", "50 % off for 3 months", "2030-04-30", "0 / 100", "30 days free",
					"$5.00 off for 2 months"}},
			{name: "edit form", url: edit, cookie: editor, wantStatus: 200,
				wantContains: []string{`value="Spring sale"`, `value="2030-04-30"`, o.CouponID, "http://example.test/offers/spring"}},
			{name: "rename", url: edit, cookie: editor,
				form:       offerForm(func(v url.Values) { v.Set("name", "Spring sale, last days"); v.Set("coupon", o.CouponID) }),
				wantStatus: http.StatusSeeOther},
			{name: "bad edit", url: edit, cookie: editor,
				form:       offerForm(func(v url.Values) { v.Set("name", ""); v.Set("coupon", o.CouponID) }),
				wantStatus: http.StatusBadRequest, wantContains: []string{"needs a name", `action="` + edit + `"`}},
			{name: "unknown offer", url: "/admin/offers/999999", cookie: editor, wantStatus: http.StatusNotFound},
			{name: "pasted coupon", url: edit, cookie: editor,
				form:       offerForm(func(v url.Values) { v.Set("coupon", "SPRING50") }),
				wantStatus: http.StatusSeeOther},
		})
		got, _ := f.db.Offer(ctx, "spring")
		if got.ID != o.ID || got.Name != "Spring sale" || got.CouponID != "SPRING50" {
			t.Fatalf("after the edits: %+v", got)
		}
	})
}

// countingPlans counts the plans read through it.
type countingPlans struct {
	admin.PlanStore
	all  int
	read []string
}

func (c *countingPlans) Plans(ctx context.Context, onlyActive bool) ([]masthead.Plan, error) {
	c.all++
	return c.PlanStore.Plans(ctx, onlyActive)
}

func (c *countingPlans) Plan(ctx context.Context, slug string) (*masthead.Plan, error) {
	c.read = append(c.read, slug)
	return c.PlanStore.Plan(ctx, slug)
}

// TestDashboardOffersReadTheirPlans: the dashboard's offers read the
// plans whose currency they write, an amount off's, each once, and no
// other.
func TestDashboardOffersReadTheirPlans(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		plans := &countingPlans{PlanStore: f.db}
		f.with(func(d *admin.Deps) { d.Insights, d.Offers, d.Plans = f.db, f.db, plans })
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		for _, p := range []masthead.Plan{
			{Slug: "monthly", Name: "Monthly", Interval: masthead.IntervalMonth, Amount: 900, Currency: "usd", StripePriceID: "price_m", Active: true},
			{Slug: "chf", Name: "Schweiz", Interval: masthead.IntervalMonth, Amount: 1250, Currency: "chf", StripePriceID: "price_chf", Active: true},
			{Slug: "annual", Name: "Annual", Interval: masthead.IntervalYear, Amount: 9600, Currency: "usd", StripePriceID: "price_y", Active: true},
		} {
			if err := f.db.SavePlan(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		for _, o := range []masthead.Offer{
			{Slug: "half", Name: "Half", Plan: "monthly", Kind: masthead.OfferPercent, PercentOff: 50, Months: 3, Active: true},
			{Slug: "try", Name: "Try", Plan: "annual", Kind: masthead.OfferTrial, TrialDays: 30, Active: true},
			{Slug: "five", Name: "Five", Plan: "chf", Kind: masthead.OfferAmount, AmountOff: 500, Months: 2, CouponID: "c5", Active: true},
			{Slug: "six", Name: "Six", Plan: "chf", Kind: masthead.OfferAmount, AmountOff: 600, Months: 2, CouponID: "c6", Active: true},
		} {
			if _, err := f.db.SaveOffer(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		f.run([]req{{name: "dashboard", url: "/admin/", cookie: adminC, wantStatus: 200, wantContains: []string{
			"50 % off for 3 months", "30 days free", "CHF\u00a05.00 off for 2 months", "CHF\u00a06.00 off for 2 months",
		}}})
		if plans.all != 0 || strings.Join(plans.read, " ") != "chf" {
			t.Errorf("the dashboard read every plan %d times and the plans [%s]; want [chf] alone", plans.all, strings.Join(plans.read, " "))
		}
	})
}
