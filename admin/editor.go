package admin

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// formLimit bounds an article form as sent: the largest body, which
// percent-encoding may triple (every byte of non-ASCII text becomes %XX),
// plus room for the other fields. The store refuses a decoded body over
// masthead.MaxBodyBytes with a message beside the field.
const formLimit = 3*masthead.MaxBodyBytes + 64<<10

// scheduleLayout is the value format of an <input type="datetime-local">.
const scheduleLayout = "2006-01-02T15:04"

// canEdit reports whether me may change a: editors and admins any
// article, authors those that carry their byline.
func canEdit(me *masthead.Member, a *masthead.Article) bool {
	if me.Role.CanPublish() {
		return true
	}
	return me.AuthorSlug != "" && slices.ContainsFunc(a.Authors, func(au masthead.Author) bool {
		return au.Slug == me.AuthorSlug
	})
}

// loadArticle finds the article named in the path and checks that me may
// edit it.
func (h *Handler) loadArticle(r *http.Request, me *masthead.Member) (*masthead.Article, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such article.")
	}
	a, err := h.deps.Articles.ArticleByID(r.Context(), id)
	if err != nil {
		return nil, fmt.Errorf("admin: article %d: %w", id, err)
	}
	if !canEdit(me, a) {
		return nil, masthead.Errorf(masthead.EFORBIDDEN, "You can edit only the articles you write.")
	}
	return a, nil
}

func (h *Handler) articleNew(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if err := mayCreate(me); err != nil {
		return err
	}
	form := articleForm{Access: string(masthead.AccessMetered), Kind: string(masthead.KindDaily)}
	if !me.Role.CanPublish() {
		form.Authors = me.AuthorSlug
	}
	return h.renderEdit(w, r, me, nil, form, editState{status: http.StatusOK})
}

// mayCreate refuses an author without a byline: they could save an
// article but never open it again.
func mayCreate(me *masthead.Member) error {
	if !me.Role.CanPublish() && me.AuthorSlug == "" {
		return masthead.Errorf(masthead.EFORBIDDEN, "Your account has no byline yet; ask an editor to link it to an author.")
	}
	return nil
}

func (h *Handler) articleCreate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if err := mayCreate(me); err != nil {
		return err
	}
	return h.save(w, r, me, nil)
}

func (h *Handler) articleEdit(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	a, err := h.loadArticle(r, me)
	if err != nil {
		return err
	}
	return h.renderEdit(w, r, me, a, h.formFromArticle(a), editState{status: http.StatusOK})
}

func (h *Handler) articleUpdate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	a, err := h.loadArticle(r, me)
	if err != nil {
		return err
	}
	return h.save(w, r, me, a)
}

// save handles a submitted article form for a new article (a is nil) or
// an existing one. Every way it can fail on the input shows the form
// again, with what was typed and a message beside each field at fault.
func (h *Handler) save(w http.ResponseWriter, r *http.Request, me *masthead.Member, a *masthead.Article) error {
	if err := parseForm(w, r, formLimit); err != nil {
		return err
	}
	form := readForm(r)
	action := r.PostFormValue("action")
	if done, err := h.editorImageAction(w, r, me, a, form, action); done || err != nil {
		return err
	}
	if action == "preview" {
		rd, err := h.previewRenderer(r.Context())
		if err != nil {
			return fmt.Errorf("admin: preview: %w", err)
		}
		out, err := rd.PreviewHTML(form.Body)
		if err != nil {
			return fmt.Errorf("admin: preview: %w", err)
		}
		return h.renderEdit(w, r, me, a, form, editState{status: http.StatusOK, preview: &out})
	}

	now := h.now()
	in, fieldErrs, err := h.input(form, action, me, a, now)
	if err != nil {
		return err
	}
	in.Normalize(now)
	for k, msg := range masthead.ErrorFields(in.Validate()) {
		fieldErrs.Add(k, msg)
	}
	if _, ok := fieldErrs["title"]; ok && strings.TrimSpace(form.Slug) == "" {
		// The slug was to come from the missing title; one message is
		// enough.
		delete(fieldErrs, "slug")
	}
	if len(fieldErrs) > 0 {
		return h.renderEdit(w, r, me, a, form, editState{status: http.StatusUnprocessableEntity, errs: fieldErrs})
	}

	var saved *masthead.Article
	if a == nil {
		saved, err = h.deps.Articles.CreateArticle(r.Context(), in)
	} else {
		saved, err = h.deps.Articles.UpdateArticle(r.Context(), a.ID, in)
	}
	switch masthead.ErrorCode(err) {
	case "":
	case masthead.ECONFLICT:
		if _, stale := masthead.ErrorFields(err)["base_revision"]; stale && a != nil {
			return h.renderEdit(w, r, me, a, form, editState{status: http.StatusConflict, message: h.staleMessage(r.Context(), a.ID, me), stale: true})
		}
		fallthrough
	case masthead.EINVALID:
		st := editState{status: http.StatusUnprocessableEntity, errs: masthead.ErrorFields(err)}
		if len(st.errs) == 0 {
			st.message = masthead.ErrorMessage(err)
		}
		return h.renderEdit(w, r, me, a, form, st)
	default:
		return fmt.Errorf("admin: save article: %w", err)
	}

	msg := "saved"
	switch {
	case action == "publish":
		msg = "published"
	case action == "schedule":
		msg = "scheduled"
	case action == "unpublish":
		msg = "unpublished"
	case action == "submit":
		msg = "submitted"
	case action == "return":
		msg = "returned"
	case a == nil:
		msg = "created"
	}
	http.Redirect(w, r, articleURL(saved.ID)+"?msg="+msg, http.StatusSeeOther)
	return nil
}

