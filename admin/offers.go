package admin

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// Offers: promotions on one plan, each with its own page on the site
// (/offers/{slug}). Editors and admins make them. A percent or amount
// offer needs a Stripe coupon: made here through CouponMaker when the
// offer is saved with new terms, or pasted by the editor (a coupon made
// in Stripe's dashboard). A refused form comes back with what was typed
// and the message; nothing is saved then, and no coupon made.

// OfferStore keeps the offers.
type OfferStore interface {
	Offers(ctx context.Context) ([]masthead.Offer, error)
	OfferByID(ctx context.Context, id int64) (*masthead.Offer, error)
	SaveOffer(ctx context.Context, o masthead.Offer) (*masthead.Offer, error)
}

// CouponMaker makes the payment provider's coupon of an offer, for a
// plan in currency.
type CouponMaker interface {
	CreateCoupon(ctx context.Context, o masthead.Offer, currency string, now time.Time) (string, error)
}

// offersDesk guards the offer pages: on when the site keeps offers and
// plans, for editors and admins.
func (h *Handler) offersDesk(fn staffHandler) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		if h.deps.Offers == nil || h.deps.Plans == nil {
			return h.notFound(w, r)
		}
		if !me.Role.CanPublish() {
			return masthead.Errorf(masthead.EFORBIDDEN, "Only editors and administrators make offers.")
		}
		return fn(w, r, me)
	}
}

type offersView struct {
	page
	Rows []offerRow
}

type offerRow struct {
	ID                       int64
	Name, Slug, Plan, Terms  string
	State, Ends, Redemptions string
	Featured                 bool
}

func (h *Handler) offerList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	offers, err := h.deps.Offers.Offers(r.Context())
	if err != nil {
		return fmt.Errorf("admin: offers: %w", err)
	}
	v := &offersView{page: h.page(r, me, "Offers")}
	v.Section = "offers"
	if r.URL.Query().Get("msg") == "saved" {
		v.Flash = "Offer saved."
	}
	if v.Rows, err = h.offerRows(r.Context(), offers); err != nil {
		return fmt.Errorf("admin: offers: %w", err)
	}
	return h.render(w, http.StatusOK, "offers", v)
}

