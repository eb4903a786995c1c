package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// The member pages: the searchable member list, a member's page with
// their entitlements, unlocks, consents and history, and complimentary
// grants. They are for administrators only.

// MemberStore is what the member and institution pages read and change.
type MemberStore interface {
	masthead.MemberAdminService
	masthead.MemberEventService
	masthead.InstitutionService
	// MemberUnlocks lists the member's unlocked articles, newest first.
	MemberUnlocks(ctx context.Context, memberID int64) ([]masthead.Unlock, error)
	// Consents lists the member's newsletter consents, newest first.
	Consents(ctx context.Context, memberID int64) ([]masthead.NewsletterConsent, error)
}

// errNoMemberPages answers when the staff area runs without a member
// store.
var errNoMemberPages = masthead.Errorf(masthead.ENOTFOUND, "Member pages are not available on this server.")

// memberStateLabels are the filter's labels, in the order of
// masthead.MemberStates.
var memberStateLabels = map[masthead.MemberState]string{
	masthead.MemberRegistered:  "Registered (unverified)",
	masthead.MemberVerified:    "Verified, no access",
	masthead.MemberSubscriber:  "Subscriber",
	masthead.MemberComp:        "Complimentary",
	masthead.MemberInstitution: "Institution",
	masthead.MemberLapsed:      "Lapsed",
}

type membersView struct {
	page
	Query   string
	States  []option
	Rows    []memberRow
	NextURL string
	// FirstURL leads back to the first page when this one is not it.
	FirstURL string
}

type memberRow struct {
	ID       int64
	Email    string
	Name     string
	Verified bool
	Role     string
	Access   string // current sources, or "lapsed"
	Since    string
}

func (h *Handler) memberList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.MemberStore == nil {
		return errNoMemberPages
	}
	q := r.URL.Query()
	f := masthead.MemberFilter{
		Query: strings.TrimSpace(q.Get("q")),
		State: masthead.MemberState(q.Get("state")),
		Now:   h.now(),
		Limit: 50,
	}
	if !f.State.Valid() {
		f.State = ""
	}
	if n, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && n > 0 {
		f.Before = n
	}
	res, err := h.deps.MemberStore.SearchMembers(r.Context(), f)
	if err != nil {
		return fmt.Errorf("admin: members: %w", err)
	}
	v := &membersView{page: h.page(r, me, "Members"), Query: f.Query}
	v.Section = "members"
	for _, s := range masthead.MemberStates {
		v.States = append(v.States, option{Value: string(s), Label: memberStateLabels[s], Selected: s == f.State})
	}
	for _, it := range res.Members {
		row := memberRow{ID: it.ID, Email: it.Email, Name: it.Name, Verified: !it.VerifiedAt.IsZero(),
			Role: string(it.Role), Since: h.formatDate(it.CreatedAt)}
		var access []string
		for _, s := range it.Sources {
			access = append(access, string(s))
		}
		if it.Lapsed {
			access = append(access, "lapsed")
		}
		row.Access = strings.Join(access, ", ")
		v.Rows = append(v.Rows, row)
	}
	link := func(before int64) string {
		u := url.Values{}
		if f.Query != "" {
			u.Set("q", f.Query)
		}
		if f.State != "" {
			u.Set("state", string(f.State))
		}
		if before > 0 {
			u.Set("before", strconv.FormatInt(before, 10))
		}
		if len(u) == 0 {
			return "/admin/members"
		}
		return "/admin/members?" + u.Encode()
	}
	if res.Next > 0 {
		v.NextURL = link(res.Next)
	}
	if f.Before > 0 {
		v.FirstURL = link(0)
	}
	return h.render(w, http.StatusOK, "members", v)
}

// formatDate shows a day in the publication's zone.
func (h *Handler) formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(h.deps.Location).Format("2 Jan 2006")
}

type memberView struct {
	page
	Member       *masthead.Member
	Verified     string
	Entitlements []entitlementRow
	Unlocks      []unlockRow
	Consents     []consentRow
	Events       []eventRow
	// Comp is the complimentary grant form, with what was typed and
	// the errors when it was refused.
	Comp   compForm
	Errors map[string]string
	// Message sums up a refused form.
	Message string
	// Billing holds the member's Stripe links when the store keeps
	// billing; the template's "member_billing" block shows them.
	Billing *billingLinks
	// Newsletters are the member's newsletter choices, when the store
	// keeps newsletters.
	Newsletters []memberNewsletterRow
}

