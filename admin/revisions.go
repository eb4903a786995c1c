package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"masthead"
	"masthead/http/web"
)

// WritingStore keeps an article's revisions and its corrections and
// updates (docs/newsroom.md, "Writing"). The store's DB is one; when
// Deps.Writing is nil and Deps.Articles is one too, it serves.
type WritingStore interface {
	// ArticleRevisions returns an article's revisions, newest first.
	ArticleRevisions(ctx context.Context, id int64, limit int) ([]masthead.ArticleRevision, error)
	// ArticleRevision returns one revision of an article, or ENOTFOUND.
	ArticleRevision(ctx context.Context, id, rev int64) (*masthead.ArticleRevision, error)
	// AddArticleNote adds a correction or an update to an article.
	AddArticleNote(ctx context.Context, id int64, in masthead.ArticleNoteInput) (*masthead.ArticleNote, error)
	// EditArticleNote and DeleteArticleNote change or remove one.
	EditArticleNote(ctx context.Context, id, noteID int64, in masthead.ArticleNoteInput) (*masthead.ArticleNote, error)
	DeleteArticleNote(ctx context.Context, id, noteID int64, by masthead.ArticleActor) error
}

// revisionLimit is how many revisions the revisions page lists.
const revisionLimit = 100

// writing returns the store of revisions and notes, or an error page
// when the staff area has none.
func (h *Handler) writing() (WritingStore, error) {
	if h.deps.Writing == nil {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "Revisions are not kept on this site.")
	}
	return h.deps.Writing, nil
}

// writingView fills what the editor shows of revisions, review, notes
// and the article's address.
func (h *Handler) writingView(v *editView, me *masthead.Member, a *masthead.Article, form articleForm, st editState, now time.Time) {
	if h.deps.Writing != nil {
		v.RevisionsURL = articleURL(a.ID) + "/revisions"
	}
	if a.LiveAt(now) {
		v.ViewURL = h.cfg.BaseURL + "/articles/" + a.Slug
	}
	// Autosave writes the article itself, so only where readers cannot
	// see it: a draft.
	v.Autosave = a.Status == masthead.StatusDraft && !st.stale
	v.Stale = st.stale
	v.SlugLocked = !a.PublishedAt.IsZero()
	v.InReview = a.Review == masthead.ReviewPending
	v.Returned = a.Review == masthead.ReviewReturned
	v.ReviewNote = a.ReviewNote
	v.CanReturn = v.InReview && me.Role.CanPublish()
	for _, n := range a.Notes {
		row := noteRow{ID: n.ID, Label: n.Kind.Label(), When: h.formatTime(n.CreatedAt), Body: n.Body, Kind: string(n.Kind), Text: n.Body}
		if st.noteID == n.ID {
			row.Kind, row.Text, row.Errors, row.Open = st.noteKind, st.noteBody, st.noteErrs, true
		}
		v.Notes = append(v.Notes, row)
	}
	v.CanNote = h.deps.Writing != nil && me.Role.CanPublish() && a.LiveAt(now)
	v.CanEditNotes = h.deps.Writing != nil && me.Role.CanPublish()
	v.NoteKind = string(masthead.NoteCorrection)
	if st.noteID == 0 {
		v.NoteBody, v.NoteErrors = st.noteBody, st.noteErrs
		if st.noteKind != "" {
			v.NoteKind = st.noteKind
		}
	}
}

// staleMessage tells the writer of a refused save who changed the
// article, and when.
func (h *Handler) staleMessage(ctx context.Context, id int64, me *masthead.Member) string {
	msg := "This article was changed in another tab or by someone else since you opened it"
	if h.deps.Writing != nil {
		if revs, err := h.deps.Writing.ArticleRevisions(ctx, id, 1); err == nil && len(revs) > 0 {
			rev := revs[0]
			switch {
			case rev.MemberID == me.ID:
				msg = "This article was changed in another tab at " + h.formatTime(rev.CreatedAt)
			case rev.MemberEmail != "":
				msg = "This article was changed by " + rev.MemberEmail + " at " + h.formatTime(rev.CreatedAt)
			default:
				msg = "This article was changed at " + h.formatTime(rev.CreatedAt)
			}
		}
	}
	return msg + "; nothing was overwritten, and your text is kept below. Copy what you need, then open the article again."
}

// revisionRow is one revision as the revisions page lists it.
type revisionRow struct {
	ID      int64
	When    string
	Who     string
	Kind    string
	Title   string
	Current bool
	// From and To preselect the two revisions compared.
	From, To bool
}