func readForm(r *http.Request) articleForm {
	v := func(name string) string { return r.PostFormValue(name) }
	return articleForm{
		Title:        v("title"),
		Slug:         v("slug"),
		Dek:          v("dek"),
		Body:         v("body"),
		Access:       v("access"),
		Kind:         v("kind"),
		Column:       v("column"),
		Authors:      v("authors"),
		Topics:       v("topics"),
		Regions:      v("regions"),
		ScheduleAt:   v("schedule_at"),
		ImageURL:     v("image_url"),
		ImageAlt:     v("image_alt"),
		ImageCaption: v("image_caption"),
		ImageID:      v("image_id"),
		BaseRevision: v("base_revision"),
		ReviewNote:   v("review_note"),
	}
}

// input turns the form and the button pressed into an ArticleInput. The
// status and publication time come from the action and the stored
// article, never from a hidden field, so an author cannot publish by
// editing the form. Returned field errors are for the form; a returned
// error refuses the request.
func (h *Handler) input(form articleForm, action string, me *masthead.Member, a *masthead.Article, now time.Time) (masthead.ArticleInput, masthead.Invalid, error) {
	in := masthead.ArticleInput{
		Slug:         form.Slug,
		Title:        form.Title,
		Dek:          form.Dek,
		BodyMarkdown: form.Body,
		AuthorSlugs:  splitList(form.Authors),
		ColumnSlug:   form.Column,
		TopicSlugs:   splitList(form.Topics),
		RegionSlugs:  splitList(form.Regions),
		Kind:         masthead.Kind(form.Kind),
		Access:       masthead.Access(form.Access),
		Image: masthead.Image{
			URL:     strings.TrimSpace(form.ImageURL),
			Alt:     strings.TrimSpace(form.ImageAlt),
			Caption: strings.TrimSpace(form.ImageCaption),
		},
	}
	if id, err := strconv.ParseInt(form.ImageID, 10, 64); err == nil && id > 0 {
		in.Image.ID = id
	}
	if form.BaseRevision != "" {
		// A value that does not parse bases the save on no revision,
		// which any saved article has moved past: refused as stale.
		base, _ := strconv.ParseInt(form.BaseRevision, 10, 64)
		in.BaseRevision = &base
	}
	errs := masthead.Invalid{}
	current := masthead.StatusDraft
	if a != nil {
		current, in.PublishedAt = a.Status, a.PublishedAt
		in.Review, in.ReviewNote = a.Review, a.ReviewNote
		// Once an article has been out, its address stays: an emptied
		// slug field keeps it rather than following a new title.
		if strings.TrimSpace(in.Slug) == "" && !a.PublishedAt.IsZero() {
			in.Slug = a.Slug
		}
	}
	switch action {
	case "save", "":
		// Keeps status and time: for a published article this is
		// "Update", for a draft "Save draft".
		in.Status = current
	case "submit":
		if current != masthead.StatusDraft {
			return in, nil, masthead.Errorf(masthead.EINVALID, "Only a draft is sent for review.")
		}
		in.Status = current
		in.Review, in.ReviewNote = masthead.ReviewPending, ""
	case "return":
		if !me.Role.CanPublish() {
			return in, nil, masthead.Errorf(masthead.EFORBIDDEN, "Only editors return an article to its author.")
		}
		if a == nil || a.Review != masthead.ReviewPending {
			return in, nil, masthead.Errorf(masthead.EINVALID, "Only an article sent for review is returned to its author.")
		}
		in.Status = current
		in.Review, in.ReviewNote = masthead.ReviewReturned, strings.TrimSpace(form.ReviewNote)
		if in.ReviewNote == "" {
			errs.Add("review_note", "Tell the author what to change.")
		}
	case "draft":
		in.Status = masthead.StatusDraft
	case "schedule":
		in.Status = masthead.StatusScheduled
		t, problem := h.parseSchedule(form.ScheduleAt)
		switch {
		case problem != "":
			errs.Add("published_at", problem)
		case !t.After(now):
			errs.Add("published_at", "Choose a time in the future, or publish now.")
		default:
			in.PublishedAt = t
		}
	case "publish":
		in.Status = masthead.StatusPublished
		// Republishing an unpublished article keeps its original date; a
		// draft or an article scheduled for later goes out now.
		if in.PublishedAt.IsZero() || in.PublishedAt.After(now) {
			in.PublishedAt = now
		}
	case "unpublish":
		// Keeps PublishedAt, so readers of the old URL learn it is gone.
		in.Status = masthead.StatusDraft
	default:
		return in, nil, masthead.Errorf(masthead.EINVALID, "Unknown action %q.", action)
	}
	if in.Status != current && !me.Role.CanPublish() {
		return in, nil, masthead.Errorf(masthead.EFORBIDDEN, "Only editors publish, schedule and unpublish. Submit your draft for review instead.")
	}
	if in.Status != masthead.StatusDraft {
		// Publishing or scheduling ends any review.
		in.Review, in.ReviewNote = masthead.ReviewNone, ""
	}
	switch {
	case me.Role.CanPublish():
	case a != nil:
		// Who may read an article and whose it is are the editors'
		// decisions: an author's save keeps the stored access level and
		// bylines whatever the form says, since a script can post any
		// field.
		in.Access = a.Access
		in.AuthorSlugs = authorSlugs(a)
	case !slices.Contains(in.AuthorSlugs, me.AuthorSlug):
		// An author stays on their own new article, or they could not
		// open it again.
		in.AuthorSlugs = append([]string{me.AuthorSlug}, in.AuthorSlugs...)
	}
	in.By = masthead.ArticleActor{MemberID: me.ID, Via: masthead.ChangeViaEditor}
	return in, errs, nil
}

