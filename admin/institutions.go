package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"masthead"
)

// The institution pages: the list with each one's usage, and the form
// that creates and edits one. A refused form comes back with what was
// typed and a message on each field at fault; nothing is changed then.

type institutionsView struct {
	page
	Rows []institutionRow
}

type institutionRow struct {
	ID        int64
	Name      string
	Ranges    int
	Domains   string
	Seats     string // "12 / 50", or "12" with no limit
	Full      bool
	Refused   int
	Agreement string
	Active    bool
}

func (h *Handler) institutionList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.MemberStore == nil {
		return errNoMemberPages
	}
	list, err := h.deps.MemberStore.Institutions(r.Context(), h.now())
	if err != nil {
		return fmt.Errorf("admin: institutions: %w", err)
	}
	v := &institutionsView{page: h.page(r, me, "Institutions")}
	v.Section = "institutions"
	now := h.now()
	for _, in := range list {
		row := institutionRow{ID: in.ID, Name: in.Name, Ranges: len(in.Ranges), Domains: strings.Join(in.Domains, ", "),
			Seats: strconv.Itoa(in.SeatsUsed), Full: in.SeatsFull(), Refused: in.SeatsRefused,
			Agreement: h.agreement(in), Active: in.ActiveAt(now)}
		if in.SeatLimit > 0 {
			row.Seats += " / " + strconv.Itoa(in.SeatLimit)
		}
		v.Rows = append(v.Rows, row)
	}
	return h.render(w, http.StatusOK, "institutions", v)
}

// agreement describes an institution's dates; the end shown is the last
// day of access.
func (h *Handler) agreement(in *masthead.Institution) string {
	s := "from " + h.formatDate(in.StartsAt)
	if !in.EndsAt.IsZero() {
		s += " through " + h.formatDate(in.EndsAt.AddDate(0, 0, -1))
	} else {
		s += ", no end date"
	}
	return s
}

type institutionView struct {
	page
	New     bool
	ID      int64
	Form    masthead.InstitutionInput
	Errors  map[string]string
	Message string
	// Usage, when editing.
	Institution *masthead.Institution
	Seats       string
	LastRefused string
	MembersURL  string
}

func (h *Handler) institutionNew(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.MemberStore == nil {
		return errNoMemberPages
	}
	v := &institutionView{page: h.page(r, me, "New institution"), New: true}
	v.Section = "institutions"
	v.Form.StartsAt = h.now().In(h.deps.Location).Format("2006-01-02")
	return h.render(w, http.StatusOK, "institution", v)
}

func (h *Handler) institutionEdit(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.MemberStore == nil {
		return errNoMemberPages
	}
	in, err := h.institutionFromPath(r)
	if err != nil {
		return err
	}
	v := h.institutionViewOf(r, me, in)
	v.Form = h.institutionForm(in)
	return h.render(w, http.StatusOK, "institution", v)
}

func (h *Handler) institutionFromPath(r *http.Request) (*masthead.Institution, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such institution.")
	}
	return h.deps.MemberStore.Institution(r.Context(), id, h.now())
}

func (h *Handler) institutionViewOf(r *http.Request, me *masthead.Member, in *masthead.Institution) *institutionView {
	v := &institutionView{page: h.page(r, me, in.Name), ID: in.ID, Institution: in}
	v.Section = "institutions"
	v.Seats = strconv.Itoa(in.SeatsUsed)
	if in.SeatLimit > 0 {
		v.Seats += " of " + strconv.Itoa(in.SeatLimit)
	}
	v.LastRefused = h.formatTime(in.LastRefusedAt)
	v.MembersURL = "/admin/members?state=institution"
	return v
}

