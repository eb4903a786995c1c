package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"masthead"
)

// The column form: name, slug, description, the columnist, the order
// among the columns and an image (an address or a key of the media
// library, typed for now).

// columnForm is the column form exactly as typed.
type columnForm struct {
	Name, Slug, Description, Columnist, Position, ImageURL string
}

type columnView struct {
	page
	New     bool
	Action  string
	SiteURL string
	Form    columnForm
	Errors  map[string]string
	Message string
	Authors []option
}

func (h *Handler) columnView(r *http.Request, me *masthead.Member, old string, form columnForm) (*columnView, error) {
	title := "New column"
	if old != "" {
		title = "Column " + old
	}
	v := &columnView{page: h.page(r, me, title), New: old == "", Action: "/admin/columns/new", Form: form}
	v.Section = "columns"
	if old != "" {
		v.Action, v.SiteURL = "/admin/columns/"+old, "/columns/"+old
	}
	authors, err := h.deps.Taxonomy.Authors(r.Context())
	if err != nil {
		return nil, fmt.Errorf("admin: column form: %w", err)
	}
	v.Authors = append(v.Authors, option{Value: "", Label: "No columnist", Selected: form.Columnist == ""})
	for _, a := range authors {
		v.Authors = append(v.Authors, option{Value: a.Slug, Label: a.Name, Selected: a.Slug == form.Columnist})
	}
	return v, nil
}

func (h *Handler) columnNew(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	v, err := h.columnView(r, me, "", columnForm{Position: "0"})
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "column", v)
}

func (h *Handler) columnEdit(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	c, err := bySlugValue(r, "column", h.deps.Taxonomy.Column)
	if err != nil {
		return err
	}
	form := columnForm{Name: c.Name, Slug: c.Slug, Description: c.Description, Position: strconv.Itoa(c.Position), ImageURL: c.ImageURL}
	if c.Columnist != nil {
		form.Columnist = c.Columnist.Slug
	}
	v, err := h.columnView(r, me, c.Slug, form)
	if err != nil {
		return err
	}
	if msg := r.URL.Query().Get("msg"); msg != "" {
		v.Flash = taxonomyFlash(msg, "")
	}
	return h.render(w, http.StatusOK, "column", v)
}

// columnSave creates (no {slug}) or changes a column.
func (h *Handler) columnSave(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	old := r.PathValue("slug")
	if old != "" {
		if _, err := bySlugValue(r, "column", h.deps.Taxonomy.Column); err != nil {
			return err
		}
	}
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	pf := r.PostForm
	form := columnForm{Name: strings.TrimSpace(pf.Get("name")), Slug: strings.TrimSpace(pf.Get("slug")),
		Description: strings.TrimSpace(pf.Get("description")), Columnist: pf.Get("columnist"),
		Position: strings.TrimSpace(pf.Get("position")), ImageURL: strings.TrimSpace(pf.Get("image_url"))}
	c := masthead.Column{Name: form.Name, Slug: form.Slug, Description: form.Description, ImageURL: form.ImageURL}
	if c.Slug == "" {
		c.Slug = masthead.Slugify(c.Name)
	}
	if form.Columnist != "" {
		c.Columnist = &masthead.Author{Slug: form.Columnist}
	}
	// Every field is checked at once, the order with the rest.
	bad := masthead.Invalid{}
	if form.Position != "" {
		var perr error
		if c.Position, perr = strconv.Atoi(form.Position); perr != nil {
			bad.Add("position", "Order must be a whole number, such as 0, 1 or -1.")
		}
	}
	for k, msg := range masthead.ErrorFields(c.Validate()) {
		bad.Add(k, msg)
	}
	err := bad.Err()
	var saved *masthead.Column
	if err == nil {
		saved, err = h.deps.Newsroom.SaveColumn(r.Context(), old, c)
	}
	if err == nil {
		http.Redirect(w, r, "/admin/columns/"+saved.Slug+"?msg=saved", http.StatusSeeOther)
		return nil
	}
	var invalid *masthead.Error
	if !errors.As(err, &invalid) || invalid.Code != masthead.EINVALID {
		return err
	}
	v, verr := h.columnView(r, me, old, form)
	if verr != nil {
		return verr
	}
	v.Errors, v.Message = invalid.Fields, invalid.Message
	return h.render(w, http.StatusBadRequest, "column", v)
}

// bySlugValue finds what the {slug} path value names; a malformed slug
// is not found without a query.
func bySlugValue[T any](r *http.Request, what string, find func(ctx context.Context, slug string) (T, error)) (T, error) {
	slug := r.PathValue("slug")
	if !masthead.ValidSlug(slug) {
		var zero T
		return zero, masthead.Errorf(masthead.ENOTFOUND, "There is no such %s.", what)
	}
	return find(r.Context(), slug)
}

// fieldError is a validation error on one field of a form.
func fieldError(field, msg string) error {
	v := masthead.Invalid{}
	v.Add(field, msg)
	return v.Err()
}
