package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"masthead"
	"masthead/access"
	"masthead/reading"
)

// The account page, /account, and its forms. Every handler here takes the
// member from the session, never from the request, so no id in a form or
// URL can reach another member's data.

// newsletterChoice is a newsletter the member may choose, with the
// words beside its box and the member's current choice.
type newsletterChoice = reading.NewsletterChoice

type giftRow struct {
	masthead.GiftLink
	Active bool
}

type accountPage struct {
	base
	Member      *masthead.Member
	HasPassword bool
	Newsletters []newsletterChoice
	Subscriber  bool
	Staff       bool
	// The meter, when the site has one and the member reads by it.
	Metered     bool
	Credits     int
	CreditsLeft int
	Period      string
	PeriodEnds  time.Time
	Unlocks     []masthead.Unlock
	Gifts       []giftRow
	GiftsOn     bool // the member may make gift links
	Sessions    int
	Errors      map[string]string
	// Billing is the member's paid subscription (billing.go).
	Billing accountBilling
	// Access lists the ways the member holds All-Access: subscriptions
	// with their plan, price and date, a demo checkout, gifts and grants.
	Access []accessRow
	// PortalAlone offers the customer portal apart from any line: the
	// member has a Stripe customer but no live subscription (invoices,
	// a card, an ended subscription are still there).
	PortalAlone bool
	// DeleteBlocked is set when a deletion was refused because a paid
	// subscription could not be cancelled: the page offers the portal.
	DeleteBlocked bool
	// Curator is the "What you follow" section (follow.go).
	Curator *curatorAccount
}

// savedMessages are the notes shown after a form on the account page
// succeeded, keyed by ?saved=.
func savedMessage(key string) string {
	switch key {
	case "name":
		return "Your name is saved."
	case "newsletters":
		return "Your newsletter choices are saved."
	case "password":
		return "Your password is set. You can now log in with it."
	case "gift":
		return "The gift link is revoked: it opens nothing any more."
	case "alerts":
		return "Your alerts are saved."
	case "history":
		return "Your reading history is updated."
	}
	return ""
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	return s.renderAccount(w, r, m, nil, savedMessage(r.URL.Query().Get("saved")))
}

// renderAccount renders the account page; errs holds the messages of a
// form that came back, and the status is then 400.
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, m *masthead.Member, errs map[string]string, flash string) error {
	v, err := s.accountView(r, m, errs, flash)
	if err != nil {
		return err
	}
	return s.writeAccount(w, v)
}

func (s *Server) writeAccount(w http.ResponseWriter, v *accountPage) error {
	if len(v.Errors) > 0 {
		w.WriteHeader(http.StatusBadRequest)
	}
	return s.render(w, "account", v)
}

