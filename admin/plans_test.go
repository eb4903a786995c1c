package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"masthead"
	"masthead/admin"
)

func TestPlans(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.Plans = f.db })
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		editor := f.staff("editor@example.com", masthead.RoleEditor, "")
		form := func(price, currency, priceID string) url.Values {
			return url.Values{"name": {"All-Access monthly"}, "price": {price}, "currency": {currency},
				"trial_days": {"14"}, "stripe_price_id": {priceID}, "active": {"1"}}
		}
		f.run([]req{
			{name: "list", url: "/admin/plans", cookie: adminC, wantStatus: 200,
				wantContains: []string{"All-Access monthly", `value="9.00"`, `value="90.00"`, `action="/admin/plans/annual"`}},
			{name: "editors may not", url: "/admin/plans", cookie: editor, wantStatus: http.StatusForbidden},
			{name: "save", url: "/admin/plans/monthly", cookie: adminC, form: form("12.5", "EUR", "price_abc"),
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/plans?msg=saved"},
			{name: "bad price", url: "/admin/plans/monthly", cookie: adminC, form: form("twelve", "eur", ""),
				wantStatus: http.StatusBadRequest, wantContains: []string{"Write the price as a number", `value="twelve"`}},
			{name: "bad price id", url: "/admin/plans/monthly", cookie: adminC, form: form("12", "eur", "prod_1"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"starts with price_"}},
			{name: "unknown plan", url: "/admin/plans/weekly", cookie: adminC, form: form("12", "eur", ""), wantStatus: http.StatusNotFound},
		})
		p, err := f.db.Plan(context.Background(), "monthly")
		if err != nil || p.Amount != 1250 || p.Currency != "eur" || p.TrialDays != 14 || p.StripePriceID != "price_abc" || !p.Active {
			t.Fatalf("saved plan: %+v, %v", p, err)
		}
	})
}
