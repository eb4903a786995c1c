package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"masthead"
)

// The taxonomy editors keep: columns (columns.go), authors (authors.go),
// topics and regions (here). Each kind has a list, a form that creates
// and one that edits; topics and regions also merge. A refused form
// comes back with what was typed and a message beside each field at
// fault; nothing is saved then. A changed slug leaves the old page
// redirecting to the new one, and every save raises the content version,
// so the reader site's caches forget the old pages on every instance.

// NewsroomStore saves the taxonomy; reads go through
// masthead.TaxonomyService.
type NewsroomStore interface {
	// SaveColumn creates a column (old "") or changes the column whose
	// slug is old.
	SaveColumn(ctx context.Context, old string, c masthead.Column) (*masthead.Column, error)
	// SaveAuthor creates an author (old "") or changes the one whose
	// slug is old; the staff account linked to the byline follows a new
	// slug. account, when not nil, links the byline to that staff member
	// (0: to nobody).
	SaveAuthor(ctx context.Context, old string, a masthead.Author, account *int64) (*masthead.Author, error)
	// SaveTerm creates or changes a topic or a region.
	SaveTerm(ctx context.Context, kind masthead.TermKind, old string, t masthead.Term) (*masthead.Term, error)
	// MergeTerms folds the topic or region from into into and returns
	// how many articles carried from.
	MergeTerms(ctx context.Context, kind masthead.TermKind, from, into string) (int, error)
}

// newsroomOnly narrows a staff handler to editors and admins, on a site
// whose store edits the taxonomy.
func (h *Handler) newsroomOnly(fn staffHandler) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		if h.deps.Newsroom == nil {
			return h.notFound(w, r)
		}
		if !me.Role.CanPublish() {
			return masthead.Errorf(masthead.EFORBIDDEN, "Only editors and administrators change the site's structure.")
		}
		return fn(w, r, me)
	}
}

// taxonomyView is the list of one kind.
type taxonomyView struct {
	page
	Kind    masthead.TermKind
	Plural  string
	Intro   string
	NewURL  string
	Rows    []taxonomyRow
	Columns bool // show the columnist and order
}

type taxonomyRow struct {
	Name, Slug, About string
	EditURL, SiteURL  string
	Columnist         string
	Position          int
}

// termView is the form of a topic or a region, with the merge form.
type termView struct {
	page
	Kind    masthead.TermKind
	New     bool
	Old     string // the slug the form edits
	Action  string
	SiteURL string
	Form    masthead.Term
	Errors  map[string]string
	Message string
	// Others are the terms this one may merge into.
	Others []option
}

func kindPlural(k masthead.TermKind) string { return k.Label() + "s" }

func (h *Handler) taxonomyList(kind masthead.TermKind) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		ctx := r.Context()
		v := &taxonomyView{page: h.page(r, me, kindPlural(kind)), Kind: kind, Plural: kindPlural(kind),
			NewURL: "/admin" + kind.Prefix() + "new"}
		v.Section = string(kind) + "s"
		row := func(name, slug, about string) taxonomyRow {
			return taxonomyRow{Name: name, Slug: slug, About: about, EditURL: "/admin" + kind.Prefix() + slug, SiteURL: kind.Prefix() + slug}
		}
		switch kind {
		case masthead.TermColumn:
			v.Intro, v.Columns = "Recurring series with a page of their own, listed in the order given here.", true
			cs, err := h.deps.Taxonomy.Columns(ctx)
			if err != nil {
				return fmt.Errorf("admin: columns: %w", err)
			}
			for _, c := range cs {
				rw := row(c.Name, c.Slug, c.Description)
				rw.Position = c.Position
				if c.Columnist != nil {
					rw.Columnist = c.Columnist.Name
				}
				v.Rows = append(v.Rows, rw)
			}
		case masthead.TermAuthor:
			v.Intro = "Bylines, each with a page of its own; a byline may be linked to the staff account that writes under it."
			as, err := h.deps.Taxonomy.Authors(ctx)
			if err != nil {
				return fmt.Errorf("admin: authors: %w", err)
			}
			for _, a := range as {
				v.Rows = append(v.Rows, row(a.Name, a.Slug, a.Bio))
			}
		default:
			v.Intro = "Labels an article carries; each has a page. Rename one, describe it, or merge two into one."
			list, err := h.terms(ctx, kind)
			if err != nil {
				return err
			}
			for _, t := range list {
				v.Rows = append(v.Rows, row(t.Name, t.Slug, t.Description))
			}
		}
		return h.render(w, http.StatusOK, "taxonomy", v)
	}
}

