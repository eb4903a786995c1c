package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"masthead"
)

// The author form: name, slug, bio, photo, links and the staff account
// behind the byline. Editors and admins edit every author; an author
// edits their own byline's bio, photo and links, and the rest of the
// form is shown to them as text (a posted name, slug or account is
// ignored, as a script can post any field).

type authorForm struct {
	Name, Slug, Bio, PhotoURL, Links, Account string
}

type authorView struct {
	page
	New     bool
	Action  string
	SiteURL string
	Form    authorForm
	Errors  map[string]string
	Message string
	// Own is set when an author edits their own byline: only the bio,
	// photo and links are theirs to change.
	Own      bool
	Accounts []option
	// CanMerge offers folding this author into another (authormerge.go);
	// MergeInto and MergeError are a refused merge's.
	CanMerge   bool
	MergeInto  string
	MergeError string
}

// canEditAuthor reports whether me may edit the byline slug: editors and
// admins any, an author their own.
func canEditAuthor(me *masthead.Member, slug string) bool {
	return me.Role.CanPublish() || (me.AuthorSlug != "" && me.AuthorSlug == slug)
}

func (h *Handler) authorView(r *http.Request, me *masthead.Member, old string, form authorForm) (*authorView, error) {
	title := "New author"
	if old != "" {
		title = "Author " + old
	}
	v := &authorView{page: h.page(r, me, title), New: old == "", Action: "/admin/authors/new", Form: form,
		Own: !me.Role.CanPublish()}
	v.Section = "authors"
	if old != "" {
		v.Action, v.SiteURL = "/admin/authors/"+old, "/authors/"+old
	}
	if v.Own {
		return v, nil
	}
	_, merges := h.deps.Newsroom.(AuthorMerger)
	v.CanMerge = merges && old != ""
	staff, err := h.deps.Members.Staff(r.Context())
	if err != nil {
		return nil, fmt.Errorf("admin: author form: %w", err)
	}
	v.Accounts = append(v.Accounts, option{Value: "0", Label: "No account", Selected: form.Account == "" || form.Account == "0"})
	for _, m := range staff {
		id := strconv.FormatInt(m.ID, 10)
		label := m.Email + " (" + string(m.Role) + ")"
		if m.AuthorSlug != "" && m.AuthorSlug != old {
			label += " — writes as " + m.AuthorSlug
		}
		v.Accounts = append(v.Accounts, option{Value: id, Label: label, Selected: form.Account == id})
	}
	return v, nil
}

// accountOf is the id of the staff member linked to the byline slug, or
// "".
func (h *Handler) accountOf(r *http.Request, slug string) (string, error) {
	staff, err := h.deps.Members.Staff(r.Context())
	if err != nil {
		return "", fmt.Errorf("admin: author form: %w", err)
	}
	for _, m := range staff {
		if m.AuthorSlug == slug {
			return strconv.FormatInt(m.ID, 10), nil
		}
	}
	return "", nil
}

func (h *Handler) authorNew(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	v, err := h.authorView(r, me, "", authorForm{})
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "author", v)
}

// authorGuard finds the author of the path for me, or says no.
func (h *Handler) authorGuard(r *http.Request, me *masthead.Member) (*masthead.Author, error) {
	if h.deps.Newsroom == nil {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such page in the staff area.")
	}
	if !canEditAuthor(me, r.PathValue("slug")) {
		return nil, masthead.Errorf(masthead.EFORBIDDEN, "You may edit your own author profile only.")
	}
	return bySlugValue(r, "author", h.deps.Taxonomy.Author)
}

func (h *Handler) authorEdit(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	a, err := h.authorGuard(r, me)
	if err != nil {
		return err
	}
	form := authorForm{Name: a.Name, Slug: a.Slug, Bio: a.Bio, PhotoURL: a.PhotoURL, Links: strings.Join(a.Links, "\n")}
	if form.Account, err = h.accountOf(r, a.Slug); err != nil {
		return err
	}
	v, err := h.authorView(r, me, a.Slug, form)
	if err != nil {
		return err
	}
	if msg := r.URL.Query().Get("msg"); msg != "" {
		v.Flash = taxonomyFlash(msg, r.URL.Query().Get("n"))
	}
	return h.render(w, http.StatusOK, "author", v)
}

func (h *Handler) authorCreate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	return h.authorSave(w, r, me, nil)
}

func (h *Handler) authorUpdate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	a, err := h.authorGuard(r, me)
	if err != nil {
		return err
	}
	return h.authorSave(w, r, me, a)
}

// authorSave creates (old nil) or changes an author from the form.
func (h *Handler) authorSave(w http.ResponseWriter, r *http.Request, me *masthead.Member, old *masthead.Author) error {
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	pf := r.PostForm
	form := authorForm{Name: strings.TrimSpace(pf.Get("name")), Slug: strings.TrimSpace(pf.Get("slug")),
		Bio: strings.TrimSpace(pf.Get("bio")), PhotoURL: strings.TrimSpace(pf.Get("photo_url")),
		Links: pf.Get("links"), Account: pf.Get("account")}
	oldSlug := ""
	if old != nil {
		oldSlug = old.Slug
	}
	var account *int64
	if !me.Role.CanPublish() {
		// An author's own profile: the byline's name, slug and account
		// stay as they are.
		form.Name, form.Slug = old.Name, old.Slug
	} else if id, err := strconv.ParseInt(cmpOrStr(form.Account, "0"), 10, 64); err == nil && id >= 0 {
		account = &id
	}
	a := masthead.Author{Name: form.Name, Slug: form.Slug, Bio: form.Bio, PhotoURL: form.PhotoURL, Links: masthead.SplitLines(form.Links)}
	if a.Slug == "" {
		a.Slug = masthead.Slugify(a.Name)
	}
	saved, err := h.deps.Newsroom.SaveAuthor(r.Context(), oldSlug, a, account)
	if err == nil {
		http.Redirect(w, r, "/admin/authors/"+saved.Slug+"?msg=saved", http.StatusSeeOther)
		return nil
	}
	var invalid *masthead.Error
	if !errors.As(err, &invalid) || invalid.Code != masthead.EINVALID {
		return err
	}
	v, verr := h.authorView(r, me, oldSlug, form)
	if verr != nil {
		return verr
	}
	v.Errors, v.Message = invalid.Fields, invalid.Message
	return h.render(w, http.StatusBadRequest, "author", v)
}