// accountView gathers what the account page shows.
func (s *Server) accountView(r *http.Request, m *masthead.Member, errs map[string]string, flash string) (*accountPage, error) {
	ctx := r.Context()
	now := s.clock.Now()
	v := &accountPage{base: s.accountBase(r, "Your account", "/account"), Member: m, Errors: errs, Staff: m.Role.Staff()}
	v.Flash = flash
	v.Canonical = ""
	var err error
	if v.HasPassword, err = s.accounts.HasPassword(ctx, m.ID); err != nil {
		return nil, err
	}
	if v.Curator, err = s.accountCurator(r, m); err != nil {
		return nil, err
	}
	if v.Newsletters, err = s.reading.NewsletterChoices(ctx, m, now); err != nil {
		return nil, err
	}
	if v.Subscriber, err = s.subscriber(r, m); err != nil {
		return nil, err
	}
	v.GiftsOn = v.Subscriber || v.Staff
	if v.Billing, err = s.accountBilling(ctx, m); err != nil {
		return nil, err
	}
	lines, err := s.reading.AccountAccess(ctx, m, now)
	if err != nil {
		return nil, err
	}
	v.PortalAlone = v.Billing.Portal
	for _, a := range lines {
		row := s.newAccessRow(a, v.Billing.Portal)
		v.PortalAlone = v.PortalAlone && !row.Portal
		v.Access = append(v.Access, row)
	}
	if s.meter != nil {
		if !v.Subscriber && !v.Staff {
			policy := s.policy()
			st, err := s.meter.MeterState(ctx, m.ID, 0, policy.PeriodStart(now))
			if err != nil {
				return nil, err
			}
			v.Metered = true
			v.Credits = policy.Credits
			v.CreditsLeft = max(policy.Credits-policy.Used(access.Meter{Unlocks: st.Unlocks, Carried: st.Carried}, now), 0)
			v.Period = "month"
			if policy.Period == "week" {
				v.Period = "week"
			}
			v.PeriodEnds = policy.PeriodEnd(now)
		}
		if v.Unlocks, err = s.meter.MemberUnlocks(ctx, m.ID); err != nil {
			return nil, err
		}
	}
	gifts, err := s.accounts.GiftLinks(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	for _, g := range gifts {
		v.Gifts = append(v.Gifts, giftRow{GiftLink: g, Active: g.Active(now)})
	}
	sessions, err := s.accounts.MemberSessions(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	v.Sessions = len(sessions)
	return v, nil
}

// accessRow is one line of the account page's subscription section.
type accessRow struct {
	reading.AccessLine
	// Title is the plan's name, or what the grant is.
	Title string
	// Price is the plan's price and interval ("$9.00 a month"), when known.
	Price string
	// Demo marks the demo's TEST checkout, which took no payment.
	Demo bool
	// Portal offers the provider's customer portal (a Stripe
	// subscription of a member with a customer there).
	Portal bool
}

func (s *Server) newAccessRow(a reading.AccessLine, portal bool) accessRow {
	r := accessRow{AccessLine: a}
	switch a.Source {
	case masthead.EntitlementStripe:
		r.Title, r.Portal = "All-Access", portal
	case masthead.EntitlementDemo:
		r.Title, r.Demo = "All-Access", true
	case masthead.EntitlementGift:
		r.Title = "All-Access, a gift"
	case masthead.EntitlementComplimentary:
		r.Title = "All-Access, complimentary"
	case masthead.EntitlementInstitution:
		r.Title = "All-Access through " + a.Institution
	default:
		r.Title = "All-Access"
	}
	if p := a.Plan; p != nil {
		r.Title = p.Name
		interval := "month"
		if p.Interval == masthead.IntervalYear {
			interval = "year"
		}
		r.Price = s.money.Format(p.Amount, p.Currency) + " a " + interval
	}
	return r
}

// subscriber reports whether m holds All-Access now.
func (s *Server) subscriber(r *http.Request, m *masthead.Member) (bool, error) {
	return s.reading.Subscriber(r.Context(), m, s.clock.Now())
}

// parseAccountForm reads a small form posted from the account page.
func parseAccountForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		return masthead.Errorf(masthead.EINVALID, "The form could not be read.")
	}
	return nil
}

func (s *Server) handleAccountName(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if err := parseAccountForm(w, r); err != nil {
		return err
	}
	err := s.accounts.SetMemberName(r.Context(), m.ID, r.PostFormValue("name"))
	if masthead.ErrorCode(err) == masthead.EINVALID {
		return s.renderAccount(w, r, m, map[string]string{"name": masthead.ErrorMessage(err)}, "")
	}
	if err != nil {
		return err
	}
	return redirect(w, "/account?saved=name")
}

// handleAccountNewsletters records the member's choices: a consent for
// each newsletter whose box changed, with the wording beside it, in one
// transaction (reading.Service.SetNewsletterChoices).
func (s *Server) handleAccountNewsletters(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if err := parseAccountForm(w, r); err != nil {
		return err
	}
	want := map[string]bool{}
	for key, vals := range r.PostForm {
		if slug, ok := strings.CutPrefix(key, "newsletter-"); ok && len(vals) > 0 && vals[0] != "" {
			want[slug] = true
		}
	}
	if err := s.reading.SetNewsletterChoices(r.Context(), m, want, s.clock.Now()); err != nil {
		return err
	}
	return redirect(w, "/account?saved=newsletters")
}