func (h *Handler) terms(ctx context.Context, kind masthead.TermKind) ([]masthead.Term, error) {
	var (
		list []masthead.Term
		err  error
	)
	if kind == masthead.TermRegion {
		list, err = h.deps.Taxonomy.Regions(ctx)
	} else {
		list, err = h.deps.Taxonomy.Topics(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("admin: %ss: %w", kind, err)
	}
	return list, nil
}

func (h *Handler) term(ctx context.Context, kind masthead.TermKind, slug string) (*masthead.Term, error) {
	if !masthead.ValidSlug(slug) {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such %s.", strings.ToLower(kind.Label()))
	}
	if kind == masthead.TermRegion {
		return h.deps.Taxonomy.Region(ctx, slug)
	}
	return h.deps.Taxonomy.Topic(ctx, slug)
}

func (h *Handler) termView(r *http.Request, me *masthead.Member, kind masthead.TermKind, old string) (*termView, error) {
	title := "New " + strings.ToLower(kind.Label())
	if old != "" {
		title = kind.Label() + " " + old
	}
	v := &termView{page: h.page(r, me, title), Kind: kind, New: old == "", Old: old, Action: "/admin" + kind.Prefix() + "new"}
	v.Section = string(kind) + "s"
	if old != "" {
		v.Action, v.SiteURL = "/admin"+kind.Prefix()+old, kind.Prefix()+old
		list, err := h.terms(r.Context(), kind)
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			if t.Slug != old {
				v.Others = append(v.Others, option{Value: t.Slug, Label: t.Name + " (" + t.Slug + ")"})
			}
		}
	}
	return v, nil
}

func (h *Handler) termNew(kind masthead.TermKind) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		v, err := h.termView(r, me, kind, "")
		if err != nil {
			return err
		}
		return h.render(w, http.StatusOK, "term", v)
	}
}

func (h *Handler) termEdit(kind masthead.TermKind) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		t, err := h.term(r.Context(), kind, r.PathValue("slug"))
		if err != nil {
			return err
		}
		v, err := h.termView(r, me, kind, t.Slug)
		if err != nil {
			return err
		}
		v.Form = *t
		if msg := r.URL.Query().Get("msg"); msg != "" {
			v.Flash = taxonomyFlash(msg, r.URL.Query().Get("n"))
		}
		return h.render(w, http.StatusOK, "term", v)
	}
}

// termSave creates (no {slug}) or changes a topic or a region.
func (h *Handler) termSave(kind masthead.TermKind) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		old := r.PathValue("slug")
		if old != "" {
			if _, err := h.term(r.Context(), kind, old); err != nil {
				return err
			}
		}
		if err := parseForm(w, r, 64<<10); err != nil {
			return err
		}
		pf := r.PostForm
		form := masthead.Term{Slug: strings.TrimSpace(pf.Get("slug")), Name: strings.TrimSpace(pf.Get("name")),
			Description: strings.TrimSpace(pf.Get("description"))}
		if form.Slug == "" {
			form.Slug = masthead.Slugify(form.Name)
		}
		saved, err := h.deps.Newsroom.SaveTerm(r.Context(), kind, old, form)
		if err == nil {
			http.Redirect(w, r, "/admin"+kind.Prefix()+saved.Slug+"?msg=saved", http.StatusSeeOther)
			return nil
		}
		return h.termRefused(w, r, me, kind, old, form, err)
	}
}

func (h *Handler) termRefused(w http.ResponseWriter, r *http.Request, me *masthead.Member, kind masthead.TermKind, old string, form masthead.Term, err error) error {
	var invalid *masthead.Error
	if !errors.As(err, &invalid) || invalid.Code != masthead.EINVALID {
		return err
	}
	v, verr := h.termView(r, me, kind, old)
	if verr != nil {
		return verr
	}
	v.Form, v.Errors, v.Message = form, invalid.Fields, invalid.Message
	return h.render(w, http.StatusBadRequest, "term", v)
}

// termMerge folds the term of the path into the one the form names.
func (h *Handler) termMerge(kind masthead.TermKind) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		t, err := h.term(r.Context(), kind, r.PathValue("slug"))
		if err != nil {
			return err
		}
		if err := parseForm(w, r, 4<<10); err != nil {
			return err
		}
		into := strings.TrimSpace(r.PostFormValue("into"))
		n, err := h.deps.Newsroom.MergeTerms(r.Context(), kind, t.Slug, into)
		if err != nil {
			return h.termRefused(w, r, me, kind, t.Slug, *t, err)
		}
		http.Redirect(w, r, fmt.Sprintf("/admin%s%s?msg=merged&n=%d", kind.Prefix(), url.PathEscape(into), n), http.StatusSeeOther)
		return nil
	}
}

// taxonomyFlash are the confirmations of the taxonomy pages.
func taxonomyFlash(code, n string) string {
	switch code {
	case "saved":
		return "Saved. A changed slug's old page now redirects here."
	case "merged":
		if n == "" || strings.Trim(n, "0123456789") != "" {
			n = "Its"
		}
		return "Merged: " + n + " articles moved here, and the old page redirects here."
	}
	return ""
}