// authorSlugs are a's bylines in order.
func authorSlugs(a *masthead.Article) []string {
	s := make([]string, len(a.Authors))
	for i, au := range a.Authors {
		s[i] = au.Slug
	}
	return s
}

// bylinesFixed reports whether the form shows a's access level and
// bylines without letting me change them: to an author, on an article
// that exists.
func bylinesFixed(me *masthead.Member, a *masthead.Article) bool {
	return a != nil && !me.Role.CanPublish()
}

// parseSchedule reads a datetime-local value in the publication's zone;
// when it cannot, it says why in words for the form.
func (h *Handler) parseSchedule(s string) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, "Choose the date and time to publish."
	}
	// Browsers send the first layout; the others are what people type
	// where the field falls back to plain text.
	for _, layout := range []string{scheduleLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, h.deps.Location); err == nil {
			return t, ""
		}
	}
	return time.Time{}, "Enter a date and time like 2025-05-30T09:00."
}

// splitList splits comma-separated slugs.
func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func (h *Handler) formFromArticle(a *masthead.Article) articleForm {
	slugs := func(n int, slug func(int) string) string {
		s := make([]string, n)
		for i := range s {
			s[i] = slug(i)
		}
		return strings.Join(s, ", ")
	}
	f := articleForm{
		Title:        a.Title,
		Slug:         a.Slug,
		Dek:          a.Dek,
		Body:         a.BodyMarkdown,
		Access:       string(a.Access),
		Kind:         string(a.Kind),
		Authors:      strings.Join(authorSlugs(a), ", "),
		Topics:       slugs(len(a.Topics), func(i int) string { return a.Topics[i].Slug }),
		Regions:      slugs(len(a.Regions), func(i int) string { return a.Regions[i].Slug }),
		ImageURL:     a.Image.URL,
		ImageAlt:     a.Image.Alt,
		ImageCaption: a.Image.Caption,
		BaseRevision: strconv.FormatInt(a.Revision, 10),
	}
	if a.Image.ID != 0 {
		f.ImageID = strconv.FormatInt(a.Image.ID, 10)
	}
	if a.Column != nil {
		f.Column = a.Column.Slug
	}
	if a.Status == masthead.StatusScheduled && !a.PublishedAt.IsZero() {
		f.ScheduleAt = a.PublishedAt.In(h.deps.Location).Format(scheduleLayout)
	}
	return f
}