type revisionsView struct {
	page
	ArticleID int64
	EditURL   string
	Rows      []revisionRow
	// Compare, when set, is the diff of two revisions.
	Compare *compareView
}

type compareView struct {
	From, To   revisionRow
	FromID     int64
	ToID       int64
	Fields     []fieldDiff
	Rows       []diffRow
	Same       bool
	CanRestore bool
}

// fieldDiff is a field other than the body that differs.
type fieldDiff struct {
	Label, From, To string
}

func (h *Handler) revisionRow(rev masthead.ArticleRevision) revisionRow {
	who := rev.MemberEmail
	if who == "" {
		who = changedBy(masthead.ArticleChange{ActorID: rev.MemberID, Via: rev.Via})
	}
	kind := "Saved"
	switch rev.Kind {
	case masthead.RevisionAutosave:
		kind = "Autosaved"
	case masthead.RevisionRestore:
		kind = fmt.Sprintf("Restored revision %d", rev.RestoredFrom)
	}
	return revisionRow{ID: rev.ID, When: h.formatTime(rev.CreatedAt), Who: who, Kind: kind, Title: rev.Content.Title}
}

// revisionList lists an article's revisions, and compares two of them
// when asked (?from=&to=; by default the newest with the one before).
func (h *Handler) revisionList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ws, err := h.writing()
	if err != nil {
		return err
	}
	a, err := h.loadArticle(r, me)
	if err != nil {
		return err
	}
	ctx := r.Context()
	revs, err := ws.ArticleRevisions(ctx, a.ID, revisionLimit)
	if err != nil {
		return fmt.Errorf("admin: article %d revisions: %w", a.ID, err)
	}
	v := &revisionsView{page: h.page(r, me, "Revisions: "+a.Title), ArticleID: a.ID, EditURL: articleURL(a.ID)}
	v.Section = "articles"
	q := r.URL.Query()
	fromID, _ := strconv.ParseInt(q.Get("from"), 10, 64)
	toID, _ := strconv.ParseInt(q.Get("to"), 10, 64)
	if toID == 0 && len(revs) > 0 {
		toID = revs[0].ID
	}
	if fromID == 0 && len(revs) > 1 {
		fromID = revs[1].ID
	}
	for i, rev := range revs {
		row := h.revisionRow(rev)
		row.Current = i == 0
		row.From, row.To = rev.ID == fromID, rev.ID == toID
		v.Rows = append(v.Rows, row)
	}
	if fromID != 0 && toID != 0 {
		from, err := ws.ArticleRevision(ctx, a.ID, fromID)
		if err != nil {
			return err
		}
		to, err := ws.ArticleRevision(ctx, a.ID, toID)
		if err != nil {
			return err
		}
		c := &compareView{From: h.revisionRow(*from), To: h.revisionRow(*to), FromID: fromID, ToID: toID,
			Fields: fieldDiffs(from.Content, to.Content), Rows: sideBySide(from.Content.Body, to.Content.Body)}
		c.Same = len(c.Fields) == 0 && from.Content.Body == to.Content.Body
		c.CanRestore = len(revs) > 0 && revs[0].ID != fromID
		v.Compare = c
	}
	return h.render(w, http.StatusOK, "revisions", v)
}

// fieldDiffs lists the fields besides the body that differ.
func fieldDiffs(a, b masthead.RevisionContent) []fieldDiff {
	var out []fieldDiff
	add := func(label, from, to string) {
		if from != to {
			out = append(out, fieldDiff{label, from, to})
		}
	}
	add("Title", a.Title, b.Title)
	add("Slug", a.Slug, b.Slug)
	add("Summary", a.Dek, b.Dek)
	add("Kind", a.Kind.Label(), b.Kind.Label())
	add("Access", a.Access.Label(), b.Access.Label())
	add("Column", a.Column, b.Column)
	add("Authors", strings.Join(a.Authors, ", "), strings.Join(b.Authors, ", "))
	add("Topics", strings.Join(a.Topics, ", "), strings.Join(b.Topics, ", "))
	add("Regions", strings.Join(a.Regions, ", "), strings.Join(b.Regions, ", "))
	add("Image", a.Image.URL, b.Image.URL)
	return out
}