// institutionForm writes an institution back as the form shows it.
func (h *Handler) institutionForm(in *masthead.Institution) masthead.InstitutionInput {
	f := masthead.InstitutionInput{Name: in.Name, Note: in.Note, Domains: strings.Join(in.Domains, "\n"),
		StartsAt: in.StartsAt.In(h.deps.Location).Format("2006-01-02")}
	var ranges []string
	for _, p := range in.Ranges {
		ranges = append(ranges, p.String())
	}
	f.Ranges = strings.Join(ranges, "\n")
	if in.SeatLimit > 0 {
		f.SeatLimit = strconv.Itoa(in.SeatLimit)
	}
	if !in.EndsAt.IsZero() {
		f.EndsAt = in.EndsAt.In(h.deps.Location).AddDate(0, 0, -1).Format("2006-01-02")
	}
	return f
}

func (h *Handler) institutionCreate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	return h.institutionSave(w, r, me, nil)
}

func (h *Handler) institutionUpdate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.MemberStore == nil {
		return errNoMemberPages
	}
	in, err := h.institutionFromPath(r)
	if err != nil {
		return err
	}
	return h.institutionSave(w, r, me, in)
}

// institutionSave creates (old nil) or updates an institution from the
// form, or shows the form again with what was typed and why it was
// refused.
func (h *Handler) institutionSave(w http.ResponseWriter, r *http.Request, me *masthead.Member, old *masthead.Institution) error {
	if h.deps.MemberStore == nil {
		return errNoMemberPages
	}
	if err := parseForm(w, r, 256<<10); err != nil {
		return err
	}
	pf := r.PostForm
	form := masthead.InstitutionInput{Name: pf.Get("name"), Ranges: pf.Get("ranges"), Domains: pf.Get("domains"),
		SeatLimit: pf.Get("seat_limit"), StartsAt: pf.Get("starts_at"), EndsAt: pf.Get("ends_at"), Note: pf.Get("note")}
	in, err := form.Parse(h.deps.Location, h.now())
	var saved *masthead.Institution
	if err == nil {
		if old == nil {
			saved, err = h.deps.MemberStore.CreateInstitution(r.Context(), in, me.ID)
		} else {
			in.ID = old.ID
			saved, err = h.deps.MemberStore.UpdateInstitution(r.Context(), in, me.ID)
		}
	}
	if err == nil {
		if h.deps.InstitutionsChanged != nil {
			h.deps.InstitutionsChanged(r.Context())
		}
		if len(saved.SeatsEnded) > 0 {
			// The page itself, not a redirect: the names of the members
			// who lost a seat are said once, here.
			v := h.institutionViewOf(r, me, saved)
			v.Form = h.institutionForm(saved)
			v.Flash = seatsEndedFlash(saved)
			return h.render(w, http.StatusOK, "institution", v)
		}
		msg := "institution-saved"
		if old == nil {
			msg = "institution-created"
		}
		http.Redirect(w, r, fmt.Sprintf("/admin/institutions/%d?msg=%s", saved.ID, msg), http.StatusSeeOther)
		return nil
	}
	var invalid *masthead.Error
	if !errors.As(err, &invalid) || invalid.Code != masthead.EINVALID {
		return err
	}
	var v *institutionView
	if old == nil {
		v = &institutionView{page: h.page(r, me, "New institution"), New: true}
		v.Section = "institutions"
	} else {
		v = h.institutionViewOf(r, me, old)
	}
	v.Form, v.Errors, v.Message = form, invalid.Fields, invalid.Message
	return h.render(w, http.StatusBadRequest, "institution", v)
}

// seatsEndedFlash says which members lost their seat when the limit was
// lowered below the seats in use.
func seatsEndedFlash(in *masthead.Institution) string {
	names := make([]string, len(in.SeatsEnded))
	for i, m := range in.SeatsEnded {
		names[i] = m.Email
		if m.Name != "" {
			names[i] = m.Name + " (" + m.Email + ")"
		}
	}
	return fmt.Sprintf("Institution saved. The limit is now %d seats, so the %d newest seats ended and these members lost access through %s: %s.",
		in.SeatLimit, len(names), in.Name, strings.Join(names, ", "))
}