// offerRows are offers as the offer list and the dashboard show them; an
// amount off is written in its plan's currency. Only those plans are
// read, each once: offers of a percentage or a trial read none.
func (h *Handler) offerRows(ctx context.Context, offers []masthead.Offer) ([]offerRow, error) {
	now := h.now()
	currency := map[string]string{}
	for _, o := range offers {
		if _, seen := currency[o.Plan]; seen || o.Kind != masthead.OfferAmount || h.deps.Plans == nil {
			continue
		}
		switch p, err := h.deps.Plans.Plan(ctx, o.Plan); {
		case err == nil:
			currency[o.Plan] = p.Currency
		case masthead.ErrorCode(err) == masthead.ENOTFOUND:
			currency[o.Plan] = "" // the plan is gone: the amount goes bare
		default:
			return nil, err
		}
	}
	rows := make([]offerRow, 0, len(offers))
	for _, o := range offers {
		row := offerRow{ID: o.ID, Name: o.Name, Slug: o.Slug, Plan: o.Plan, Terms: h.offerTerms(o, currency[o.Plan]),
			State: string(o.State(now)), Featured: o.Featured, Redemptions: formatNum(int64(o.Redemptions))}
		if o.MaxRedemptions > 0 {
			row.Redemptions += " / " + formatNum(int64(o.MaxRedemptions))
		}
		if !o.EndsAt.IsZero() {
			row.Ends = lastDay(o.EndsAt, h.deps.Location)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// offerTerms says what an offer gives; an amount off in cur, the plan's
// currency, as the offer's page on the site writes it (bare when the
// plan is gone).
func (h *Handler) offerTerms(o masthead.Offer, cur string) string {
	switch o.Kind {
	case masthead.OfferPercent:
		return fmt.Sprintf("%d %% off for %d months", o.PercentOff, o.Months)
	case masthead.OfferAmount:
		amount := formatAmount(o.AmountOff)
		if cur != "" {
			amount = h.money.Format(o.AmountOff, cur)
		}
		return fmt.Sprintf("%s off for %d months", amount, o.Months)
	case masthead.OfferTrial:
		return fmt.Sprintf("%d days free", o.TrialDays)
	}
	return ""
}

// lastDay is the last day an offer runs, in the publication's zone: the
// day before the midnight it ends at.
func lastDay(ends time.Time, loc *time.Location) string {
	return ends.In(loc).Add(-time.Nanosecond).Format("2006-01-02")
}

// offerForm is the offer's form as typed.
type offerForm struct {
	Name, Slug, Plan, Kind         string
	Percent, Amount, Months, Trial string
	Ends, Limit, Coupon            string
	Active, Featured               bool
}

type offerView struct {
	page
	ID      int64
	New     bool
	Form    offerForm
	Plans   []option
	Kinds   []option
	Message string
	// Offer is the saved offer, for its facts (address, redemptions).
	Offer *masthead.Offer
	// Coupons says whether a coupon is made on saving; without, a
	// discount needs one pasted.
	Coupons bool
	SiteURL string
}

func (h *Handler) offerNew(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	return h.renderOffer(w, r, me, http.StatusOK, nil, offerForm{Kind: string(masthead.OfferPercent), Months: "3", Active: true}, "")
}

func (h *Handler) offerEdit(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	o, err := h.offerOfPath(r)
	if err != nil {
		return err
	}
	return h.renderOffer(w, r, me, http.StatusOK, o, formOfOffer(*o, h.deps.Location), "")
}

func (h *Handler) offerOfPath(r *http.Request) (*masthead.Offer, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such offer.")
	}
	return h.deps.Offers.OfferByID(r.Context(), id)
}

func formOfOffer(o masthead.Offer, loc *time.Location) offerForm {
	f := offerForm{Name: o.Name, Slug: o.Slug, Plan: o.Plan, Kind: string(o.Kind), Coupon: o.CouponID,
		Active: o.Active, Featured: o.Featured}
	switch o.Kind {
	case masthead.OfferPercent:
		f.Percent, f.Months = strconv.Itoa(o.PercentOff), strconv.Itoa(o.Months)
	case masthead.OfferAmount:
		f.Amount, f.Months = formatAmount(o.AmountOff), strconv.Itoa(o.Months)
	case masthead.OfferTrial:
		f.Trial = strconv.Itoa(o.TrialDays)
	}
	if !o.EndsAt.IsZero() {
		f.Ends = lastDay(o.EndsAt, loc)
	}
	if o.MaxRedemptions > 0 {
		f.Limit = strconv.Itoa(o.MaxRedemptions)
	}
	return f
}

func (h *Handler) renderOffer(w http.ResponseWriter, r *http.Request, me *masthead.Member, status int, o *masthead.Offer, f offerForm, msg string) error {
	plans, err := h.deps.Plans.Plans(r.Context(), false)
	if err != nil {
		return fmt.Errorf("admin: plans: %w", err)
	}
	title := "New offer"
	if o != nil {
		title = o.Name
	}
	v := &offerView{page: h.page(r, me, title), New: o == nil, Form: f, Message: msg, Offer: o,
		Coupons: h.deps.Coupons != nil, SiteURL: h.cfg.BaseURL}
	v.Section = "offers"
	if o != nil {
		v.ID = o.ID
	}
	for _, p := range plans {
		v.Plans = append(v.Plans, option{p.Slug, fmt.Sprintf("%s (%s a %s)", p.Name, h.money.Format(p.Amount, p.Currency),
			p.Interval), p.Slug == f.Plan})
	}
	for _, k := range []struct{ kind, label string }{
		{"percent", "A percentage off, for some months"},
		{"amount", "An amount off, for some months"},
		{"trial", "A free trial of some days"},
	} {
		v.Kinds = append(v.Kinds, option{k.kind, k.label, k.kind == f.Kind})
	}
	return h.render(w, status, "offer", v)
}

// offerCreate and offerUpdate save the form.
func (h *Handler) offerCreate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	return h.offerSave(w, r, me, nil)
}

func (h *Handler) offerUpdate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	o, err := h.offerOfPath(r)
	if err != nil {
		return err
	}
	return h.offerSave(w, r, me, o)
}

func (h *Handler) offerSave(w http.ResponseWriter, r *http.Request, me *masthead.Member, old *masthead.Offer) error {
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	f := offerForm{
		Name: r.PostFormValue("name"), Slug: r.PostFormValue("slug"), Plan: r.PostFormValue("plan"),
		Kind: r.PostFormValue("kind"), Percent: r.PostFormValue("percent_off"), Amount: r.PostFormValue("amount_off"),
		Months: r.PostFormValue("months"), Trial: r.PostFormValue("trial_days"), Ends: r.PostFormValue("ends"),
		Limit: r.PostFormValue("limit"), Coupon: r.PostFormValue("coupon"),
		Active: r.PostFormValue("active") != "", Featured: r.PostFormValue("featured") != "",
	}
	o, err := h.offerOfForm(r.Context(), f, old)
	if err == nil {
		_, err = h.deps.Offers.SaveOffer(r.Context(), *o)
	}
	switch masthead.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/admin/offers?msg=saved", http.StatusSeeOther)
		return nil
	case masthead.EINVALID, masthead.ECONFLICT:
		status := http.StatusBadRequest
		if masthead.ErrorCode(err) == masthead.ECONFLICT {
			status = http.StatusConflict
		}
		return h.renderOffer(w, r, me, status, old, f, masthead.ErrorMessage(err))
	}
	return err
}