// formFromRevision is the article form as revision rev left it.
func formFromRevision(rev *masthead.ArticleRevision) articleForm {
	c := rev.Content
	f := articleForm{Title: c.Title, Slug: c.Slug, Dek: c.Dek, Body: c.Body, Access: string(c.Access), Kind: string(c.Kind),
		Column: c.Column, Authors: strings.Join(c.Authors, ", "), Topics: strings.Join(c.Topics, ", "),
		Regions: strings.Join(c.Regions, ", "), ImageURL: c.Image.URL, ImageAlt: c.Image.Alt, ImageCaption: c.Image.Caption}
	if c.Image.ID != 0 {
		f.ImageID = strconv.FormatInt(c.Image.ID, 10)
	}
	return f
}

// revisionRestore brings a revision back as a new one. The status and
// the publication time stay; an author's restore keeps the access level
// and bylines as their saves do.
func (h *Handler) revisionRestore(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ws, err := h.writing()
	if err != nil {
		return err
	}
	a, err := h.loadArticle(r, me)
	if err != nil {
		return err
	}
	revID, err := strconv.ParseInt(r.PathValue("rev"), 10, 64)
	if err != nil {
		return masthead.Errorf(masthead.ENOTFOUND, "There is no such revision of this article.")
	}
	rev, err := ws.ArticleRevision(r.Context(), a.ID, revID)
	if err != nil {
		return err
	}
	form := formFromRevision(rev)
	now := h.now()
	in, errs, err := h.input(form, "save", me, a, now)
	if err != nil {
		return err
	}
	in.RestoredFrom = rev.ID
	in.Normalize(now)
	for k, msg := range masthead.ErrorFields(in.Validate()) {
		errs.Add(k, msg)
	}
	if len(errs) == 0 {
		_, err = h.deps.Articles.UpdateArticle(r.Context(), a.ID, in)
		errs = masthead.ErrorFields(err)
		if err != nil && len(errs) == 0 {
			return fmt.Errorf("admin: restore revision %d: %w", rev.ID, err)
		}
	}
	if len(errs) > 0 {
		// Say why in the editor, with the revision's text in the form
		// (a slug another article took since, say).
		form.BaseRevision = strconv.FormatInt(a.Revision, 10)
		return h.renderEdit(w, r, me, a, form, editState{status: http.StatusUnprocessableEntity, errs: errs,
			message: fmt.Sprintf("Revision %d could not be restored as it was; the form holds its text.", rev.ID)})
	}
	http.Redirect(w, r, articleURL(a.ID)+"?msg=restored", http.StatusSeeOther)
	return nil
}

// autosaveAnswer is the JSON an autosave answers with.
type autosaveAnswer struct {
	Revision int64  `json:"revision"`
	SavedAt  string `json:"saved_at"`
}

// autosave saves a draft while it is typed (admin.js). It answers JSON:
// the new revision to base the next save on, or an error with its code;
// a save based on an older revision is a conflict whose message says who
// changed the article and when, and nothing is written.
func (h *Handler) autosave(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ans, err := h.autosaveDraft(w, r, me)
	w.Header().Set("Content-Type", "application/json")
	var body any = ans
	status := http.StatusOK
	if err != nil {
		status, body = web.Status(err), web.Body(err)
		if status >= 500 {
			h.deps.Logger.ErrorContext(r.Context(), "admin: autosave", "err", err)
		}
	}
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(body)
}

func (h *Handler) autosaveDraft(w http.ResponseWriter, r *http.Request, me *masthead.Member) (autosaveAnswer, error) {
	if err := parseForm(w, r, formLimit); err != nil {
		return autosaveAnswer{}, err
	}
	a, err := h.loadArticle(r, me)
	if err != nil {
		return autosaveAnswer{}, err
	}
	if a.Status != masthead.StatusDraft {
		return autosaveAnswer{}, masthead.Errorf(masthead.EINVALID, "Only drafts are saved while typing; use the buttons to save this article.")
	}
	form := readForm(r)
	if form.BaseRevision == "" {
		return autosaveAnswer{}, masthead.Errorf(masthead.EINVALID, "The autosave did not say which revision it was based on.")
	}
	now := h.now()
	in, errs, err := h.input(form, "save", me, a, now)
	if err != nil {
		return autosaveAnswer{}, err
	}
	in.Autosave = true
	in.Normalize(now)
	for k, msg := range masthead.ErrorFields(in.Validate()) {
		errs.Add(k, msg)
	}
	if err := errs.Err(); err != nil {
		return autosaveAnswer{}, err
	}
	saved, err := h.deps.Articles.UpdateArticle(r.Context(), a.ID, in)
	if err != nil {
		if _, stale := masthead.ErrorFields(err)["base_revision"]; stale {
			return autosaveAnswer{}, &masthead.Error{Code: masthead.ECONFLICT, Message: h.staleMessage(r.Context(), a.ID, me),
				Fields: map[string]string{"base_revision": "stale"}}
		}
		return autosaveAnswer{}, err
	}
	return autosaveAnswer{Revision: saved.Revision, SavedAt: h.formatTime(now)}, nil
}