// editState is how the form is to be shown: the status code, the
// messages of a failed save, and a preview when asked for.
type editState struct {
	status  int
	errs    map[string]string
	message string
	notice  string
	preview *string
	// stale: the save was refused for a newer revision.
	stale bool
	// A refused note, as typed, and why; noteID is the note whose edit
	// was refused (0: the new note's form).
	noteErrs           map[string]string
	noteKind, noteBody string
	noteID             int64
}

func (h *Handler) renderEdit(w http.ResponseWriter, r *http.Request, me *masthead.Member, a *masthead.Article, form articleForm, st editState) error {
	ctx := r.Context()
	tax, err := h.taxonomy(ctx)
	if err != nil {
		return err
	}
	columns, authors, topics, regions := tax.columns, tax.authors, tax.topics, tax.regions

	now := h.now()
	stat := articleStatus(a, now)
	title := "New article"
	if a != nil {
		title = "Edit: " + a.Title
	}
	fixed := bylinesFixed(me, a)
	if fixed {
		// What is shown is what a save keeps.
		form.Access, form.Authors = string(a.Access), strings.Join(authorSlugs(a), ", ")
	}
	v := &editView{
		page:        h.page(r, me, title),
		New:         a == nil,
		Action:      "/admin/articles/new",
		Form:        form,
		Errors:      st.errs,
		Message:     st.message,
		Status:      stat.Class,
		StatusLabel: stat.Label,
		TimeZone:    zoneLabel(now, h.deps.Location),
		Accesses:    enumOptions(masthead.Accesses, form.Access, masthead.Access.Label),
		Kinds:       enumOptions(masthead.Kinds, form.Kind, masthead.Kind.Label),
		Buttons:     buttons(a, me, now),
		Fixed:       fixed,
		AccessLabel: masthead.Access(form.Access).Label(),
		Notice:      st.notice,
		CanUpload:   h.mediaEnabled(),
		MaxSize:     sizeText(h.cfg.MaxUploadBytes),
	}
	if v.Library, err = h.recentImages(ctx); err != nil {
		return err
	}
	v.UploadAction = uploadPath + "?to=new"
	v.Section = "new"
	if a != nil {
		v.Section = "articles"
		v.ID = a.ID
		v.Action = articleURL(a.ID)
		v.UploadAction = uploadPath + "?to=" + strconv.FormatInt(a.ID, 10)
		v.CanDelete = me.Role.CanPublish() || a.PublishedAt.IsZero()
		if v.History, err = h.history(ctx, a.ID); err != nil {
			return err
		}
		h.writingView(v, me, a, form, st, now)
		switch stat.Class {
		case "published":
			v.StatusNote = "Published " + h.formatTime(a.PublishedAt)
		case "scheduled":
			v.StatusNote = "Goes live " + h.formatTime(a.PublishedAt)
		case "unpublished":
			v.StatusNote = "First published " + h.formatTime(a.PublishedAt) + "; readers of its address are told it is gone."
		default:
			v.StatusNote = "Not yet published"
		}
	}
	v.ShowSchedule = me.Role.CanPublish() && stat.Class != "published"
	for field, msg := range st.errs {
		if !formShows(field, v.ShowSchedule) {
			v.OtherErrors = append(v.OtherErrors, msg)
		}
	}
	slices.Sort(v.OtherErrors)
	if len(st.errs) > 0 && v.Message == "" {
		v.Message = "The article was not saved. Please correct the fields marked below."
	}

	v.Columns = []option{{"", "No column", form.Column == ""}}
	known := false
	for _, c := range columns {
		v.Columns = append(v.Columns, option{c.Slug, c.Name, c.Slug == form.Column})
		known = known || c.Slug == form.Column
	}
	if !known && form.Column != "" {
		v.Columns = append(v.Columns, option{form.Column, form.Column, true})
	}
	v.KnownAuthors = hint(len(authors), func(i int) string { return authors[i].Slug })
	v.KnownTopics = hint(len(topics), func(i int) string { return topics[i].Slug })
	v.KnownRegions = hint(len(regions), func(i int) string { return regions[i].Slug })
	if st.preview != nil {
		v.HasPreview = true
		// Rendered by the Markdown renderer, which passes everything
		// through its sanitising allow-list.
		v.Preview = template.HTML(*st.preview)
	}
	return h.render(w, st.status, "edit", v)
}

