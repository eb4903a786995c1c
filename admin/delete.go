package admin

import (
	"fmt"
	"net/http"

	"masthead"
)

func (h *Handler) articleDeleteConfirm(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	a, err := h.loadArticle(r, me)
	if err != nil {
		return err
	}
	if err := mayDelete(me, a); err != nil {
		return err
	}
	v := &deleteView{page: h.page(r, me, "Delete: "+a.Title), ID: a.ID, Title: a.Title, Published: !a.PublishedAt.IsZero()}
	v.Section = "articles"
	return h.render(w, http.StatusOK, "delete", v)
}

func (h *Handler) articleDelete(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	a, err := h.loadArticle(r, me)
	if err != nil {
		return err
	}
	if err := mayDelete(me, a); err != nil {
		return err
	}
	if err := h.deps.Articles.DeleteArticle(r.Context(), a.ID); err != nil {
		return fmt.Errorf("admin: delete article %d: %w", a.ID, err)
	}
	http.Redirect(w, r, "/admin/?msg=deleted", http.StatusSeeOther)
	return nil
}

// mayDelete lets authors delete only what readers never saw: deleting a
// published article takes it from readers, which is an editor's call.
func mayDelete(me *masthead.Member, a *masthead.Article) error {
	if me.Role.CanPublish() || a.PublishedAt.IsZero() {
		return nil
	}
	return masthead.Errorf(masthead.EFORBIDDEN, "Only editors delete an article that has been published.")
}
