package admin

import (
	"fmt"
	"net/http"

	"masthead"
)

func (h *Handler) staffList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	staff, err := h.deps.Members.Staff(r.Context())
	if err != nil {
		return fmt.Errorf("admin: list staff: %w", err)
	}
	v := &staffView{page: h.page(r, me, "Staff")}
	v.Section = "staff"
	for _, m := range staff {
		v.Staff = append(v.Staff, staffRow{
			Email:      m.Email,
			Name:       m.Name,
			Role:       string(m.Role),
			AuthorSlug: m.AuthorSlug,
			Since:      h.formatTime(m.CreatedAt),
		})
	}
	return h.render(w, http.StatusOK, "staff", v)
}