type memberNewsletterRow struct {
	Name                 string
	Subscribed, Eligible bool
	Since                string
}

// newsletterStore is what the member page reads of newsletters, when the
// store keeps them.
type newsletterStore interface {
	NewsletterChoices(ctx context.Context, memberID int64, now time.Time) ([]masthead.NewsletterChoice, error)
}

// billingLinks point staff at the member's customer and subscriptions in
// the Stripe dashboard.
type billingLinks struct {
	CustomerID    string
	CustomerURL   string
	Subscriptions []subscriptionLink
}

type subscriptionLink struct {
	ID, URL, Status, PeriodEnd string
	CancelAtPeriodEnd          bool
}

// billingStore is what the member page reads of billing, when the store
// keeps it.
type billingStore interface {
	BillingCustomer(ctx context.Context, memberID int64) (string, error)
	MemberSubscriptions(ctx context.Context, memberID int64) ([]masthead.Subscription, error)
}

// stripeDashboard is where staff manage customers and subscriptions.
const stripeDashboard = "https://dashboard.stripe.com"

func (h *Handler) billingLinksOf(ctx context.Context, memberID int64) (*billingLinks, error) {
	bs, ok := h.deps.MemberStore.(billingStore)
	if !ok {
		return nil, nil
	}
	b := &billingLinks{}
	cus, err := bs.BillingCustomer(ctx, memberID)
	switch {
	case err == nil:
		b.CustomerID, b.CustomerURL = cus, stripeDashboard+"/customers/"+url.PathEscape(cus)
	case masthead.ErrorCode(err) != masthead.ENOTFOUND:
		return nil, err
	}
	subs, err := bs.MemberSubscriptions(ctx, memberID)
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		b.Subscriptions = append(b.Subscriptions, subscriptionLink{ID: s.ID, URL: stripeDashboard + "/subscriptions/" + url.PathEscape(s.ID),
			Status: string(s.Status), PeriodEnd: h.formatDate(s.PeriodEnd), CancelAtPeriodEnd: s.CancelAtPeriodEnd})
	}
	return b, nil
}

type entitlementRow struct {
	ID          int64
	Source      string
	Institution string
	InstID      int64
	Starts      string
	Ends        string
	Note        string
	GrantedBy   string
	EndedBy     string
	Current     bool
	// CanEnd offers the button that ends a complimentary or
	// institutional grant early.
	CanEnd bool
}

type unlockRow struct {
	Title, Slug, At string
}

type consentRow struct {
	Newsletter string
	Consented  bool
	Wording    string
	At         string
}

type eventRow struct {
	Kind, Detail, Actor, At string
}

type compForm struct {
	Until string
	Note  string
}

func (h *Handler) memberFromPath(r *http.Request) (*masthead.Member, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such member.")
	}
	m, err := h.deps.Members.Member(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (h *Handler) memberPage(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.MemberStore == nil {
		return errNoMemberPages
	}
	m, err := h.memberFromPath(r)
	if err != nil {
		return err
	}
	v, err := h.memberViewOf(r, me, m)
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "member", v)
}