// handleAccountPassword sets or changes the password
// (reading.Service.SetPassword): a refused password comes back on the
// form; too many changes, or no free hashing slot, get their own page.
func (s *Server) handleAccountPassword(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if err := parseAccountForm(w, r); err != nil {
		return err
	}
	err := s.reading.SetPassword(r.Context(), m, r.PostFormValue("password"), r.PostFormValue("confirm"), s.clock.Now())
	var limit *reading.LimitError
	switch {
	case errors.As(err, &limit):
		return s.tooMany(w, r, limit.Message)
	case errors.Is(err, reading.ErrBusy):
		return s.hashingBusy(w, r)
	case masthead.ErrorCode(err) == masthead.EINVALID:
		return s.renderAccount(w, r, m, map[string]string{"password": masthead.ErrorMessage(err)}, "")
	case err != nil:
		return err
	}
	return redirect(w, "/account?saved=password")
}

// handleRevokeSessions signs the member out everywhere, this browser
// included.
func (s *Server) handleRevokeSessions(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if err := s.members.DeleteMemberSessions(r.Context(), m.ID); err != nil {
		return fmt.Errorf("http: sign out everywhere: %w", err)
	}
	http.SetCookie(w, s.sessionCookie(r, "", time.Time{}))
	return redirect(w, "/login?signedout=all")
}

// accountExport is everything stored about a member, as the export
// delivers it. Session tokens and gift tokens are not stored, so only
// their times and counts appear.
type accountExport struct {
	ExportedAt  time.Time        `json:"exported_at"`
	Member      exportMember     `json:"member"`
	Subscriber  bool             `json:"subscriber"`
	Newsletters []exportConsent  `json:"newsletter_consents"`
	Unlocks     []exportUnlock   `json:"unlocked_articles"`
	Sessions    []exportSession  `json:"sessions"`
	GiftLinks   []exportGiftLink `json:"gift_links"`
	// Curator is what the curator keeps (follow.go); absent when off.
	Curator *exportCurator    `json:"curator,omitempty"`
	Notes   map[string]string `json:"notes"`
}

type exportMember struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        string     `json:"role,omitempty"`
	HasPassword bool       `json:"has_password"`
	VerifiedAt  *time.Time `json:"verified_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

type exportConsent struct {
	Newsletter string    `json:"newsletter"`
	Consented  bool      `json:"consented"`
	Wording    string    `json:"wording"`
	At         time.Time `json:"at"`
}

type exportUnlock struct {
	Article string    `json:"article"`
	Title   string    `json:"title"`
	At      time.Time `json:"at"`
}

type exportSession struct {
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

type exportGiftLink struct {
	Article    string     `json:"article"`
	Title      string     `json:"title"`
	Readers    int        `json:"readers"`
	MaxReaders int        `json:"max_readers"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// handleAccountExport delivers the member's data as a JSON download.
