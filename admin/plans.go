package admin

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"masthead"
)

// The plans page: the All-Access plans the pricing page offers, each with
// its price, currency, trial and Stripe Price id, edited in place. A
// refused row comes back with what was typed and the message; nothing is
// saved then.

// PlanStore keeps the plans.
type PlanStore interface {
	Plans(ctx context.Context, onlyActive bool) ([]masthead.Plan, error)
	Plan(ctx context.Context, slug string) (*masthead.Plan, error)
	SavePlan(ctx context.Context, p masthead.Plan) error
}

type plansView struct {
	page
	Plans []planRow
	// Error is the message of the row that was refused (Slug).
	Error, ErrorSlug string
}

// planRow is a plan as its form shows it: the price in major units.
type planRow struct {
	masthead.Plan
	Price string
}

func (h *Handler) planList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	return h.renderPlans(w, r, me, http.StatusOK, nil, "")
}

func (h *Handler) renderPlans(w http.ResponseWriter, r *http.Request, me *masthead.Member, status int, typed *masthead.Plan, msg string) error {
	if h.deps.Plans == nil {
		return masthead.Errorf(masthead.ENOTFOUND, "Plans are not available on this site.")
	}
	plans, err := h.deps.Plans.Plans(r.Context(), false)
	if err != nil {
		return fmt.Errorf("admin: plans: %w", err)
	}
	v := &plansView{page: h.page(r, me, "Plans")}
	v.Section = "plans"
	if r.URL.Query().Get("msg") == "saved" {
		v.Flash = "Plan saved."
	}
	for _, p := range plans {
		row := planRow{Plan: p, Price: formatAmount(p.Amount)}
		if typed != nil && typed.Slug == p.Slug {
			row.Plan = *typed
			row.Price = r.PostFormValue("price")
			v.Error, v.ErrorSlug = msg, p.Slug
		}
		v.Plans = append(v.Plans, row)
	}
	return h.render(w, status, "plans", v)
}

// planUpdate saves one plan's form.
func (h *Handler) planUpdate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.Plans == nil {
		return masthead.Errorf(masthead.ENOTFOUND, "Plans are not available on this site.")
	}
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	old, err := h.deps.Plans.Plan(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	p := *old
	p.Name = r.PostFormValue("name")
	p.Currency = r.PostFormValue("currency")
	p.StripePriceID = r.PostFormValue("stripe_price_id")
	p.Active = r.PostFormValue("active") != ""
	amount, ok := parseAmount(r.PostFormValue("price"))
	trial, terr := strconv.Atoi(strings.TrimSpace(cmpOrStr(r.PostFormValue("trial_days"), "0")))
	var verr error
	switch {
	case !ok:
		verr = masthead.Errorf(masthead.EINVALID, "Write the price as a number such as 9 or 9.50.")
	case terr != nil:
		verr = masthead.Errorf(masthead.EINVALID, "Trial days must be a whole number.")
	default:
		p.Amount, p.TrialDays = amount, trial
		verr = p.Validate()
	}
	if verr == nil {
		verr = h.deps.Plans.SavePlan(r.Context(), p)
	}
	if masthead.ErrorCode(verr) == masthead.EINVALID {
		return h.renderPlans(w, r, me, http.StatusBadRequest, &p, masthead.ErrorMessage(verr))
	}
	if verr != nil {
		return verr
	}
	http.Redirect(w, r, "/admin/plans?msg=saved", http.StatusSeeOther)
	return nil
}

// formatAmount writes minor units as a decimal: 950 is "9.50".
func formatAmount(n int64) string {
	return fmt.Sprintf("%d.%02d", n/100, n%100)
}

// parseAmount reads "9", "9.5" or "9.50" as minor units.
func parseAmount(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1_000_000 {
		return 0, false
	}
	var f int64
	if frac != "" {
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 {
			return 0, false
		}
		if len(frac) == 1 {
			f *= 10
		}
	}
	return w*100 + f, true
}

func cmpOrStr(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}