// noteAdd adds a correction or an update to a live article: editors and
// admins.
func (h *Handler) noteAdd(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ws, err := h.writing()
	if err != nil {
		return err
	}
	if !me.Role.CanPublish() {
		return masthead.Errorf(masthead.EFORBIDDEN, "Only editors add corrections and updates.")
	}
	a, err := h.loadArticle(r, me)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	in := masthead.ArticleNoteInput{Kind: masthead.NoteKind(r.PostFormValue("note_kind")), Body: r.PostFormValue("note_body"),
		By: masthead.ArticleActor{MemberID: me.ID, Via: masthead.ChangeViaEditor}}
	if _, err := ws.AddArticleNote(r.Context(), a.ID, in); err != nil {
		fields := masthead.ErrorFields(err)
		if len(fields) == 0 {
			return fmt.Errorf("admin: add note: %w", err)
		}
		return h.renderEdit(w, r, me, a, h.formFromArticle(a), editState{status: http.StatusUnprocessableEntity,
			noteErrs: fields, noteKind: string(in.Kind), noteBody: in.Body, message: "The note was not added."})
	}
	http.Redirect(w, r, articleURL(a.ID)+"?msg=note-added", http.StatusSeeOther)
	return nil
}

// noteTarget checks that me may change the notes of the article of the
// path, and returns the article, the note's id and the store.
func (h *Handler) noteTarget(w http.ResponseWriter, r *http.Request, me *masthead.Member) (WritingStore, *masthead.Article, int64, error) {
	ne, err := h.writing()
	if err != nil {
		return nil, nil, 0, err
	}
	if !me.Role.CanPublish() {
		return nil, nil, 0, masthead.Errorf(masthead.EFORBIDDEN, "Only editors change corrections and updates.")
	}
	a, err := h.loadArticle(r, me)
	if err != nil {
		return nil, nil, 0, err
	}
	noteID, err := strconv.ParseInt(r.PathValue("note"), 10, 64)
	if err != nil || noteID <= 0 {
		return nil, nil, 0, masthead.Errorf(masthead.ENOTFOUND, "There is no such note on this article.")
	}
	if err := parseForm(w, r, 64<<10); err != nil {
		return nil, nil, 0, err
	}
	return ne, a, noteID, nil
}

// noteEdit changes a note's kind and text: editors and admins. Like
// adding one, it makes the article modified now.
func (h *Handler) noteEdit(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ne, a, noteID, err := h.noteTarget(w, r, me)
	if err != nil {
		return err
	}
	in := masthead.ArticleNoteInput{Kind: masthead.NoteKind(r.PostFormValue("note_kind")), Body: r.PostFormValue("note_body"),
		By: masthead.ArticleActor{MemberID: me.ID, Via: masthead.ChangeViaEditor}}
	if _, err := ne.EditArticleNote(r.Context(), a.ID, noteID, in); err != nil {
		fields := masthead.ErrorFields(err)
		if len(fields) == 0 {
			return fmt.Errorf("admin: edit note: %w", err)
		}
		return h.renderEdit(w, r, me, a, h.formFromArticle(a), editState{status: http.StatusUnprocessableEntity,
			noteErrs: fields, noteKind: string(in.Kind), noteBody: in.Body, noteID: noteID, message: "The note was not changed."})
	}
	http.Redirect(w, r, articleURL(a.ID)+"?msg=note-edited", http.StatusSeeOther)
	return nil
}

// noteDelete removes a note: editors and admins.
func (h *Handler) noteDelete(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ne, a, noteID, err := h.noteTarget(w, r, me)
	if err != nil {
		return err
	}
	if err := ne.DeleteArticleNote(r.Context(), a.ID, noteID, masthead.ArticleActor{MemberID: me.ID, Via: masthead.ChangeViaEditor}); err != nil {
		return fmt.Errorf("admin: delete note: %w", err)
	}
	http.Redirect(w, r, articleURL(a.ID)+"?msg=note-deleted", http.StatusSeeOther)
	return nil
}
