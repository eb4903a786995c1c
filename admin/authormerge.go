package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"masthead"
)

// AuthorMerger folds one author into another (store.MergeAuthors); the
// store's DB is one, and when Deps.Newsroom is one too the author page
// offers the merge.
type AuthorMerger interface {
	MergeAuthors(ctx context.Context, from, into string) (int, error)
}

// authorMerge folds the author of the path into the one the form names:
// editors and admins, as with topics and regions.
func (h *Handler) authorMerge(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	m, ok := h.deps.Newsroom.(AuthorMerger)
	if !ok {
		return h.notFound(w, r)
	}
	a, err := h.authorGuard(r, me)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	into := strings.TrimSpace(r.PostFormValue("into"))
	n, err := m.MergeAuthors(r.Context(), a.Slug, into)
	if err != nil {
		fields := masthead.ErrorFields(err)
		if len(fields) == 0 {
			return fmt.Errorf("admin: merge author %q: %w", a.Slug, err)
		}
		form := authorForm{Name: a.Name, Slug: a.Slug, Bio: a.Bio, PhotoURL: a.PhotoURL, Links: strings.Join(a.Links, "\n")}
		if form.Account, err = h.accountOf(r, a.Slug); err != nil {
			return err
		}
		v, err := h.authorView(r, me, a.Slug, form)
		if err != nil {
			return err
		}
		v.MergeInto, v.MergeError = into, fields["into"]
		return h.render(w, http.StatusUnprocessableEntity, "author", v)
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/authors/%s?msg=merged&n=%d", url.PathEscape(into), n), http.StatusSeeOther)
	return nil
}
