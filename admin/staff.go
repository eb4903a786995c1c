package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"masthead"
)

// The staff list, where administrators also take a staff role away.

func (h *Handler) staffList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	v, err := h.staffPageView(r, me)
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "staff", v)
}

func (h *Handler) staffPageView(r *http.Request, me *masthead.Member) (*staffView, error) {
	staff, err := h.deps.Members.Staff(r.Context())
	if err != nil {
		return nil, fmt.Errorf("admin: list staff: %w", err)
	}
	v := &staffView{page: h.page(r, me, "Staff")}
	v.Section = "staff"
	for _, m := range staff {
		v.Staff = append(v.Staff, staffRow{
			ID:         m.ID,
			Email:      m.Email,
			Name:       m.Name,
			Role:       string(m.Role),
			AuthorSlug: m.AuthorSlug,
			Since:      h.formatTime(m.CreatedAt),
		})
	}
	return v, nil
}

// staffRemove takes a staff role away (administrators only, behind the
// staff area's cross-origin check). The store refuses to remove the last
// administrator, so an administrator removes themselves only when another
// remains; their own session then ends with the others.
func (h *Handler) staffRemove(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return masthead.Errorf(masthead.ENOTFOUND, "There is no such member of staff.")
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	out, err := h.deps.Members.RemoveStaff(r.Context(), id, me.ID)
	if err != nil {
		return err
	}
	if id == me.ID {
		c := h.sessionCookie(r, "", time.Time{})
		c.MaxAge = -1
		http.SetCookie(w, c)
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return nil
	}
	v, err := h.staffPageView(r, me)
	if err != nil {
		return err
	}
	v.Flash = fmt.Sprintf("%s is no longer %s: %d sessions ended and %d Admin API tokens revoked.",
		out.Member.Email, out.Member.Role, out.Sessions, out.Tokens)
	return h.render(w, http.StatusOK, "staff", v)
}
