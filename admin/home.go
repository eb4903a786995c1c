package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"masthead"
)

// The home page as an editor arranges it: the lead story, the stories
// pinned under it, and the sections in order (masthead.HomeLayout). What
// is left empty falls back to the newest; below everything the site
// lists the latest articles not shown above.

// HomeStore keeps the home page's layout.
type HomeStore interface {
	HomeLayout(ctx context.Context) (*masthead.HomeLayout, error)
	SaveHomeLayout(ctx context.Context, h masthead.HomeLayout, by int64) error
}

type homeForm struct {
	Lead, Pinned, Sections string
}

type homeLayoutView struct {
	page
	Form    homeForm
	Errors  map[string]string
	Message string
	// Recent are the newest live articles, to choose the lead from.
	Recent []option
	// Topics and Columns are the slugs sections may name.
	Topics, Columns string
}

// homeEditors narrows a handler to editors and admins on a site that
// keeps a home layout.
func (h *Handler) homeEditors(fn staffHandler) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		if h.deps.Home == nil {
			return h.notFound(w, r)
		}
		if !me.Role.CanPublish() {
			return masthead.Errorf(masthead.EFORBIDDEN, "Only editors and administrators arrange the home page.")
		}
		return fn(w, r, me)
	}
}

func (h *Handler) homeLayoutView(r *http.Request, me *masthead.Member, form homeForm) (*homeLayoutView, error) {
	ctx := r.Context()
	v := &homeLayoutView{page: h.page(r, me, "Home page"), Form: form}
	v.Section = "home"
	list, _, err := h.deps.Articles.Articles(ctx, masthead.ArticleFilter{Live: true, Now: h.now(), Limit: 50, Bare: true})
	if err != nil {
		return nil, fmt.Errorf("admin: home page: %w", err)
	}
	v.Recent = append(v.Recent, option{Value: "", Label: "The newest daily analysis", Selected: form.Lead == ""})
	found := form.Lead == ""
	for _, a := range list {
		v.Recent = append(v.Recent, option{Value: a.Slug, Label: a.Title, Selected: a.Slug == form.Lead})
		found = found || a.Slug == form.Lead
	}
	if !found {
		// A lead chosen earlier and pushed down the list since.
		v.Recent = append(v.Recent, option{Value: form.Lead, Label: form.Lead, Selected: true})
	}
	topics, err := h.deps.Taxonomy.Topics(ctx)
	if err != nil {
		return nil, fmt.Errorf("admin: home page: %w", err)
	}
	var slugs []string
	for _, t := range topics {
		slugs = append(slugs, t.Slug)
	}
	v.Topics = strings.Join(slugs, ", ")
	columns, err := h.deps.Taxonomy.Columns(ctx)
	if err != nil {
		return nil, fmt.Errorf("admin: home page: %w", err)
	}
	slugs = slugs[:0]
	for _, c := range columns {
		slugs = append(slugs, c.Slug)
	}
	v.Columns = strings.Join(slugs, ", ")
	return v, nil
}

func (h *Handler) homeLayoutPage(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	l, err := h.deps.Home.HomeLayout(r.Context())
	if err != nil {
		return fmt.Errorf("admin: home page: %w", err)
	}
	v, err := h.homeLayoutView(r, me, homeForm{Lead: l.Lead, Pinned: strings.Join(l.Pinned, "\n"),
		Sections: masthead.FormatHomeSections(l.Sections)})
	if err != nil {
		return err
	}
	if r.URL.Query().Get("msg") == "saved" {
		v.Flash = "Home page saved; readers see it within a few seconds."
	}
	return h.render(w, http.StatusOK, "home", v)
}

func (h *Handler) homeLayoutSave(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	form := homeForm{Lead: strings.TrimSpace(r.PostFormValue("lead")), Pinned: r.PostFormValue("pinned"),
		Sections: r.PostFormValue("sections")}
	l := masthead.HomeLayout{Lead: form.Lead}
	for _, p := range masthead.SplitLines(form.Pinned) {
		l.Pinned = append(l.Pinned, strings.TrimPrefix(strings.TrimSuffix(p, "/"), "/articles/"))
	}
	sections, err := masthead.ParseHomeSections(form.Sections)
	if err == nil {
		l.Sections = sections
		err = h.deps.Home.SaveHomeLayout(r.Context(), l, me.ID)
	}
	if err == nil {
		http.Redirect(w, r, "/admin/home?msg=saved", http.StatusSeeOther)
		return nil
	}
	var invalid *masthead.Error
	if !errors.As(err, &invalid) || invalid.Code != masthead.EINVALID {
		return err
	}
	v, verr := h.homeLayoutView(r, me, form)
	if verr != nil {
		return verr
	}
	v.Errors, v.Message = invalid.Fields, invalid.Message
	return h.render(w, http.StatusBadRequest, "home", v)
}
