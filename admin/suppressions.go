package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"masthead"
)

// The suppression list: addresses no newsletter goes to (hard bounces,
// complaints, refusals at send time, staff's own entries), searchable, and
// each liftable after a confirmation.

type suppressionsView struct {
	page
	Query   string
	Rows    []suppressionRow
	PageNum int
	PrevURL string
	NextURL string
}

type suppressionRow struct {
	Email, Reason, Detail, Since, LiftURL string
}

type liftView struct {
	page
	Email  string
	Reason string
	Detail string
	Since  string
}

// suppressionPage is the list's page size.
const suppressionPage = 50

func (h *Handler) suppressionList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	q := r.URL.Query()
	v := &suppressionsView{page: h.deskPage(r, me, "Suppressions"), Query: strings.TrimSpace(q.Get("q")), PageNum: 1}
	v.Section = "suppressions"
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 && n <= 10000 {
		v.PageNum = n
	}
	rows, err := h.deps.Newsletters.Suppressions(r.Context(), masthead.SuppressionFilter{
		Query: v.Query, Limit: suppressionPage + 1, Offset: (v.PageNum - 1) * suppressionPage})
	if err != nil {
		return fmt.Errorf("admin: suppressions: %w", err)
	}
	more := len(rows) > suppressionPage
	if more {
		rows = rows[:suppressionPage]
	}
	for _, s := range rows {
		v.Rows = append(v.Rows, suppressionRow{Email: s.Email, Reason: string(s.Reason), Detail: s.Detail,
			Since: h.formatTime(s.CreatedAt), LiftURL: "/admin/suppressions/lift?" + url.Values{"email": {s.Email}}.Encode()})
	}
	pageURL := func(n int) string {
		u := url.Values{}
		if v.Query != "" {
			u.Set("q", v.Query)
		}
		if n > 1 {
			u.Set("page", strconv.Itoa(n))
		}
		if len(u) == 0 {
			return "/admin/suppressions"
		}
		return "/admin/suppressions?" + u.Encode()
	}
	if v.PageNum > 1 {
		v.PrevURL = pageURL(v.PageNum - 1)
	}
	if more {
		v.NextURL = pageURL(v.PageNum + 1)
	}
	return h.render(w, http.StatusOK, "suppressions", v)
}

// findSuppression looks an address up in the list.
func (h *Handler) findSuppression(r *http.Request, email string) (*masthead.Suppression, error) {
	addr := strings.ToLower(strings.TrimSpace(email))
	if addr == "" {
		return nil, masthead.Errorf(masthead.EINVALID, "Choose an address from the list.")
	}
	rows, err := h.deps.Newsletters.Suppressions(r.Context(), masthead.SuppressionFilter{Query: addr, Limit: 100})
	if err != nil {
		return nil, fmt.Errorf("admin: find suppression: %w", err)
	}
	for _, s := range rows {
		if s.Email == addr {
			return &s, nil
		}
	}
	return nil, masthead.Errorf(masthead.ENOTFOUND, "%s is not on the suppression list.", addr)
}

// suppressionLiftConfirm asks before lifting: a lifted address gets the
// next issue, and a complaint lifted by mistake hurts the sender's
// reputation.
func (h *Handler) suppressionLiftConfirm(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	s, err := h.findSuppression(r, r.URL.Query().Get("email"))
	if err != nil {
		return err
	}
	v := &liftView{page: h.deskPage(r, me, "Lift suppression"), Email: s.Email, Reason: string(s.Reason),
		Detail: s.Detail, Since: h.formatTime(s.CreatedAt)}
	v.Section = "suppressions"
	return h.render(w, http.StatusOK, "suppression_lift", v)
}

func (h *Handler) suppressionLift(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	if email == "" {
		return masthead.Errorf(masthead.EINVALID, "Choose an address from the list.")
	}
	if err := h.deps.Newsletters.LiftSuppression(r.Context(), email); err != nil {
		if masthead.ErrorCode(err) == masthead.ENOTFOUND {
			return masthead.Errorf(masthead.ENOTFOUND, "%s is not on the suppression list.", email)
		}
		return fmt.Errorf("admin: lift suppression: %w", err)
	}
	h.deps.Logger.InfoContext(r.Context(), "admin: suppression lifted", "email", email, "by", me.Email)
	http.Redirect(w, r, "/admin/suppressions?msg=lifted", http.StatusSeeOther)
	return nil
}