// zoneLabel names the publication's zone for the schedule field, such
// as "CEST (Europe/Berlin)", or just "UTC".
func zoneLabel(now time.Time, loc *time.Location) string {
	abbr := now.In(loc).Format("MST")
	if abbr == loc.String() {
		return abbr
	}
	return abbr + " (" + loc.String() + ")"
}

// formShows reports whether the form has a place for field's message.
func formShows(field string, schedule bool) bool {
	switch field {
	case "title", "slug", "dek", "body", "access", "kind", "column", "authors", "topics", "regions", "image_url", "image_alt",
		"image_id", "upload", "library", "review_note":
		return true
	case "published_at":
		return schedule
	}
	return false
}

// hint lists known slugs under a field, cut short for large taxonomies.
func hint(n int, slug func(int) string) string {
	const most = 40
	s := make([]string, 0, min(n, most))
	for i := range min(n, most) {
		s = append(s, slug(i))
	}
	out := strings.Join(s, ", ")
	if n > most {
		out += fmt.Sprintf(" … and %d more", n-most)
	}
	return out
}

// buttons are the actions the form offers for an article in its state to
// a member in their role. The first is the default, used when the form is
// sent with Enter.
func buttons(a *masthead.Article, me *masthead.Member, now time.Time) []button {
	pub := me.Role.CanPublish()
	var bs []button
	switch articleStatus(a, now).Class {
	case "published":
		bs = append(bs, button{"save", "Update", true})
		if pub {
			bs = append(bs, button{"unpublish", "Unpublish", false})
		}
	case "scheduled":
		bs = append(bs, button{"save", "Save changes", true})
		if pub {
			bs = append(bs, button{"schedule", "Reschedule", false}, button{"publish", "Publish now", false},
				button{"unpublish", "Unschedule", false})
		}
	default:
		bs = append(bs, button{"draft", "Save draft", true})
		if pub {
			bs = append(bs, button{"schedule", "Schedule", false}, button{"publish", "Publish", false})
			if a != nil && a.Review == masthead.ReviewPending {
				bs = append(bs, button{"return", "Return to author", false})
			}
		} else if a == nil || a.Review != masthead.ReviewPending {
			bs = append(bs, button{"submit", "Submit for review", false})
		}
	}
	return append(bs, button{"preview", "Preview", false})
}

// taxonomyLists is every column, author, topic and region, for the
// editor's choices and the list's filters.
type taxonomyLists struct {
	columns []masthead.Column
	authors []masthead.Author
	topics  []masthead.Term
	regions []masthead.Term
}

func (h *Handler) taxonomy(ctx context.Context) (taxonomyLists, error) {
	var t taxonomyLists
	var err error
	if t.columns, err = h.deps.Taxonomy.Columns(ctx); err != nil {
		return t, fmt.Errorf("admin: list columns: %w", err)
	}
	if t.authors, err = h.deps.Taxonomy.Authors(ctx); err != nil {
		return t, fmt.Errorf("admin: list authors: %w", err)
	}
	if t.topics, err = h.deps.Taxonomy.Topics(ctx); err != nil {
		return t, fmt.Errorf("admin: list topics: %w", err)
	}
	if t.regions, err = h.deps.Taxonomy.Regions(ctx); err != nil {
		return t, fmt.Errorf("admin: list regions: %w", err)
	}
	return t, nil
}