// offerOfForm reads the form into an offer, checks it, and makes its
// coupon when its discount is new or changed and none was pasted.
func (h *Handler) offerOfForm(ctx context.Context, f offerForm, old *masthead.Offer) (*masthead.Offer, error) {
	o := masthead.Offer{Name: f.Name, Slug: f.Slug, Plan: f.Plan, Kind: masthead.OfferKind(f.Kind),
		Active: f.Active, Featured: f.Featured, CouponID: strings.TrimSpace(f.Coupon)}
	if old != nil {
		o.ID = old.ID
	}
	num := func(s, msg string) (int, error) {
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, masthead.Errorf(masthead.EINVALID, "%s", msg)
		}
		return n, nil
	}
	var err error
	switch o.Kind {
	case masthead.OfferPercent:
		if o.PercentOff, err = num(f.Percent, "Write the percentage off as a whole number such as 20."); err != nil {
			return nil, err
		}
	case masthead.OfferAmount:
		a, ok := parseAmount(f.Amount)
		if !ok {
			return nil, masthead.Errorf(masthead.EINVALID, "Write the amount off as a number such as 5 or 2.50.")
		}
		o.AmountOff = a
	case masthead.OfferTrial:
		if o.TrialDays, err = num(f.Trial, "Write the trial's days as a whole number."); err != nil {
			return nil, err
		}
	}
	if o.Kind != masthead.OfferTrial {
		if o.Months, err = num(f.Months, "Write the months as a whole number."); err != nil {
			return nil, err
		}
	}
	if o.MaxRedemptions, err = num(f.Limit, "Write the redemption limit as a whole number, or leave it empty."); err != nil {
		return nil, err
	}
	if s := strings.TrimSpace(f.Ends); s != "" {
		day, err := time.ParseInLocation("2006-01-02", s, h.deps.Location)
		if err != nil {
			return nil, masthead.Errorf(masthead.EINVALID, "Write the last day as a date such as 2026-12-31.")
		}
		// The offer runs through its last day.
		o.EndsAt = day.AddDate(0, 0, 1)
		if old == nil && !o.EndsAt.After(h.now()) {
			return nil, masthead.Errorf(masthead.EINVALID, "The last day has passed already.")
		}
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	plan, err := h.deps.Plans.Plan(ctx, o.Plan)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil, masthead.Errorf(masthead.EINVALID, "Choose one of the plans for the offer.")
	}
	if err != nil {
		return nil, err
	}
	if o.Kind == masthead.OfferAmount && o.AmountOff >= plan.Amount {
		return nil, masthead.Errorf(masthead.EINVALID, "The amount off must be less than the plan's price.")
	}
	if o.Kind == masthead.OfferTrial || h.deps.Coupons == nil {
		return &o, nil
	}
	// A coupon's terms are fixed at Stripe: the same terms keep the
	// coupon, new ones get a new coupon. A pasted id is taken as it is.
	if old != nil && o.CouponID == old.CouponID && o.CouponID != "" && !sameTerms(*old, o, plan) {
		o.CouponID = ""
	}
	if o.CouponID == "" {
		id, err := h.deps.Coupons.CreateCoupon(ctx, o, plan.Currency, h.now())
		if err != nil {
			h.deps.Logger.Error("offer: create coupon", "offer", o.Slug, "err", err)
			return nil, masthead.Errorf(masthead.EINVALID, "Stripe did not make the coupon; try again, or paste the id of a coupon made in Stripe.")
		}
		o.CouponID = id
	}
	return &o, nil
}

// sameTerms reports whether the coupon made for old still says what o
// gives on plan.
func sameTerms(old, o masthead.Offer, plan *masthead.Plan) bool {
	return old.Kind == o.Kind && old.PercentOff == o.PercentOff && old.AmountOff == o.AmountOff &&
		old.Months == o.Months && old.Plan == o.Plan && old.EndsAt.Equal(o.EndsAt) &&
		old.MaxRedemptions == o.MaxRedemptions && plan != nil
}