// memberViewOf gathers everything the member's page shows.
func (h *Handler) memberViewOf(r *http.Request, me, m *masthead.Member) (*memberView, error) {
	ctx := r.Context()
	st := h.deps.MemberStore
	title := m.Email
	v := &memberView{page: h.page(r, me, title), Member: m, Verified: h.formatTime(m.VerifiedAt)}
	v.Section = "members"
	ents, err := st.MemberEntitlements(ctx, m.ID)
	if err != nil {
		return nil, fmt.Errorf("admin: member %d: %w", m.ID, err)
	}
	now := h.now()
	for _, e := range ents {
		row := entitlementRow{ID: e.ID, Source: string(e.Source), Institution: e.InstitutionName, InstID: e.InstitutionID,
			Starts: h.formatDate(e.StartsAt), Note: e.Note, GrantedBy: e.GrantedByEmail, EndedBy: e.EndedByEmail,
			Current: e.ActiveAt(now)}
		if !e.EndsAt.IsZero() {
			row.Ends = h.formatTime(e.EndsAt)
		}
		row.CanEnd = (e.Source == masthead.EntitlementComplimentary || e.Source == masthead.EntitlementInstitution) &&
			(e.EndsAt.IsZero() || e.EndsAt.After(now))
		v.Entitlements = append(v.Entitlements, row)
	}
	unlocks, err := st.MemberUnlocks(ctx, m.ID)
	if err != nil {
		return nil, fmt.Errorf("admin: member %d: %w", m.ID, err)
	}
	for _, u := range unlocks {
		v.Unlocks = append(v.Unlocks, unlockRow{Title: u.Title, Slug: u.Slug, At: h.formatTime(u.At)})
	}
	consents, err := st.Consents(ctx, m.ID)
	if err != nil {
		return nil, fmt.Errorf("admin: member %d: %w", m.ID, err)
	}
	for _, c := range consents {
		v.Consents = append(v.Consents, consentRow{Newsletter: c.Newsletter, Consented: c.Consented, Wording: c.Wording, At: h.formatTime(c.At)})
	}
	events, err := st.MemberEvents(ctx, m.ID, 200)
	if err != nil {
		return nil, fmt.Errorf("admin: member %d: %w", m.ID, err)
	}
	if v.Billing, err = h.billingLinksOf(ctx, m.ID); err != nil {
		return nil, fmt.Errorf("admin: member %d: billing: %w", m.ID, err)
	}
	if ns, ok := st.(newsletterStore); ok {
		choices, err := ns.NewsletterChoices(ctx, m.ID, now)
		if err != nil {
			return nil, fmt.Errorf("admin: member %d: newsletters: %w", m.ID, err)
		}
		for _, c := range choices {
			if c.Newsletter == nil {
				continue
			}
			v.Newsletters = append(v.Newsletters, memberNewsletterRow{Name: c.Newsletter.Name, Subscribed: c.Subscribed,
				Eligible: c.Eligible, Since: h.formatTime(c.Since)})
		}
	}
	for _, e := range events {
		actor := e.ActorEmail
		if e.ActorID == 0 {
			actor = "system"
		}
		v.Events = append(v.Events, eventRow{Kind: e.Kind, Detail: e.Detail, Actor: actor, At: h.formatTime(e.CreatedAt)})
	}
	return v, nil
}

// compGrant grants complimentary All-Access through the end of the day
// chosen, in the publication's zone.
func (h *Handler) compGrant(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.MemberStore == nil {
		return errNoMemberPages
	}
	m, err := h.memberFromPath(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	form := compForm{Until: strings.TrimSpace(r.PostForm.Get("until")), Note: r.PostForm.Get("note")}
	day, perr := time.ParseInLocation("2006-01-02", form.Until, h.deps.Location)
	if perr != nil {
		fields := map[string]string{"until": "Choose the last day of access (YYYY-MM-DD)."}
		if strings.TrimSpace(form.Note) == "" {
			fields["note"] = "Say why, for the member's history."
		}
		err = &masthead.Error{Code: masthead.EINVALID, Message: "No access was granted: correct the fields marked below.", Fields: fields}
	} else {
		_, err = h.deps.MemberStore.GrantComplimentary(r.Context(), masthead.CompGrant{
			MemberID: m.ID, Until: day.AddDate(0, 0, 1), Note: form.Note, ActorID: me.ID})
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/admin/members/%d?msg=comp-granted", m.ID), http.StatusSeeOther)
		return nil
	}
	var invalid *masthead.Error
	if !errors.As(err, &invalid) || invalid.Code != masthead.EINVALID {
		return err
	}
	v, verr := h.memberViewOf(r, me, m)
	if verr != nil {
		return verr
	}
	v.Comp, v.Errors, v.Message = form, invalid.Fields, invalid.Message
	return h.render(w, http.StatusBadRequest, "member", v)
}

func (h *Handler) compEnd(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.MemberStore == nil {
		return errNoMemberPages
	}
	m, err := h.memberFromPath(r)
	if err != nil {
		return err
	}
	eid, err := strconv.ParseInt(r.PathValue("eid"), 10, 64)
	if err != nil {
		return masthead.Errorf(masthead.ENOTFOUND, "There is no such grant.")
	}
	if err := h.deps.MemberStore.EndGrant(r.Context(), m.ID, eid, me.ID); err != nil {
		return err
	}
	// An institutional seat is now free; the reader site forgets what it
	// cached of its readers.
	if h.deps.InstitutionsChanged != nil {
		h.deps.InstitutionsChanged(r.Context())
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/members/%d?msg=comp-ended", m.ID), http.StatusSeeOther)
	return nil
}