func (s *Server) handleAccountExport(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	ctx := r.Context()
	x := accountExport{
		ExportedAt: s.clock.Now().UTC(),
		Member: exportMember{ID: m.ID, Email: m.Email, Name: m.Name, Role: string(m.Role),
			VerifiedAt: optTime(m.VerifiedAt), CreatedAt: m.CreatedAt},
		Newsletters: []exportConsent{}, Unlocks: []exportUnlock{}, Sessions: []exportSession{}, GiftLinks: []exportGiftLink{},
		Notes: map[string]string{
			"sessions":   "Sign-in sessions are listed by time only; their keys are stored hashed and cannot be shown.",
			"gift_links": "Gift link addresses are stored hashed and cannot be shown again; readers are counted, not identified.",
		},
	}
	var err error
	if x.Member.HasPassword, err = s.accounts.HasPassword(ctx, m.ID); err != nil {
		return err
	}
	if x.Subscriber, err = s.subscriber(r, m); err != nil {
		return err
	}
	consents, err := s.accounts.Consents(ctx, m.ID)
	if err != nil {
		return err
	}
	for _, c := range consents {
		x.Newsletters = append(x.Newsletters, exportConsent{Newsletter: c.Newsletter, Consented: c.Consented, Wording: c.Wording, At: c.At})
	}
	if s.meter != nil {
		unlocks, err := s.meter.MemberUnlocks(ctx, m.ID)
		if err != nil {
			return err
		}
		for _, u := range unlocks {
			x.Unlocks = append(x.Unlocks, exportUnlock{Article: s.abs(articlePath(u.Slug)), Title: u.Title, At: u.At})
		}
	}
	sessions, err := s.accounts.MemberSessions(ctx, m.ID)
	if err != nil {
		return err
	}
	for _, ss := range sessions {
		x.Sessions = append(x.Sessions, exportSession{CreatedAt: ss.CreatedAt, ExpiresAt: ss.ExpiresAt})
	}
	gifts, err := s.accounts.GiftLinks(ctx, m.ID)
	if err != nil {
		return err
	}
	for _, g := range gifts {
		x.GiftLinks = append(x.GiftLinks, exportGiftLink{Article: s.abs(articlePath(g.ArticleSlug)), Title: g.ArticleTitle,
			Readers: g.Readers, MaxReaders: g.MaxReaders, CreatedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt, RevokedAt: optTime(g.RevokedAt)})
	}
	if x.Curator, err = s.exportCurator(r, m); err != nil {
		return err
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return fmt.Errorf("http: export account %d: %w", m.ID, err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="account.json"`)
	_, err = w.Write(append(b, '\n'))
	return err
}

// deleteConfirmation is the word a reader types to delete their account.
const deleteConfirmation = "DELETE"

// handleAccountDelete removes the member's personal data
// (reading.Service.DeleteAccount; see store.DeleteAccount for what is
// kept) and signs this browser out; the store ended every other session.
func (s *Server) handleAccountDelete(w http.ResponseWriter, r *http.Request, m *masthead.Member) error {
	if err := parseAccountForm(w, r); err != nil {
		return err
	}
	if !strings.EqualFold(strings.TrimSpace(r.PostFormValue("confirm")), deleteConfirmation) {
		return s.renderAccount(w, r, m, map[string]string{"delete": "Type " + deleteConfirmation + " to confirm."}, "")
	}
	// A subscription that could not be cancelled keeps the account;
	// the page then offers the billing portal.
	if err := s.reading.DeleteAccount(r.Context(), m, s.clock.Now()); err != nil {
		if !reading.IsDeletionBlocked(err) {
			return err
		}
		v, verr := s.accountView(r, m, map[string]string{"delete": masthead.ErrorMessage(err)}, "")
		if verr != nil {
			return verr
		}
		v.DeleteBlocked = true
		return s.writeAccount(w, v)
	}
	http.SetCookie(w, s.sessionCookie(r, "", time.Time{}))
	// The page is rendered for an anonymous reader now.
	r = r.WithContext(withoutMember(r.Context()))
	v := &noticePage{
		base:    s.accountBase(r, "Account deleted", "/account"),
		Heading: "Your account is deleted",
		Message: "Your email address, name, password, newsletter choices, gift links and sessions are gone; " +
			"any subscription is cancelled and access through an institution has ended. " +
			"We keep only anonymous counts, such as how many readers opened an article, and, until the end of this meter period, " +
			"how many free articles you used in it and whether you opened one by registering, under a keyed hash of your address. " +
			"You can register again at any time; in this period, the free articles you used stay used.",
		Link: "/", LinkText: "Go to the front page",
	}
	v.Canonical = ""
	return s.render(w, "notice", v)
}
